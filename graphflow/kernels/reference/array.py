"""Numpy reference kernels for graphflow/ops/array_ops.py and constant_op.py."""

import numpy as np

from graphflow.kernels import checks
from graphflow.kernels.reference import reference


@reference("Const")
def const(attrs, ):
    value = attrs["value"]
    if value.flags.writeable:
        value = value.copy()
        value.flags.writeable = False  # shared by every run: nobody may write into it
    return (value,)


@reference("Identity", "StopGradient", "PlaceholderWithDefault")
def identity(attrs, x):
    return (x,)


@reference("NoOp")
def no_op(attrs):
    return ()


@reference("Shape")
def shape(attrs, x):
    return (np.array(x.shape, dtype=attrs["out_type"].as_numpy_dtype),)


@reference("Size")
def size(attrs, x):
    return (np.array(x.size, dtype=attrs["out_type"].as_numpy_dtype),)


@reference("Rank")
def rank(attrs, x):
    return (np.array(x.ndim, dtype=np.int32),)


@reference("Pack")
def pack(attrs, *values):
    checks.same_shapes(values, "Pack")
    axis = attrs["axis"]
    rank = values[0].ndim + 1
    if not -rank <= axis < rank:
        raise checks.invalid(f"axis = {axis} not in [{-rank}, {rank})")
    return (np.stack(values, axis=axis),)


@reference("Unpack")
def unpack(attrs, value):
    axis = attrs["axis"]
    if not -value.ndim <= axis < value.ndim:
        raise checks.invalid(f"axis = {axis} not in [{-value.ndim}, {value.ndim})")
    if value.shape[axis] != attrs["num"]:
        raise checks.invalid(f"Input shape axis {axis} must equal {attrs['num']}, got shape "
                             f"{list(value.shape)}")
    return tuple(np.ascontiguousarray(np.take(value, i, axis=axis))
                 for i in range(attrs["num"]))
