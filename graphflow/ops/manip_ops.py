"""Shape manipulation: reshape, transpose, squeeze/expand_dims, concat/split, tile, reverse,
fill and the zeros/ones families, shape_n and broadcast_to.

Slicing, indexing and padding (Slice, StridedSlice and `Tensor.__getitem__`, GatherV2, OneHot,
boolean_mask, Pad/PadV2/MirrorPad) live in `graphflow/ops/slicing.py`. Shape functions follow
TensorFlow's C++ shape inference: shape-like inputs are folded at build time (`constant_value`,
`partial_shape`) so static shapes are as exact as TF's, and impossible shapes raise TF's
ValueError naming the node.
"""

import numbers

import numpy as np

from graphflow import dtypes
from graphflow import graph as graph_lib
from graphflow import registry
from graphflow import tensor_shape
from graphflow.kernels.reference import manip as ref_manip
from graphflow.op_builder import apply_op
from graphflow.ops import array_ops
from graphflow.ops import constant_op
from graphflow.ops import shape_fns
from graphflow.ops import slicing
from graphflow.ops.slicing import (
    as_named_tensor, checked, constant_value, index_arg, pack_or_constant, partial_shape,
    shape_as_tensor, shape_error, shape_internal, with_rank)

TensorShape = tensor_shape.TensorShape

# ----------------------------------------------------------------------------- Reshape
def _known_product(dims):
    """(product of the known dims, index of the one unknown dim, or -2 if several)."""
    product, unknown = 1, -1
    for i, d in enumerate(dims):
        if d is None:
            if unknown >= 0:
                return product, -2
            unknown = i
        else:
            product *= d
    return product, unknown


def _reshape_shape(op):
    out = partial_shape(op, op.inputs[1])
    in_shape = op.inputs[0].shape
    if out.rank is None or in_shape.rank is None:
        return [out]
    dims = list(out._values)
    out_n, out_unknown = _known_product(dims)
    in_n, in_unknown = _known_product(in_shape._values)
    if -2 in (out_unknown, in_unknown):
        return [out]
    if in_unknown < 0 and out_unknown < 0 and in_n != out_n:
        raise shape_error(op, f"Cannot reshape a tensor with {in_n} elements to shape "
                              f"{ref_manip.shape_str(dims)} ({out_n} elements)")
    if in_unknown < 0 <= out_unknown and out_n > 0:
        if in_n % out_n:
            raise shape_error(op, f"Dimension size must be evenly divisible by {out_n} but is "
                                  f"{in_n}")
        dims[out_unknown] = in_n // out_n
    elif out_unknown < 0 <= in_unknown and in_n > 0 and out_n % in_n:
        raise shape_error(op, f"Dimension size must be evenly divisible by {in_n} but is "
                              f"{out_n}")
    return [TensorShape(dims)]


registry.register_op(
    "Reshape", inputs=["tensor: T", "shape: Tshape"], outputs=["output: T"],
    attrs=["T: type", "Tshape: {int32, int64} = int32"], shape_fn=_reshape_shape,
    doc="Reshape: `tensor`'s values in row-major order with shape `shape` (one -1 is inferred). "
        "Same dtype; gradient reshapes back.")


# ----------------------------------------------------------------------------- Transpose
def _transpose_shape(op):
    in_shape, perm_t = op.inputs[0].shape, op.inputs[1]
    perm = constant_value(perm_t)
    perm_n = perm_t.shape.num_elements() if perm_t.shape.rank == 1 else None
    if in_shape.rank is None and perm_n is None and perm is None:
        return [tensor_shape.unknown_shape()]
    rank = in_shape.rank if in_shape.rank is not None else (
        perm_n if perm_n is not None else perm.size)
    if in_shape.rank is None and rank < 2:
        return [in_shape]
    with_rank(op, perm_t, 1)
    if perm_n is not None and perm_n != rank:
        raise shape_error(op, f"Dimension must be {rank} but is {perm_n}")
    if perm is None:
        return [tensor_shape.unknown_shape(rank)]
    dims = in_shape._values if in_shape.rank is not None else (None,) * rank
    out = []
    for p in perm.reshape(-1).tolist():
        if not -rank <= p < rank:
            raise shape_error(op, f"perm dim {p} is out of range of input rank {rank}")
        out.append(dims[p])
    return [TensorShape(out)]


