"""Elementwise math, comparisons, casts and reductions: op declarations and public functions.

Elementwise ops broadcast like numpy. No dtype promotion happens between tensors (TF's rule);
Python scalars take the dtype of the tensor operand. Gradients are registered in
`graphflow/ops/math_grad.py` against these declarations.
"""

import numpy as np

from graphflow import dtypes
from graphflow import graph as graph_lib
from graphflow import registry
from graphflow import tensor_shape
from graphflow.op_builder import apply_op
from graphflow.ops import constant_op
from graphflow.ops import shape_fns

_FLOAT = "{half, float, double}"
_SIGNED = "{half, float, double, int8, int16, int32, int64}"
_NUMBER = "{numbertype}"
_NUMBER_BOOL = "{numeric_and_bool}"
_POW = "{half, float, double, int8, int16, int32, int64}"

# type -> (public name, allowed dtypes, one-line math)
UNARY_OPS = {
    "Neg": ("negative", _SIGNED, "y = -x"),
    "Abs": ("abs", _SIGNED, "y = |x|"),
    "Sign": ("sign", _SIGNED, "y = -1, 0 or 1 as the sign of x (0 for 0)"),
    "Square": ("square", _NUMBER, "y = x * x"),
    "Sqrt": ("sqrt", _FLOAT, "y = sqrt(x)"),
    "Rsqrt": ("rsqrt", _FLOAT, "y = 1 / sqrt(x)"),
    "Exp": ("exp", _FLOAT, "y = e^x"),
    "Expm1": ("expm1", _FLOAT, "y = e^x - 1"),
    "Log": ("log", _FLOAT, "y = ln(x)"),
    "Log1p": ("log1p", _FLOAT, "y = ln(1 + x)"),
    "Sin": ("sin", _FLOAT, "y = sin(x)"),
    "Cos": ("cos", _FLOAT, "y = cos(x)"),
    "Tan": ("tan", _FLOAT, "y = tan(x)"),
    "Tanh": ("tanh", _FLOAT, "y = tanh(x)"),
    "Sigmoid": ("sigmoid", _FLOAT, "y = 1 / (1 + e^-x)"),
    "Reciprocal": ("reciprocal", _SIGNED, "y = 1 / x"),
    "Floor": ("floor", _FLOAT, "y = largest integer <= x"),
    "Ceil": ("ceil", _FLOAT, "y = smallest integer >= x"),
    "Round": ("round", _SIGNED, "y = x rounded half to even"),
}

# type -> (public name, allowed dtypes, one-line math)
BINARY_OPS = {
    "AddV2": ("add", _NUMBER, "z = x + y"),
    "Sub": ("subtract", _NUMBER, "z = x - y"),
    "Mul": ("multiply", _NUMBER, "z = x * y"),
    "RealDiv": ("realdiv", _NUMBER, "z = x / y (integers truncate; division by zero is an error)"),
    "FloorDiv": ("floordiv", _NUMBER, "z = floor(x / y)"),
    "FloorMod": ("floormod", _NUMBER, "z = x - floor(x / y) * y (sign of y, as Python's %)"),
    "TruncateDiv": ("truncatediv", _NUMBER, "z = x / y rounded toward zero"),
    "Pow": ("pow", _POW, "z = x ** y (no negative integer exponents of integers)"),
    "Maximum": ("maximum", _NUMBER, "z = max(x, y)"),
    "Minimum": ("minimum", _NUMBER, "z = min(x, y)"),
    "SquaredDifference": ("squared_difference", "{half, float, double, int32, int64}",
                          "z = (x - y)^2"),
}

COMPARISON_OPS = {
    "Less": ("less", _NUMBER, "z = x < y"),
    "LessEqual": ("less_equal", _NUMBER, "z = x <= y"),
    "Greater": ("greater", _NUMBER, "z = x > y"),
    "GreaterEqual": ("greater_equal", _NUMBER, "z = x >= y"),
    "Equal": ("equal", "{all}", "z = x == y"),
    "NotEqual": ("not_equal", "{all}", "z = x != y"),
}

LOGICAL_OPS = {
    "LogicalAnd": ("logical_and", "z = x AND y"),
    "LogicalOr": ("logical_or", "z = x OR y"),
}

REDUCTION_OPS = {
    "Sum": ("reduce_sum", _NUMBER, "sum"),
    "Mean": ("reduce_mean", _NUMBER, "mean (integer means truncate)"),
    "Prod": ("reduce_prod", _NUMBER, "product"),
    "Max": ("reduce_max", _NUMBER, "maximum"),
    "Min": ("reduce_min", _NUMBER, "minimum"),
}

