"""Slicing, indexing and padding: Slice, StridedSlice (and `Tensor.__getitem__`), GatherV2,
OneHot, boolean_mask and Pad/PadV2/MirrorPad (Slice's inverse), plus the build-time helpers the
shape functions of this module and of `graphflow/ops/manip_ops.py` share: folding of shape-like
inputs (`constant_value`, `partial_shape`) and TF-style shape errors (`shape_error`).

`getitem(tensor, key)` builds exactly the nodes TF1 builds for `tensor[key]`: the packed
`strided_slice/stack`, `strided_slice/stack_1`, `strided_slice/stack_2` and a `strided_slice`
node with the same five masks.
"""

import builtins
import numbers

import numpy as np

from graphflow import dtypes
from graphflow import errors
from graphflow import graph as graph_lib
from graphflow import registry
from graphflow import tensor_shape
from graphflow.kernels import reference
from graphflow.kernels.reference import manip as ref_manip
from graphflow.op_builder import apply_op
from graphflow.ops import constant_op
from graphflow.ops import math_ops

TensorShape = tensor_shape.TensorShape

# ----------------------------------------------------------------------------- build-time helpers
_FOLD_DEPTH = 6
_FOLD_MAX_ELEMENTS = 1000
# Values that depend on more than constants: feedable, or fully known only through shapes.
_NEVER_FOLD = frozenset({"PlaceholderWithDefault", "Shape", "Size", "Rank", "ShapeN"})


def constant_value(tensor, _depth=0):
    """The value of `tensor` when it is computable at build time, else None.

    Extends `constant_op.constant_value` the way TF's shape inference evaluates small constant
    subgraphs: a stateless op whose inputs all fold is evaluated with its reference kernel.
    """
    value = constant_op.constant_value(tensor)
    if value is not None or _depth >= _FOLD_DEPTH or not isinstance(tensor, graph_lib.Tensor):
        return value
    op = tensor.op
    if (not op._inputs or op.op_def.stateful or op.type in _NEVER_FOLD
            or op.type not in reference.REFERENCE):
        return None
    inputs = []
    for t in op._inputs:
        v = None if t.dtype.is_ref_dtype else constant_value(t, _depth + 1)
        if v is None or np.size(v) > _FOLD_MAX_ELEMENTS:
            return None
        inputs.append(np.asarray(v))
    try:
        with np.errstate(all="ignore"):
            return np.asarray(reference.REFERENCE[op.type](op._attrs, *inputs)[tensor.value_index])
    except Exception:  # noqa: BLE001 - a failing fold only means "not known at build time"
        return None


def _attr_text(value):
    if isinstance(value, dtypes.DType):
        return "DT_" + value.tf_name.upper()
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_attr_text(v) for v in value) + "]"
    return str(value)


def _shape_text(shape):
    return "?" if shape.rank is None else ref_manip.shape_str(shape._values)


def shape_error(op, message):
    """The ValueError TF's shape inference raises: the message, the node and its input shapes."""
    attrs = ", ".join(f"{k}={_attr_text(v)}" for k, v in sorted(op._attrs.items())
                      if k != "value")
    inputs = ", ".join(t._as_node_def_input() for t in op._inputs)
    shapes = ", ".join(_shape_text(t.shape) for t in op._inputs)
    return ValueError(f"{message} for '{{{{node {op.name}}}}} = {op.type}[{attrs}]({inputs})' "
                      f"with input shapes: {shapes}.")


def checked(op, fn, *args):
    """Calls a kernel-side validator at build time, turning its error into `shape_error`."""
    try:
        return fn(*args)
    except errors.InvalidArgumentError as err:
        raise shape_error(op, err.message) from None


def with_rank(op, tensor, rank):
    """Checks a known static rank (TF's `WithRank`); returns the tensor's shape."""
    shape = tensor.shape
    if shape.rank is not None and shape.rank != rank:
        raise shape_error(op, f"Shape must be rank {rank} but is rank {shape.rank}")
    return shape


def _shape_dim(value):
    if value < -1:
        raise ValueError(f"Invalid value in tensor used for shape: {value}")
    return None if value == -1 else int(value)


