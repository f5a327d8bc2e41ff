"""CPU elementwise kernels.

Numpy ufuncs are single-pass SIMD loops with broadcasting, so ops that map to one ufunc use
them. Ops that numpy computes in several passes (sigmoid, rsqrt, squared difference) get a
fused numba loop for the common same-shape case and fall back to the reference otherwise.
"""

import numba
import numpy as np

from graphflow.kernels import checks
from graphflow.kernels import reference
from graphflow.kernels import registry
from graphflow.kernels.cpu import fast_math
from graphflow.kernels.cpu import use_reference
from graphflow.kernels.reference import math as ref_math

PARALLEL_THRESHOLD = 1 << 16

# Fast-math without `nnan`/`ninf`/`nsz`/`arcp`: inf, NaN and -0.0 inputs must give IEEE results
# (sigmoid(-inf) = 0, rsqrt(0) = inf, rsqrt(-0.0) = -inf; `arcp` turns 1/sqrt into an approximate
# rsqrt that gives NaN there). error_model="numpy": 1/0 is inf, not a ZeroDivisionError.
_FASTMATH = {"contract", "afn", "reassoc"}

# Ops that are exactly one numpy ufunc and need no validation call the ufunc directly (the
# reference kernels add broadcast checks, errstate and dtype coercion that cost microseconds
# per call; the executor already runs under errstate(all="ignore")).
UFUNC_UNARY = {
    "Neg": np.negative, "Abs": np.abs, "Square": np.square, "Sqrt": np.sqrt,
    "Expm1": np.expm1, "Log1p": np.log1p, "Sin": np.sin, "Cos": np.cos,
    "Tan": np.tan, "Floor": np.floor, "Ceil": np.ceil, "Sign": np.sign,
    "LogicalNot": np.logical_not,
}
# float32 exp/log/tanh/sigmoid of every size use `fast_math` (vectorised, a few ulp), as fused
# kernels and whole-plan functions do, so a value does not depend on which path computed it;
# other dtypes use these.
TRANSCENDENTAL = {"Exp": np.exp, "Log": np.log, "Tanh": np.tanh, "Sigmoid": None}
UFUNC_BINARY = {
    "AddV2": np.add, "Sub": np.subtract, "Mul": np.multiply, "Maximum": np.maximum,
    "Minimum": np.minimum, "Less": np.less, "LessEqual": np.less_equal, "Greater": np.greater,
    "GreaterEqual": np.greater_equal, "Equal": np.equal, "NotEqual": np.not_equal,
    "LogicalAnd": np.logical_and, "LogicalOr": np.logical_or,
}
FLOAT_ONLY_BINARY = {"RealDiv": np.true_divide}  # integer division needs zero checks

use_reference(*(t for t in ref_math.UNARY if t not in UFUNC_UNARY and
                t not in TRANSCENDENTAL and t != "Rsqrt"))
use_reference(*(t for t in ref_math.BINARY if t not in UFUNC_BINARY and
                t not in FLOAT_ONLY_BINARY and t != "SquaredDifference"))


def _as_array(out):
    """Ufuncs return numpy scalars for 0-d inputs; kernels always return arrays."""
    return out if type(out) is np.ndarray else np.asarray(out)


def _unary_ufunc(ufunc):
    def factory(node, state):
        def run(x):
            return (_as_array(ufunc(x)),)
        return run
    return factory


def _binary_ufunc(ufunc, op_type, floats_only=False):
    fallback = reference.REFERENCE[op_type]

    def factory(node, state):
        if floats_only and not node.inputs[0].dtype.is_floating:
            attrs = node._attrs
            return lambda x, y: fallback(attrs, x, y)

        def run(x, y):
            try:
                out = ufunc(x, y)
            except ValueError:
                raise checks.invalid(f"Incompatible shapes: {list(x.shape)} vs. "
                                     f"{list(y.shape)}") from None
            return (_as_array(out),)
        return run
    return factory


for _type, _ufunc in UFUNC_UNARY.items():
    registry.register(_type)(_unary_ufunc(_ufunc))
for _type, _ufunc in UFUNC_BINARY.items():
    registry.register(_type)(_binary_ufunc(_ufunc, _type))
for _type, _ufunc in FLOAT_ONLY_BINARY.items():
    registry.register(_type)(_binary_ufunc(_ufunc, _type, floats_only=True))