for _type, (_name, _allowed, _math) in UNARY_OPS.items():
    registry.register_op(_type, inputs=["x: T"], outputs=["y: T"], attrs=[f"T: {_allowed}"],
                         shape_fn=shape_fns.unchanged, doc=f"{_type}: {_math}, elementwise.")

for _type, (_name, _allowed, _math) in BINARY_OPS.items():
    registry.register_op(_type, inputs=["x: T", "y: T"], outputs=["z: T"],
                         attrs=[f"T: {_allowed}"], shape_fn=shape_fns.broadcast_binary,
                         doc=f"{_type}: {_math}, elementwise with numpy broadcasting.")

for _type, (_name, _allowed, _math) in COMPARISON_OPS.items():
    _attrs = [f"T: {_allowed}"]
    if _type in ("Equal", "NotEqual"):
        _attrs.append("incompatible_shape_error: bool = true")
    registry.register_op(_type, inputs=["x: T", "y: T"], outputs=["z: bool"], attrs=_attrs,
                         shape_fn=shape_fns.broadcast_binary, grad=registry.NOT_DIFFERENTIABLE,
                         doc=f"{_type}: {_math}, elementwise with broadcasting; bool output.")

for _type, (_name, _math) in LOGICAL_OPS.items():
    registry.register_op(_type, inputs=["x: bool", "y: bool"], outputs=["z: bool"],
                         shape_fn=shape_fns.broadcast_binary, grad=registry.NOT_DIFFERENTIABLE,
                         doc=f"{_type}: {_math}, elementwise with broadcasting.")

registry.register_op("LogicalNot", inputs=["x: bool"], outputs=["y: bool"],
                     shape_fn=shape_fns.unchanged, grad=registry.NOT_DIFFERENTIABLE,
                     doc="LogicalNot: y = NOT x.")

for _type, (_name, _allowed, _what) in REDUCTION_OPS.items():
    registry.register_op(
        _type, inputs=["input: T", "reduction_indices: Tidx"], outputs=["output: T"],
        attrs=["keep_dims: bool = false", f"T: {_allowed}", "Tidx: {int32, int64} = int32"],
        shape_fn=shape_fns.reduction,
        doc=f"{_type}: the {_what} of `input` over `reduction_indices` (all of them when the "
            "list is empty is NOT implied: an empty list reduces nothing).")

for _type in ("Any", "All"):
    registry.register_op(
        _type, inputs=["input: bool", "reduction_indices: Tidx"], outputs=["output: bool"],
        attrs=["keep_dims: bool = false", "Tidx: {int32, int64} = int32"],
        shape_fn=shape_fns.reduction, grad=registry.NOT_DIFFERENTIABLE,
        doc=f"{_type}: logical {'or' if _type == 'Any' else 'and'} over reduction_indices.")

registry.register_op(
    "AddN", inputs=["inputs: N * T"], outputs=["sum: T"], attrs=["N: int >= 1", f"T: {_NUMBER}"],
    shape_fn=shape_fns.merge_all, doc="AddN: sum = inputs[0] + ... + inputs[N-1], same shapes.")

registry.register_op(
    "Cast", inputs=["x: SrcT"], outputs=["y: DstT"],
    attrs=["SrcT: type", "DstT: type", "Truncate: bool = false"], shape_fn=shape_fns.unchanged,
    doc="Cast: y = x converted to DstT (floats to ints truncate toward zero; to bool is x != 0).")


def _clip_shape(op):
    t, lo, hi = (x.shape for x in op.inputs)
    for bound in (lo, hi):
        if bound.rank not in (None, 0) and not bound.is_compatible_with(t):
            raise ValueError(f"Shapes must be equal rank, but are {bound.rank} and {t.rank} "
                             f"for '{op.name}' (op: 'ClipByValue') with input shapes: {t}, "
                             f"{lo}, {hi}.")
    return [t]


registry.register_op(
    "ClipByValue", inputs=["t: T", "clip_value_min: T", "clip_value_max: T"],
    outputs=["output: T"], attrs=[f"T: {_NUMBER}"], shape_fn=_clip_shape,
    doc="ClipByValue: output = min(max(t, clip_value_min), clip_value_max); the bounds are "
        "scalars or have t's shape. Used by saturate_cast.")


