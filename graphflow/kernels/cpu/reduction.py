"""CPU reductions: numba kernels for float Sum, Mean, Prod, Max and Min; numpy otherwise.

The input is viewed as (outer, reduced, inner) without copying when the reduced axes are
adjacent; other axis sets are transposed into that layout first. Floats accumulate in their
own precision, as TF's Eigen reductions do; float16 accumulates in float32. Inputs of up to
`small.REDUCE_MAX_SIZE` elements use the strict kernels of `small.py` (the ones whole-plan
compilation inlines); larger sums use vectorised fast-math partial sums, in parallel above
`PARALLEL_THRESHOLD`.
"""

import math

import numba
import numpy as np

from graphflow.kernels import checks
from graphflow.kernels import reference
from graphflow.kernels import registry
from graphflow.kernels.cpu import small
from graphflow.kernels.reference import math as ref_math

PARALLEL_THRESHOLD = 1 << 17



@numba.njit(cache=True, fastmath=True, nogil=True)
def _sum_rows(x, out):
    for o in range(x.shape[0]):
        acc = out[o]
        for j in range(x.shape[1]):
            acc += x[o, j]
        out[o] = acc


@numba.njit(cache=True, fastmath=True, nogil=True, parallel=True)
def _sum_rows_parallel(x, out):
    for o in numba.prange(x.shape[0]):
        acc = out[o]
        for j in range(x.shape[1]):
            acc += x[o, j]
        out[o] = acc


@numba.njit(cache=True, fastmath=True, nogil=True)
def _sum_middle(x, out):
    for o in range(x.shape[0]):
        for j in range(x.shape[1]):
            for i in range(x.shape[2]):
                out[o, i] += x[o, j, i]


@numba.njit(cache=True, fastmath=True, nogil=True, parallel=True)
def _sum_middle_parallel(x, out):
    for o in numba.prange(x.shape[0]):
        for j in range(x.shape[1]):
            for i in range(x.shape[2]):
                out[o, i] += x[o, j, i]


def layout(shape, axes):
    """(perm, outer, reduced, inner): transpose `perm` (None when the reduced axes are already
    adjacent) makes x an (outer, reduced, inner) block without copying the common cases."""
    perm = None
    if axes != tuple(range(axes[0], axes[-1] + 1)):
        rest = [a for a in range(len(shape)) if a not in axes]
        perm = rest + list(axes)
        shape = tuple(shape[a] for a in perm)
        axes = tuple(range(len(rest), len(shape)))
    outer = math.prod(shape[:axes[0]])
    red = math.prod(shape[axes[0]:axes[-1] + 1])
    inner = math.prod(shape[axes[-1] + 1:])
    return perm, outer, red, inner


def as_block(x, plan, dtype):
    """x as a C-contiguous (outer, reduced, inner) array of `dtype` (see `layout`)."""
    perm, outer, red, inner = plan
    if perm is not None:
        x = np.transpose(x, perm)
    return np.ascontiguousarray(x, dtype=dtype).reshape(outer, red, inner)


def sum_over(x, plan, acc_dtype):
    """Sum of x over the reduced block of `plan` (from `layout`), shaped (outer * inner)."""
    x3 = as_block(x, plan, acc_dtype)
    if x3.size <= small.REDUCE_MAX_SIZE:
        return small.reduce_block(small.SUM, x3, acc_dtype)
    _, outer, red, inner = plan
    big = x3.size >= PARALLEL_THRESHOLD
    if inner == 1 and outer == 1 and big:
        # One long row: sum `chunks` contiguous pieces in parallel (each a vectorised row
        # sum), then the partial sums and the remainder.
        flat = x3.reshape(-1)
        chunks = 4 * numba.config.NUMBA_NUM_THREADS
        width = flat.size // chunks
        partial = np.zeros(chunks + 1, dtype=acc_dtype)
        _sum_rows_parallel(flat[:chunks * width].reshape(chunks, width), partial[:chunks])
        _sum_rows(flat[chunks * width:].reshape(1, -1), partial[chunks:])
        return np.array([partial.sum(dtype=acc_dtype)], dtype=acc_dtype)
    if inner == 1:
        out = np.zeros(outer, dtype=acc_dtype)
        (_sum_rows_parallel if big and outer > 1 else _sum_rows)(x3.reshape(outer, red), out)
        return out
    out = np.zeros((outer, inner), dtype=acc_dtype)
    (_sum_middle_parallel if big and outer > 1 else _sum_middle)(x3, out)
    return out


