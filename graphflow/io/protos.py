"""Conversions between graphflow values and TensorFlow-compatible protocol buffers.

`TensorProto` <-> ndarray (`make_tensor_proto`, `make_ndarray`, encoded as TF encodes them),
`TensorShapeProto` <-> `TensorShape`, and attr values <-> `AttrValue` for every attr kind of the
op registry. Reading is strict: a proto that does not describe a valid value raises
`ValueError`/`TypeError` with a message saying what is wrong, never a numpy crash or a huge
allocation (the element count of a tensor is checked against `max_elements` before anything is
built).
"""

import numpy as np

from graphflow import dtypes
from graphflow import tensor_shape
from graphflow.proto import attr_value_pb2
from graphflow.proto import tensor_pb2
from graphflow.proto import tensor_shape_pb2

# Element types stored as raw little-endian bytes in `tensor_content` (TF's
# _TENSOR_CONTENT_TYPES); bool, uint16 and string always use the typed `*_val` fields.
_CONTENT_TYPES = frozenset([dtypes.float16, dtypes.float32, dtypes.float64, dtypes.int8,
                            dtypes.int16, dtypes.int32, dtypes.int64, dtypes.uint8,
                            dtypes.uint32, dtypes.uint64])

# dtype -> the repeated `*_val` field holding its values.
_VAL_FIELD = {
    dtypes.float16: "half_val", dtypes.float32: "float_val", dtypes.float64: "double_val",
    dtypes.int8: "int_val", dtypes.int16: "int_val", dtypes.int32: "int_val",
    dtypes.uint8: "int_val", dtypes.uint16: "int_val", dtypes.int64: "int64_val",
    dtypes.uint32: "uint32_val", dtypes.uint64: "uint64_val", dtypes.bool: "bool_val",
    dtypes.string: "string_val",
}

DEFAULT_MAX_ELEMENTS = 1 << 27


# ------------------------------------------------------------------ dtypes and shapes
def dtype_from_enum(enum, allow_ref=False):
    """The DType of a DataType enum value; ValueError for unsupported or invalid ones."""
    try:
        dtype = dtypes.as_dtype(int(enum))
    except TypeError:
        raise ValueError(f"unsupported DataType {_enum_name(enum)}") from None
    if dtype.is_ref_dtype and not allow_ref:
        raise ValueError(f"reference DataType {_enum_name(enum)} is not allowed here")
    return dtype


def _enum_name(enum):
    from graphflow.proto import types_pb2
    try:
        return types_pb2.DataType.Name(int(enum))
    except ValueError:
        return str(int(enum))


def shape_to_proto(shape):
    """A TensorShapeProto for a TensorShape (or anything `as_shape` accepts)."""
    shape = tensor_shape.as_shape(shape)
    if shape.rank is None:
        return tensor_shape_pb2.TensorShapeProto(unknown_rank=True)
    return tensor_shape_pb2.TensorShapeProto(
        dim=[tensor_shape_pb2.TensorShapeProto.Dim(size=-1 if d is None else d)
             for d in shape._values])


def shape_from_proto(proto):
    """The TensorShape of a TensorShapeProto; ValueError for dimensions below -1."""
    if proto.unknown_rank:
        if proto.dim:
            raise ValueError("a shape of unknown rank cannot list dimensions")
        return tensor_shape.unknown_shape()
    dims = []
    for d in proto.dim:
        if d.size < -1:
            raise ValueError(f"invalid dimension {d.size} in shape (must be >= -1)")
        dims.append(None if d.size == -1 else d.size)
    return tensor_shape.TensorShape(dims)


# ------------------------------------------------------------------ tensors
def make_tensor_proto(values, dtype=None, shape=None, verify_shape=False, allow_broadcast=False):
    """`tf.make_tensor_proto`: a TensorProto holding `values`, encoded as TF encodes it.

    One value for a larger `shape` (a splat), or an array whose elements are all equal, is
    stored once in the typed `*_val` field; other numeric arrays of more than one element go
    to `tensor_content` as little-endian bytes; strings, bools and uint16 use `*_val` fields.

    Args:
        values: a Python scalar or nested list, a numpy array or string.
        dtype: optional element type to convert to.
        shape: optional shape; a single value is repeated to fill it.
        verify_shape: if True, `values` must already have `shape`.
        allow_broadcast: accepted for TF compatibility (single values always broadcast).

    Returns:
        A `graphflow.proto.tensor_pb2.TensorProto`.

    Raises:
        TypeError: `values` cannot be converted to `dtype`.
        ValueError: `values` does not fit `shape`.
    """
    from graphflow.ops import constant_op
    arr = constant_op.to_numpy(values, dtype)
    dtype = dtypes.as_dtype(arr.dtype)
    full_shape = list(arr.shape) if shape is None else tensor_shape.as_shape(shape).as_list()
    if verify_shape and list(arr.shape) != full_shape:
        raise TypeError(f"Expected Tensor's shape: {tuple(full_shape)}, got {arr.shape}.")
    size = int(np.prod(full_shape, dtype=np.int64))
    if arr.size not in (1, size):
        raise ValueError(f"Too many elements provided. Needed at most {size}, but received "
                         f"{arr.size}")
    return _encode(arr, dtype, full_shape)