def partial_shape(op, tensor):
    """The shape a 1-D shape tensor describes, as far as it is known (TF's
    MakeShapeFromShapeTensor): -1 entries are unknown dims; Shape, Pack, ConcatV2, Cast and
    slices of shapes give partial results."""
    rank = with_rank(op, tensor, 1).rank
    value = constant_value(tensor)
    if value is not None:
        return TensorShape([_shape_dim(d) for d in value.reshape(-1).tolist()])
    src = tensor.op
    if src.type == "Shape":
        return src.inputs[0].shape
    if src.type == "Pack":
        dims = [constant_value(t) for t in src.inputs]
        return TensorShape([None if d is None else _shape_dim(int(d)) for d in dims])
    if src.type == "ConcatV2":
        shape = TensorShape([])
        for t in src.inputs[:-1]:
            shape = shape.concatenate(partial_shape(op, t))
        return shape
    if src.type in ("Cast", "Identity"):
        return partial_shape(op, src.inputs[0])
    if src.type == "StridedSlice":
        sliced = _sliced_shape(op, src)
        if sliced is not None:
            return sliced
    return tensor_shape.unknown_shape(tensor.shape[0].value if rank == 1 else None)


def _sliced_shape(op, src):
    """`shape[b:e:s]` of a partially known shape tensor (masks limited as in TF)."""
    attrs = src._attrs
    if attrs["ellipsis_mask"] or attrs["new_axis_mask"] or attrs["shrink_axis_mask"]:
        return None
    if attrs["begin_mask"] > 1 or attrs["end_mask"] > 1:
        return None
    ends = [constant_value(t) for t in src.inputs[1:]]
    if any(v is None or v.size != 1 for v in ends):
        return None
    shape = partial_shape(op, src.inputs[0])
    if shape.rank is None:
        return None
    begin, end, stride = (int(v.reshape(())) for v in ends)
    begin = None if attrs["begin_mask"] else begin
    end = None if attrs["end_mask"] else end
    return TensorShape(list(shape._values)[begin:end:stride])


def pack_or_constant(values, name, dtype=None):
    """TF's `stack` of a flat list of scalars: one Const when no element is a Tensor, else a
    Pack named `name` whose Python elements become Consts named by their index."""
    tensors = [v for v in values if isinstance(v, graph_lib.Tensor)]
    if not tensors:
        return constant_op.convert_to_tensor(values, dtype=dtype, name=name)
    dtype = dtype or tensors[0].dtype.base_dtype
    with graph_lib.name_scope(name) as scope:
        items = [v if isinstance(v, graph_lib.Tensor)
                 else constant_op.constant(v, dtype=dtype, name=str(i))
                 for i, v in enumerate(values)]
        return apply_op("Pack", values=items, axis=0, name=scope)


def shape_internal(tensor, out_type=None, optimize=True):
    """TF's `shape_internal`: a Const for a fully known shape, else a Shape op (scope Shape)."""
    with graph_lib.name_scope(None, "Shape", [tensor]) as scope:
        shape = tensor.shape
        if optimize and shape.is_fully_defined():
            if out_type is None:
                return shape_as_tensor(shape.as_list())
            return constant_op.constant(shape.as_list(), dtype=out_type, name=scope)
        return apply_op("Shape", input=tensor, out_type=out_type or dtypes.int32, name=scope)


def shape_as_tensor(dims):
    """TF's Const `shape_as_tensor` for known dims (int64 only when a dim needs it)."""
    dtype = dtypes.int64 if any(d >= 2 ** 31 for d in dims) else dtypes.int32
    return constant_op.constant(dims, dtype=dtype, name="shape_as_tensor")


def index_arg(value):
    """An int vector argument as TF converts it: a TensorShape or Dimensions give their ints
    (ValueError when unknown) and `[]` an empty int32 vector (constant_op does not convert
    these yet)."""
    if isinstance(value, tensor_shape.TensorShape):
        if not value.is_fully_defined():
            raise ValueError(f"Cannot convert a partially known TensorShape {value} to a Tensor.")
        return value.as_list()
    if not isinstance(value, (list, tuple)):
        return value
    if not value:
        return np.zeros(0, np.int32)
    if not any(isinstance(v, tensor_shape.Dimension) for v in value):
        return value
    for v in value:
        if isinstance(v, tensor_shape.Dimension) and v.value is None:
            raise ValueError(f"Cannot convert an unknown Dimension to a Tensor: {v}")
    return [tensor_shape.dimension_value(v) for v in value]


