"""Numpy reference kernels for graphflow/ops/manip_ops.py and graphflow/ops/slicing.py.

Views are returned where numpy gives them (reshape, transpose, slices, flips, broadcasts): no
op mutates its inputs, and the Session copies fetched views. Everything numpy would accept
silently (negative indices, oversized slices, a second -1 in a shape) is validated first and
raised as InvalidArgumentError with TensorFlow's message.

`strided_slice_spec`, `gather_plan` and `one_hot_plan` are pure functions shared with the
shape functions (with unknown values as None) and the numba kernels.
"""

import numpy as np

from graphflow.kernels import checks
from graphflow.kernels.reference import reference

_NEW_AXIS = -1


def shape_str(shape):
    """A shape as TF prints it in messages: `[2,3]`."""
    return "[" + ",".join("?" if d is None else str(d) for d in shape) + "]"


def _ints(array):
    return [int(v) for v in np.asarray(array).reshape(-1)]


def scalar_of(array, what):
    """The value of a scalar input; an error naming `what` for any other shape."""
    if array.ndim != 0:
        raise checks.invalid(f"{what} must be a scalar, but got: {shape_str(array.shape)}")
    return array[()]


# ----------------------------------------------------------------------------- reshape & co
def reshaped_dims(in_shape, sizes):
    """TF's Reshape rules: at most one -1, which is inferred; the element counts must agree.

    When the requested shape has a 0, the -1 is inferred from the non-zero input dims only
    (so [2, 0, 4] reshaped to [0, -1] gives [0, 8]), as TF does.
    """
    unknown, product, has_zero = -1, 1, False
    for i, d in enumerate(sizes):
        if d == -1:
            if unknown >= 0:
                raise checks.invalid(f"Only one input size may be -1, not both {unknown} and {i}")
            unknown = i
        elif d < 0:
            raise checks.invalid(f"Size {i} must be non-negative, not {d}")
        elif d == 0:
            has_zero = True
        else:
            product *= d
    dims = list(sizes)
    if unknown >= 0:
        counted = [d for d in in_shape if d > 0 or not has_zero]
        n = int(np.prod(counted, dtype=np.int64))
        if len(counted) == len(in_shape) and n % product:
            raise checks.invalid(f"Input to reshape is a tensor with {n} values, but the "
                                 f"requested shape requires a multiple of {product}")
        dims[unknown] = n // product
    size = int(np.prod(in_shape, dtype=np.int64))
    total = int(np.prod(dims, dtype=np.int64))
    if total != size:
        raise checks.invalid(f"Input to reshape is a tensor with {size} values, but the "
                             f"requested shape has {total}")
    return dims


@reference("Reshape")
def reshape(attrs, x, shape):
    if shape.ndim > 1:
        raise checks.invalid(f"sizes input must be 1-D, not {shape_str(shape.shape)}")
    # A scalar shape is accepted as a vector of one element (TF's legacy behaviour).
    return (x.reshape(reshaped_dims(x.shape, _ints(shape))),)


def _vector_arg(array, what):
    if array.ndim != 1:
        raise checks.invalid(f"{what}, got shape {shape_str(array.shape)}")
    return _ints(array)


@reference("Transpose")
def transpose(attrs, x, perm):
    perm = _vector_arg(perm, "perm must be rank 1")
    rank = x.ndim
    if len(perm) != rank:
        raise checks.invalid(f"transpose expects a vector of size {rank}. But input(1) is a "
                             f"vector of size {len(perm)}")
    axes = []
    for p in perm:
        d = p + rank if p < 0 else p
        if not 0 <= d < rank:
            raise checks.invalid(f"{p} is out of range [0 .. {rank})")
        axes.append(d)
    for i in range(rank):
        if i not in axes:
            raise checks.invalid(f"{i} is missing from {{{','.join(map(str, perm))}}}.")
    return (np.transpose(x, axes),)