def ndarray_to_proto(arr):
    """The TensorProto of an ndarray (object arrays hold bytes), encoded as TF encodes it."""
    arr = np.asarray(arr)
    return _encode(arr, dtypes.as_dtype(arr.dtype), list(arr.shape))


def _encode(arr, dtype, full_shape):
    proto = tensor_pb2.TensorProto(dtype=dtype.as_datatype_enum,
                                   tensor_shape=shape_to_proto(full_shape))
    flat = arr.reshape(-1)
    if flat.size > 1 and _all_equal(flat):
        flat = flat[:1]
    if flat.size > 1 and dtype in _CONTENT_TYPES:
        proto.tensor_content = np.ascontiguousarray(flat, flat.dtype.newbyteorder("<")).tobytes()
        return proto
    field = getattr(proto, _VAL_FIELD[dtype])
    if dtype == dtypes.float16:
        field.extend(flat.view(np.uint16).tolist())
    elif dtype == dtypes.string:
        field.extend(v if isinstance(v, bytes) else str(v).encode() for v in flat)
    else:
        field.extend(flat.tolist())
    return proto


def _all_equal(flat):
    if flat.dtype == object:
        first = flat[0]
        return all(v == first for v in flat)
    if flat.dtype.kind == "f":  # bit patterns, so -0.0 and NaN payloads survive
        bits = flat.view(np.dtype(f"u{flat.dtype.itemsize}"))
        return bool(np.all(bits == bits[0]))
    return bool(np.all(flat == flat[0]))


def make_ndarray(tensor, dtype=None, max_elements=None):
    """`tf.make_ndarray`: the numpy array a TensorProto holds.

    Fewer typed values than the shape holds are padded with the last one (TF's splat); no
    values mean zeros.

    Args:
        tensor: a TensorProto.
        dtype: optional numpy dtype to cast the result to.
        max_elements: refuse shapes with more elements (default `DEFAULT_MAX_ELEMENTS`).

    Returns:
        A numpy array (object array of bytes for strings).

    Raises:
        ValueError: an unsupported dtype, a shape with unknown or too many elements, or
            contents that do not match the shape.
    """
    limit = DEFAULT_MAX_ELEMENTS if max_elements is None else max_elements
    gf_dtype = dtype_from_enum(tensor.dtype)
    shape = shape_from_proto(tensor.tensor_shape)
    if not shape.is_fully_defined():
        raise ValueError(f"a tensor value needs a fully defined shape, got {shape}")
    count = 1
    for d in shape._values:
        count *= d
    if count > limit:
        raise ValueError(f"tensor of shape {shape} has {count} elements, more than the limit "
                         f"of {limit}")
    if tensor.tensor_content:
        arr = _from_content(tensor.tensor_content, gf_dtype, count, shape)
    else:
        arr = _from_values(tensor, gf_dtype, count)
    arr = arr.reshape(shape._values)
    return arr if dtype is None else arr.astype(dtype)


def _from_content(content, dtype, count, shape):
    if dtype == dtypes.string:
        raise ValueError("string tensors cannot use tensor_content")
    np_dtype = np.dtype(dtype.as_numpy_dtype).newbyteorder("<")
    if len(content) != count * np_dtype.itemsize:
        raise ValueError(f"tensor_content has {len(content)} bytes but shape {shape} of "
                         f"{dtype.name} needs {count * np_dtype.itemsize}")
    return np.frombuffer(content, dtype=np_dtype).astype(np_dtype.newbyteorder("="))