registry.register_op(
    "Transpose", inputs=["x: T", "perm: Tperm"], outputs=["y: T"],
    attrs=["T: type", "Tperm: {int32, int64} = int32"], shape_fn=_transpose_shape,
    doc="Transpose: y.shape[i] = x.shape[perm[i]] (negative perm entries count from the end). "
        "Gradient transposes by the inverse permutation.")


# ----------------------------------------------------------------------------- Squeeze, ExpandDims
def _squeeze_shape(op):
    shape = op.inputs[0].shape
    if shape.rank is None:
        return [tensor_shape.unknown_shape()]
    rank = shape.rank
    axes = set()
    for i, d in enumerate(op.get_attr("squeeze_dims")):
        if not -rank <= d < rank:
            raise shape_error(op, f"squeeze_dims[{i}] not in [{-rank},{rank}).")
        axes.add(d % rank)
    dims = []
    for i, d in enumerate(shape._values):
        if d is None and not axes and i not in axes:
            return [tensor_shape.unknown_shape()]
        if i in axes and d not in (None, 1):
            raise shape_error(op, f"Can not squeeze dim[{i}], expected a dimension of 1, got {d}")
        if i in axes or (d == 1 and not axes):
            continue
        dims.append(d)
    return [TensorShape(dims)]


registry.register_op(
    "Squeeze", inputs=["input: T"], outputs=["output: T"],
    attrs=["T: type", "squeeze_dims: list(int) >= 0 = []"], shape_fn=_squeeze_shape,
    doc="Squeeze: removes the size-1 dims listed in squeeze_dims (all size-1 dims when empty). "
        "Gradient reshapes back.")


def _expand_dims_shape(op):
    dim = constant_value(op.inputs[1])
    if dim is not None and dim.size != 1:
        raise shape_error(op, "'dim' input must be a tensor with a single value")
    shape = op.inputs[0].shape
    if dim is None or shape.rank is None:
        return [tensor_shape.unknown_shape()]
    d, rank = int(dim.reshape(-1)[0]), shape.rank
    if not -rank - 1 <= d <= rank:
        raise shape_error(op, f"dim {d} not in the interval [{-rank - 1}, {rank}].")
    d = d + rank + 1 if d < 0 else d
    return [TensorShape(shape._values[:d] + (1,) + shape._values[d:])]


registry.register_op(
    "ExpandDims", inputs=["input: T", "dim: Tdim"], outputs=["output: T"],
    attrs=["T: type", "Tdim: {int32, int64} = int32"], shape_fn=_expand_dims_shape,
    doc="ExpandDims: inserts a size-1 dim at index `dim` (in [-rank-1, rank]). Gradient "
        "reshapes back.")


# ----------------------------------------------------------------------------- ConcatV2
def _merge_dims(op, a, b):
    """Merges two dim tuples (TF's Merge), naming the first conflicting dimension."""
    out = []
    for j, (x, y) in enumerate(zip(a, b)):
        if x is not None and y is not None and x != y:
            raise shape_error(op, f"Dimension {j} in both shapes must be equal, but are {x} and "
                                  f"{y}. Shapes are {ref_manip.shape_str(a)} and "
                                  f"{ref_manip.shape_str(b)}.")
        out.append(x if x is not None else y)
    return tuple(out)


def _common_rank(op, shapes):
    ranks = [s.rank for s in shapes if s.rank is not None]
    for r in ranks[1:]:
        if r != ranks[0]:
            raise shape_error(op, f"Shape must be rank {ranks[0]} but is rank {r}")
    if ranks and ranks[0] == 0:
        raise shape_error(op, "Can't concatenate scalars (use tf.stack instead)")
    return ranks[0] if ranks else None


def _concat_shape(op):
    with_rank(op, op.inputs[-1], 0)
    shapes = [t.shape for t in op.inputs[:-1]]
    rank = _common_rank(op, shapes)
    axis = constant_value(op.inputs[-1])
    if rank is None or axis is None:
        return [tensor_shape.unknown_shape(rank)]
    axis = int(axis)
    if rank < (-axis if axis < 0 else axis + 1):
        raise shape_error(op, f"Shape must be at least rank {-axis if axis < 0 else axis + 1} "
                              f"but is rank {rank}")
    axis %= rank
    before, after, middle = (None,) * axis, (None,) * (rank - axis - 1), 0
    for s in shapes:
        dims = s._values if s.rank is not None else (None,) * rank
        before = _merge_dims(op, dims[:axis], before)
        after = _merge_dims(op, dims[axis + 1:], after)
        middle = None if middle is None or dims[axis] is None else middle + dims[axis]
    return [TensorShape(before + (middle,) + after)]