@reference("Squeeze")
def squeeze(attrs, x):
    rank = x.ndim
    axes = set()
    for d in attrs["squeeze_dims"]:
        if not -rank <= d < rank:
            raise checks.invalid(f"Tried to squeeze dim index {d} for tensor with {rank} "
                                 "dimensions.")
        axes.add(d % rank)
    for d in sorted(axes):
        if x.shape[d] != 1:
            raise checks.invalid(f"Can not squeeze dim[{d}], expected a dimension of 1, got "
                                 f"{x.shape[d]}")
    if not axes:
        axes = {i for i, n in enumerate(x.shape) if n == 1}
    return (x.reshape([n for i, n in enumerate(x.shape) if i not in axes]),)


@reference("ExpandDims")
def expand_dims(attrs, x, dim):
    if dim.size != 1:
        raise checks.invalid("'dim' must be a tensor with a single value")
    d = _ints(dim)[0]
    if not -1 - x.ndim <= d <= x.ndim:
        raise checks.invalid(f"Tried to expand dim index {d} for tensor with {x.ndim} "
                             "dimensions.")
    return (np.expand_dims(x, d),)


@reference("ConcatV2")
def concat_v2(attrs, *args):
    values, axis = args[:-1], args[-1]
    if axis.size != 1:
        raise checks.invalid("axis tensor should be a scalar integer, but got shape "
                             f"{shape_str(axis.shape)}")
    axis = _ints(axis)[0]
    first = values[0]
    rank = first.ndim
    if rank == 0:
        raise checks.invalid("ConcatOp : Can't concatenate scalars (use tf.stack instead)")
    if not -rank <= axis < rank:
        raise checks.invalid(f"ConcatOp : Expected concatenating dimensions in the range "
                             f"[{-rank}, {rank}), but got {axis}")
    axis %= rank
    for i, v in enumerate(values[1:], 1):
        if v.ndim != rank:
            raise checks.invalid(f"ConcatOp : Ranks of all input tensors should match: "
                                 f"shape[0] = {shape_str(first.shape)} vs. shape[{i}] = "
                                 f"{shape_str(v.shape)}")
        for j in range(rank):
            if j != axis and v.shape[j] != first.shape[j]:
                raise checks.invalid(
                    f"ConcatOp : Dimension {j} in both shapes must be equal: shape[0] = "
                    f"{shape_str(first.shape)} vs. shape[{i}] = {shape_str(v.shape)}")
    return (np.concatenate(values, axis=axis),)


def _split_axis(value, split_dim):
    axis = _ints(split_dim)[0]
    rank = value.ndim
    if not -rank <= axis < rank:
        raise checks.invalid(f"-input rank(-{rank}) <= split_dim < input rank ({rank}), but "
                             f"got {axis}")
    return axis % rank


@reference("Split")
def split(attrs, split_dim, value):
    axis = _split_axis(value, split_dim)
    n = attrs["num_split"]
    size = value.shape[axis]
    if size % n:
        raise checks.invalid(f"Number of ways to split should evenly divide the split "
                             f"dimension, but got split_dim {axis} (size = {size}) and "
                             f"num_split {n}")
    return tuple(np.split(value, n, axis=axis))


@reference("SplitV")
def split_v(attrs, value, size_splits, split_dim):
    n = attrs["num_split"]
    if size_splits.ndim != 1 or size_splits.size != n:
        raise checks.invalid(f"size of the split_tensor must be 1-D and have the same "
                             f"elements as outputs got {size_splits.ndim} -D and "
                             f"{size_splits.size} elements")
    axis = _split_axis(value, split_dim)
    sizes = _ints(size_splits)
    unknown, known = -1, 0
    for i, s in enumerate(sizes):
        if s == -1:
            if unknown >= 0:
                raise checks.invalid("There can only be one -1 in the input.")
            unknown = i
        elif s < 0:
            raise checks.invalid(f"Split size at index {i} must be >= 0. Got: {s}")
        else:
            known += s
    total = value.shape[axis]
    if known > total or (unknown < 0 and known != total):
        raise checks.invalid(
            "Determined shape must either match input shape along split_dim exactly if fully "
            "specified, or be less than the size of the input along split_dim if not fully "
            f"specified.  Got: {known}")
    if unknown >= 0:
        sizes[unknown] = total - known
    return tuple(np.split(value, np.cumsum(sizes)[:-1], axis=axis))


