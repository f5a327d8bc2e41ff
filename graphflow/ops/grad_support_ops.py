"""Ops that gradient graphs use: BroadcastGradientArgs and DynamicStitch (TF's names)."""

from graphflow import registry
from graphflow import tensor_shape
from graphflow.op_builder import apply_op
from graphflow.ops import constant_op


def _bga_shape(op):
    return [tensor_shape.TensorShape([None])] * 2


registry.register_op(
    "BroadcastGradientArgs", inputs=["s0: T", "s1: T"], outputs=["r0: T", "r1: T"],
    attrs=["T: {int32, int64} = int32"], shape_fn=_bga_shape, grad=registry.NOT_DIFFERENTIABLE,
    doc="BroadcastGradientArgs: the axes to sum a broadcast result over to get back shapes s0 "
        "and s1 (r0 and r1).")


def _stitch_shape(op):
    n = op.get_attr("N")
    indices, data = op.inputs[:n], op.inputs[n:]
    extra = None
    for i, d in zip(indices, data):
        if i.shape.rank is None or d.shape.rank is None:
            return [tensor_shape.unknown_shape()]
        tail = d.shape[i.shape.rank:]
        extra = tail if extra is None else extra.merge_with(tail)
    total = None
    values = [constant_op.constant_value(i) for i in indices]
    if all(v is not None for v in values):
        total = max((int(v.max()) + 1 for v in values if v.size), default=0)
    return [tensor_shape.TensorShape([total]).concatenate(extra)]


registry.register_op(
    "DynamicStitch", inputs=["indices: N * int32", "data: N * T"], outputs=["merged: T"],
    attrs=["N: int >= 1", "T: type"], shape_fn=_stitch_shape,
    doc="DynamicStitch: merged[indices[m][i]] = data[m][i]; later inputs win.")


def broadcast_gradient_args(s0, s1, name=None):
    """(r0, r1): reduction axes that undo broadcasting of shapes s0 and s1."""
    return apply_op("BroadcastGradientArgs", s0=s0, s1=s1, name=name)


def dynamic_stitch(indices, data, name=None):
    """Interleaves `data` tensors into one tensor by `indices`."""
    return apply_op("DynamicStitch", indices=list(indices), data=list(data), name=name)


def _stitch_grad(op, grad):
    from graphflow.ops import manip_ops
    n = op.get_attr("N")
    indices = op.inputs[:n]
    return [None] * n + [manip_ops.gather(grad, i) for i in indices]


registry.set_gradient("DynamicStitch", _stitch_grad)


def _strided_slice_grad_shape(op):
    return [constant_op.constant_shape(op.inputs[0])]


registry.register_op(
    "StridedSliceGrad",
    inputs=["shape: Index", "begin: Index", "end: Index", "strides: Index", "dy: T"],
    outputs=["output: T"],
    attrs=["T: type", "Index: {int32, int64}", "begin_mask: int = 0", "end_mask: int = 0",
           "ellipsis_mask: int = 0", "new_axis_mask: int = 0", "shrink_axis_mask: int = 0"],
    shape_fn=_strided_slice_grad_shape,
    doc="StridedSliceGrad: zeros of `shape` with `dy` written where StridedSlice read.")


def _segment_sum_shape(op):
    data, ids = op.inputs[0].shape, op.inputs[1].shape
    n = constant_op.constant_value(op.inputs[2])
    if data.rank is None or ids.rank is None:
        return [tensor_shape.unknown_shape()]
    return [tensor_shape.TensorShape([None if n is None else int(n)]).concatenate(
        data[ids.rank:])]


registry.register_op(
    "UnsortedSegmentSum", inputs=["data: T", "segment_ids: Tindices", "num_segments: Tnumsegments"],
    outputs=["output: T"],
    attrs=["T: {numbertype}", "Tindices: {int32, int64}", "Tnumsegments: {int32, int64} = int32"],
    shape_fn=_segment_sum_shape,
    doc="UnsortedSegmentSum: output[i] = sum of data[j] with segment_ids[j] == i.")


def _invert_perm_shape(op):
    return [op.inputs[0].shape]


registry.register_op(
    "InvertPermutation", inputs=["x: T"], outputs=["y: T"], attrs=["T: {int32, int64} = int32"],
    shape_fn=_invert_perm_shape, grad=registry.NOT_DIFFERENTIABLE,
    doc="InvertPermutation: y[x[i]] = i.")


def strided_slice_grad(shape, begin, end, strides, dy, name=None, **masks):
    return apply_op("StridedSliceGrad", shape=shape, begin=begin, end=end, strides=strides,
                    dy=dy, name=name, **masks)


def unsorted_segment_sum(data, segment_ids, num_segments, name=None):
    """Sums rows of `data` into `num_segments` buckets chosen by `segment_ids`."""
    return apply_op("UnsortedSegmentSum", data=data, segment_ids=segment_ids,
                    num_segments=num_segments, name=name)


def invert_permutation(x, name=None):
    return apply_op("InvertPermutation", x=x, name=name)


def _strided_slice_grad_grad(op, grad):
    masks = {k: op.get_attr(k) for k in ("begin_mask", "end_mask", "ellipsis_mask",
                                         "new_axis_mask", "shrink_axis_mask")}
    from graphflow.ops import slicing
    _, begin, end, strides, _ = op.inputs
    return [None, None, None, None, slicing.strided_slice(grad, begin, end, strides, **masks)]


def _segment_sum_grad(op, grad):
    from graphflow.ops import slicing
    return [slicing.gather(grad, op.inputs[1]), None, None]


registry.set_gradient("StridedSliceGrad", _strided_slice_grad_grad)
registry.set_gradient("UnsortedSegmentSum", _segment_sum_grad)


def _mirror_pad_grad_shape(op):
    shape = op.inputs[0].shape
    paddings = constant_op.constant_value(op.inputs[1])
    if shape.rank is None or paddings is None:
        return [tensor_shape.unknown_shape(shape.rank)]
    return [tensor_shape.TensorShape(
        [None if d is None else d - int(p[0]) - int(p[1])
         for d, p in zip(shape._values, paddings)])]


registry.register_op(
    "MirrorPadGrad", inputs=["input: T", "paddings: Tpaddings"], outputs=["output: T"],
    attrs=["T: type", "Tpaddings: {int32, int64} = int32", "mode: string"],
    shape_fn=_mirror_pad_grad_shape,
    doc="MirrorPadGrad: folds the mirrored borders of a MirrorPad gradient back in.")


def mirror_pad_grad(grad, paddings, mode, name=None):
    return apply_op("MirrorPadGrad", input=grad, paddings=paddings, mode=mode, name=name)


def _mirror_pad_grad_grad(op, grad):
    from graphflow.ops import manip_ops
    return [manip_ops.pad(grad, op.inputs[1], mode=op.get_attr("mode")), None]


registry.set_gradient("MirrorPadGrad", _mirror_pad_grad_grad)
