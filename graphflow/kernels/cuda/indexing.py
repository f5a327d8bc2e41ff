"""CUDA kernels of gather, one_hot and every shape-only op.

Shape-only ops (reshape, transpose, slices, concat, split, pad, tile, reverse, broadcast...)
never look at values, so each is one generic copy through an index map: output element `i`
is input element `map[i]` (or the fill value where `map[i] == -1`: padding, StridedSliceGrad).
The map is computed on the host by running the op's numpy reference on probes
`np.arange(1, x.size + 1).reshape(x.shape)` (0 marks a filled position), which reuses all of
the reference's validation and TF's messages; it is cached per (input shapes, constant args)
and kept on the device. Maps that are the identity become device views (reshape & co).
Ops with several data inputs (ConcatV2, Pack) scatter each input into the output instead.

GatherV2 and OneHot are direct kernels; gather's indices are range-checked on the host (one
small device->host copy), OneHot needs no check (out-of-range indices give all-off rows).
"""

import numpy as np
from numba import cuda

from graphflow.kernels import checks, index_maps, registry
from graphflow.kernels.cpu.shape_memo import ShapeMemo, array_key
from graphflow.kernels.cuda import memory
from graphflow.kernels.cuda.launch import flat, launch
from graphflow.kernels.reference import REFERENCE
from graphflow.kernels.reference import manip as ref_manip


@cuda.jit
def _gather_map(out, x, index, fill):
    for i in range(cuda.grid(1), out.size, cuda.gridsize(1)):
        j = index[i]
        out[i] = x[j] if j >= 0 else fill[0]


@cuda.jit
def _scatter_map(out, x, index):
    for i in range(cuda.grid(1), x.size, cuda.gridsize(1)):
        out[index[i]] = x[i]


@cuda.jit
def _gather_rows(out, params, indices, o_size, n_size, i_size, k_size):
    """out (B, O, K, I) = params (B, O, N, I) at indices (B, K) along N."""
    for t in range(cuda.grid(1), out.size, cuda.gridsize(1)):
        i = t % i_size
        rest = t // i_size
        k = rest % k_size
        rest //= k_size
        o = rest % o_size
        b = rest // o_size
        j = indices[b * k_size + k]
        out[t] = params[((b * o_size + o) * n_size + j) * i_size + i]


@cuda.jit
def _one_hot(out, indices, on, off, depth, suffix):
    """out (P, D, S) = on where indices (P, S) == d, else off."""
    for t in range(cuda.grid(1), out.size, cuda.gridsize(1)):
        s = t % suffix
        rest = t // suffix
        d = rest % depth
        p = rest // depth
        out[t] = on[0] if indices[p * suffix + s] == d else off[0]


def shape_probe(shape, dtype=np.uint8):
    """A host array of `shape` that costs no memory (for shape-only validation)."""
    return np.broadcast_to(np.zeros((), dtype), tuple(int(d) for d in shape))


class _Plan:
    """Per output: (shape, device map or None for a view); per input: device scatter maps."""

    __slots__ = ("gathers", "scatters", "shapes")

    def __init__(self, shapes, gathers, scatters):
        self.shapes, self.gathers, self.scatters = shapes, gathers, scatters


def _is_identity(index, size):
    return index.size == size and np.array_equal(index, np.arange(size))


def _plan(fn, attrs, layout, shapes, consts):
    """Runs the reference on arange probes; returns the _Plan of one input signature."""
    maps = index_maps.sources(fn, attrs, layout.arguments(index_maps.probes(shapes), consts))
    out_shapes = [shape for _, shape in maps]
    if len(shapes) == 1:
        size = int(np.prod(shapes[0], dtype=np.int64))
        gathers = [None if _is_identity(index, size) else memory.to_device(index)
                   for index, _ in maps]
        return _Plan(out_shapes, gathers, None)
    index = maps[0][0]
    dest = np.full(int(sum(np.prod(s, dtype=np.int64) for s in shapes)), -1, np.int64)
    dest[index] = np.arange(index.size)
    scatters, start = [], 0
    for shape in shapes:
        size = int(np.prod(shape, dtype=np.int64))
        scatters.append(memory.to_device(dest[start:start + size]))
        start += size
    return _Plan(out_shapes, None, scatters)


class _Layout:
    """Which of an op's inputs are data (probed) and which are constant args (keyed)."""

    def __init__(self, consts=(), fill=None, trailing_const=False):
        self.consts = tuple(consts)
        self.fill = fill  # None, or the input position of a constant fill value (PadV2)
        self.trailing_const = trailing_const

    def split(self, args):
        if self.trailing_const:
            return list(args[:-1]), [args[-1]]
        data = [a for i, a in enumerate(args) if i not in self.consts]
        return data, [a for i, a in enumerate(args) if i in self.consts]

    def arguments(self, probes, consts):
        if self.trailing_const:
            return list(probes) + list(consts)
        probes, consts = list(probes), list(consts)
        total = len(probes) + len(consts)
        return [consts.pop(0) if i in self.consts else probes.pop(0) for i in range(total)]