def as_named_tensor(value, name):
    """`value` if it is a Tensor, else a Const named `name` (TF's convert_to_tensor)."""
    if isinstance(value, graph_lib.Tensor):
        return value
    return constant_op.convert_to_tensor(value, name=name)


# ----------------------------------------------------------------------------- Slice
def _sub_dims(op, a, b):
    if a is None or b is None:
        return None
    if a < b:
        raise shape_error(op, f"Negative dimension size caused by subtracting {b} from {a}")
    return a - b


def _merged_length(op, tensors):
    """The common length of 1-D index vectors (begin/size or begin/end/strides), or None."""
    length = None
    for t in tensors:
        n = with_rank(op, t, 1)
        n = n._values[0] if n.rank == 1 else None
        if length is not None and n is not None and n != length:
            raise shape_error(op, f"Dimension 0 in both shapes must be equal, but are {length} "
                                  f"and {n}. Shapes are [{length}] and [{n}].")
        length = n if length is None else length
    return length


def _slice_shape(op):
    x, begin_t, size_t = op.inputs
    n = _merged_length(op, (begin_t, size_t))
    if n is not None:
        with_rank(op, x, n)
    shape = x.shape
    begin = partial_shape(op, begin_t)
    sizes = constant_value(size_t)
    if sizes is None:
        sizes = partial_shape(op, size_t)
        return [sizes if sizes.rank is not None else tensor_shape.unknown_shape(shape.rank)]
    dims = []
    for i, s in enumerate(sizes.reshape(-1).tolist()):
        d = shape._values[i] if shape.rank is not None else None
        if s == -1:
            dims.append(_sub_dims(op, d, begin._values[i] if begin.rank is not None else None))
        elif s < 0:
            raise shape_error(op, f"Out of bounds slicing on dimension {i} of length {d}: sizes "
                                  f"vector cannot be < -1, but was {s}")
        else:
            dims.append(s)
    return [TensorShape(dims)]


registry.register_op(
    "Slice", inputs=["input: T", "begin: Index", "size: Index"], outputs=["output: T"],
    attrs=["T: type", "Index: {int32, int64}"], shape_fn=_slice_shape,
    doc="Slice: input[begin[i] : begin[i] + size[i]] in every dim (size -1: to the end). "
        "Gradient pads the output gradient back.")


# ----------------------------------------------------------------------------- StridedSlice
def _strided_slice_shape(op):
    x, begin_t, end_t, strides_t = op.inputs
    n = _merged_length(op, (begin_t, end_t, strides_t))
    strides = constant_value(strides_t)
    if x.shape.rank is None or n is None or strides is None:
        return [tensor_shape.unknown_shape()]
    begin, end = constant_value(begin_t), constant_value(end_t)
    _, final = checked(op, ref_manip.strided_slice_spec, x.shape._values, begin, end, strides,
                       op._attrs)
    return [TensorShape(final)]


registry.register_op(
    "StridedSlice", inputs=["input: T", "begin: Index", "end: Index", "strides: Index"],
    outputs=["output: T"],
    attrs=["T: type", "Index: {int16, int32, int64}", "begin_mask: int = 0", "end_mask: int = 0",
           "ellipsis_mask: int = 0", "new_axis_mask: int = 0", "shrink_axis_mask: int = 0"],
    shape_fn=_strided_slice_shape,
    doc="StridedSlice: python-style input[begin:end:strides] per dim; bit i of the masks makes "
        "entry i a full-range start/stop, an ellipsis, a new axis or a single index (shrunk). "
        "Gradient scatters into zeros (StridedSliceGrad).")


