"""`Const` and the conversion of Python and numpy values to tensors.

Conversion follows TF: Python floats become float32, ints int32 (int64 when they do not fit),
bools bool, str/bytes string; numpy arrays keep their dtype. With a requested dtype a value is
converted only when that loses nothing of its kind (no float -> int, no overflow).
"""

import numbers

import numpy as np

from graphflow import dtypes
from graphflow import graph as graph_lib
from graphflow import op_builder
from graphflow import registry
from graphflow import tensor_shape


def _const_shape(op):
    return [tensor_shape.TensorShape(op._attrs["value"].shape)]


registry.register_op(
    "Const", outputs=["output: dtype"], attrs=["value: tensor", "dtype: type"],
    shape_fn=_const_shape, grad=registry.NOT_DIFFERENTIABLE,
    doc="A constant tensor: output = value. Shape and dtype are those of `value`.")


def to_numpy(value, dtype=None):
    """Converts a Python or numpy value to an ndarray under TF's conversion rules.

    Raises:
        TypeError: the value cannot be represented in `dtype` without changing its kind
            (e.g. 1.5 as int32) or is not a tensor-like value.
        ValueError: a ragged nested list.
    """
    value = _plain_dims(value)
    if isinstance(value, np.ndarray) and value.dtype.kind in "SUa":
        value = value.astype(object)
    try:
        arr = np.asarray(value) if not _is_text(value) else np.asarray(value, dtype=object)
    except ValueError as err:
        raise ValueError(f"Can't convert non-rectangular Python sequence to Tensor: {err}") \
            from None
    if arr.dtype.kind in "SU":
        arr = arr.astype(object)
    if arr.dtype == object:
        arr = _as_string_array(arr, value)
    elif not isinstance(value, (np.ndarray, np.generic)):
        arr = _python_default(arr, value)
    if dtype is None:
        dtypes.as_dtype(arr.dtype)  # raises TypeError for unsupported kinds
        return arr
    dtype = dtypes.as_dtype(dtype).base_dtype
    if arr.size == 0 and not isinstance(value, np.ndarray):
        return arr.astype(dtype.as_numpy_dtype)  # an empty Python list has no element kind
    return _cast_checked(arr, dtype, value)


def _plain_dims(value):
    """TensorShapes and Dimensions (TF1 idioms such as `tf.reshape(x, y.shape)` or
    `[x.shape[0], -1]`) become ints; an unknown dimension cannot be converted."""
    if isinstance(value, tensor_shape.TensorShape):
        if not value.is_fully_defined():
            raise ValueError(f"Cannot convert a partially known TensorShape {value} to a Tensor.")
        return value.as_list()
    if isinstance(value, tensor_shape.Dimension):
        if value.value is None:
            raise ValueError("Cannot convert an unknown Dimension to a Tensor.")
        return value.value
    if isinstance(value, (list, tuple)) and any(
            isinstance(v, (tensor_shape.Dimension, tensor_shape.TensorShape, list, tuple))
            for v in value):
        return [_plain_dims(v) for v in value]
    return value


def _is_text(value):
    return isinstance(value, (str, bytes))


def _as_string_array(arr, value):
    flat = arr.reshape(-1)
    out = np.empty(flat.shape, dtype=object)
    for i, item in enumerate(flat):
        if isinstance(item, str):
            out[i] = item.encode("utf-8")
        elif isinstance(item, bytes):
            out[i] = item
        else:
            raise TypeError(f"Failed to convert object of type {type(value).__name__} to "
                            f"Tensor. Contents: {value!r}. Consider casting elements to a "
                            "supported type.")
    return out.reshape(arr.shape)


def _python_default(arr, value):
    """Python floats are float32 and ints int32 (int64 if needed), as in TF."""
    if arr.dtype.kind == "f":
        return arr.astype(np.float32)
    if arr.dtype.kind in "iu":
        info = np.iinfo(np.int32)
        if arr.size == 0 or (arr.min() >= info.min and arr.max() <= info.max):
            return arr.astype(np.int32)
        return arr.astype(np.int64)
    return arr


