"""Validation shared by every kernel of an op (reference, CPU, CUDA).

Numba does not bounds-check and numpy wraps negative indices; these checks run in Python before
a kernel and raise graphflow's error classes. The executor adds the node name, op type and
input shapes to the message.
"""

import numpy as np

from graphflow import errors


def invalid(message):
    return errors.InvalidArgumentError(None, None, message)


def integer_divisor_nonzero(y):
    """Integer division/modulo by zero is an error in TF (numpy would give 0)."""
    if y.dtype.kind in "iu" and not np.all(y):
        raise invalid("Integer division by zero")


def no_negative_integer_powers(x, y):
    if y.dtype.kind == "i" and np.any(y < 0):
        raise invalid("Integers to negative integer powers are not allowed")


def axes_in_range(axes, rank, what="reduction"):
    """Returns axes (any int array) normalized to [0, rank); errors for out-of-range axes."""
    axes = np.asarray(axes).reshape(-1)
    bound = max(rank, 1)
    for a in axes.tolist():
        if not -bound <= a < bound:
            raise invalid(f"Invalid {what} dimension ({a} for input with {rank} dimension(s)")
    return tuple(sorted({int(a) % bound for a in axes.tolist()})) if rank else ()


def indices_in_range(indices, limit, what="indices"):
    """Every index must satisfy 0 <= i < limit (no negative wrap-around)."""
    if indices.size == 0:
        return
    bad = (indices < 0) | (indices >= limit)
    if bad.any():
        pos = np.argwhere(bad)[0]
        value = int(indices[tuple(pos)])
        where = ",".join(str(int(p)) for p in pos)
        raise invalid(f"{what}[{where}] = {value} is not in [0, {limit})")


def same_shapes(arrays, what):
    first = arrays[0].shape
    for a in arrays[1:]:
        if a.shape != first:
            raise invalid(f"{what}: shapes must be equal: {list(first)} vs {list(a.shape)}")


def broadcastable(x, y):
    try:
        return np.broadcast_shapes(x.shape, y.shape)
    except ValueError:
        raise invalid(f"Incompatible shapes: {list(x.shape)} vs. {list(y.shape)}") from None


def same_variable_shape(slot, current, value):
    """AssignAdd/AssignSub: the update must have the variable's shape (no broadcasting)."""
    if current.shape != value.shape:
        raise invalid(f"Must have the same shape: variable {slot.name} has shape "
                      f"{list(current.shape)}, update has shape {list(value.shape)}")