def _out_shape(shape, axes, keep):
    if keep:
        return tuple(1 if i in axes else d for i, d in enumerate(shape))
    return tuple(d for i, d in enumerate(shape) if i not in axes)


class _AxesMemo:
    """Per-node memo of (normalised axes, block layout, output shape) by input shape: shapes
    repeat run after run, so axis validation and layout arithmetic happen once per shape."""

    def __init__(self, node, keep):
        self.keep = keep
        self.constant = getattr(node, "constant_inputs", (None, None))[1] is not None
        self.memo = {}

    def get(self, x, axes):
        key = (x.shape, None if self.constant else axes.tobytes())
        entry = self.memo.get(key)
        if entry is None:
            norm = checks.axes_in_range(axes, x.ndim)
            entry = (norm, layout(x.shape, norm) if norm and x.size else None,
                     _out_shape(x.shape, norm, self.keep))
            if len(self.memo) < 64:
                self.memo[key] = entry
        return entry


def _make_factory(op_type, is_mean):
    fallback = reference.REFERENCE[op_type]

    def factory(node, state):
        attrs = node._attrs
        dtype = np.dtype(node.inputs[0].dtype.base_dtype.as_numpy_dtype)
        if dtype.kind != "f":
            return lambda x, axes: fallback(attrs, x, axes)
        acc = np.float32 if dtype == np.float16 else dtype
        memo = _AxesMemo(node, attrs["keep_dims"])

        def run(x, axes):
            axes, block, out_shape = memo.get(x, axes)
            if block is None:
                return fallback(attrs, x, axes)
            total = sum_over(x, block, acc)
            if is_mean:
                total = ref_math.mean_from_sum(total, block[2], dtype)
            return (total.astype(dtype, copy=False).reshape(out_shape),)
        return run
    return factory


def _ufunc_factory(op_type, ufunc, kind):
    """Prod/Max/Min of float32/float64: the strict kernel of `small` up to its size limit, one
    ufunc reduction above (empty Max/Min fall back to the reference, which fills with the
    identity TF uses)."""
    fallback = reference.REFERENCE[op_type]

    def factory(node, state):
        attrs = node._attrs
        dtype = np.dtype(node.inputs[0].dtype.base_dtype.as_numpy_dtype)
        if dtype not in (np.float32, np.float64):
            return lambda x, axes: fallback(attrs, x, axes)
        memo = _AxesMemo(node, attrs["keep_dims"])

        def run(x, axes):
            axes, block, out_shape = memo.get(x, axes)
            if block is None:
                return fallback(attrs, x, axes)
            if x.size <= small.REDUCE_MAX_SIZE:
                out = small.reduce_block(kind, as_block(x, block, dtype), dtype)
                return (out.reshape(out_shape),)
            out = ufunc.reduce(x, axis=axes, keepdims=attrs["keep_dims"])
            return (out if type(out) is np.ndarray else np.asarray(out, dtype=dtype),)
        return run
    return factory


registry.register("Sum")(_make_factory("Sum", False))
registry.register("Mean")(_make_factory("Mean", True))
registry.register("Prod")(_ufunc_factory("Prod", np.multiply, small.PROD))
registry.register("Max")(_ufunc_factory("Max", np.maximum, small.MAX))
registry.register("Min")(_ufunc_factory("Min", np.minimum, small.MIN))