def _merge_shapes(a, b, op):
    """The merge of two shapes that must be equal; ValueError worded as TF's."""
    if a.rank is not None and b.rank is not None:
        if a.rank != b.rank:
            raise ValueError(f"Shapes must be equal rank, but are {a.rank} and {b.rank} for "
                             f"'{op.name}' (op: '{op.type}')")
        for i, (da, db) in enumerate(zip(a._values, b._values)):
            if da is not None and db is not None and da != db:
                raise ValueError(f"Dimension {i} in both shapes must be equal, but are {da} and "
                                 f"{db}. Shapes are {a.as_list()} and {b.as_list()}. for "
                                 f"'{op.name}' (op: '{op.type}')")
    return a.merge_with(b)


def _select_shape(op):
    """t and e must agree; condition is a scalar, has their shape, or is a vector over dim 0."""
    cond, t, e = (x.shape for x in op.inputs)
    data = _merge_shapes(t, e, op)
    if cond.rank is None or data.rank is None or cond.rank == 0:
        return [data]
    if cond.rank != 1 or data.rank == 0:
        return [_merge_shapes(data, cond, op)]
    _merge_shapes(cond, tensor_shape.TensorShape([data._values[0]]), op)
    return [data]


registry.register_op(
    "Select", inputs=["condition: bool", "t: T", "e: T"], outputs=["output: T"],
    attrs=["T: type"], shape_fn=_select_shape,
    doc="Select: output = t where condition else e; condition has t's shape, is a vector "
        "over t's first dimension, or is a scalar choosing all of t or all of e.")

registry.register_op(
    "SelectV2", inputs=["condition: bool", "t: T", "e: T"], outputs=["output: T"],
    attrs=["T: type"], shape_fn=shape_fns.broadcast_all,
    doc="SelectV2: output = t where condition else e, all three broadcast together.")


def _where_shape(op):
    rank = op.inputs[0].shape.rank
    return [tensor_shape.TensorShape([None, rank])]


registry.register_op(
    "Where", inputs=["input: T"], outputs=["index: int64"], attrs=[f"T: {_NUMBER_BOOL} = bool"],
    shape_fn=_where_shape, grad=registry.NOT_DIFFERENTIABLE,
    doc="Where: the coordinates of true (non-zero) elements, shape [num_true, rank], int64.")


def _range_shape(op):
    start, limit, delta = (constant_op.constant_value(t) for t in op.inputs)
    if start is None or limit is None or delta is None:
        return [tensor_shape.TensorShape([None])]
    if delta == 0:
        raise ValueError(f"Requires delta != 0 for '{op.name}' (op: 'Range')")
    if delta > 0 and start > limit:
        raise ValueError(f"Requires start <= limit when delta > 0: {start}/{limit} for "
                         f"'{op.name}' (op: 'Range')")
    if delta < 0 and start < limit:
        raise ValueError(f"Requires start >= limit when delta < 0: {start}/{limit} for "
                         f"'{op.name}' (op: 'Range')")
    n = max(0, int(np.ceil((limit - start) / delta)))
    return [tensor_shape.TensorShape([n])]


registry.register_op(
    "Range", inputs=["start: Tidx", "limit: Tidx", "delta: Tidx"], outputs=["output: Tidx"],
    attrs=["Tidx: {half, float, double, int8, int16, int32, int64, uint16, uint32, uint64} "
           "= int32"],
    shape_fn=_range_shape, grad=registry.NOT_DIFFERENTIABLE,
    doc="Range: [start, start + delta, ...) up to but excluding limit.")


def _arg_shape(op):
    shape = op.inputs[0].shape
    axis = constant_op.constant_value(op.inputs[1])
    if shape.rank is None:
        return [tensor_shape.unknown_shape()]
    if axis is None:
        return [tensor_shape.unknown_shape(shape.rank - 1)]
    axis = shape_fns.normalize_axis(int(axis), shape.rank, op.name, "dimension")
    dims = list(shape._values)
    del dims[axis]
    return [tensor_shape.TensorShape(dims)]


for _type in ("ArgMax", "ArgMin"):
    registry.register_op(
        _type, inputs=["input: T", "dimension: Tidx"], outputs=["output: output_type"],
        attrs=[f"T: {_NUMBER_BOOL}", "Tidx: {int16, int32, int64} = int32",
               "output_type: {int16, int32, int64, uint16} = int64"],
        shape_fn=_arg_shape, grad=registry.NOT_DIFFERENTIABLE,
        doc=f"{_type}: index of the {'largest' if _type == 'ArgMax' else 'smallest'} value "
            "along `dimension` (first one on ties).")


def _cumsum_shape(op):
    return [op.inputs[0].shape]


