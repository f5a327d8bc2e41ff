"""CPU kernels: numba where it beats numpy, numpy (the reference) where numba adds nothing.

Importing this package registers every CPU kernel. `use_reference` declares, explicitly, the op
types whose best CPU kernel is the numpy reference (views, BLAS, single-pass ufuncs), so a
missing kernel is never mistaken for a chosen one.
"""

import sys as _sys

from graphflow.kernels import reference as _reference
from graphflow.kernels import registry as _registry


def _import_numba_array_math_without_scipy():
    """numba's array-math registry, imported at its first compile or cache load, imports
    scipy.linalg (when SciPy is installed) only to decide how its own np.convolve and
    np.correlate take inner products: 0.15-0.3 s of every cold start. graphflow never calls
    BLAS from numba, so the registry is imported here with that import made to fail (numba
    then uses plain loops there); numba's np.dot and np.linalg still load SciPy when used."""
    if "numba.np.arraymath" in _sys.modules or "scipy.linalg" in _sys.modules:
        return
    blocked = "scipy.linalg.cython_blas"
    _sys.modules[blocked] = None  # `import` of a None entry raises ImportError
    try:
        import numba.np.arraymath  # noqa: F401
    finally:
        if _sys.modules.get(blocked, 0) is None:
            del _sys.modules[blocked]


_import_numba_array_math_without_scipy()


def use_reference(*op_types):
    """Registers the numpy reference as the CPU kernel of `op_types`."""
    for op_type in op_types:
        if op_type not in _reference.REFERENCE:
            raise KeyError(f"{op_type} has no reference kernel")
        _registry.register(op_type, "CPU")(_reference.factory)


from graphflow.kernels.cpu import elementwise  # noqa: E402,F401
from graphflow.kernels.cpu import reduction  # noqa: E402,F401
from graphflow.kernels.cpu import array  # noqa: E402,F401
from graphflow.kernels.cpu import state  # noqa: E402,F401
from graphflow.kernels.cpu import manip  # noqa: E402,F401
from graphflow.kernels.cpu import linalg  # noqa: E402,F401
from graphflow.kernels.cpu import random  # noqa: E402,F401
from graphflow.kernels.cpu import training  # noqa: E402,F401
from graphflow.kernels.cpu import nn  # noqa: E402,F401
from graphflow.kernels.cpu import conv  # noqa: E402,F401
from graphflow.kernels.cpu import summary  # noqa: E402,F401
from graphflow.kernels.cpu import io  # noqa: E402,F401