# ----------------------------------------------------------------------------- slicing
@reference("Slice")
def slice_(attrs, x, begin, size):
    rank = x.ndim
    if begin.ndim != 1 or size.ndim != 1 or begin.size != rank or size.size != rank:
        raise checks.invalid(f"Expected begin and size arguments to be 1-D tensors of size "
                             f"{rank}, but got shapes {shape_str(begin.shape)} and "
                             f"{shape_str(size.shape)} instead.")
    index = []
    for i, (b, s, n) in enumerate(zip(_ints(begin), _ints(size), x.shape)):
        if s == -1:
            s = n - b
        if n == 0:
            if b != 0 or s != 0:
                raise checks.invalid(f"Expected begin[{i}] == 0 (got {b}) and size[{i}] == 0 "
                                     f"(got {s}) when input.dim_size({i}) == 0")
        elif not 0 <= b <= n:
            raise checks.invalid(f"Expected begin[{i}] in [0, {n}], but got {b}")
        elif s < 0 or b + s > n:
            raise checks.invalid(f"Expected size[{i}] in [0, {n - b}], but got {s}")
        index.append(slice(b, b + s))
    return (x[tuple(index)],)


def strided_slice_spec(shape, begin, end, strides, masks):
    """TF's ValidateStridedSliceOp, for kernels and (with unknowns as None) shape functions.

    Args:
        shape: the input's dims; None entries are unknown.
        begin, end: 1-D int arrays, or None when unknown.
        strides: 1-D int array.
        masks: a mapping with begin_mask, end_mask, ellipsis_mask, new_axis_mask and
            shrink_axis_mask (the attrs of the StridedSlice node).

    Returns:
        (bounds, final_shape): per input dimension `(begin, end, stride, size)` with canonical
        begin/end (None when unknown), and the output dims (None when unknown).

    Raises:
        InvalidArgumentError: with TF's message for every invalid specification.
    """
    _check_spec_vectors(begin, end, strides)
    ellipsis = masks["ellipsis_mask"]
    if ellipsis & (ellipsis - 1):
        raise checks.invalid("Multiple ellipses in slice spec not allowed")
    dense, gather = _dense_spec(len(shape), begin, end, _ints(strides), masks)
    bounds = [_dense_dim(i, dim, spec, begin is not None and end is not None)
              for i, (dim, spec) in enumerate(zip(shape, dense))]
    final = [1 if g == _NEW_AXIS else bounds[g][3] for g in gather]
    return bounds, final


def _check_spec_vectors(begin, end, strides):
    n = strides.size
    bad_begin = begin is not None and not (begin.ndim == 1 and begin.size == n and n < 32)
    bad_end = end is not None and not (end.ndim == 1 and end.size == n)
    if bad_begin or bad_end or strides.ndim != 1:
        if begin is not None and end is not None:
            raise checks.invalid(
                "Expected begin, end, and strides to be 1D equal size tensors, but got shapes "
                f"{shape_str(begin.shape)}, {shape_str(end.shape)}, and "
                f"{shape_str(strides.shape)} instead.")
        raise checks.invalid("Expected begin, end, and strides to be 1D equal size tensors, "
                             f"but got shape {shape_str(strides.shape)} for strides.")