class UnsafeCastError(TypeError):
    """A value cannot be converted to a dtype without changing its kind (float -> int, number
    <-> string, number -> bool) or leaving the dtype's range (`reason` is "kind" or "range")."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


def cast_safely(arr, dtype):
    """`arr` as `dtype`, converting only where nothing but precision can change (int -> float,
    float64 -> float32, bool -> number, in-range integer narrowing); else UnsafeCastError.
    Shared by constant conversion and by feeds."""
    target = np.dtype(dtype.as_numpy_dtype)
    if arr.dtype == target:
        return arr
    src = arr.dtype.kind
    if target.kind == "O" or src in "OSU" or (src == "f" and target.kind in "iub") or \
            (src in "iu" and target.kind == "b"):
        raise UnsafeCastError("kind")
    if target.kind in "iu" and src in "iu" and arr.size:
        info = np.iinfo(target)
        if arr.min() < info.min or arr.max() > info.max:
            raise UnsafeCastError("range")
    return arr.astype(target)


def _cast_checked(arr, dtype, original):
    try:
        return cast_safely(arr, dtype)
    except UnsafeCastError as err:
        if err.reason == "range":
            raise ValueError(f"Value {short_repr(original)} is out of range for "
                             f"{dtype.name}.") from None
        raise TypeError(f"Expected {dtype.name}, got {short_repr(original)} of type "
                        f"'{type(original).__name__}' instead.") from None


def short_repr(value):
    """A repr cut to 60 characters for error messages."""
    text = repr(value)
    return text if len(text) < 60 else text[:57] + "..."


def constant(value, dtype=None, shape=None, name="Const", verify_shape=False):
    """`tf.constant`: a Const node holding `value`.

    Args:
        value: a Python scalar, nested list, numpy array or string.
        dtype: optional element type; the value is converted to it.
        shape: optional shape. A single value is repeated to fill it (splat); fewer values than
            the shape holds are padded with the last value, as TF1 does.
        name: node name.
        verify_shape: if True, `shape` must equal the value's shape.

    Raises:
        TypeError: `value` is not representable in `dtype`.
        ValueError: too many values for `shape`, or a shape mismatch with `verify_shape`.
    """
    arr = to_numpy(value, dtype)
    if shape is not None:
        shape = tensor_shape.as_shape(shape).as_list()
        arr = _fit_to_shape(arr, shape, verify_shape)
    return _const(arr, name)


def _fit_to_shape(arr, shape, verify_shape):
    if list(arr.shape) == shape:
        return arr
    if verify_shape:
        raise TypeError(f"Expected Tensor's shape: {tuple(shape)}, got {arr.shape}.")
    size = int(np.prod(shape, dtype=np.int64))
    if arr.size == 1:
        return np.full(shape, arr.reshape(()), dtype=arr.dtype)
    if arr.size > size:
        raise ValueError(f"Too many elements provided. Needed at most {size}, but received "
                         f"{arr.size}")
    if arr.size == 0:
        raise ValueError(f"Cannot fill shape {tuple(shape)} from an empty value")
    flat = np.concatenate([arr.reshape(-1), np.repeat(arr.reshape(-1)[-1:], size - arr.size)])
    return flat.reshape(shape)


def _const(arr, name):
    return op_builder.apply_op("Const", name=name, value=arr, dtype=dtypes.as_dtype(arr.dtype))


def convert_to_tensor(value, dtype=None, name=None, preferred_dtype=None, as_ref=False,
                      dtype_hint=None):
    """Returns `value` as a Tensor: Tensors pass through, Variables give their value, other
    values become Const nodes named `name` (default "Const").

    Raises:
        ValueError: `value` is a Tensor of another dtype than the requested one.
        TypeError: `value` cannot be converted (see `to_numpy`).
    """
    preferred_dtype = preferred_dtype or dtype_hint
    if isinstance(value, graph_lib.Tensor):
        if dtype is not None and not dtypes.as_dtype(dtype).is_compatible_with(value.dtype):
            raise ValueError(f"Tensor conversion requested dtype {dtypes.as_dtype(dtype).name} "
                             f"for Tensor with dtype {value.dtype.name}: {value!r}")
        return value
    to_tensor = getattr(value, "_as_tensor", None)
    if to_tensor is not None:
        return to_tensor(dtype=dtype, name=name, as_ref=as_ref)
    if isinstance(value, graph_lib.Operation):
        raise TypeError(f"Can't convert Operation '{value.name}' to Tensor (target dtype="
                        f"{dtype}, name={name!r}, as_ref={as_ref})")
    if isinstance(value, (list, tuple)) and any(_holds_tensor(v) for v in value):
        from graphflow.ops import array_ops
        return array_ops.pack_nested(value, dtype=dtype, name=name or "packed")
    if dtype is None and preferred_dtype is not None:
        try:
            arr = to_numpy(value, preferred_dtype)
        except (TypeError, ValueError):
            arr = to_numpy(value)
    else:
        arr = to_numpy(value, dtype)
    return _const(arr, name or "Const")


def _holds_tensor(value):
    if isinstance(value, (list, tuple)):
        return any(_holds_tensor(v) for v in value)
    return isinstance(value, graph_lib.Tensor) or hasattr(value, "_as_tensor")


def convert_n_to_tensor(values, dtype=None, name=None, preferred_dtype=None):
    return [convert_to_tensor(v, dtype=dtype, preferred_dtype=preferred_dtype,
                              name=None if name is None else f"{name}_{i}")
            for i, v in enumerate(values)]


def is_constant_scalar(value):
    return isinstance(value, numbers.Number)


def constant_value(tensor):
    """The value of `tensor` if it can be computed at graph-build time, else None.

    Handles Const, Shape/Size/Rank of fully or partly known shapes, Pack of constants,
    Identity, Cast and Range over constants. Used by shape functions (e.g. Reshape's shape).
    """
    if not isinstance(tensor, graph_lib.Tensor):
        return None
    op = tensor.op
    folder = _FOLDERS.get(op.type)
    return None if folder is None else folder(op)


def _fold_shape(op):
    shape = op.inputs[0].shape
    if not shape.is_fully_defined():
        return None
    return np.array(shape.as_list(), dtype=op.get_attr("out_type").as_numpy_dtype)


def _fold_size(op):
    n = op.inputs[0].shape.num_elements()
    return None if n is None else np.array(n, dtype=op.get_attr("out_type").as_numpy_dtype)


def _fold_rank(op):
    rank = op.inputs[0].shape.rank
    return None if rank is None else np.array(rank, dtype=np.int32)


def _fold_pack(op):
    values = [constant_value(t) for t in op.inputs]
    if any(v is None for v in values):
        return None
    return np.stack(values, axis=op.get_attr("axis"))


def _fold_identity(op):
    return constant_value(op.inputs[0])


def _fold_cast(op):
    value = constant_value(op.inputs[0])
    return None if value is None else value.astype(op.get_attr("DstT").as_numpy_dtype)


def _fold_range(op):
    start, limit, delta = (constant_value(t) for t in op.inputs)
    if start is None or limit is None or delta is None:
        return None
    return np.arange(start, limit, delta, dtype=op.get_attr("Tidx").as_numpy_dtype)


_FOLDERS = {
    "Const": lambda op: op._attrs["value"],
    "Shape": _fold_shape,
    "Size": _fold_size,
    "Rank": _fold_rank,
    "Pack": _fold_pack,
    "Identity": _fold_identity,
    "Cast": _fold_cast,
    "Range": _fold_range,
}


def constant_shape(tensor):
    """A TensorShape from a 1-D shape tensor, with unknown dims where not computable.

    Understands `-1` entries (unknown), Pack of scalars (partially known) and Shape of a tensor.
    """
    value = constant_value(tensor)
    if value is not None:
        return tensor_shape.TensorShape([None if d < 0 else int(d) for d in value.reshape(-1)])
    op = tensor.op
    if op.type == "Shape":
        return op.inputs[0].shape
    if op.type == "Pack":
        dims = []
        for t in op.inputs:
            v = constant_value(t)
            dims.append(None if v is None or v < 0 else int(v))
        return tensor_shape.TensorShape(dims)
    rank = tensor.shape[0].value if tensor.shape.rank == 1 else None
    return tensor_shape.unknown_shape(rank)