registry.register_op(
    "ConcatV2", inputs=["values: N * T", "axis: Tidx"], outputs=["output: T"],
    attrs=["N: int >= 2", "T: type", "Tidx: {int32, int64} = int32"], shape_fn=_concat_shape,
    doc="ConcatV2: joins N same-rank tensors along `axis`; other dims must agree. Gradient "
        "slices the output gradient back into N pieces.")


# ----------------------------------------------------------------------------- Split, SplitV
def _split_axis(op, tensor, rank):
    """TF's MakeDimForScalarInputWithNegativeIndexing: the wrapped constant axis, or None."""
    with_rank(op, tensor, 0)
    value = constant_value(tensor)
    if value is None or rank is None:
        return None
    value = int(value)
    if not -rank <= value < rank:
        raise shape_error(op, f"Dimension size, given by scalar input {value} must be in range "
                              f"[-{rank}, {rank})")
    return value % rank


def _split_shape(op):
    shape, n = op.inputs[1].shape, op.get_attr("num_split")
    axis = _split_axis(op, op.inputs[0], shape.rank)
    if axis is None:
        return [tensor_shape.unknown_shape(shape.rank)] * n
    dims = list(shape._values)
    if dims[axis] is not None:
        if dims[axis] % n:
            raise shape_error(op, f"Dimension size must be evenly divisible by {n} but is "
                                  f"{dims[axis]}\n\tNumber of ways to split should evenly "
                                  "divide the split dimension")
        dims[axis] //= n
    return [TensorShape(dims)] * n


registry.register_op(
    "Split", inputs=["split_dim: int32", "value: T"], outputs=["output: num_split * T"],
    attrs=["num_split: int >= 1", "T: type"], shape_fn=_split_shape,
    doc="Split: `num_split` equal pieces of `value` along `split_dim`. Gradient concatenates.")


def _split_v_shape(op):
    shape, n = op.inputs[0].shape, op.get_attr("num_split")
    if shape.rank == 0:
        raise shape_error(op, "Can't split scalars")
    axis = _split_axis(op, op.inputs[2], shape.rank)
    sizes = constant_value(op.inputs[1])
    if shape.rank is None:
        return [tensor_shape.unknown_shape()] * n
    if axis is None:
        return [tensor_shape.unknown_shape(shape.rank)] * n
    if sizes is None:
        return [TensorShape(shape._values[:axis] + (None,) + shape._values[axis + 1:])] * n
    sizes = sizes.reshape(-1).tolist()
    if len(sizes) != n:
        raise shape_error(op, "Length of size_splits should be equal to num_outputs")
    if sizes.count(-1) > 1:
        raise shape_error(op, "size_splits can only have one -1")
    total, known = shape._values[axis], sum(s for s in sizes if s != -1)
    if total is not None and (known > total if -1 in sizes else known != total):
        raise shape_error(op, f"can't split axis of size {total} into pieces of size "
                              f"[{','.join(map(str, sizes))}]")
    outs = []
    for s in sizes:
        size = (None if total is None else total - known) if s == -1 else s
        outs.append(TensorShape(shape._values[:axis] + (size,) + shape._values[axis + 1:]))
    return outs


registry.register_op(
    "SplitV", inputs=["value: T", "size_splits: Tlen", "split_dim: int32"],
    outputs=["output: num_split * T"],
    attrs=["num_split: int >= 1", "T: type", "Tlen: {int8, int32, int64} = int64"],
    shape_fn=_split_v_shape,
    doc="SplitV: pieces of `value` of sizes `size_splits` (one -1 takes the rest) along "
        "`split_dim`. Gradient concatenates.")


# ----------------------------------------------------------------------------- Tile, Reverse
def _mul_dims(a, b):
    if a == 0 or b == 0:
        return 0
    return None if a is None or b is None else a * b