# ----------------------------------------------------------------------------- GatherV2, OneHot
def _gather_shape(op):
    params, indices = op.inputs[0].shape, op.inputs[1].shape
    if params.rank == 0:
        raise shape_error(op, "Shape must be at least rank 1 but is rank 0")
    with_rank(op, op.inputs[2], 0)
    axis, batch_dims = constant_value(op.inputs[2]), op.get_attr("batch_dims")
    if axis is None:
        if params.rank is None or indices.rank is None:
            return [tensor_shape.unknown_shape()]
        return [tensor_shape.unknown_shape(params.rank + indices.rank - 1 - batch_dims)]
    axis = int(axis)
    _at_least(op, params, -axis if axis < 0 else axis + 1)
    _at_least(op, indices, abs(batch_dims))
    if params.rank is None or indices.rank is None:
        return [tensor_shape.unknown_shape()]
    batch_dims = batch_dims + indices.rank if batch_dims < 0 else batch_dims
    _at_least(op, params, batch_dims + 1)
    axis %= params.rank
    return [TensorShape(params._values[:axis] + indices._values[batch_dims:]
                        + params._values[axis + 1:])]


def _at_least(op, shape, rank):
    if shape.rank is not None and shape.rank < rank:
        raise shape_error(op, f"Shape must be at least rank {rank} but is rank {shape.rank}")


registry.register_op(
    "GatherV2", inputs=["params: Tparams", "indices: Tindices", "axis: Taxis"],
    outputs=["output: Tparams"],
    attrs=["batch_dims: int = 0", "Tparams: type", "Tindices: {int16, int32, int64}",
           "Taxis: {int32, int64}"],
    shape_fn=_gather_shape,
    doc="GatherV2: slices of params along `axis` at `indices`: shape params[:axis] + "
        "indices[batch_dims:] + params[axis+1:]. Out-of-range indices are an error. Gradient: "
        "IndexedSlices / unsorted segment sum.")


def _one_hot_shape(op):
    axis = op.get_attr("axis")
    if axis < -1:
        raise shape_error(op, "axis must be >= -1")
    with_rank(op, op.inputs[1], 0)
    depth = constant_value(op.inputs[1])
    if depth is not None and depth < 0:
        raise shape_error(op, f"Dimension size, given by scalar input 1, must be non-negative "
                              f"but is {int(depth)}")
    indices = op.inputs[0].shape
    if indices.rank is None:
        return [tensor_shape.unknown_shape()]
    rank = indices.rank + 1
    at = (axis + rank) % rank
    depth = None if depth is None else int(depth)
    return [TensorShape(indices._values[:at] + (depth,) + indices._values[at:])]


registry.register_op(
    "OneHot", inputs=["indices: TI", "depth: int32", "on_value: T", "off_value: T"],
    outputs=["output: T"],
    attrs=["axis: int = -1", "T: type", "TI: {uint8, int8, int32, int64} = int64"],
    shape_fn=_one_hot_shape, grad=registry.NOT_DIFFERENTIABLE,
    doc="OneHot: on_value where the new `axis` index equals indices, off_value elsewhere "
        "(indices outside [0, depth) give all off_value).")


# ----------------------------------------------------------------------------- Pad, MirrorPad
def _pad_shape(op):
    shape, paddings = op.inputs[0].shape, op.inputs[1]
    pad_shape = with_rank(op, paddings, 2)
    n = pad_shape._values[0] if pad_shape.rank == 2 else None
    if pad_shape.rank == 2 and pad_shape._values[1] not in (None, 2):
        raise shape_error(op, f"Dimension must be 2 but is {pad_shape._values[1]}")
    if n is not None:
        with_rank(op, op.inputs[0], n)
    value = constant_value(paddings)
    if value is None:
        return [tensor_shape.unknown_shape(n if n is not None else shape.rank)]
    dims = shape._values if shape.rank is not None else (None,) * value.shape[0]
    out = []
    for d, (before, after) in zip(dims, value.tolist()):
        if before < 0 or after < 0:
            raise shape_error(op, "Paddings must be non-negative")
        out.append(None if d is None else d + before + after)
    return [TensorShape(out)]


registry.register_op(
    "Pad", inputs=["input: T", "paddings: Tpaddings"], outputs=["output: T"],
    attrs=["T: type", "Tpaddings: {int32, int64} = int32"], shape_fn=_pad_shape,
    doc="Pad: zeros added before/after each dim as paddings[i] = [before, after]. Gradient "
        "slices the interior.")

registry.register_op(
    "PadV2", inputs=["input: T", "paddings: Tpaddings", "constant_values: T"],
    outputs=["output: T"], attrs=["T: type", "Tpaddings: {int32, int64} = int32"],
    shape_fn=_pad_shape,
    doc="PadV2: Pad with the scalar `constant_values`. Gradient slices the interior.")

