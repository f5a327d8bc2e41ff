"""CPU kernels for shape manipulation and slicing.

Numpy is the right kernel for everything that is a view or a single numpy pass (reshape,
transpose, slices, flips, tile, pad, concat). GatherV2 and OneHot get numba loops that run in
parallel on large outputs; they only move bytes, so any fixed-size dtype runs through the
unsigned integer kernel of its width. Indices and shapes are validated in Python first by the
same functions as the reference (numba does not bounds-check).
"""

import numba
import numpy as np

from graphflow.kernels import checks
from graphflow.kernels import registry
from graphflow.kernels.cpu import use_reference
from graphflow.kernels.cpu.shape_memo import ShapeMemo, array_key, constant_input, from_array_key
from graphflow.kernels.reference import manip as ref_manip

# Copy-only kernels are memory bound: threads pay off only on large outputs.
PARALLEL_THRESHOLD = 1 << 20

use_reference("Squeeze", "ExpandDims", "ConcatV2", "Split", "SplitV",
              "Slice", "StridedSlice", "Tile", "Pad", "PadV2", "MirrorPad", "ReverseV2",
              "Fill", "ZerosLike", "OnesLike", "ShapeN", "BroadcastTo")

# itemsize -> the unsigned integer type a copy-only kernel moves the bytes as
_BYTES = {1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}


@numba.njit(cache=True, nogil=True)
def _gather_serial(params, indices, out):
    for b in range(params.shape[0]):
        for o in range(params.shape[1]):
            for k in range(indices.shape[1]):
                j = indices[b, k]
                for i in range(params.shape[3]):
                    out[b, o, k, i] = params[b, o, j, i]


@numba.njit(cache=True, nogil=True, parallel=True)
def _gather_parallel(params, indices, out):
    for b in range(params.shape[0]):
        for o in range(params.shape[1]):
            for k in numba.prange(indices.shape[1]):
                j = indices[b, k]
                for i in range(params.shape[3]):
                    out[b, o, k, i] = params[b, o, j, i]


@numba.njit(cache=True, nogil=True)
def _one_hot_serial(indices, on, off, out):
    for p in range(out.shape[0]):
        for d in range(out.shape[1]):
            for s in range(out.shape[2]):
                out[p, d, s] = on if indices[p, s] == d else off


@numba.njit(cache=True, nogil=True, parallel=True)
def _one_hot_parallel(indices, on, off, out):
    for p in numba.prange(out.shape[0]):
        for d in range(out.shape[1]):
            for s in range(out.shape[2]):
                out[p, d, s] = on if indices[p, s] == d else off


def _byte_type(dtype):
    """The unsigned type to move `dtype` as, or None (strings) for the numpy fallback."""
    dtype = np.dtype(dtype)
    return None if dtype.kind == "O" else _BYTES.get(dtype.itemsize)


def _as_bytes(array, shape, kind):
    return np.ascontiguousarray(array).reshape(shape).view(kind)


@registry.register("GatherV2")
def _gather_v2(node, state):
    attrs = node._attrs
    kind = _byte_type(node.inputs[0].dtype.base_dtype.as_numpy_dtype)
    if kind is None:
        return lambda params, indices, axis: ref_manip.gather_v2(attrs, params, indices, axis)

    def run(params, indices, axis):
        axis = int(ref_manip.scalar_of(axis, "axis"))
        (b, o, n, i, k), out_shape = ref_manip.gather_plan(params.shape, indices.shape, axis,
                                                           attrs["batch_dims"])
        checks.indices_in_range(indices, n)
        src = _as_bytes(params, (b, o, n, i), kind)
        idx = np.ascontiguousarray(indices, dtype=np.int64).reshape(b, k)
        out = np.empty((b, o, k, i), dtype=kind)
        big = out.size >= PARALLEL_THRESHOLD and k > 1
        (_gather_parallel if big else _gather_serial)(src, idx, out)
        return (out.view(params.dtype).reshape(out_shape),)
    return run


@registry.register("OneHot")
def _one_hot(node, state):
    attrs = node._attrs
    kind = _byte_type(node.get_attr("T").as_numpy_dtype)
    if kind is None:
        return lambda *args: ref_manip.one_hot(attrs, *args)

    def run(indices, depth, on_value, off_value):
        depth, axis = ref_manip.one_hot_plan(indices.shape, depth, on_value, off_value,
                                             attrs["axis"])
        prefix = int(np.prod(indices.shape[:axis], dtype=np.int64))
        suffix = int(np.prod(indices.shape[axis:], dtype=np.int64))
        idx = np.ascontiguousarray(indices, dtype=np.int64).reshape(prefix, suffix)
        out = np.empty((prefix, depth, suffix), dtype=kind)
        on = _as_bytes(on_value, (1,), kind)[0]
        off = _as_bytes(off_value, (1,), kind)[0]
        big = out.size >= PARALLEL_THRESHOLD and prefix > 1
        (_one_hot_parallel if big else _one_hot_serial)(idx, on, off, out)
        shape = indices.shape[:axis] + (depth,) + indices.shape[axis:]
        return (out.view(on_value.dtype).reshape(shape),)
    return run


@registry.register("Reshape")
def _reshape(node, state):
    """x.reshape(dims) with dims validated once per (input shape, requested shape)."""
    attrs = node._attrs

    def dims_for(key):
        probe = np.empty(key[0], dtype=np.uint8)
        return ref_manip.reshape(attrs, probe, from_array_key(key[1]))[0].shape

    memo = ShapeMemo(dims_for)
    constant = constant_input(node, 1)
    if constant is not None:  # the usual case: key the memo by the input shape alone
        fixed = array_key(constant)

        def run_constant(x, shape):
            return (x.reshape(memo((x.shape, fixed))),)
        return run_constant

    def run(x, shape):
        return (x.reshape(memo((x.shape, array_key(shape)))),)
    return run


@registry.register("Transpose")
def _transpose(node, state):
    """np.transpose with the permutation validated once per (rank, perm)."""
    attrs = node._attrs

    def axes_for(key):
        ndim, perm = key[0], from_array_key(key[1])
        probe = np.empty((1,) * ndim, dtype=np.uint8)
        ref_manip.transpose(attrs, probe, perm)  # raises TF's errors for a bad perm
        return tuple(int(p) % max(ndim, 1) for p in perm.reshape(-1))

    memo = ShapeMemo(axes_for)
    constant = constant_input(node, 1)
    if constant is not None:
        fixed = array_key(constant)

        def run_constant(x, perm):
            return (np.transpose(x, memo((x.ndim, fixed))),)
        return run_constant

    def run(x, perm):
        return (np.transpose(x, memo((x.ndim, array_key(perm)))),)
    return run
