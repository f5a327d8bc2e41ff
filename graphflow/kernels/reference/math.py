"""Numpy reference kernels for graphflow/ops/math_ops.py."""

import numpy as np

from graphflow.kernels import checks
from graphflow.kernels.reference import reference


def _sigmoid(x):
    with np.errstate(over="ignore"):
        return (1 / (1 + np.exp(-x))).astype(x.dtype)


def _rsqrt(x):
    with np.errstate(divide="ignore", invalid="ignore"):
        return (1 / np.sqrt(x)).astype(x.dtype)


def _reciprocal(x):
    if x.dtype.kind in "iu":
        checks.integer_divisor_nonzero(x)
        return _trunc_div(np.ones_like(x), x)
    return (1 / x).astype(x.dtype)


def _round(x):
    return x.copy() if x.dtype.kind in "iu" else np.round(x)


UNARY = {
    "Neg": np.negative, "Abs": np.abs, "Sign": np.sign, "Square": np.square, "Sqrt": np.sqrt,
    "Rsqrt": _rsqrt, "Exp": np.exp, "Expm1": np.expm1, "Log": np.log, "Log1p": np.log1p,
    "Sin": np.sin, "Cos": np.cos, "Tan": np.tan, "Tanh": np.tanh, "Sigmoid": _sigmoid,
    "Reciprocal": _reciprocal, "Floor": np.floor, "Ceil": np.ceil, "Round": _round,
    "LogicalNot": np.logical_not,
}


def _unary_kernel(fn):
    def run(attrs, x):
        return (np.asarray(fn(x), dtype=x.dtype),)
    return run


for _type, _fn in UNARY.items():
    reference(_type)(_unary_kernel(_fn))


def _trunc_div(x, y):
    q = np.floor_divide(x, y)
    fix = (q < 0) & (q * y != x)
    return (q + fix).astype(x.dtype)


def _real_div(x, y):
    if x.dtype.kind in "iu":
        checks.integer_divisor_nonzero(y)
        return _trunc_div(x, y)
    return np.true_divide(x, y)


def _floor_div(x, y):
    checks.integer_divisor_nonzero(y)
    return np.floor_divide(x, y)


def _floor_mod(x, y):
    checks.integer_divisor_nonzero(y)
    return np.mod(x, y)


def _truncate_div(x, y):
    checks.integer_divisor_nonzero(y)
    return _trunc_div(x, y) if x.dtype.kind in "iu" else np.trunc(x / y)


def _pow(x, y):
    checks.no_negative_integer_powers(x, y)
    return np.power(x, y)


def _squared_difference(x, y):
    d = np.subtract(x, y)
    return d * d


BINARY = {
    "AddV2": np.add, "Sub": np.subtract, "Mul": np.multiply, "RealDiv": _real_div,
    "FloorDiv": _floor_div, "FloorMod": _floor_mod, "TruncateDiv": _truncate_div, "Pow": _pow,
    "Maximum": np.maximum, "Minimum": np.minimum, "SquaredDifference": _squared_difference,
    "Less": np.less, "LessEqual": np.less_equal, "Greater": np.greater,
    "GreaterEqual": np.greater_equal, "Equal": np.equal, "NotEqual": np.not_equal,
    "LogicalAnd": np.logical_and, "LogicalOr": np.logical_or,
}


def _binary_kernel(fn, bool_out):
    def run(attrs, x, y):
        checks.broadcastable(x, y)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            z = fn(x, y)
        return (np.asarray(z, dtype=np.bool_ if bool_out else x.dtype),)
    return run


for _type, _fn in BINARY.items():
    _bool_out = _type in ("Less", "LessEqual", "Greater", "GreaterEqual", "Equal", "NotEqual",
                          "LogicalAnd", "LogicalOr")
    reference(_type)(_binary_kernel(_fn, _bool_out))


@reference("AddN")
def add_n(attrs, *inputs):
    checks.same_shapes(inputs, "AddN")
    total = inputs[0].copy()
    for x in inputs[1:]:
        total += x
    return (total,)