use_reference("AddN", "Cast", "Select", "SelectV2", "Where", "ArgMax", "ArgMin",
              "Cumprod",
              "Cumsum", "Any", "All", "ClipByValue")


@numba.njit(cache=True, fastmath=_FASTMATH, nogil=True, error_model="numpy")
def _sigmoid_serial(x, out):
    for i in range(x.size):
        out[i] = 1 / (1 + np.exp(-x[i]))


@numba.njit(cache=True, fastmath=_FASTMATH, nogil=True, error_model="numpy",
            parallel=True)
def _sigmoid_parallel(x, out):
    for i in numba.prange(x.size):
        out[i] = 1 / (1 + np.exp(-x[i]))


@numba.njit(cache=True, fastmath=_FASTMATH, nogil=True, error_model="numpy")
def _rsqrt_serial(x, out):
    for i in range(x.size):
        out[i] = 1 / np.sqrt(x[i])


@numba.njit(cache=True, fastmath=_FASTMATH, nogil=True, error_model="numpy",
            parallel=True)
def _rsqrt_parallel(x, out):
    for i in numba.prange(x.size):
        out[i] = 1 / np.sqrt(x[i])


@numba.njit(cache=True, fastmath=_FASTMATH, nogil=True, error_model="numpy")
def _sqdiff_serial(x, y, out):
    for i in range(x.size):
        d = x[i] - y[i]
        out[i] = d * d


@numba.njit(cache=True, fastmath=_FASTMATH, nogil=True, error_model="numpy",
            parallel=True)
def _sqdiff_parallel(x, y, out):
    for i in numba.prange(x.size):
        d = x[i] - y[i]
        out[i] = d * d


def _flat_run(serial, parallel, *leading):
    """run(x): `serial` or `parallel` (by size) as kernel(*leading, flat x, flat out)."""
    def run(x):
        flat = np.ascontiguousarray(x).reshape(-1)
        out = np.empty_like(flat)
        (parallel if flat.size >= PARALLEL_THRESHOLD else serial)(*leading, flat, out)
        return (out.reshape(x.shape),)
    return run


def _flat_unary(serial, parallel, op_type):
    fallback = reference.REFERENCE[op_type]

    def factory(node, state):
        attrs = node._attrs
        if node.inputs[0].dtype.base_dtype.as_numpy_dtype not in (np.float32, np.float64):
            return lambda x: fallback(attrs, x)
        return _flat_run(serial, parallel)
    return factory


def _transcendental(op_type, ufunc):
    other = (_unary_ufunc(ufunc) if ufunc is not None else
             _flat_unary(_sigmoid_serial, _sigmoid_parallel, op_type))
    kind = fast_math.KINDS[op_type]

    def factory(node, state):
        if node.inputs[0].dtype.base_dtype.as_numpy_dtype != np.float32:
            return other(node, state)
        return _flat_run(fast_math.map_serial, fast_math.map_parallel, kind)
    return factory


for _type, _ufunc in TRANSCENDENTAL.items():
    registry.register(_type)(_transcendental(_type, _ufunc))
registry.register("Rsqrt")(_flat_unary(_rsqrt_serial, _rsqrt_parallel, "Rsqrt"))


@registry.register("SquaredDifference")
def _squared_difference(node, state):
    fallback = reference.REFERENCE["SquaredDifference"]
    attrs = node._attrs
    if node.inputs[0].dtype.base_dtype.as_numpy_dtype not in (np.float32, np.float64):
        return lambda x, y: fallback(attrs, x, y)

    def run(x, y):
        if x.shape != y.shape:
            return fallback(attrs, x, y)
        xf = np.ascontiguousarray(x).reshape(-1)
        yf = np.ascontiguousarray(y).reshape(-1)
        out = np.empty_like(xf)
        (_sqdiff_parallel if xf.size >= PARALLEL_THRESHOLD else _sqdiff_serial)(xf, yf, out)
        return (out.reshape(x.shape),)
    return run


@registry.register("Range")
def _range(node, state):
    """np.arange with the node's dtype; invalid arguments go to the reference for its errors."""
    fallback = reference.REFERENCE["Range"]
    attrs = node._attrs
    dtype = node._attrs["Tidx"].as_numpy_dtype

    def run(start, limit, delta):
        s, lim, d = start[()], limit[()], delta[()]
        if d == 0 or (d > 0 and s > lim) or (d < 0 and s < lim):
            return fallback(attrs, start, limit, delta)
        return (np.arange(s, lim, d).astype(dtype, copy=False),)
    return run