def _dense_spec(rank, begin, end, strides, masks):
    """Expands the ellipsis (explicit, or implicit at the end) into one entry per input dim.

    Returns (dense, gather): dense[i] = (begin, end, stride, begin_masked, end_masked,
    shrink) and gather lists, per output dim, its input dim or _NEW_AXIS.
    """
    n = len(strides)
    ellipsis, new_axis = masks["ellipsis_mask"], masks["new_axis_mask"]
    seen, new_after = False, 0
    for i in range(n):
        new_after += seen and bool(new_axis >> i & 1)
        seen = seen or bool(ellipsis >> i & 1)
    if not seen:
        ellipsis |= 1 << n
        n += 1
    dense, gather = [], []
    for i in range(n):
        if ellipsis >> i & 1:
            stop = min(rank - (n - i) + 1 + new_after, rank)
            while len(dense) < stop:
                gather.append(len(dense))
                dense.append((0, 0, 1, True, True, False))
        elif new_axis >> i & 1:
            gather.append(_NEW_AXIS)
        else:
            if len(dense) == rank:
                if rank == 0:
                    raise checks.invalid("Attempting to slice scalar input.")
                raise checks.invalid(f"Index out of range using input dim {rank}; input has "
                                     f"only {rank} dims")
            shrink = bool(masks["shrink_axis_mask"] >> i & 1)
            if not shrink:
                gather.append(len(dense))
            dense.append((None if begin is None else int(begin[i]),
                          None if end is None else int(end[i]), strides[i],
                          bool(masks["begin_mask"] >> i & 1), bool(masks["end_mask"] >> i & 1),
                          shrink))
    return dense, gather


def _canonical(x, which, stride, dim, masked):
    lo, hi = (0, dim) if stride > 0 else (-1, dim - 1)
    if masked:
        return (lo, hi)[which] if stride > 0 else (lo, hi)[1 - which]
    x = x + dim if x < 0 else x
    return min(max(x, lo), hi)


def _dense_dim(i, dim, spec, known):
    """(begin, end, stride, size) of input dim i; begin/end/size None where unknown."""
    b, e, stride, begin_masked, end_masked, shrink = spec
    if stride == 0:
        raise checks.invalid(f"strides[{i}] must be non-zero")
    if dim is None:
        return None, None, stride, 1 if shrink else None
    if shrink and stride <= 0:
        raise checks.invalid("only stride 1 allowed on non-range indexing.")
    if known and shrink:
        b = b + dim if b < 0 else b
        if not 0 <= b < dim:
            raise checks.invalid(f"slice index {b} of dimension {i} out of bounds.")
        length, e = 1, b + 1
    elif known:
        b = _canonical(b, 0, stride, dim, begin_masked)
        e = _canonical(e, 1, stride, dim, end_masked)
        length = e - b
    elif shrink:
        return None, None, stride, 1
    elif begin_masked and end_masked:
        b = e = None
        length = dim if stride > 0 else -dim
    else:
        return None, None, stride, None
    if length == 0 or (length < 0) != (stride < 0):
        return b, e, stride, 0
    q, r = divmod(abs(length), abs(stride))
    return b, e, stride, q + (r != 0)


def strided_slice_index(bounds):
    """The numpy index (a tuple of slices) of `strided_slice_spec`'s fully known bounds.

    Shrunk dims stay as length-1 slices: reshape the result to the spec's final shape.
    """
    index = []
    for b, _, stride, size in bounds:
        if size == 0:
            index.append(slice(0, 0))
            continue
        last = b + (size - 1) * stride
        stop = last + 1 if stride > 0 else (last - 1 if last > 0 else None)
        index.append(slice(b, stop, stride))
    return tuple(index)


@reference("StridedSlice")
def strided_slice(attrs, x, begin, end, strides):
    bounds, final = strided_slice_spec(x.shape, begin, end, strides, attrs)
    return (x[strided_slice_index(bounds)].reshape(final),)


# ----------------------------------------------------------------------------- gather & one_hot
def gather_plan(params_shape, indices_shape, axis, batch_dims):
    """Validates a GatherV2 and views it as params (B, O, N, I), indices (B, K).

    Returns ((B, O, N, I, K), output shape).
    """
    rank = len(params_shape)
    if rank == 0:
        raise checks.invalid("params must be at least 1 dimensional")
    if not -rank <= axis < rank:
        raise checks.invalid(f"Expected axis in the range [{-rank}, {rank}), but got {axis}")
    axis %= rank
    if batch_dims:
        batch_dims = _batch_dims(params_shape, indices_shape, axis, batch_dims)
    batch = int(np.prod(params_shape[:batch_dims], dtype=np.int64))
    sizes = (batch, int(np.prod(params_shape[batch_dims:axis], dtype=np.int64)),
             params_shape[axis], int(np.prod(params_shape[axis + 1:], dtype=np.int64)),
             int(np.prod(indices_shape[batch_dims:], dtype=np.int64)))
    out = tuple(params_shape[:axis]) + tuple(indices_shape[batch_dims:]) + \
        tuple(params_shape[axis + 1:])
    return sizes, out