registry.register_op(
    "Cumsum", inputs=["x: T", "axis: Tidx"], outputs=["out: T"],
    attrs=["exclusive: bool = false", "reverse: bool = false", f"T: {_NUMBER}",
           "Tidx: {int32, int64} = int32"],
    shape_fn=_cumsum_shape, doc="Cumsum: running sum along axis (exclusive/reverse variants).")

registry.register_op(
    "Cumprod", inputs=["x: T", "axis: Tidx"], outputs=["out: T"],
    attrs=["exclusive: bool = false", "reverse: bool = false", f"T: {_NUMBER}",
           "Tidx: {int32, int64} = int32"],
    shape_fn=_cumsum_shape, doc="Cumprod: running product along axis (exclusive/reverse).")


# ------------------------------------------------------------------------ public functions
def _unary(op_type, public_name, doc):
    def fn(x, name=None):
        return apply_op(op_type, x=x, name=name)
    fn.__name__ = public_name
    fn.__doc__ = (f"Computes {doc} elementwise (op `{op_type}`).\n\n"
                  "Args:\n    x: a Tensor or value convertible to one.\n"
                  "    name: optional node name.\n\nReturns:\n    A Tensor of x's dtype and shape.")
    return fn


def _binary(op_type, public_name, doc):
    def fn(x, y, name=None):
        return apply_op(op_type, x=x, y=y, name=name)
    fn.__name__ = public_name
    fn.__doc__ = (f"Computes {doc} elementwise with broadcasting (op `{op_type}`).\n\n"
                  "Args:\n    x, y: Tensors of the same dtype (Python values are converted to "
                  "the tensor's dtype).\n    name: optional node name.\n\nRaises:\n"
                  "    TypeError: x and y have different dtypes.")
    return fn


negative = _unary("Neg", "negative", "y = -x")
abs = _unary("Abs", "abs", "y = |x|")  # noqa: A001 - TF's public name
sign = _unary("Sign", "sign", "y = sign(x)")
square = _unary("Square", "square", "y = x * x")
sqrt = _unary("Sqrt", "sqrt", "y = sqrt(x)")
rsqrt = _unary("Rsqrt", "rsqrt", "y = 1 / sqrt(x)")
exp = _unary("Exp", "exp", "y = e^x")
expm1 = _unary("Expm1", "expm1", "y = e^x - 1")
log = _unary("Log", "log", "y = ln(x)")
log1p = _unary("Log1p", "log1p", "y = ln(1 + x)")
sin = _unary("Sin", "sin", "y = sin(x)")
cos = _unary("Cos", "cos", "y = cos(x)")
tan = _unary("Tan", "tan", "y = tan(x)")
tanh = _unary("Tanh", "tanh", "y = tanh(x)")
sigmoid = _unary("Sigmoid", "sigmoid", "y = 1 / (1 + e^-x)")
reciprocal = _unary("Reciprocal", "reciprocal", "y = 1 / x")
floor = _unary("Floor", "floor", "y = floor(x)")
ceil = _unary("Ceil", "ceil", "y = ceil(x)")

subtract = _binary("Sub", "subtract", "z = x - y")
multiply = _binary("Mul", "multiply", "z = x * y")
realdiv = _binary("RealDiv", "realdiv", "z = x / y")
floormod = _binary("FloorMod", "floormod", "z = x mod y (sign of y)")
mod = floormod
truncatediv = _binary("TruncateDiv", "truncatediv", "z = trunc(x / y)")
maximum = _binary("Maximum", "maximum", "z = max(x, y)")
minimum = _binary("Minimum", "minimum", "z = min(x, y)")
squared_difference = _binary("SquaredDifference", "squared_difference", "z = (x - y)^2")
less = _binary("Less", "less", "z = x < y")
less_equal = _binary("LessEqual", "less_equal", "z = x <= y")
greater = _binary("Greater", "greater", "z = x > y")
greater_equal = _binary("GreaterEqual", "greater_equal", "z = x >= y")
logical_and = _binary("LogicalAnd", "logical_and", "z = x AND y")
logical_or = _binary("LogicalOr", "logical_or", "z = x OR y")
logical_not = _unary("LogicalNot", "logical_not", "y = NOT x")


def equal(x, y, name=None):
    """Elementwise x == y with broadcasting; returns a bool Tensor (op `Equal`)."""
    return apply_op("Equal", x=x, y=y, name=name)


def not_equal(x, y, name=None):
    """Elementwise x != y with broadcasting; returns a bool Tensor (op `NotEqual`)."""
    return apply_op("NotEqual", x=x, y=y, name=name)