@reference("Cast")
def cast(attrs, x):
    target = attrs["DstT"].as_numpy_dtype
    if x.dtype == object or np.dtype(target) == object:
        if x.dtype == np.dtype(target):
            return (x,)
        raise checks.invalid(f"Cast string to/from {np.dtype(target).name} is not supported")
    with np.errstate(invalid="ignore", over="ignore"):
        return (x.astype(target),)


def reduce_axes(attrs, x, axes):
    """Normalised reduction axes (checked against x's rank)."""
    return checks.axes_in_range(axes, x.ndim)


_ACCUMULATE = {np.dtype(np.float16): np.float32}


def _reducer(np_fn, empty_fill=None):
    def run(attrs, x, axes):
        axes = reduce_axes(attrs, x, axes)
        keep = attrs["keep_dims"]
        acc = _ACCUMULATE.get(x.dtype, x.dtype)
        kwargs = {}
        if empty_fill is not None:
            kwargs["initial"] = empty_fill(x.dtype)
        else:
            kwargs["dtype"] = acc
        out = np_fn(x.astype(acc, copy=False), axis=axes, keepdims=keep, **kwargs)
        return (np.asarray(out).astype(x.dtype),)
    return run


def _lowest(dtype):
    return -np.inf if dtype.kind == "f" else np.iinfo(dtype).min


def _highest(dtype):
    return np.inf if dtype.kind == "f" else np.iinfo(dtype).max


reference("Sum")(_reducer(np.sum))
reference("Prod")(_reducer(np.prod))
reference("Max")(_reducer(np.max, _lowest))
reference("Min")(_reducer(np.min, _highest))


# TF sums integer means in 64 bits (int8..int32 -> int64, uint8..uint32 -> uint64) and
# truncates the quotient; int64/uint64 sums wrap.
_MEAN_ACCUMULATE = {np.dtype(t): np.dtype(np.int64) for t in (np.int8, np.int16, np.int32)}
_MEAN_ACCUMULATE.update({np.dtype(t): np.dtype(np.uint64)
                         for t in (np.uint8, np.uint16, np.uint32)})


def mean_from_sum(total, count, dtype):
    """Mean from a sum over `count` elements, rounded as TF rounds it.

    Floats divide the sum *in the input dtype* (float16: a sum above 65504 is inf, as in TF);
    an empty float mean is NaN. Integers truncate toward zero; an empty integer mean is 0.
    """
    total = np.asarray(total)
    if dtype.kind == "f":
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            return total.astype(dtype) / dtype.type(count)
    if count == 0:
        return np.zeros(total.shape, dtype=dtype)
    return _trunc_div(total, np.asarray(count, dtype=total.dtype)).astype(dtype)


@reference("Mean")
def mean(attrs, x, axes):
    axes = reduce_axes(attrs, x, axes)
    count = 1
    for a in axes:
        count *= x.shape[a]
    acc = _MEAN_ACCUMULATE.get(x.dtype, _ACCUMULATE.get(x.dtype, x.dtype))
    with np.errstate(over="ignore"):
        total = np.sum(x, axis=axes, keepdims=attrs["keep_dims"], dtype=acc)
    return (np.asarray(mean_from_sum(total, count, x.dtype)),)


@reference("Any")
def reduce_any(attrs, x, axes):
    axes = reduce_axes(attrs, x, axes)
    return (np.asarray(np.any(x, axis=axes, keepdims=attrs["keep_dims"])),)


@reference("All")
def reduce_all(attrs, x, axes):
    axes = reduce_axes(attrs, x, axes)
    return (np.asarray(np.all(x, axis=axes, keepdims=attrs["keep_dims"])),)