_LAYOUTS = {
    "Reshape": _Layout((1,)), "Transpose": _Layout((1,)), "ExpandDims": _Layout((1,)),
    "Squeeze": _Layout(), "Slice": _Layout((1, 2)), "StridedSlice": _Layout((1, 2, 3)),
    "StridedSliceGrad": _Layout((0, 1, 2, 3)), "ConcatV2": _Layout(trailing_const=True),
    "Pack": _Layout(), "Unpack": _Layout(), "Split": _Layout((0,)), "SplitV": _Layout((1, 2)),
    "Tile": _Layout((1,)), "Pad": _Layout((1,)), "PadV2": _Layout((1, 2), fill=2),
    "ReverseV2": _Layout((1,)), "BroadcastTo": _Layout((1,)),
}


def _fill_value(layout, consts, dtype):
    """(probe-safe consts, the host fill scalar): zero, or PadV2's constant (probed as 0)."""
    if layout.fill is None:
        return consts, np.zeros(1, dtype)
    position = layout.consts.index(layout.fill)
    value = consts[position]
    consts = list(consts)
    consts[position] = np.zeros(value.shape, np.int64)
    return consts, np.asarray(value, dtype=dtype).reshape(-1)[:1]


def copy_op(op_type, attrs):
    """`run(*args)` of a shape-only op on device arrays, with plans memoised per signature."""
    fn, layout = REFERENCE[op_type], _LAYOUTS[op_type]

    def plan_for(key):
        shapes, const_keys = key
        consts = [np.frombuffer(d, dtype=t).reshape(s) for d, t, s in const_keys]
        return _plan(fn, attrs, layout, shapes, consts)

    memo = ShapeMemo(plan_for)

    def run(*args):
        data, consts = layout.split(args)
        consts = [np.require(memory.host_array(c), requirements="C") for c in consts]
        dtype = data[0].dtype if data else np.float32
        consts, fill = _fill_value(layout, consts, dtype)
        plan = memo((tuple(d.shape for d in data), tuple(array_key(c) for c in consts)))
        if plan.scatters is not None:
            out = memory.allocate(plan.shapes[0], dtype)
            for x, index in zip(data, plan.scatters):
                launch(_scatter_map, x.size, flat(out), flat(x), index)
            return (out,)
        x = data[0]
        outputs = []
        for shape, index in zip(plan.shapes, plan.gathers):
            if index is None:
                outputs.append(x.reshape(shape) if x.shape != shape else x)
                continue
            out = memory.allocate(shape, dtype)
            launch(_gather_map, out.size, flat(out), flat(x), index, memory.to_device(fill))
            outputs.append(out)
        return tuple(outputs)
    return run


def _copy_factory(op_type):
    def factory(node, state):
        return copy_op(op_type, node._attrs)
    return factory


for _type in _LAYOUTS:
    registry.register(_type, "GPU")(_copy_factory(_type))


def permute(x, axes):
    """np.transpose(x, axes) as a new device array (used for NCHW <-> NHWC)."""
    return copy_op("Transpose", {})(x, np.array(axes, np.int32))[0]


@registry.register("GatherV2", "GPU")
def _gather_v2(node, state):
    batch_dims = node.get_attr("batch_dims")

    def run(params, indices, axis):
        axis = int(ref_manip.scalar_of(memory.host_array(axis), "axis"))
        (_, o, n, i, k), out_shape = ref_manip.gather_plan(params.shape, indices.shape, axis,
                                                           batch_dims)
        checks.indices_in_range(memory.to_host(indices), n)
        if not memory.is_device_array(indices):
            indices = memory.to_device(indices)
        out = memory.allocate(out_shape, params.dtype)
        launch(_gather_rows, out.size, flat(out), flat(params), flat(indices), o, n, i, k)
        return (out,)
    return run


@registry.register("OneHot", "GPU")
def _one_hot_kernel(node, state):
    axis_attr = node.get_attr("axis")

    def run(indices, depth, on_value, off_value):
        depth, axis = ref_manip.one_hot_plan(indices.shape, memory.host_array(depth),
                                             shape_probe(on_value.shape),
                                             shape_probe(off_value.shape), axis_attr)
        suffix = int(np.prod(indices.shape[axis:], dtype=np.int64))
        shape = indices.shape[:axis] + (depth,) + indices.shape[axis:]
        out = memory.allocate(shape, on_value.dtype)
        launch(_one_hot, out.size, flat(out), flat(indices), flat(on_value), flat(off_value),
               depth, max(suffix, 1))
        return (out,)
    return run