def logical_xor(x, y, name="LogicalXor"):
    """x XOR y, built as TF does: LogicalAnd(LogicalOr(x, y), LogicalNot(LogicalAnd(x, y))).

    Args:
        x: bool Tensor.
        y: bool Tensor broadcastable with x.
        name: name of the final LogicalAnd node (the helper nodes get default names).

    Returns:
        A bool Tensor.
    """
    return apply_op("LogicalAnd", x=logical_or(x, y), y=logical_not(logical_and(x, y)),
                    name=name)


def pow(x, y, name=None):  # noqa: A001 - TF's public name
    """z = x ** y elementwise (op `Pow`). Integer tensors reject negative exponents at run time."""
    return apply_op("Pow", x=x, y=y, name=name)


def add(x, y, name=None):
    """z = x + y elementwise with broadcasting (op `AddV2`, default name "Add" as in TF).

    Args:
        x: numeric Tensor or value.
        y: Tensor of x's dtype, or a value converted to it.
        name: optional node name.

    Returns:
        A Tensor of x's dtype.

    Raises:
        TypeError: x and y have different dtypes.
    """
    with graph_lib.name_scope(name, "Add", [x]) as scope:
        x = constant_op.convert_to_tensor(x, name="x")
        y = constant_op.convert_to_tensor(y, dtype_hint=x.dtype.base_dtype, name="y")
        return apply_op("AddV2", x=x, y=y, name=scope)


def floordiv(x, y, name=None):
    """z = floor(x / y) elementwise (op `FloorDiv` in scope "floordiv", as TF names it).

    Raises:
        TypeError: x and y have different dtypes.
    """
    with graph_lib.name_scope(name, "floordiv", [x, y]) as scope:
        return apply_op("FloorDiv", x=x, y=y, name=scope)


def round(x, name=None):  # noqa: A001 - TF's public name
    """Rounds half to even (op `Round`); integer tensors are returned unchanged (no node)."""
    x = constant_op.convert_to_tensor(x, name="x")
    if x.dtype.is_integer:
        return x
    return apply_op("Round", x=x, name=name)


def cast(x, dtype, name=None):
    """Casts `x` to `dtype` (op `Cast`); returns `x` itself when it already has that dtype.

    Floats cast to integers truncate toward zero; casting to bool gives x != 0.

    Args:
        x: a Tensor or value convertible to one.
        dtype: the target dtype.
        name: optional name (default "Cast").

    Returns:
        A Tensor of `dtype` and x's shape.
    """
    dtype = dtypes.as_dtype(dtype).base_dtype
    if isinstance(x, graph_lib.Tensor) and x.dtype.base_dtype == dtype:
        return x
    with graph_lib.name_scope(name, "Cast", [x]) as scope:
        x = constant_op.convert_to_tensor(x, name="x")
        if x.dtype.base_dtype != dtype:
            x = apply_op("Cast", x=x, DstT=dtype, name=scope)
        return x


def to_float(x, name="ToFloat"):
    """Casts to float32 (deprecated in TF1 in favour of tf.cast; kept for course code)."""
    return cast(x, dtypes.float32, name=name)


def to_double(x, name="ToDouble"):
    """Casts to float64 (deprecated in TF1 in favour of tf.cast)."""
    return cast(x, dtypes.float64, name=name)


def to_int32(x, name="ToInt32"):
    """Casts to int32 (deprecated in TF1 in favour of tf.cast); floats truncate toward zero."""
    return cast(x, dtypes.int32, name=name)


def to_int64(x, name="ToInt64"):
    """Casts to int64 (deprecated in TF1 in favour of tf.cast); floats truncate toward zero."""
    return cast(x, dtypes.int64, name=name)


def _saturation_limits(in_dtype, out_dtype):
    """TF's clamp bounds for saturate_cast, nudged toward 0 when not representable exactly."""
    np_dtype = in_dtype.as_numpy_dtype
    try:
        promoted = np.promote_types(np_dtype, out_dtype.as_numpy_dtype)
    except TypeError:
        promoted = float
    low = np_dtype(np.maximum(in_dtype.min, out_dtype.min))
    if np.array([low, out_dtype.min], dtype=promoted)[0] < out_dtype.min:
        low = np.nextafter(low, np_dtype(0), dtype=np_dtype)
    high = np_dtype(np.minimum(float(in_dtype.max), float(out_dtype.max)))
    pair = np.array([high, out_dtype.max], dtype=promoted)
    if pair[0] > pair[1]:
        high = np.nextafter(high, np_dtype(0), dtype=np_dtype)
    return low, high