registry.register_op(
    "MirrorPad", inputs=["input: T", "paddings: Tpaddings"], outputs=["output: T"],
    attrs=["T: type", "Tpaddings: {int32, int64} = int32", "mode: string"],
    shape_fn=_pad_shape,
    doc="MirrorPad: pads with a mirror image of the edges, excluding (REFLECT) or including "
        "(SYMMETRIC) the edge element. Gradient folds the mirrored parts back.")


# ----------------------------------------------------------------------------- public functions
def slice(input_, begin, size, name=None):  # noqa: A001 - TF's public name
    """Extracts `input_[begin[i] : begin[i] + size[i]]` along every dimension (op `Slice`).

    Args:
        input_: a Tensor.
        begin: int32/int64 vector, one start per dimension.
        size: int32/int64 vector, one length per dimension; -1 takes the rest of the dim.
        name: optional node name.

    Returns:
        A Tensor of input_'s dtype.

    Raises:
        ValueError: begin/size do not match the rank (at build time when known).
        InvalidArgumentError: at run time, when the slice leaves the input's bounds.
    """
    return apply_op("Slice", input=input_, begin=index_arg(begin), size=index_arg(size),
                    name=name)


def strided_slice(input_, begin, end, strides=None, begin_mask=0, end_mask=0, ellipsis_mask=0,
                  new_axis_mask=0, shrink_axis_mask=0, var=None, name=None):
    """Python-style strided slicing with masks (op `StridedSlice`).

    Args:
        input_: a Tensor.
        begin, end, strides: int vectors of the same length (strides default to ones, built
            with `ones_like(begin)` as TF does).
        begin_mask, end_mask: bit i set ignores begin[i] / end[i] (full range).
        ellipsis_mask: bit i set makes entry i an ellipsis (at most one).
        new_axis_mask: bit i set inserts a size-1 dimension.
        shrink_axis_mask: bit i set takes the single index begin[i] and drops the dimension.
        var: accepted for TF compatibility (sliced assignment is not supported).
        name: optional node name.

    Returns:
        A Tensor of input_'s dtype.

    Raises:
        ValueError: an invalid specification detected at build time.
        InvalidArgumentError: at run time, e.g. a shrunk index out of bounds.
    """
    del var
    begin, end = index_arg(begin), index_arg(end)
    if strides is None:
        from graphflow.ops import manip_ops  # manip_ops imports this module
        strides = manip_ops.ones_like(begin)
    return apply_op("StridedSlice", input=input_, begin=begin, end=end, strides=index_arg(strides),
                    begin_mask=begin_mask, end_mask=end_mask, ellipsis_mask=ellipsis_mask,
                    new_axis_mask=new_axis_mask, shrink_axis_mask=shrink_axis_mask, name=name)


def gather(params, indices, validate_indices=None, name=None, axis=None, batch_dims=0):
    """Gathers slices of `params` along `axis` at `indices` (op `GatherV2`).

    Args:
        params: a Tensor of rank >= 1.
        indices: int16/int32/int64 Tensor; every index must lie in [0, params.shape[axis]).
        validate_indices: ignored (indices are always validated), as in TF.
        name: optional node name.
        axis: the gathered dimension (default: batch_dims).
        batch_dims: number of leading batch dimensions shared by params and indices.

    Returns:
        A Tensor of shape params.shape[:axis] + indices.shape[batch_dims:] +
        params.shape[axis + 1:].

    Raises:
        InvalidArgumentError: at run time, naming the first bad index
            ("indices[3] = 7 is not in [0, 5)"); negative indices never wrap around.
    """
    del validate_indices
    if axis is None:
        axis = batch_dims
    value = constant_value(axis) if isinstance(axis, graph_lib.Tensor) else axis
    if value is None or value != 0:
        return apply_op("GatherV2", params=params, indices=indices, axis=axis,
                        batch_dims=batch_dims, name=name)
    return apply_op("GatherV2", params=params, indices=indices, axis=axis, name=name)


