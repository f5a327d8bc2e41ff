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
    "Pow": ("pow", _NUMBER, "z = x ** y (no negative integer exponents of integers)"),
    "Maximum": ("maximum", _NUMBER, "z = max(x, y)"),
    "Minimum": ("minimum", _NUMBER, "z = min(x, y)"),
    "SquaredDifference": ("squared_difference", _NUMBER, "z = (x - y)^2"),
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


def _select_shape(op):
    cond, x, y = (t.shape for t in op.inputs)
    shape = x.merge_with(y) if x.is_compatible_with(y) else None
    if shape is None:
        raise ValueError(f"Shapes {x} and {y} must be equal for '{op.name}' (op: 'Select')")
    if cond.rank is not None and shape.rank is not None and cond.rank not in (1, shape.rank):
        raise ValueError(f"Shapes must be equal rank or condition a vector, but are {cond} and "
                         f"{shape} for '{op.name}' (op: 'Select')")
    return [shape]


registry.register_op(
    "Select", inputs=["condition: bool", "t: T", "e: T"], outputs=["output: T"],
    attrs=["T: type"], shape_fn=_select_shape,
    doc="Select: output = t where condition else e; condition has t's shape or is a vector "
        "over t's first dimension.")

registry.register_op(
    "SelectV2", inputs=["condition: bool", "t: T", "e: T"], outputs=["output: T"],
    attrs=["T: type"], shape_fn=shape_fns.broadcast_all,
    doc="SelectV2: output = t where condition else e, all three broadcast together.")


def _where_shape(op):
    rank = op.inputs[0].shape.rank
    return [tensor_shape.TensorShape([None, rank])]


registry.register_op(
    "Where", inputs=["input: T"], outputs=["index: int64"], attrs=["T: type = bool"],
    shape_fn=_where_shape, grad=registry.NOT_DIFFERENTIABLE,
    doc="Where: the coordinates of true (non-zero) elements, shape [num_true, rank], int64.")


def _range_shape(op):
    start, limit, delta = (constant_op.constant_value(t) for t in op.inputs)
    if start is None or limit is None or delta is None:
        return [tensor_shape.TensorShape([None])]
    if delta == 0:
        raise ValueError(f"Requires delta != 0 for '{op.name}' (op: 'Range')")
    n = max(0, int(np.ceil((limit - start) / delta)))
    return [tensor_shape.TensorShape([n])]