def _batch_dims(params_shape, indices_shape, axis, batch_dims):
    n = len(indices_shape)
    if not -n <= batch_dims <= n:
        raise checks.invalid(f"Expected batch_dims in the range [{-n}, {n}], but got "
                             f"{batch_dims}")
    if batch_dims < 0:
        batch_dims += n
    if batch_dims >= len(params_shape):
        raise checks.invalid(f"batch_dims ({batch_dims}) must be less than rank(params) "
                             f"({len(params_shape)}).")
    if axis < batch_dims:
        raise checks.invalid(f"batch_dims ({batch_dims}) must be less than or equal to axis "
                             f"({axis}).")
    for i in range(batch_dims):
        if params_shape[i] != indices_shape[i]:
            raise checks.invalid(f"params.shape[{i}]: {params_shape[i]} should be equal to "
                                 f"indices.shape[{i}]: {indices_shape[i]}")
    return batch_dims


@reference("GatherV2")
def gather_v2(attrs, params, indices, axis):
    (b, o, n, i, k), out_shape = gather_plan(params.shape, indices.shape,
                                             scalar_of(axis, "axis"), attrs["batch_dims"])
    checks.indices_in_range(indices, n)
    p4 = params.reshape(b, o, n, i)
    rows = np.arange(b).reshape(b, 1)
    out = p4[rows, :, indices.reshape(b, k).astype(np.intp)]  # (b, k, o, i)
    return (np.moveaxis(out, 1, 2).reshape(out_shape),)


def one_hot_plan(indices_shape, depth, on_value, off_value, axis):
    """Validates a OneHot; returns (depth, position of the new axis in the output)."""
    depth = scalar_of(depth, "depth")
    scalar_of(on_value, "on_value")
    scalar_of(off_value, "off_value")
    rank = len(indices_shape) + 1
    if axis != -1 and not 0 <= axis < rank:
        raise checks.invalid(f"Expected axis to be -1 or between [0, {rank}).  But received: "
                             f"{axis}")
    if depth < 0:
        raise checks.invalid(f"depth must be non-negative, got: {depth}")
    return int(depth), rank - 1 if axis == -1 else axis


@reference("OneHot")
def one_hot(attrs, indices, depth, on_value, off_value):
    depth, axis = one_hot_plan(indices.shape, depth, on_value, off_value, attrs["axis"])
    hot = indices[..., np.newaxis] == np.arange(depth)  # out-of-range indices: all off
    out = np.where(hot, on_value.reshape(()), off_value.reshape(()))
    return (np.moveaxis(out, -1, axis),)


# ----------------------------------------------------------------------------- tile, pad, reverse
@reference("Tile")
def tile(attrs, x, multiples):
    m = _vector_arg(multiples, "Expected multiples to be 1-D, but")
    if len(m) != x.ndim:
        raise checks.invalid(f"Expected multiples argument to be a vector of length {x.ndim} "
                             f"but got length {len(m)}")
    for i, v in enumerate(m):
        if v < 0:
            raise checks.invalid(f"Expected multiples[{i}] >= 0, but got {v}")
    return (np.tile(x, m),)


def _paddings(x, paddings):
    if paddings.ndim != 2 or paddings.shape[1] != 2:
        raise checks.invalid(f"paddings must be a matrix with 2 columns: "
                             f"{shape_str(paddings.shape)}")
    if paddings.shape[0] != x.ndim:
        raise checks.invalid(f"The first dimension of paddings must be the rank of inputs"
                             f"{shape_str(paddings.shape)} {shape_str(x.shape)}")
    return [tuple(_ints(row)) for row in paddings]


def _constant_pad(x, paddings, value):
    pads = _paddings(x, paddings)
    for before, after in pads:
        if before < 0 or after < 0:
            raise checks.invalid(f"Paddings must be non-negative: {before} {after}")
    out = np.full([n + b + a for n, (b, a) in zip(x.shape, pads)], value, dtype=x.dtype)
    out[tuple(slice(b, b + n) for n, (b, _) in zip(x.shape, pads))] = x
    return (out,)