def _one_hot_value(value, dtype, name, default):
    """On/off value conversion of tf.one_hot: given values keep their own dtype."""
    if value is None:
        return constant_op.convert_to_tensor(default, dtype=dtype, name=name)
    return constant_op.convert_to_tensor(value, dtype_hint=dtype)


def one_hot(indices, depth, on_value=None, off_value=None, axis=None, dtype=None, name=None):
    """A one-hot tensor: on_value where the new axis index equals `indices` (op `OneHot`).

    Args:
        indices: uint8/int8/int32/int64 Tensor; entries outside [0, depth) give rows of
            off_value.
        depth: scalar int32, the size of the new dimension.
        on_value, off_value: scalars (default 1 and 0) of the output dtype.
        axis: where the new dimension goes (default -1: last).
        dtype: output dtype; by default that of on_value/off_value, else float32.
        name: optional node name.

    Returns:
        A Tensor of rank rank(indices) + 1.

    Raises:
        TypeError: on_value, off_value and dtype disagree.
    """
    with graph_lib.name_scope(name, "one_hot",
                              [indices, depth, on_value, off_value, axis, dtype]) as scope:
        dtype = None if dtype is None else dtypes.as_dtype(dtype).base_dtype
        given = [v for v in (on_value, off_value) if v is not None]
        on = None if on_value is None else _one_hot_value(on_value, dtype, None, 1)
        off = None if off_value is None else _one_hot_value(off_value, dtype, None, 0)
        for value, what in ((on, "on_value"), (off, "off_value")):
            if value is not None and dtype is not None and value.dtype.base_dtype != dtype:
                raise TypeError(f"dtype {value.dtype} of {what} does not match dtype parameter "
                                f"{dtype}")
        if dtype is None:
            dtype = (on if on is not None else off).dtype.base_dtype if given else dtypes.float32
        on = on if on is not None else _one_hot_value(None, dtype, "on_value", 1)
        off = off if off is not None else _one_hot_value(None, dtype, "off_value", 0)
        if on.dtype.base_dtype != off.dtype.base_dtype:
            raise TypeError(f"dtype {on.dtype} of on_value does not match dtype {off.dtype} of "
                            "off_value")
        extra = {} if axis is None else {"axis": axis}
        # TF converts Python indices with their own dtype (int32), not TI's default int64.
        indices = as_named_tensor(indices, "indices")
        return apply_op("OneHot", indices=indices, depth=depth, on_value=on, off_value=off,
                        name=scope, **extra)


# ----------------------------------------------------------------------------- tensor[key]
_SLICE_TYPE_ERROR = ("Only integers, slices (`:`), ellipsis (`...`), tf.newaxis (`None`) and "
                     "scalar tf.int32/tf.int64 tensors are valid indices")
_INDEX_DTYPES = (dtypes.int16, dtypes.int32, dtypes.int64, dtypes.int32_ref, dtypes.int64_ref)


def _check_index(idx):
    """TF's `_check_index`: ints, Dimensions and scalar int16/32/64 tensors or arrays."""
    if isinstance(idx, (numbers.Integral, tensor_shape.Dimension)):
        return
    dtype = getattr(idx, "dtype", None)
    try:
        ok = dtype is not None and dtypes.as_dtype(dtype) in _INDEX_DTYPES
    except TypeError:
        ok = False
    shape = getattr(idx, "shape", None)
    if not ok or (shape is not None and shape and len(shape) == 1):
        raise TypeError(_SLICE_TYPE_ERROR + f", got {idx!r}")


def _index_value(idx):
    return idx.value if isinstance(idx, tensor_shape.Dimension) else idx


def _is_unset(bound):
    return bound is None or (isinstance(bound, tensor_shape.Dimension) and bound.value is None)


def _slice_dtype(item):
    """The widest index dtype among the Tensor bounds of a slice (TF's choice), or None."""
    dtype = None
    for t in (item.start, item.stop, item.step):
        if not isinstance(t, graph_lib.Tensor):
            continue
        if t.dtype.base_dtype == dtypes.int64:
            dtype = dtypes.int64
        elif t.dtype.base_dtype == dtypes.int32 and dtype != dtypes.int64:
            dtype = dtypes.int32
        elif t.dtype.base_dtype == dtypes.int16 and dtype is None:
            dtype = dtypes.int16
    return dtype