def _from_values(tensor, dtype, count):
    field = getattr(tensor, _VAL_FIELD[dtype])
    n = len(field)
    if n > count:
        raise ValueError(f"{n} values given for a tensor of {count} elements")
    np_dtype = np.dtype(dtype.as_numpy_dtype)
    if n == 0:
        if dtype == dtypes.string:
            return np.full(count, b"", dtype=object)
        return np.zeros(count, dtype=np_dtype)
    if dtype == dtypes.string:
        values = np.empty(n, dtype=object)
        values[:] = list(field)
    elif dtype == dtypes.float16:
        values = _checked_ints(field, np.uint16).view(np.float16)
    elif dtype.is_integer:
        values = _checked_ints(field, np_dtype)
    else:
        values = np.array(field, dtype=np_dtype)
    if n < count:
        values = np.concatenate([values, np.repeat(values[-1:], count - n)])
    return values


def _checked_ints(field, np_dtype):
    """Integers from a typed field, refusing values outside the element type's range."""
    raw = np.array(field, dtype=np.uint64 if np_dtype == np.uint64 else np.int64)
    info = np.iinfo(np_dtype)
    if raw.size and (raw.min() < info.min or raw.max() > info.max):
        raise ValueError(f"value out of range for {np.dtype(np_dtype).name}")
    return raw.astype(np_dtype)


# ------------------------------------------------------------------ attr values
_SCALAR_FIELDS = {"int": "i", "float": "f", "bool": "b", "string": "s", "type": "type",
                  "shape": "shape", "tensor": "tensor", "func": "func"}
_PROTO_KIND_NAMES = {"i": "int", "f": "float", "b": "bool", "s": "string", "type": "type",
                     "shape": "shape", "tensor": "tensor", "list": "list", "func": "func",
                     "placeholder": "placeholder"}


def attr_value_of(kind, value):
    """The AttrValue of a graphflow attr value of kind `kind` ("int", "list(type)", ...)."""
    attr = attr_value_pb2.AttrValue()
    if kind.startswith("list("):
        inner = kind[5:-1]
        attr.list.SetInParent()
        getattr(attr.list, _SCALAR_FIELDS[inner]).extend(_scalar_proto(inner, v) for v in value)
        return attr
    field = _SCALAR_FIELDS[kind]
    if kind in ("shape", "tensor"):
        getattr(attr, field).CopyFrom(_scalar_proto(kind, value))
    else:
        setattr(attr, field, _scalar_proto(kind, value))
    return attr


def _scalar_proto(kind, value):
    if kind == "type":
        return dtypes.as_dtype(value).as_datatype_enum
    if kind == "string":
        return value if isinstance(value, bytes) else str(value).encode("utf-8")
    if kind == "shape":
        return shape_to_proto(value)
    if kind == "tensor":
        return ndarray_to_proto(value)
    if kind == "int":
        return int(value)
    if kind == "float":
        return float(value)
    if kind == "bool":
        return bool(value)
    raise TypeError(f"graphflow cannot write attrs of kind {kind}")


def attr_value_from_proto(kind, attr, max_elements=None):
    """The graphflow value of AttrValue `attr` for an attr of kind `kind`.

    Raises:
        TypeError: the AttrValue holds another kind of value (TF's message).
        ValueError: the value itself is invalid (bad dtype enum, shape or tensor).
    """
    which = attr.WhichOneof("value")
    if kind.startswith("list("):
        if which not in ("list", None):
            raise TypeError(f"AttrValue had value with type '{_PROTO_KIND_NAMES[which]}' when "
                            f"'{kind}' expected")
        inner = kind[5:-1]
        items = getattr(attr.list, _SCALAR_FIELDS[inner])
        _check_list_has_only(attr.list, _SCALAR_FIELDS[inner], kind)
        return [_scalar_value(inner, v, max_elements) for v in items]
    if which != _SCALAR_FIELDS.get(kind):
        got = "nothing" if which is None else _PROTO_KIND_NAMES[which]
        raise TypeError(f"AttrValue had value with type '{got}' when '{kind}' expected")
    return _scalar_value(kind, getattr(attr, which), max_elements)


def _check_list_has_only(list_value, field, kind):
    for other in ("s", "i", "f", "b", "type", "shape", "tensor", "func"):
        if other != field and len(getattr(list_value, other)):
            raise TypeError(f"AttrValue had a list of '{_PROTO_KIND_NAMES[other]}' when "
                            f"'{kind}' expected")


def _scalar_value(kind, value, max_elements):
    if kind == "type":
        return dtype_from_enum(value)
    if kind == "string":
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            raise ValueError(f"string attr value {value[:40]!r} is not valid UTF-8") from None
    if kind == "shape":
        return shape_from_proto(value)
    if kind == "tensor":
        return make_ndarray(value, max_elements=max_elements)
    if kind == "func":
        raise ValueError("function-valued attrs are not supported by graphflow")
    return value
