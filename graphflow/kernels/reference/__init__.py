"""The numpy twin of every op: the test oracle and the CPU fallback.

`REFERENCE[op_type] = fn(attrs, *arrays) -> tuple of arrays`. Family modules below fill the
table with `@reference("OpType")`. They validate what numpy would silently accept (negative or
out-of-range indices, integer division by zero) exactly as the CPU kernels do, through
`graphflow.kernels.checks`.
"""

REFERENCE = {}


def reference(*op_types):
    """Decorator registering a numpy implementation for one or more op types."""
    def wrap(fn):
        for op_type in op_types:
            if op_type in REFERENCE:
                raise KeyError(f"a reference kernel for {op_type} is already registered")
            REFERENCE[op_type] = fn
        return fn
    return wrap


def factory(node, state):
    """Kernel factory that runs the reference implementation of `node.type`."""
    fn = REFERENCE[node.type]
    attrs = node._attrs

    def run(*arrays):
        return fn(attrs, *arrays)
    return run


def evaluate(op_type, attrs, *arrays):
    """Runs the reference of `op_type` directly (tests use this)."""
    return REFERENCE[op_type](attrs, *arrays)


from graphflow.kernels.reference import math as _math  # noqa: E402,F401
from graphflow.kernels.reference import array as _array  # noqa: E402,F401
from graphflow.kernels.reference import manip as _manip  # noqa: E402,F401
from graphflow.kernels.reference import linalg as _linalg  # noqa: E402,F401
from graphflow.kernels.reference import grad_support as _grad_support  # noqa: E402,F401
from graphflow.kernels.reference import training as _training  # noqa: E402,F401
from graphflow.kernels.reference import nn as _nn  # noqa: E402,F401
from graphflow.kernels.reference import conv as _conv  # noqa: E402,F401
from graphflow.kernels.reference import summary as _summary  # noqa: E402,F401