def _tile_shape(op):
    shape = op.inputs[0].shape
    multiples = partial_shape(op, op.inputs[1])
    if shape.rank is not None:
        if multiples.rank is not None and multiples.rank != shape.rank:
            raise shape_error(op, f"Shape must be rank {shape.rank} but is rank "
                                  f"{multiples.rank}")
        if multiples.rank is None:
            multiples = tensor_shape.unknown_shape(shape.rank)
    if multiples.rank is None:
        return [tensor_shape.unknown_shape()]
    dims = shape._values if shape.rank is not None else (None,) * multiples.rank
    return [TensorShape([_mul_dims(a, b) for a, b in zip(dims, multiples._values)])]


registry.register_op(
    "Tile", inputs=["input: T", "multiples: Tmultiples"], outputs=["output: T"],
    attrs=["T: type", "Tmultiples: {int32, int64} = int32"], shape_fn=_tile_shape,
    doc="Tile: `input` repeated multiples[i] times along dim i. Gradient sums the copies.")


def _reverse_shape(op):
    shape = op.inputs[0].shape
    with_rank(op, op.inputs[1], 1)
    if shape.rank is not None and shape.rank > 8:
        raise shape_error(op, "reverse does not work on tensors with more than 8 dimensions")
    axes = constant_value(op.inputs[1])
    if axes is not None and shape.rank is not None:
        checked(op, ref_manip.reverse_axes, axes.reshape(-1).tolist(), shape.rank)
    return [shape]


registry.register_op(
    "ReverseV2", inputs=["tensor: T", "axis: Tidx"], outputs=["output: T"],
    attrs=["Tidx: {int32, int64} = int32",
           "T: {uint8, int8, uint16, int16, int32, uint32, int64, uint64, bool, half, float, "
           "double, string}"],
    shape_fn=_reverse_shape, doc="ReverseV2: `tensor` reversed along `axis`. Gradient reverses.")


# ----------------------------------------------------------------------------- Fill and friends
def _fill_shape(op):
    with_rank(op, op.inputs[0], 1)
    with_rank(op, op.inputs[1], 0)
    value = constant_value(op.inputs[0])
    if value is not None and (value < 0).any():
        raise shape_error(op, "Fill dimensions must be >= 0")
    return [partial_shape(op, op.inputs[0])]


registry.register_op(
    "Fill", inputs=["dims: index_type", "value: T"], outputs=["output: T"],
    attrs=["T: type", "index_type: {int32, int64} = int32"], shape_fn=_fill_shape,
    doc="Fill: a tensor of shape `dims` whose every element is the scalar `value`. Gradient of "
        "value: the sum of the output gradient.")

registry.register_op(
    "ZerosLike", inputs=["x: T"], outputs=["y: T"], attrs=["T: type"],
    shape_fn=shape_fns.unchanged, grad=registry.NOT_DIFFERENTIABLE,
    doc="ZerosLike: zeros with x's shape and dtype (empty strings for strings).")

registry.register_op(
    "OnesLike", inputs=["x: T"], outputs=["y: T"], attrs=["T: {numeric_and_bool}"],
    shape_fn=shape_fns.unchanged, grad=registry.NOT_DIFFERENTIABLE,
    doc="OnesLike: ones with x's shape and dtype.")


def _shape_n_shape(op):
    return [TensorShape([t.shape.rank]) for t in op.inputs]


registry.register_op(
    "ShapeN", inputs=["input: N * T"], outputs=["output: N * out_type"],
    attrs=["N: int >= 1", "T: type", "out_type: {int32, int64} = int32"],
    shape_fn=_shape_n_shape, grad=registry.NOT_DIFFERENTIABLE,
    doc="ShapeN: the 1-D shape of each of the N inputs.")


def _broadcast_to_shape(op):
    shape = op.inputs[0].shape
    out = partial_shape(op, op.inputs[1])
    if out.rank is None or shape.rank is None:
        return [out]
    if shape.rank > out.rank:
        raise shape_error(op, f"Shape must be at most rank {out.rank} but is rank {shape.rank}")
    dims = list(out._values)
    for i in range(1, shape.rank + 1):
        d = shape._values[-i]
        if d is not None and d > 1:
            if dims[-i] is not None and dims[-i] != d:
                raise shape_error(op, f"Dimensions must be equal, but are {d} and {dims[-i]}")
            dims[-i] = d
    return [TensorShape(dims)]


registry.register_op(
    "BroadcastTo", inputs=["input: T", "shape: Tidx"], outputs=["output: T"],
    attrs=["T: type", "Tidx: {int32, int64} = int32"], shape_fn=_broadcast_to_shape,
    doc="BroadcastTo: `input` broadcast (numpy rules) to `shape`. Gradient sums over the "
        "broadcast dims.")