def _arg_reduce(np_fn, nan_fill):
    """ArgMax/ArgMin; TF never picks a NaN (an all-NaN slice gives index 0), numpy would."""
    def run(attrs, x, axis):
        (axis,) = checks.axes_in_range(axis, x.ndim, "dimension") or (0,)
        if x.ndim == 0:
            raise checks.invalid("ArgMax/ArgMin expects a tensor of rank >= 1")
        if x.shape[axis] == 0:
            raise checks.invalid(f"Reduction axis {axis} is empty in shape {list(x.shape)}")
        if x.dtype.kind == "f":
            x = np.where(np.isnan(x), x.dtype.type(nan_fill), x)
        return (np_fn(x, axis=axis).astype(attrs["output_type"].as_numpy_dtype),)
    return run


reference("ArgMax")(_arg_reduce(np.argmax, -np.inf))
reference("ArgMin")(_arg_reduce(np.argmin, np.inf))


@reference("ClipByValue")
def clip_by_value(attrs, t, low, high):
    for bound, what in ((low, "clip_value_min"), (high, "clip_value_max")):
        if bound.ndim != 0 and bound.shape != t.shape:
            raise checks.invalid(f"{what} must be either a scalar or have the same shape as t: "
                                 f"{list(bound.shape)} vs. {list(t.shape)}")
    return (np.maximum(np.minimum(t, high), low).astype(t.dtype, copy=False),)


@reference("Select")
def select(attrs, cond, t, e):
    if t.shape != e.shape:
        raise checks.invalid(f"'then' and 'else' must have the same size.  but received: "
                             f"{list(t.shape)} vs. {list(e.shape)}")
    if cond.ndim == 0:
        return ((t if cond else e).copy(),)
    if cond.shape != t.shape:
        if cond.ndim != 1 or t.ndim < 1 or cond.shape[0] != t.shape[0]:
            raise checks.invalid(f"'cond' must be a vector of the first dimension of 'then' or "
                                 f"have its shape: {list(cond.shape)} vs. {list(t.shape)}")
        cond = cond.reshape(cond.shape + (1,) * (t.ndim - 1))
    return (np.where(cond, t, e),)


@reference("SelectV2")
def select_v2(attrs, cond, t, e):
    try:
        shape = np.broadcast_shapes(cond.shape, t.shape, e.shape)
    except ValueError:
        raise checks.invalid(f"Incompatible shapes: {list(cond.shape)}, {list(t.shape)}, "
                             f"{list(e.shape)}") from None
    return (np.broadcast_to(np.where(cond, t, e), shape).copy(),)


@reference("Where")
def where(attrs, x):
    if x.ndim == 0:
        raise checks.invalid("WhereOp : Unhandled input dimensions: 0")
    return (np.argwhere(x).astype(np.int64).reshape(-1, x.ndim),)


@reference("Range")
def range_(attrs, start, limit, delta):
    start, limit, delta = start.item(), limit.item(), delta.item()
    if delta == 0:
        raise checks.invalid(f"Requires delta != 0: {delta}")
    if delta > 0 and start > limit:
        raise checks.invalid(f"Requires start <= limit when delta > 0: {start}/{limit}")
    if delta < 0 and start < limit:
        raise checks.invalid(f"Requires start >= limit when delta < 0: {start}/{limit}")
    return (np.arange(start, limit, delta).astype(attrs["Tidx"].as_numpy_dtype),)


def _scanner(np_scan, identity, name):
    """Cumsum/Cumprod: inclusive or exclusive running sum/product, optionally reversed."""
    def run(attrs, x, axis):
        (axis,) = checks.axes_in_range(axis, x.ndim, "axis") or (0,)
        if x.ndim == 0:
            raise checks.invalid(f"{name} expects a tensor of rank >= 1")
        if attrs["reverse"]:
            x = np.flip(x, axis)
        out = np_scan(x, axis=axis, dtype=x.dtype)
        if attrs["exclusive"] and x.shape[axis]:
            out = np.roll(out, 1, axis=axis)
            index = [slice(None)] * x.ndim
            index[axis] = 0
            out[tuple(index)] = identity
        if attrs["reverse"]:
            out = np.flip(out, axis)
        return (np.ascontiguousarray(out),)
    return run


reference("Cumsum")(_scanner(np.cumsum, 0, "Cumsum"))
reference("Cumprod")(_scanner(np.cumprod, 1, "Cumprod"))
