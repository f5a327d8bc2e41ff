"""Gradients of the shape-manipulation and slicing ops (manip_ops.py, slicing.py)."""

import numpy as np

from graphflow import registry
from graphflow.ops import array_ops
from graphflow.ops import constant_op
from graphflow.ops import grad_support_ops
from graphflow.ops import manip_ops
from graphflow.ops import math_grad
from graphflow.ops import math_ops
from graphflow.ops import slicing


def _reshape_to_input(op, grad):
    return [manip_ops.reshape(grad, array_ops.shape(op.inputs[0]))] + \
        [None] * (len(op.inputs) - 1)


def _transpose_grad(op, grad):
    perm = constant_op.constant_value(op.inputs[1])
    if perm is not None:
        inverse = np.argsort(perm).astype(perm.dtype)
    else:
        inverse = grad_support_ops.invert_permutation(op.inputs[1])
    return [manip_ops.transpose(grad, inverse), None]


def _static_axis(op, tensor, rank_of):
    axis = constant_op.constant_value(tensor)
    if axis is None:
        raise NotImplementedError(f"gradient of {op.type} '{op.name}' needs a constant axis")
    rank = rank_of.shape.rank
    return int(axis) % rank if rank else int(axis)


def _concat_grad(op, grad):
    values, axis_t = op.inputs[:-1], op.inputs[-1]
    axis = _static_axis(op, axis_t, values[0])
    dims = [v.shape[axis].value if v.shape.rank is not None else None for v in values]
    if all(d is not None for d in dims):
        sizes = dims
    else:
        sizes = array_ops.stack([array_ops.shape(v)[axis] for v in values])
    parts = manip_ops.split(grad, sizes, axis, num=len(values))
    return list(parts) + [None]


def _split_grad(op, *grads):
    axis = _static_axis(op, op.inputs[0], op.inputs[1])
    return [None, manip_ops.concat(_filled(op, grads), axis)]


def _split_v_grad(op, *grads):
    axis = _static_axis(op, op.inputs[2], op.inputs[0])
    return [manip_ops.concat(_filled(op, grads), axis), None, None]


def _filled(op, grads):
    return [g if g is not None else manip_ops.zeros_like(t) for g, t in zip(grads, op.outputs)]


def _slice_grad(op, grad):
    x, begin, _ = op.inputs
    shape = array_ops.shape(x)
    after = shape - array_ops.shape(op.outputs[0]) - begin
    paddings = array_ops.stack([begin, after], axis=1)
    return [manip_ops.pad(grad, paddings), None, None]


def _strided_slice_grad(op, grad):
    x, begin, end, strides = op.inputs
    masks = {k: op.get_attr(k) for k in ("begin_mask", "end_mask", "ellipsis_mask",
                                         "new_axis_mask", "shrink_axis_mask")}
    shape = array_ops.shape(x, out_type=begin.dtype.base_dtype)
    return [grad_support_ops.strided_slice_grad(shape, begin, end, strides, grad, **masks),
            None, None, None]


def _gather_grad(op, grad):
    params, indices, axis_t = op.inputs
    if op.get_attr("batch_dims") != 0:
        raise NotImplementedError("gradient of GatherV2 with batch_dims != 0")
    axis = _static_axis(op, axis_t, params)
    if axis != 0:
        rank = params.shape.rank
        perm = [axis] + [i for i in range(rank) if i != axis]
        moved = manip_ops.transpose(params, perm)
        inner = slicing.gather(moved, indices)
        (g,) = _gather_axis0(moved, indices, _move_indices_axis(grad, indices, axis))
        del inner
        return [manip_ops.transpose(g, np.argsort(perm)), None, None]
    return list(_gather_axis0(params, indices, grad)) + [None, None]


def _move_indices_axis(grad, indices, axis):
    """Brings the dims that indices produced (at `axis`) to the front of grad."""
    k = indices.shape.rank
    rank = grad.shape.rank
    perm = list(range(axis, axis + k)) + list(range(axis)) + list(range(axis + k, rank))
    return manip_ops.transpose(grad, perm)


def _gather_axis0(params, indices, grad):
    n = array_ops.shape(params)[0]
    return (grad_support_ops.unsorted_segment_sum(grad, indices, n),)


def _tile_grad(op, grad):
    x, multiples = op.inputs
    shape = array_ops.shape(x, out_type=multiples.dtype.base_dtype)
    split_shape = manip_ops.reshape(
        manip_ops.transpose(array_ops.stack([multiples, shape])), [-1])
    axes = math_ops.range(0, array_ops.size(split_shape), 2)
    return [math_ops.reduce_sum(manip_ops.reshape(grad, split_shape), axes), None]


def _pad_grad(op, grad):
    x, paddings = op.inputs[:2]
    begin = manip_ops.reshape(slicing.slice(paddings, [0, 0], [-1, 1]), [-1])
    sliced = slicing.slice(grad, begin, array_ops.shape(x, out_type=begin.dtype.base_dtype))
    return [sliced] + [None] * (len(op.inputs) - 1)


def _reverse_grad(op, grad):
    return [manip_ops.reverse(grad, op.inputs[1]), None]


def _fill_grad(op, grad):
    return [None, math_ops.reduce_sum(grad)]


def _broadcast_to_grad(op, grad):
    return [math_grad.unbroadcast(grad, op.inputs[0]), None]


def _clip_by_value_grad(op, grad):
    t, lo, hi = op.inputs
    zeros = manip_ops.zeros_like(grad)
    below = math_ops.less(t, lo)
    above = math_ops.greater(t, hi)
    inside = math_ops.logical_not(math_ops.logical_or(below, above))
    return [math_grad.unbroadcast(math_ops.where_v2(inside, grad, zeros), t),
            math_grad.unbroadcast(math_ops.where_v2(below, grad, zeros), lo),
            math_grad.unbroadcast(math_ops.where_v2(above, grad, zeros), hi)]


for _type in ("Reshape", "ExpandDims", "Squeeze"):
    registry.set_gradient(_type, _reshape_to_input)
registry.set_gradient("Transpose", _transpose_grad)
registry.set_gradient("ConcatV2", _concat_grad)
registry.set_gradient("Split", _split_grad)
registry.set_gradient("SplitV", _split_v_grad)
registry.set_gradient("Slice", _slice_grad)
registry.set_gradient("StridedSlice", _strided_slice_grad)
registry.set_gradient("GatherV2", _gather_grad)
registry.set_gradient("Tile", _tile_grad)
registry.set_gradient("Pad", _pad_grad)
registry.set_gradient("PadV2", _pad_grad)
registry.set_gradient("ReverseV2", _reverse_grad)
registry.set_gradient("Fill", _fill_grad)
registry.set_gradient("BroadcastTo", _broadcast_to_grad)
if "ClipByValue" in registry.registered_ops():
    registry.set_gradient("ClipByValue", _clip_by_value_grad)


def _mirror_pad_grad(op, grad):
    return [grad_support_ops.mirror_pad_grad(grad, op.inputs[1], op.get_attr("mode")), None]


registry.set_gradient("MirrorPad", _mirror_pad_grad)