# ----------------------------------------------------------------------------- public functions
def reshape(tensor, shape, name=None):
    """`tensor`'s values with a new shape (op `Reshape`).

    Args:
        tensor: a Tensor.
        shape: int32/int64 vector; one entry may be -1 (inferred from the element count).
        name: optional node name.

    Returns:
        A Tensor of tensor's dtype with `shape` (a view of the same values).

    Raises:
        ValueError: the element counts differ, when known at build time.
        InvalidArgumentError: they differ at run time.
    """
    return apply_op("Reshape", tensor=tensor, shape=index_arg(shape), name=name)


def transpose(a, perm=None, name="transpose", conjugate=False):
    """Permutes the dimensions of `a` (op `Transpose`); by default reverses them.

    Args:
        a: a Tensor.
        perm: the permutation; None reverses the dimensions (a `transpose/perm` Const, or
            Rank/Sub/Range nodes when the rank is unknown, as TF builds them).
        name: name scope.
        conjugate: accepted for TF compatibility (no complex dtypes here).

    Returns:
        A Tensor with dims `a.shape[perm[i]]`.

    Raises:
        ValueError: perm does not match the rank (build time).
        InvalidArgumentError: perm is not a permutation (run time).
    """
    del conjugate
    with graph_lib.name_scope(name, "transpose", [a]) as scope:
        a = as_named_tensor(a, "a")
        if perm is None:
            rank = a.shape.rank
            if rank is None:
                perm = apply_op("Range", start=array_ops.rank(a) - 1, limit=-1, delta=-1)
            else:
                perm = np.arange(rank - 1, -1, -1, dtype=np.int32)
        return apply_op("Transpose", x=a, perm=index_arg(perm), name=scope)


def squeeze(input, axis=None, name=None, squeeze_dims=None):  # noqa: A002
    """Removes size-1 dimensions (op `Squeeze`).

    Args:
        input: a Tensor.
        axis: int or list of ints to remove (all size-1 dims when None).
        name: optional node name.
        squeeze_dims: deprecated alias of axis.

    Returns:
        A Tensor of input's dtype.

    Raises:
        ValueError: both axis and squeeze_dims given, or a listed dim is not 1 (build time).
    """
    if squeeze_dims is not None:
        if axis is not None:
            raise ValueError("Cannot specify both 'squeeze_dims' and 'axis'.")
        axis = squeeze_dims
    if np.isscalar(axis):
        axis = [axis]
    return apply_op("Squeeze", input=input, squeeze_dims=list(axis or []), name=name)


def expand_dims(input, axis=None, name=None, dim=None):  # noqa: A002
    """Inserts a size-1 dimension at index `axis` (op `ExpandDims`).

    Args:
        input: a Tensor.
        axis: scalar in [-rank - 1, rank].
        name: optional node name.
        dim: deprecated alias of axis.

    Returns:
        A Tensor with one more dimension.

    Raises:
        ValueError: neither or both of axis and dim given, or axis out of range.
    """
    if dim is not None:
        if axis is not None:
            raise ValueError("Cannot specify both 'dim' and 'axis'.")
        axis = dim
    if axis is None:
        raise ValueError("Must specify an axis argument to tf.expand_dims()")
    return apply_op("ExpandDims", input=input, dim=axis, name=name)


def concat(values, axis, name="concat"):
    """Concatenates tensors along `axis` (op `ConcatV2`; one value gives an Identity).

    Args:
        values: a list of Tensors of the same dtype and rank.
        axis: scalar int32/int64; negative counts from the end.
        name: node name.

    Returns:
        A Tensor.

    Raises:
        ValueError: the shapes disagree outside `axis` (build time), or axis is not a scalar.
    """
    if not isinstance(values, (list, tuple)):
        values = [values]
    if len(values) == 1:
        with graph_lib.name_scope(name):
            axis = constant_op.convert_to_tensor(axis, dtype=dtypes.int32, name="concat_dim")
            axis.shape.assert_has_rank(0)
            return array_ops.identity(values[0], name=name)
    return apply_op("ConcatV2", values=list(values), axis=axis, name=name)