registry.register_op(
    "Range", inputs=["start: Tidx", "limit: Tidx", "delta: Tidx"], outputs=["output: Tidx"],
    attrs=["Tidx: {half, float, double, int8, int16, int32, int64} = int32"],
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
        attrs=[f"T: {_NUMBER_BOOL}", "Tidx: {int32, int64} = int32",
               "output_type: {int32, int64} = int64"],
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
round = _unary("Round", "round", "y = round half to even(x)")  # noqa: A001

add = _binary("AddV2", "add", "z = x + y")
subtract = _binary("Sub", "subtract", "z = x - y")
multiply = _binary("Mul", "multiply", "z = x * y")
realdiv = _binary("RealDiv", "realdiv", "z = x / y")
floordiv = _binary("FloorDiv", "floordiv", "z = floor(x / y)")
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
    """x XOR y, built as (x OR y) AND NOT (x AND y), as TF does."""
    with graph_lib.name_scope(name, "LogicalXor", [x, y]) as scope:
        return logical_and(logical_or(x, y), logical_not(logical_and(x, y)), name=scope)


def pow(x, y, name=None):  # noqa: A001 - TF's public name
    """z = x ** y elementwise (op `Pow`). Integer tensors reject negative exponents at run time."""
    return apply_op("Pow", x=x, y=y, name=name)


def cast(x, dtype, name=None):
    """Casts `x` to `dtype` (op `Cast`); returns `x` itself when it already has that dtype.

    Floats cast to integers truncate toward zero; casting to bool gives x != 0.
    """
    dtype = dtypes.as_dtype(dtype).base_dtype
    with graph_lib.name_scope(name, "Cast", [x]) as scope:
        x = constant_op.convert_to_tensor(x, name="x")
        if x.dtype.base_dtype == dtype:
            return x
        return apply_op("Cast", x=x, DstT=dtype, name=scope)


def to_float(x, name="ToFloat"):
    """Casts to float32 (deprecated in TF1 in favour of tf.cast; kept for course code)."""
    return cast(x, dtypes.float32, name=name)


def to_double(x, name="ToDouble"):
    return cast(x, dtypes.float64, name=name)


def to_int32(x, name="ToInt32"):
    return cast(x, dtypes.int32, name=name)


def to_int64(x, name="ToInt64"):
    return cast(x, dtypes.int64, name=name)


def saturate_cast(value, dtype, name=None):
    """Casts with clipping to the target's range first."""
    dtype = dtypes.as_dtype(dtype)
    with graph_lib.name_scope(name, "saturate_cast", [value]) as scope:
        value = constant_op.convert_to_tensor(value, name="value")
        if value.dtype.is_floating or value.dtype.min < dtype.min or value.dtype.max > dtype.max:
            value = clip_by_value(value, np.array(dtype.min).astype(value.dtype.as_numpy_dtype),
                                  np.array(dtype.max).astype(value.dtype.as_numpy_dtype))
        return cast(value, dtype, name=scope)


_TRUEDIV_TARGET = {dtypes.int8: dtypes.float32, dtypes.uint8: dtypes.float32,
                   dtypes.int16: dtypes.float32, dtypes.uint16: dtypes.float32,
                   dtypes.int32: dtypes.float64, dtypes.int64: dtypes.float64}


def truediv(x, y, name=None):
    """x / y with Python 3 semantics: integers are cast to float first (int32 -> float64)."""
    with graph_lib.name_scope(name, "truediv", [x, y]) as scope:
        x = constant_op.convert_to_tensor(x, name="x")
        y = constant_op.convert_to_tensor(y, dtype=x.dtype.base_dtype, name="y")
        target = _TRUEDIV_TARGET.get(x.dtype.base_dtype)
        if target is not None:
            x = cast(x, target)
            y = cast(y, target)
        return apply_op("RealDiv", x=x, y=y, name=scope)


def divide(x, y, name=None):
    """`tf.divide`: x / y (truediv semantics for integers)."""
    if name is not None:
        return truediv(x, y, name=name)
    return truediv(x, y)


def div(x, y, name=None):
    """TF1's Python-2 style division: floor division for integers, real division for floats."""
    with graph_lib.name_scope(name, "div", [x, y]) as scope:
        x = constant_op.convert_to_tensor(x, name="x")
        y = constant_op.convert_to_tensor(y, dtype=x.dtype.base_dtype, name="y")
        if x.dtype.is_floating:
            return apply_op("RealDiv", x=x, y=y, name=scope)
        return apply_op("FloorDiv", x=x, y=y, name=scope)


def scalar_mul(scalar, x, name=None):
    return multiply(scalar, x, name=name)


def add_n(inputs, name=None):
    """Sums a list of tensors of the same shape and dtype (op `AddN`; one input -> identity)."""
    if not inputs or not isinstance(inputs, (list, tuple)):
        raise ValueError("inputs must be a list of at least one Tensor/IndexedSlices with the "
                         "same dtype and shape")
    inputs = [constant_op.convert_to_tensor(t) for t in inputs]
    if len(inputs) == 1:
        from graphflow.ops import array_ops
        return array_ops.identity(inputs[0], name=name)
    return apply_op("AddN", inputs=inputs, name=name)


def accumulate_n(inputs, shape=None, tensor_dtype=None, name=None):
    return add_n(inputs, name=name)


def clip_by_value(t, clip_value_min, clip_value_max, name=None):
    """min(max(t, clip_value_min), clip_value_max), built as TF does from Minimum and Maximum."""
    with graph_lib.name_scope(name, "clip_by_value", [t, clip_value_min, clip_value_max]) as scope:
        t = constant_op.convert_to_tensor(t, name="t")
        t_min = minimum(t, clip_value_max)
        return maximum(t_min, clip_value_min, name=scope)


def where(condition, x=None, y=None, name=None):
    """TF1 `tf.where`: with x and y, elementwise select (op `Select`); alone, the int64
    coordinates of true elements (op `Where`)."""
    if x is None and y is None:
        return apply_op("Where", input=condition, name=name)
    if x is None or y is None:
        raise ValueError("x and y must both be non-None or both be None.")
    return apply_op("Select", condition=condition, t=x, e=y, name=name)


def where_v2(condition, x=None, y=None, name=None):
    """TF2 `tf.where`: x, y and condition broadcast together (op `SelectV2`)."""
    if x is None and y is None:
        return apply_op("Where", input=condition, name=name)
    return apply_op("SelectV2", condition=condition, t=x, e=y, name=name)


def range(start, limit=None, delta=1, dtype=None, name="range"):  # noqa: A001
    """`tf.range`: like Python's range, as a Tensor (op `Range`).

    The dtype is inferred from the arguments (int32 unless one is a float or wider) unless
    `dtype` is given.
    """
    if limit is None:
        start, limit = 0, start
    with graph_lib.name_scope(name, "Range", [start, limit, delta]) as scope:
        args = [start, limit, delta]
        if dtype is None:
            dtype = _range_dtype(args)
        start, limit, delta = (constant_op.convert_to_tensor(v, dtype=dtype, name=n)
                               if not isinstance(v, graph_lib.Tensor) else cast(v, dtype)
                               for v, n in zip(args, ("start", "limit", "delta")))
        return apply_op("Range", start=start, limit=limit, delta=delta, name=scope)


_RANGE_ORDER = [dtypes.int32, dtypes.int64, dtypes.float32, dtypes.float64]


def _range_dtype(args):
    best = dtypes.int32
    for v in args:
        if isinstance(v, graph_lib.Tensor):
            d = v.dtype.base_dtype
        else:
            d = dtypes.as_dtype(constant_op.to_numpy(v).dtype)
        if d in _RANGE_ORDER and _RANGE_ORDER.index(d) > _RANGE_ORDER.index(best):
            best = d
    return best


def _reduction_dims(x, axis):
    """The axes tensor for a reduction: TF's `_ReductionDims` (Rank/range for unknown rank)."""
    if axis is not None:
        return axis
    rank = x.shape.rank
    if rank is not None:
        return constant_op.constant(np.arange(rank, dtype=np.int32))
    from graphflow.ops import array_ops
    return range(0, array_ops.rank(x), 1)


def _resolve_axis(axis, reduction_indices, keepdims, keep_dims):
    if reduction_indices is not None:
        if axis is not None:
            raise ValueError("Can not specify both 'axis' and 'reduction_indices'.")
        axis = reduction_indices
    if keep_dims is not None:
        if keepdims is not None:
            raise ValueError("Can not specify both 'keepdims' and 'keep_dims'.")
        keepdims = keep_dims
    return axis, bool(keepdims)


def _reduce(op_type, input_tensor, axis, keepdims, name, reduction_indices, keep_dims):
    axis, keepdims = _resolve_axis(axis, reduction_indices, keepdims, keep_dims)
    x = constant_op.convert_to_tensor(input_tensor, name="input_tensor")
    return apply_op(op_type, input=x, reduction_indices=_reduction_dims(x, axis),
                    keep_dims=keepdims, name=name)


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