def saturate_cast(value, dtype, name=None):
    """Casts `value` to `dtype`, clamping it first to the target's range (op `ClipByValue`).

    Args:
        value: a numeric Tensor or value.
        dtype: the target dtype.
        name: optional name (default "saturate_cast").

    Returns:
        A Tensor of `dtype`.
    """
    with graph_lib.name_scope(name, "saturate_cast", [value]) as scope:
        value = constant_op.convert_to_tensor(value, name="value")
        dtype = dtypes.as_dtype(dtype).base_dtype
        in_dtype = value.dtype.base_dtype
        with np.errstate(over="ignore"):
            low, high = _saturation_limits(in_dtype, dtype)
        low = constant_op.convert_to_tensor(low, dtype=in_dtype)
        high = constant_op.convert_to_tensor(high, dtype=in_dtype)
        value = apply_op("ClipByValue", t=value, clip_value_min=low, clip_value_max=high,
                         name="clamp")
        return cast(value, dtype, name=scope)


_TRUEDIV_TARGET = {dtypes.int8: dtypes.float32, dtypes.uint8: dtypes.float32,
                   dtypes.int16: dtypes.float32, dtypes.uint16: dtypes.float32,
                   dtypes.int32: dtypes.float64, dtypes.uint32: dtypes.float64,
                   dtypes.int64: dtypes.float64, dtypes.uint64: dtypes.float64,
                   dtypes.float16: None, dtypes.float32: None, dtypes.float64: None}


def truediv(x, y, name=None):
    """x / y with Python 3 semantics: integers are cast to float first (int32 -> float64).

    Args:
        x: numeric Tensor or value.
        y: Tensor or value of x's dtype.
        name: optional name (default "truediv").

    Returns:
        A float Tensor (op `RealDiv`).

    Raises:
        TypeError: x and y have different dtypes, or the dtype cannot be divided (bool).
    """
    with graph_lib.name_scope(name, "truediv", [x, y]) as scope:
        x = constant_op.convert_to_tensor(x, name="x")
        y = constant_op.convert_to_tensor(y, dtype_hint=x.dtype.base_dtype, name="y")
        x_dtype = x.dtype.base_dtype
        y_dtype = y.dtype.base_dtype
        if x_dtype != y_dtype:
            raise TypeError(f"`x` and `y` must have the same dtype, got {x_dtype!r} != "
                            f"{y_dtype!r}.")
        if x_dtype not in _TRUEDIV_TARGET:
            raise TypeError(f"Invalid dtype {x_dtype!r} in __truediv__")
        target = _TRUEDIV_TARGET[x_dtype]
        if target is not None:
            x = cast(x, target)
            y = cast(y, target)
        return apply_op("RealDiv", x=x, y=y, name=scope)


def _is_tensor_like(value):
    return isinstance(value, graph_lib.Tensor) or hasattr(value, "_as_tensor")


def divide(x, y, name=None):
    """`tf.divide`: x / y (truediv semantics for integers).

    Without a name, a non-tensor `x` is converted (as "Const", to y's dtype) and the Tensor
    operator `/` builds the node, as in TF.
    """
    if name is not None:
        return truediv(x, y, name=name)
    if not _is_tensor_like(x):
        dtype = y.dtype.base_dtype if _is_tensor_like(y) else None
        x = constant_op.convert_to_tensor(x, dtype=dtype)
    return x / y


def div(x, y, name=None):
    """TF1's Python-2 style division: floor division for integers, real division for floats.

    Raises:
        TypeError: x and y have different dtypes.
    """
    with graph_lib.name_scope(name, "div", [x, y]) as scope:
        x = constant_op.convert_to_tensor(x, name="x")
        y = constant_op.convert_to_tensor(y, dtype=x.dtype.base_dtype, name="y")
        if x.dtype.is_floating:
            return apply_op("RealDiv", x=x, y=y, name=scope)
        return apply_op("FloorDiv", x=x, y=y, name=scope)


def scalar_mul(scalar, x, name=None):
    """scalar * x (op `Mul`); `scalar` is converted to x's dtype as a node named "scalar".

    Raises:
        ValueError: `scalar` is not 0-D.
    """
    scalar = constant_op.convert_to_tensor(scalar, dtype=x.dtype.base_dtype, name="scalar")
    if scalar.shape.rank == 0:
        return apply_op("Mul", x=scalar, y=x, name=name)
    raise ValueError(f"The input scalar must be a 0-D value. Received shape {scalar.shape}.")