def _slice_bound(bound, default, dtype):
    """A slice bound, or (default, True) when unset; typed defaults are root-scope Consts."""
    if not _is_unset(bound):
        _check_index(bound)
        return _index_value(bound), False
    if dtype is not None:
        return constant_op.constant(default, dtype=dtype), True
    return default, True


def _parse_key(spec):
    """begin, end, strides lists and the five masks of a `tensor[spec]` (TF's _slice_helper)."""
    begin, end, strides = [], [], []
    masks = dict.fromkeys(("begin_mask", "end_mask", "ellipsis_mask", "new_axis_mask",
                           "shrink_axis_mask"), 0)
    for index, item in enumerate(spec):
        bit = 1 << index
        if isinstance(item, builtins.slice):
            dtype = _slice_dtype(item)
            b, unset_b = _slice_bound(item.start, 0, dtype)
            e, unset_e = _slice_bound(item.stop, 0, dtype)
            s, _ = _slice_bound(item.step, 1, dtype)
            masks["begin_mask"] |= bit if unset_b else 0
            masks["end_mask"] |= bit if unset_e else 0
        elif item is Ellipsis or item is None:
            b, e, s = 0, 0, 1
            masks["ellipsis_mask" if item is Ellipsis else "new_axis_mask"] |= bit
        else:
            _check_index(item)
            b = _index_value(item)
            e = b + 1
            wide = isinstance(b, graph_lib.Tensor) and b.dtype.base_dtype in (dtypes.int16,
                                                                              dtypes.int64)
            s = constant_op.constant(1, dtype=b.dtype.base_dtype) if wide else 1
            masks["shrink_axis_mask"] |= bit
        begin.append(b)
        end.append(e)
        strides.append(s)
    return begin, end, strides, masks


def _common_index_type(packed):
    """begin/end/strides as one index dtype: int64 if any is int64 (Casts named Cast)."""
    if any(t.dtype.base_dtype == dtypes.int64 for t in packed):
        return [math_ops.cast(t, dtypes.int64) for t in packed]
    return packed


def _is_boolean_key(key):
    if isinstance(key, bool):
        return True
    if isinstance(key, graph_lib.Tensor):
        return key.dtype.base_dtype == dtypes.bool
    return isinstance(key, np.ndarray) and key.dtype == np.bool_


def getitem(tensor, key):
    """`tensor[key]` as TF1 builds it (wired to `Tensor.__getitem__`).

    Args:
        tensor: a Tensor (or Variable).
        key: an int, slice (with steps, negative values, Tensor bounds), `tf.newaxis`/None,
            `...`, a scalar int Tensor, or a tuple/list of those; a bool Tensor or array is a
            `boolean_mask`.

    Returns:
        A Tensor: a `strided_slice` node fed by `strided_slice/stack`, `stack_1`, `stack_2`.

    Raises:
        TypeError: an unsupported index (float, rank-1 tensor, ...).
        ValueError: an index out of range of a known dimension, too many indices.
    """
    tensor = constant_op.convert_to_tensor(tensor)
    if _is_boolean_key(key):
        return boolean_mask(tensor=tensor, mask=key)
    spec = key if isinstance(key, (list, tuple)) else [key]
    begin, end, strides, masks = _parse_key(spec)
    with graph_lib.name_scope(None, "strided_slice", [tensor] + begin + end + strides) as scope:
        if begin:
            packed = [pack_or_constant(v, "stack") for v in (begin, end, strides)]
            packed = _common_index_type(packed)
        else:
            packed = [constant_op.constant(np.zeros(0, np.int32))] * 3
        return apply_op("StridedSlice", input=tensor, begin=packed[0], end=packed[1],
                        strides=packed[2], name=scope, **masks)