def split(value, num_or_size_splits, axis=0, num=None, name="split"):
    """Splits `value` along `axis` (op `Split` for a count, `SplitV` for sizes).

    Args:
        value: a Tensor.
        num_or_size_splits: an int (equal pieces) or a vector of sizes (one may be -1).
        axis: the dimension to split.
        num: the number of pieces, when it cannot be inferred from the sizes' shape.
        name: node name.

    Returns:
        A list of Tensors.

    Raises:
        ValueError: uneven or inconsistent splits (build time when known), a scalar tensor
            of sizes, or an unknown number of pieces.
    """
    if isinstance(num_or_size_splits, (numbers.Integral, tensor_shape.Dimension)):
        return apply_op("Split", split_dim=axis, value=value,
                        num_split=tensor_shape.dimension_value(num_or_size_splits), name=name)
    size_splits = constant_op.convert_to_tensor(num_or_size_splits)
    if size_splits.shape.rank == 0:
        raise ValueError("Rank-0 tensors are not supported as the num_or_size_splits argument "
                         f"to split. Argument provided: {num_or_size_splits}")
    if num is None:
        shape = size_splits.shape
        num = shape._values[0] if shape.rank else None
        if num is None:
            raise ValueError(f"Cannot infer argument `num` from shape {num_or_size_splits}")
    return apply_op("SplitV", value=value, size_splits=size_splits, split_dim=axis,
                    num_split=num, name=name)


def tile(input, multiples, name=None):  # noqa: A002
    """Repeats `input` multiples[i] times along dimension i (op `Tile`).

    Args:
        input: a Tensor.
        multiples: int32/int64 vector with one non-negative entry per dimension.
        name: optional node name.

    Returns:
        A Tensor of input's dtype, dims input.shape[i] * multiples[i].

    Raises:
        ValueError: multiples does not have one entry per dimension (build time).
        InvalidArgumentError: a negative multiple (run time).
    """
    return apply_op("Tile", input=input, multiples=index_arg(multiples), name=name)


def reverse(tensor, axis, name=None):
    """Reverses `tensor` along the dimensions in `axis` (op `ReverseV2`).

    Args:
        tensor: a Tensor of rank <= 8.
        axis: int vector of distinct dimensions (negative counts from the end).
        name: optional node name.

    Returns:
        A Tensor of tensor's dtype and shape.

    Raises:
        ValueError / InvalidArgumentError: an axis out of range or repeated.
    """
    return apply_op("ReverseV2", tensor=tensor, axis=index_arg(axis), name=name)


reverse_v2 = reverse


def fill(dims, value, name=None):
    """A tensor of shape `dims` filled with the scalar `value` (op `Fill`).

    Args:
        dims: int32/int64 vector of non-negative sizes.
        value: a scalar; it gives the dtype.
        name: optional node name.

    Returns:
        A Tensor of value's dtype.

    Raises:
        ValueError: negative dims known at build time, or a non-scalar value.
        InvalidArgumentError: negative dims at run time.
    """
    return apply_op("Fill", dims=index_arg(dims), value=value, name=name)


def _filled(shape, dtype, name, default_name, value):
    """zeros()/ones(): a Const when the shape is a small known Python shape, else Fill."""
    with graph_lib.name_scope(name, default_name, [shape]) as scope:
        if not isinstance(shape, graph_lib.Tensor):
            dims = _small_shape(shape)
            if dims is not None:
                return constant_op.constant(value, dtype=dtype, shape=dims, name=scope)
            shape = _python_shape_tensor(shape)
        if not shape.shape.rank:
            shape = reshape(shape, [-1])
        return apply_op("Fill", dims=shape, value=constant_op.constant(value, dtype=dtype),
                        name=scope)


def _small_shape(shape):
    """The dims of a known Python shape with fewer than 1000 elements, else None."""
    if not isinstance(shape, (list, tuple, tensor_shape.TensorShape, np.ndarray)):
        return None
    if isinstance(shape, tensor_shape.TensorShape):
        shape = shape._values if shape.rank is not None else [None]
    dims = [tensor_shape.dimension_value(d) for d in shape]
    if not all(isinstance(d, (numbers.Integral, np.integer)) and d >= 0 for d in dims):
        return None
    return [int(d) for d in dims] if np.prod(dims, dtype=np.int64) < 1000 else None