def add_n(inputs, name=None):
    """Sums a list of tensors of the same shape and dtype (op `AddN`).

    A single input is returned as is (through an Identity named `name` when one is given).

    Raises:
        ValueError: `inputs` is empty or not a list.
    """
    if not inputs or not isinstance(inputs, (list, tuple)):
        raise ValueError("Inputs must be an iterable of at least one Tensor/IndexedSlices with "
                         "the same dtype and shape.")
    inputs = [constant_op.convert_to_tensor(t) for t in inputs]
    if len(inputs) == 1:
        if name:
            from graphflow.ops import array_ops
            return array_ops.identity(inputs[0], name=name)
        return inputs[0]
    return apply_op("AddN", inputs=inputs, name=name)


def accumulate_n(inputs, shape=None, tensor_dtype=None, name=None):
    """Sum of `inputs` (TF1's accumulate_n; computed with AddN)."""
    return add_n(inputs, name=name)


def clip_by_value(t, clip_value_min, clip_value_max, name=None):
    """min(max(t, clip_value_min), clip_value_max), built as TF does from Minimum and Maximum.

    Raises:
        ValueError: the clip values would broadcast `t` to a larger shape.
    """
    with graph_lib.name_scope(name, "clip_by_value", [t, clip_value_min, clip_value_max]) as scope:
        values = constant_op.convert_to_tensor(t, name="t")
        t_min = minimum(values, clip_value_max)
        values.shape.assert_is_compatible_with(t_min.shape)
        t_max = maximum(t_min, clip_value_min, name=scope)
        values.shape.assert_is_compatible_with(t_max.shape)
        return t_max


def _where_indices(condition, name):
    with graph_lib.name_scope(name, "Where", [condition]) as scope:
        condition = constant_op.convert_to_tensor(condition, preferred_dtype=dtypes.bool,
                                                  name="condition")
        return apply_op("Where", input=condition, name=scope)


def where(condition, x=None, y=None, name=None):
    """TF1 `tf.where`: with x and y, elementwise select (op `Select`); alone, the int64
    coordinates of true elements (op `Where`).

    Raises:
        ValueError: only one of x and y is given.
    """
    if x is None and y is None:
        return _where_indices(condition, name)
    if x is None or y is None:
        raise ValueError("x and y must both be non-None or both be None.")
    return apply_op("Select", condition=condition, t=x, e=y, name=name)


def where_v2(condition, x=None, y=None, name=None):
    """TF2 `tf.where`: x, y and condition broadcast together (op `SelectV2`)."""
    if x is None and y is None:
        return _where_indices(condition, name)
    if x is None or y is None:
        raise ValueError("x and y must both be non-None or both be None.")
    return apply_op("SelectV2", condition=condition, t=x, e=y, name=name)


_RANGE_ORDER = [dtypes.int32, dtypes.int64, dtypes.float16, dtypes.float32, dtypes.float64]


def range(start, limit=None, delta=1, dtype=None, name="range"):  # noqa: A001
    """`tf.range`: like Python's range, as a Tensor (op `Range`).

    Args:
        start: first value (or the limit when `limit` is None).
        limit: exclusive end.
        delta: step (negative counts down; 0 is an error).
        dtype: output dtype; by default the widest of the arguments' dtypes in
            int32 < int64 < float16 < float32 < float64.
        name: optional name (default "range").

    Returns:
        A 1-D Tensor.

    Raises:
        TypeError: an argument has a dtype Range does not accept.
    """
    if limit is None:
        start, limit = 0, start
    with graph_lib.name_scope(name, "Range", [start, limit, delta]) as scope:
        args = []
        for value, arg_name in zip((start, limit, delta), ("start", "limit", "delta")):
            if not isinstance(value, graph_lib.Tensor):
                value = constant_op.convert_to_tensor(value, dtype=dtype, name=arg_name)
            args.append(value)
        if dtype is None:
            for a in args:
                if a.dtype.base_dtype not in _RANGE_ORDER:
                    raise TypeError(f"Range does not accept dtype {a.dtype.base_dtype.name}")
            dtype = max((a.dtype.base_dtype for a in args), key=_RANGE_ORDER.index)
        start, limit, delta = (cast(a, dtype) for a in args)
        return apply_op("Range", start=start, limit=limit, delta=delta, name=scope)