@reference("Pad")
def pad(attrs, x, paddings):
    zero = b"" if x.dtype == object else np.zeros((), x.dtype)
    return _constant_pad(x, paddings, zero)


@reference("PadV2")
def pad_v2(attrs, x, paddings, constant_values):
    if constant_values.ndim != 0:
        raise checks.invalid(f"constant_values must be a scalar. Found: "
                             f"{shape_str(constant_values.shape)}")
    return _constant_pad(x, paddings, constant_values[()])


@reference("MirrorPad")
def mirror_pad(attrs, x, paddings):
    pads = _paddings(x, paddings)
    reflect = attrs["mode"] == "REFLECT"
    for (before, after), n in zip(pads, x.shape):
        if before < 0 or after < 0:
            raise checks.invalid(f"paddings must be non-negative: {before} {after}")
        if reflect and (before >= n or after >= n):
            raise checks.invalid(f"paddings must be less than the dimension size: {before}, "
                                 f"{after} not less than {n}")
        if not reflect and (before > n or after > n):
            raise checks.invalid(f"paddings must be no greater than the dimension size: "
                                 f"{before}, {after} greater than {n}")
    return (np.pad(x, pads, mode="reflect" if reflect else "symmetric"),)


def reverse_axes(axes, rank):
    """Canonical axes of a ReverseV2; errors name the first bad or repeated one."""
    seen = []
    for i, a in enumerate(axes):
        d = a + rank if a < 0 else a
        if not 0 <= d < rank:
            raise checks.invalid(f"'axis'[{i}] = {a} is out of valid range [0, {rank - 1}")
        if d in seen:
            raise checks.invalid(f"axis {d} specified more than once.")
        seen.append(d)
    return seen


@reference("ReverseV2")
def reverse_v2(attrs, x, axis):
    if axis.ndim != 1:
        raise checks.invalid(f"'dims' must be 1-dimension, not {axis.ndim}")
    axes = reverse_axes(_ints(axis), x.ndim)
    return (np.flip(x, tuple(axes)) if axes else x,)


# ----------------------------------------------------------------------------- creation
def _non_negative_dims(dims):
    for d in dims:
        if d < 0:
            raise checks.invalid(f"Dimension {d} must be >= 0")
    return dims


@reference("Fill")
def fill(attrs, dims, value):
    if dims.ndim != 1:
        raise checks.invalid(f"dims must represent a vector, got shape {shape_str(dims.shape)}")
    if value.ndim != 0 and value.shape != (1,):
        raise checks.invalid(f"value must represent a scalar, got shape "
                             f"{shape_str(value.shape)}")
    shape = _non_negative_dims(_ints(dims))
    return (np.full(shape, value.reshape(())[()], dtype=value.dtype),)


@reference("ZerosLike")
def zeros_like(attrs, x):
    if x.dtype == object:
        return (np.full(x.shape, b"", dtype=object),)
    return (np.zeros_like(x),)


@reference("OnesLike")
def ones_like(attrs, x):
    return (np.ones_like(x),)


@reference("ShapeN")
def shape_n(attrs, *values):
    out_type = attrs["out_type"].as_numpy_dtype
    return tuple(np.array(v.shape, dtype=out_type) for v in values)


@reference("BroadcastTo")
def broadcast_to(attrs, x, shape):
    if shape.ndim != 1:
        raise checks.invalid(f"shape must be a vector of {{int32,int64}}, got shape "
                             f"{shape_str(shape.shape)}")
    target = _non_negative_dims(_ints(shape))
    if x.ndim > len(target):
        raise checks.invalid(f"Rank of input ({x.ndim}) must be no greater than rank of output "
                             f"shape ({len(target)}).")
    try:
        return (np.broadcast_to(x, target),)
    except ValueError:
        raise checks.invalid(f"Incompatible shapes: {shape_str(x.shape)} vs. "
                             f"{shape_str(target)}") from None