def boolean_mask(tensor, mask, name="boolean_mask", axis=None):
    """The entries of `tensor` where `mask` is true (TF1's Reshape/Where/Squeeze/GatherV2
    construction, with the same node names).

    Args:
        tensor: a Tensor of rank >= axis + rank(mask).
        mask: a bool Tensor whose shape matches tensor.shape[axis:axis + rank(mask)].
        name: name scope.
        axis: first masked dimension (default 0).

    Returns:
        A Tensor of rank rank(tensor) - rank(mask) + 1; the masked dims become one of unknown
        size.

    Raises:
        ValueError: the mask is a scalar, has unknown rank, or does not match the tensor.
    """
    from graphflow.ops import manip_ops  # manip_ops imports this module
    with graph_lib.name_scope(name, values=[tensor, mask]):
        tensor = constant_op.convert_to_tensor(tensor, name="tensor")
        mask = constant_op.convert_to_tensor(mask, name="mask")
        ndims = mask.shape.rank
        if ndims == 0:
            raise ValueError("mask cannot be scalar.")
        if ndims is None:
            raise ValueError("Number of mask dimensions must be specified, even if some "
                             "dimensions are None.  E.g. shape=[None] is ok, but shape=None "
                             "is not.")
        axis = 0 if axis is None else axis
        axis_value = constant_value(axis) if isinstance(axis, graph_lib.Tensor) else axis
        static = tensor.shape
        if axis_value is not None:
            axis = int(axis_value)
            static[axis:axis + ndims].assert_is_compatible_with(mask.shape)
        leading = apply_op("Prod", input=_shape(tensor)[axis:axis + ndims],
                           reduction_indices=[0])
        tensor = manip_ops.reshape(tensor, manip_ops.concat(
            [_shape(tensor)[:axis], [leading], _shape(tensor)[axis + ndims:]], 0))
        if axis_value is not None:
            first = static[axis:axis + ndims].num_elements()
            tensor.set_shape(static[:axis].concatenate([first])
                             .concatenate(static[axis + ndims:]))
        mask = manip_ops.reshape(mask, [-1])
        indices = manip_ops.squeeze(math_ops.where_v2(mask), axis=[1])
        return gather(tensor, indices, axis=axis)


def _shape(tensor):
    return shape_internal(tensor, out_type=dtypes.int32)


# ----------------------------------------------------------------------------- padding
def pad(tensor, paddings, mode="CONSTANT", name=None, constant_values=0):
    """Pads `tensor` (op `Pad`, `PadV2` with a non-zero constant, or `MirrorPad`).

    Args:
        tensor: a Tensor.
        paddings: int matrix [rank, 2] of (before, after) counts.
        mode: "CONSTANT", "REFLECT" or "SYMMETRIC" (any case).
        name: optional node name.
        constant_values: the CONSTANT padding value, of tensor's dtype.

    Returns:
        A Tensor of tensor's dtype.

    Raises:
        ValueError: an unknown mode, or paddings that do not fit the rank (build time).
        InvalidArgumentError: negative paddings, or mirrored paddings larger than the dim.
    """
    mode = mode.upper()
    if mode == "CONSTANT":
        if (not isinstance(constant_values, graph_lib.Tensor) and np.ndim(constant_values) == 0
                and constant_values == np.zeros_like(constant_values)):
            result = apply_op("Pad", input=tensor, paddings=paddings, name=name)
        else:
            result = apply_op("PadV2", input=tensor, paddings=paddings,
                              constant_values=constant_values, name=name)
    elif mode in ("REFLECT", "SYMMETRIC"):
        result = apply_op("MirrorPad", input=tensor, paddings=paddings, mode=mode, name=name)
    else:
        raise ValueError('Value of argument `mode` expected to be one of "CONSTANT", "REFLECT", '
                         f'or "SYMMETRIC". Received `mode` = {mode}')
    _refine_pad_shape(result, paddings)
    return result


def _known_paddings(paddings):
    """Paddings as nested Python values with None where not known at build time."""
    if isinstance(paddings, graph_lib.Tensor):
        value = constant_value(paddings)
        return None if value is None else value.tolist()
    if isinstance(paddings, (list, tuple)):
        return [_known_paddings(p) for p in paddings]
    return paddings


def _refine_pad_shape(result, paddings):
    """TF's pad() refines a partly unknown result with rows of paddings known as constants."""
    in_shape = result.op.inputs[0].shape
    known = _known_paddings(paddings)
    if in_shape.rank is None or result.shape.is_fully_defined() or known is None:
        return
    dims = []
    for pads, d in zip(known, in_shape._values):
        unknown = d is None or pads is None or any(p is None for p in pads)
        dims.append(None if unknown else d + sum(pads))
    result.set_shape(dims)