def _python_shape_tensor(shape):
    """TF's conversion of a Python shape: `shape_as_tensor` when it is a valid shape, a Pack
    `packed` when it holds tensors, else a plain Const."""
    try:
        dims = tensor_shape.as_shape(shape)
    except (TypeError, ValueError):
        dims = None
    if dims is not None and dims.is_fully_defined():
        return shape_as_tensor(dims.as_list())
    if isinstance(shape, (list, tuple)) and any(isinstance(d, graph_lib.Tensor) for d in shape):
        return pack_or_constant(list(shape), "packed", dtype=dtypes.int32)
    return constant_op.convert_to_tensor(shape, dtype=dtypes.int32)


def _zero(dtype):
    if dtype == dtypes.bool:
        return False
    return "" if dtype == dtypes.string else 0


def zeros(shape, dtype=dtypes.float32, name=None):
    """A tensor of zeros (a Const for a small known shape, as TF, else op `Fill`).

    Args:
        shape: a list/tuple/TensorShape of ints, or a 1-D int Tensor.
        dtype: element type (bool gives False, string gives b"").
        name: node name.
    """
    dtype = dtypes.as_dtype(dtype).base_dtype
    return _filled(shape, dtype, name, "zeros", _zero(dtype))


def ones(shape, dtype=dtypes.float32, name=None):
    """A tensor of ones (a Const for a small known shape, as TF, else op `Fill`).

    Args:
        shape: a list/tuple/TensorShape of ints, or a 1-D int Tensor.
        dtype: element type (bool gives True).
        name: node name.
    """
    dtype = dtypes.as_dtype(dtype).base_dtype
    return _filled(shape, dtype, name, "ones", True if dtype == dtypes.bool else 1)


def zeros_like(tensor, dtype=None, name=None, optimize=True):
    """Zeros with the shape of `tensor` (a Const when the shape is known, else `ZerosLike`,
    or Shape + Fill when `dtype` differs), as TF builds it.

    Args:
        tensor: a Tensor or convertible value.
        dtype: element type (default: tensor's).
        name: node name.
        optimize: use the static shape when it is fully known.
    """
    with graph_lib.name_scope(name, "zeros_like", [tensor]) as scope:
        tensor = as_named_tensor(tensor, "tensor")
        own = tensor.dtype.base_dtype
        dtype = own if dtype is None else dtypes.as_dtype(dtype).base_dtype
        if optimize and tensor.shape.is_fully_defined():
            return zeros(tensor.shape, dtype=dtype, name=scope)
        if dtype != own:
            return zeros(shape_internal(tensor, optimize=optimize), dtype=dtype, name=scope)
        return apply_op("ZerosLike", x=tensor, name=scope)


def ones_like(tensor, dtype=None, name=None, optimize=True):
    """Ones with the shape of `tensor`, built as TF does: Shape (or its Const) + Fill.

    Args:
        tensor: a Tensor or convertible value.
        dtype: element type (default: tensor's).
        name: node name.
        optimize: use the static shape when it is fully known.
    """
    with graph_lib.name_scope(name, "ones_like", [tensor]) as scope:
        tensor = constant_op.convert_to_tensor(tensor, name="tensor")
        shape = shape_internal(tensor, optimize=optimize)
        dtype = tensor.dtype.base_dtype if dtype is None else dtype
        result = ones(shape, dtype=dtype, name=scope)
        result.set_shape(tensor.shape)
        return result


def shape_n(input, out_type=dtypes.int32, name=None):  # noqa: A002
    """The shapes of a list of tensors, one 1-D tensor each (op `ShapeN`).

    Args:
        input: a list of Tensors.
        out_type: int32 or int64.
        name: optional node name.

    Returns:
        A list of 1-D Tensors of dtype out_type.
    """
    return apply_op("ShapeN", input=list(input), out_type=out_type, name=name)


def broadcast_to(input, shape, name=None):  # noqa: A002
    """Broadcasts `input` to `shape` with numpy rules (op `BroadcastTo`).

    Args:
        input: a Tensor.
        shape: int32/int64 vector, the target shape.
        name: optional node name.

    Returns:
        A Tensor of input's dtype and the target shape.

    Raises:
        ValueError: incompatible static shapes.
        InvalidArgumentError: incompatible shapes at run time.
    """
    return apply_op("BroadcastTo", input=input, shape=index_arg(shape), name=name)


# Defined in slicing.py; also reachable here, where TF's array_ops has them.
boolean_mask = slicing.boolean_mask
gather = slicing.gather
pad = slicing.pad
