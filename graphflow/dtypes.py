"""Tensor element types, with TensorFlow's names, enum values and properties.

A `DType` wraps a numpy dtype. Reference dtypes (`float32_ref`) are the type of a variable's
output, as in TF1; `base_dtype` strips the reference.
"""

import numpy as np

_REF_OFFSET = 100


class DType:
    """An element type of a tensor (`tf.float32`, `tf.int32`, ...)."""

    __slots__ = ("_enum",)

    def __init__(self, type_enum):
        if int(type_enum) % _REF_OFFSET not in _INFO:
            raise TypeError(f"{type_enum} does not correspond to a valid tensorflow::DataType")
        self._enum = int(type_enum)

    @property
    def _info(self):
        return _INFO[self._enum % _REF_OFFSET]

    @property
    def is_ref_dtype(self):
        return self._enum > _REF_OFFSET

    @property
    def base_dtype(self):
        return _BY_ENUM[self._enum % _REF_OFFSET] if self.is_ref_dtype else self

    @property
    def real_dtype(self):
        return self.base_dtype

    @property
    def _as_ref(self):
        return self if self.is_ref_dtype else _BY_ENUM[self._enum + _REF_OFFSET]

    @property
    def as_datatype_enum(self):
        return self._enum

    @property
    def name(self):
        base = self._info[0]
        return base + "_ref" if self.is_ref_dtype else base

    @property
    def as_numpy_dtype(self):
        return self._info[1].type

    @property
    def is_floating(self):
        return self.base_dtype._info[1].kind == "f"

    @property
    def is_integer(self):
        return self.base_dtype._info[1].kind in "iu"

    @property
    def is_unsigned(self):
        return self.base_dtype._info[1].kind == "u"

    @property
    def is_bool(self):
        return self.base_dtype._info[1].kind == "b"

    @property
    def is_complex(self):
        return False

    @property
    def is_numpy_compatible(self):
        return True

    @property
    def is_quantized(self):
        return False

    @property
    def size(self):
        return 0 if self.base_dtype is string else self._info[1].itemsize

    @property
    def min(self):
        info = self._numeric_info("min")
        return info.min

    @property
    def max(self):
        info = self._numeric_info("max")
        return info.max

    @property
    def limits(self):
        return (self.min, self.max)

    def _numeric_info(self, what):
        npd = self._info[1]
        if npd.kind == "f":
            return np.finfo(npd)
        if npd.kind in "iu":
            return np.iinfo(npd)
        if npd.kind == "b":
            return _BoolInfo
        raise TypeError(f"Cannot find {what} value of {self.name}.")

    @property
    def tf_name(self):
        """The name TensorFlow uses in op registrations (`float`, `double`, `half`, ...)."""
        return self._info[2]

    def is_compatible_with(self, other):
        other = as_dtype(other)
        return self._enum in (other._enum, other.base_dtype._enum)

    def __eq__(self, other):
        if other is None:
            return False
        if not isinstance(other, DType):
            try:
                other = as_dtype(other)
            except TypeError:
                return False
        return self._enum == other._enum

    def __ne__(self, other):
        return not self == other

    def __hash__(self):
        return self._enum

    def __reduce__(self):
        return as_dtype, (self.name,)

    def __repr__(self):
        return f"tf.{self.name}"

    def __str__(self):
        return f"<dtype: '{self.name}'>"


class _BoolInfo:
    min = False
    max = True


# enum -> (graphflow name, numpy dtype, TensorFlow registration name). Enums are TF's DataType.
_INFO = {
    1: ("float32", np.dtype(np.float32), "float"),
    2: ("float64", np.dtype(np.float64), "double"),
    3: ("int32", np.dtype(np.int32), "int32"),
    4: ("uint8", np.dtype(np.uint8), "uint8"),
    5: ("int16", np.dtype(np.int16), "int16"),
    6: ("int8", np.dtype(np.int8), "int8"),
    7: ("string", np.dtype(object), "string"),
    9: ("int64", np.dtype(np.int64), "int64"),
    10: ("bool", np.dtype(np.bool_), "bool"),
    17: ("uint16", np.dtype(np.uint16), "uint16"),
    19: ("float16", np.dtype(np.float16), "half"),
    22: ("uint32", np.dtype(np.uint32), "uint32"),
    23: ("uint64", np.dtype(np.uint64), "uint64"),
}

_BY_ENUM = {}
for _enum in _INFO:
    _BY_ENUM[_enum] = DType.__new__(DType)
    _BY_ENUM[_enum]._enum = _enum
    _BY_ENUM[_enum + _REF_OFFSET] = DType.__new__(DType)
    _BY_ENUM[_enum + _REF_OFFSET]._enum = _enum + _REF_OFFSET

float16 = half = _BY_ENUM[19]
float32 = _BY_ENUM[1]
float64 = double = _BY_ENUM[2]
int8 = _BY_ENUM[6]
int16 = _BY_ENUM[5]
int32 = _BY_ENUM[3]
int64 = _BY_ENUM[9]
uint8 = _BY_ENUM[4]
uint16 = _BY_ENUM[17]
uint32 = _BY_ENUM[22]
uint64 = _BY_ENUM[23]
bool = _BY_ENUM[10]  # noqa: A001 - TF's public name
string = _BY_ENUM[7]

float16_ref = _BY_ENUM[119]
float32_ref = _BY_ENUM[101]
float64_ref = _BY_ENUM[102]
int32_ref = _BY_ENUM[103]
int64_ref = _BY_ENUM[109]
bool_ref = _BY_ENUM[110]

_BY_NAME = {}
for _d in _BY_ENUM.values():
    _BY_NAME[_d.name] = _d
    _BY_NAME[_d.tf_name + ("_ref" if _d.is_ref_dtype else "")] = _d
_BY_NAME["half"] = float16
_BY_NAME["double"] = float64

_BY_NUMPY = {info[1]: _BY_ENUM[enum] for enum, info in _INFO.items()}

_PY_TYPES = {float: float32, int: int32, type(True): _BY_ENUM[10], str: string, bytes: string}


def as_dtype(type_value):
    """Converts a DType, numpy dtype, type enum, name or Python type to a `DType`.

    Raises:
        TypeError: if `type_value` names no supported type.
    """
    if isinstance(type_value, DType):
        return type_value
    if isinstance(type_value, str):
        try:
            return _BY_NAME[type_value]
        except KeyError:
            raise TypeError(f"Cannot convert value {type_value!r} to a TensorFlow DType.") from None
    if isinstance(type_value, (int, np.integer)) and not isinstance(type_value, type(True)):
        try:
            return _BY_ENUM[int(type_value)]
        except KeyError:
            raise TypeError(f"Cannot convert value {type_value!r} to a TensorFlow DType.") from None
    if type_value in _PY_TYPES:
        return _PY_TYPES[type_value]
    try:
        npd = np.dtype(type_value)
    except TypeError:
        raise TypeError(f"Cannot convert value {type_value!r} to a TensorFlow DType.") from None
    if npd.kind in "SUO":
        return string
    try:
        return _BY_NUMPY[npd]
    except KeyError:
        raise TypeError(f"Cannot convert value {type_value!r} to a TensorFlow DType.") from None


# Groups used by op registrations (TF's `numbertype`, `realnumbertype`, ...).
FLOATS = (float16, float32, float64)
INTEGERS = (int8, int16, int32, int64, uint8, uint16, uint32, uint64)
REAL_NUMBERS = FLOATS + INTEGERS
ALL_TYPES = REAL_NUMBERS + (_BY_ENUM[10], string)

QUANTIZED_DTYPES = frozenset()
