"""Python operators on Tensor (and Variable), named as TF names them.

`x * 2.0` opens the scope `mul`, converts 2.0 to x's dtype as `mul/y` and creates `mul`;
the reflected `2.0 * x` gives `mul_1/x` and `mul_1`. Between two tensors nothing is converted:
different dtypes raise TypeError. `==` stays identity, as in TF1.
"""

from graphflow import graph as graph_lib
from graphflow.ops import constant_op
from graphflow.ops import math_ops


def _is_tensor_like(value):
    return isinstance(value, graph_lib.Tensor) or hasattr(value, "_as_tensor")


def _convert_other(other, like, name):
    if _is_tensor_like(other):
        return other
    return constant_op.convert_to_tensor(other, dtype=like.dtype.base_dtype, name=name)


def _binary(op_name, fn):
    def forward(x, y):
        with graph_lib.name_scope(None, op_name, [x, y]) as name:
            x = constant_op.convert_to_tensor(x)
            y = _convert_other(y, x, "y")
            return fn(x, y, name=name)

    def reverse(y, x):
        with graph_lib.name_scope(None, op_name, [x, y]) as name:
            y = constant_op.convert_to_tensor(y)
            x = _convert_other(x, y, "x")
            return fn(x, y, name=name)
    return forward, reverse


def _matmul(x, y, name=None):
    from graphflow.ops import linalg_ops
    return linalg_ops.matmul(x, y, name=name)


def _getitem(tensor, key):
    from graphflow.ops import slicing
    return slicing.getitem(tensor, key)


_BINARY = {
    "add": ("__add__", "__radd__", math_ops.add),
    "sub": ("__sub__", "__rsub__", math_ops.subtract),
    "mul": ("__mul__", "__rmul__", math_ops.multiply),
    "truediv": ("__truediv__", "__rtruediv__", math_ops.truediv),
    "floordiv": ("__floordiv__", "__rfloordiv__", math_ops.floordiv),
    "mod": ("__mod__", "__rmod__", math_ops.floormod),
    "pow": ("__pow__", "__rpow__", math_ops.pow),
    "matmul": ("__matmul__", "__rmatmul__", _matmul),
    "and": ("__and__", "__rand__", math_ops.logical_and),
    "or": ("__or__", "__ror__", math_ops.logical_or),
    "xor": ("__xor__", "__rxor__", math_ops.logical_xor),
}


def _neg(x):
    return math_ops.negative(x)


def _abs(x):
    return math_ops.abs(x)


def _invert(x):
    return math_ops.logical_not(x)


def _lt(x, y):
    return math_ops.less(x, y)


def _le(x, y):
    return math_ops.less_equal(x, y)


def _gt(x, y):
    return math_ops.greater(x, y)


def _ge(x, y):
    return math_ops.greater_equal(x, y)


def operator_methods():
    """name -> function for every overloaded operator (used for Tensor and Variable)."""
    methods = {"__neg__": _neg, "__abs__": _abs, "__invert__": _invert, "__lt__": _lt,
               "__le__": _le, "__gt__": _gt, "__ge__": _ge, "__getitem__": _getitem}
    for op_name, (fwd, rev, fn) in _BINARY.items():
        methods[fwd], methods[rev] = _binary(op_name, fn)
    return methods


def install(cls):
    """Adds the operators to `cls` (Tensor, and Variable through its value)."""
    for name, fn in operator_methods().items():
        setattr(cls, name, fn)


install(graph_lib.Tensor)