def _reduction_dims(x, axis):
    """The axes tensor for a reduction: TF's `_ReductionDims` (Rank/range unless rank >= 1)."""
    if axis is not None:
        return axis
    rank = getattr(getattr(x, "shape", None), "rank", None)
    if rank:
        return constant_op.constant(np.arange(rank, dtype=np.int32))
    from graphflow.ops import array_ops
    return range(0, array_ops.rank(x))


def _resolve_axis(axis, reduction_indices, keepdims, keep_dims):
    if reduction_indices is not None:
        if axis is not None:
            raise ValueError("Cannot specify both 'reduction_indices' and 'axis'.")
        axis = reduction_indices
    if keep_dims is not None:
        if keepdims is not None:
            raise ValueError("Cannot specify both 'keep_dims' and 'keepdims'.")
        keepdims = keep_dims
    return axis, bool(keepdims)


def _reduce(op_type, input_tensor, axis, keepdims, name, reduction_indices, keep_dims):
    """Builds a reduction as TF does; a full reduction is statically a scalar."""
    axis, keepdims = _resolve_axis(axis, reduction_indices, keepdims, keep_dims)
    output = apply_op(op_type, input=input_tensor,
                      reduction_indices=_reduction_dims(input_tensor, axis),
                      keep_dims=keepdims, name=name)
    if axis is None and not keepdims and not output.shape.is_fully_defined():
        output.set_shape([])
    return output


def reduce_sum(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None,
               keep_dims=None):
    """Sum over `axis` (all axes when None); `keepdims` keeps reduced axes with length 1.

    Args:
        input_tensor: numeric Tensor.
        axis: int or list of ints (negative counts from the end), or None for all.
        keepdims / keep_dims: keep reduced dimensions (TF1 accepts both spellings).
        name: node name.
        reduction_indices: deprecated alias of axis.
    Raises:
        ValueError: an axis is out of range (at build time when the rank is known).
    """
    return _reduce("Sum", input_tensor, axis, keepdims, name, reduction_indices, keep_dims)


def reduce_mean(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None,
                keep_dims=None):
    """Mean over `axis`; integer inputs give a truncated integer mean, as TF. See reduce_sum."""
    return _reduce("Mean", input_tensor, axis, keepdims, name, reduction_indices, keep_dims)


def reduce_prod(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None,
                keep_dims=None):
    """Product over `axis`. See reduce_sum."""
    return _reduce("Prod", input_tensor, axis, keepdims, name, reduction_indices, keep_dims)


def reduce_max(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None,
               keep_dims=None):
    """Maximum over `axis`; an empty reduction gives the dtype's lowest value. See reduce_sum."""
    return _reduce("Max", input_tensor, axis, keepdims, name, reduction_indices, keep_dims)


def reduce_min(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None,
               keep_dims=None):
    """Minimum over `axis`; an empty reduction gives the dtype's highest value."""
    return _reduce("Min", input_tensor, axis, keepdims, name, reduction_indices, keep_dims)


def reduce_any(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None,
               keep_dims=None):
    """Logical or over `axis` of a bool tensor."""
    return _reduce("Any", input_tensor, axis, keepdims, name, reduction_indices, keep_dims)


def reduce_all(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None,
               keep_dims=None):
    """Logical and over `axis` of a bool tensor."""
    return _reduce("All", input_tensor, axis, keepdims, name, reduction_indices, keep_dims)


def argmax(input, axis=None, name=None, dimension=None, output_type=dtypes.int64):  # noqa: A002
    """Index of the largest value along `axis` (default 0); ties give the first index."""
    if dimension is not None:
        axis = dimension
    axis = 0 if axis is None else axis
    return apply_op("ArgMax", input=input, dimension=axis, output_type=output_type, name=name)


def argmin(input, axis=None, name=None, dimension=None, output_type=dtypes.int64):  # noqa: A002
    """Index of the smallest value along `axis` (default 0)."""
    if dimension is not None:
        axis = dimension
    axis = 0 if axis is None else axis
    return apply_op("ArgMin", input=input, dimension=axis, output_type=output_type, name=name)


def cumsum(x, axis=0, exclusive=False, reverse=False, name=None):
    """Cumulative sum along `axis` (op `Cumsum`)."""
    return apply_op("Cumsum", x=x, axis=axis, exclusive=exclusive, reverse=reverse, name=name)


def cumprod(x, axis=0, exclusive=False, reverse=False, name=None):
    """Cumulative product along `axis` (op `Cumprod`); exclusive starts from 1."""
    return apply_op("Cumprod", x=x, axis=axis, exclusive=exclusive, reverse=reverse, name=name)
