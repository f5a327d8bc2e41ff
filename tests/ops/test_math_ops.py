"""Table-driven tests of every op in graphflow/ops/math_ops.py.

Oracles are computed independently of the kernels: Python's `math` module and Python integers
(wrapped to the dtype's width), or float64 numpy, never the reference kernel. Each record is
checked on scalars, vectors, broadcasting, size-0 and non-contiguous (strided and transposed)
fed inputs for every dtype the op accepts, with the inferred static shape compared to the real
one. The numba CPU kernels are compared with the numpy reference kernels at the end, and
`@pytest.mark.tf` tests compare node names and values with real TensorFlow.
"""

import math
import re

import numpy as np
import pytest

import graphflow as gf
from graphflow import errors
from graphflow.kernels import reference
from graphflow.kernels import registry as kernel_registry
from graphflow.op_builder import apply_op
from graphflow.ops import math_ops
from tests.helpers import assert_close, check_fully_inferred, evaluate

F16, F32, F64 = np.float16, np.float32, np.float64
I8, I16, I32, I64 = np.int8, np.int16, np.int32, np.int64
U8, U16, U32, U64 = np.uint8, np.uint16, np.uint32, np.uint64
FLOATS = (F16, F32, F64)
SIGNED = FLOATS + (I8, I16, I32, I64)
NUMBER = SIGNED + (U8, U16, U32, U64)
RNG = np.random.default_rng(2024)


# ------------------------------------------------------------------------ oracle helpers
def sample(shape, dtype, domain="any"):
    """Random values of `dtype` in `domain`: any, positive, above_minus_one, nonzero, small."""
    dtype = np.dtype(dtype)
    if dtype == np.bool_:
        return RNG.integers(0, 2, shape).astype(bool)
    if dtype.kind == "f":
        x = RNG.standard_normal(shape) * 3
        if domain == "positive":
            x = np.abs(x) + 0.1
        elif domain == "above_minus_one":
            x = np.abs(x) - 0.9
        elif domain == "nonzero":
            x = np.where(np.abs(x) < 0.1, 0.5, x)
        elif domain == "small":
            x = np.abs(x) % 3
        return x.astype(dtype)
    low = 0 if dtype.kind == "u" else -9
    if domain == "positive":
        low = 1
    x = RNG.integers(low, 10, shape)
    if domain == "nonzero":
        x = np.where(x == 0, 3, x)
    elif domain == "small":
        x = np.abs(x) % 4
    return x.astype(dtype)


def wrap_ints(values, dtype):
    """Python ints -> `dtype` with two's-complement wrap-around (C integer semantics)."""
    bits = np.dtype(dtype).itemsize * 8
    flat = [int(v) & ((1 << bits) - 1) for v in np.asarray(values, dtype=object).reshape(-1)]
    unsigned = np.array(flat, dtype=np.dtype(f"u{bits // 8}"))
    return unsigned.view(np.dtype(dtype)).reshape(np.shape(values))


def elementwise(fn, dtype, *arrays):
    """Applies the Python scalar function `fn` elementwise with broadcasting; casts to dtype.

    Integer inputs are passed as Python ints and the result wrapped; floats as Python floats.
    """
    out_dtype = np.dtype(dtype)
    args = np.broadcast_arrays(*[np.asarray(a) for a in arrays])
    shape = args[0].shape if args else ()
    objs = [a.astype(object).reshape(-1) for a in args]
    results = [fn(*vals) for vals in zip(*objs)]
    if out_dtype.kind in "iu":
        return wrap_ints(np.array(results, dtype=object).reshape(shape), out_dtype)
    with np.errstate(over="ignore", invalid="ignore"):
        return np.array(results, dtype=np.float64 if out_dtype.kind == "f" else out_dtype) \
            .reshape(shape).astype(out_dtype)


def _py(fn):
    """Wraps a math function so that domain errors give nan and overflow inf, as IEEE does."""
    def run(*args):
        try:
            return fn(*[float(a) for a in args])
        except ValueError:
            return math.nan
        except (OverflowError, ZeroDivisionError):
            return math.inf
    return run


def trunc_div(a, b):
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


def float_floor_div(a, b):
    if b == 0:
        return math.copysign(math.inf, a) * math.copysign(1, b) if a else math.nan
    return math.floor(a / b)


def float_mod(a, b):
    return math.nan if b == 0 else a % b


def close(actual, expected, dtype):
    """Tolerances: exact for ints/bools, 2 ulp-ish for floats (NaN == NaN, inf == inf)."""
    dtype = np.dtype(dtype)
    if dtype.kind == "f":
        tol = {2: 2e-3, 4: 2e-6, 8: 1e-12}[dtype.itemsize]
        assert np.asarray(actual).dtype == dtype
        np.testing.assert_allclose(actual, expected, rtol=tol, atol=tol)
    else:
        assert_close(actual, expected, dtype=dtype)


def input_cases(dtype, domain, shapes=((), (5,), (3, 4), (0, 4))):
    """Contiguous arrays of `shapes`, plus a strided and a transposed view."""
    cases = [sample(s, dtype, domain) for s in shapes]
    cases.append(sample((6, 8), dtype, domain)[::2, ::3])
    cases.append(sample((4, 3), dtype, domain).T)
    return cases


def run_cases(build, cases, out_dtype, oracle):
    """Feeds each tuple of `cases` to fully shaped placeholders and checks value and shape."""
    feeds, outputs, expected = {}, [], []
    for arrays in cases:
        phs = [gf.placeholder(a.dtype, a.shape) for a in arrays]
        feeds.update(zip(phs, arrays))
        outputs.append(build(*phs))
        expected.append(oracle(*arrays))
    got = evaluate(outputs, feeds)
    for out, value, want in zip(outputs, got, expected):
        check_fully_inferred(out, value)
        close(value, want, out_dtype)


# ------------------------------------------------------------------------ unary table
def _round_half_even(x):
    return float(round(x)) if math.isfinite(x) else x


def _sigmoid(x):
    return 1 / (1 + math.exp(-x)) if x > -700 else 0.0


def _reciprocal(x):
    return trunc_div(1, x) if isinstance(x, int) else _py(lambda v: 1 / v)(x)


def _sign(x):
    return (x > 0) - (x < 0)


# op type -> (public function, oracle on Python scalars, dtypes, input domain)
UNARY = {
    "Neg": (gf.negative, lambda x: -x, SIGNED, "any"),
    "Abs": (gf.abs, abs, SIGNED, "any"),
    "Sign": (gf.sign, _sign, SIGNED, "any"),
    "Square": (gf.square, lambda x: x * x, NUMBER, "any"),
    "Sqrt": (gf.sqrt, _py(math.sqrt), FLOATS, "positive"),
    "Rsqrt": (gf.rsqrt, _py(lambda x: 1 / math.sqrt(x)), FLOATS, "positive"),
    "Exp": (gf.exp, _py(math.exp), FLOATS, "any"),
    "Expm1": (gf.expm1, _py(math.expm1), FLOATS, "any"),
    "Log": (gf.log, _py(math.log), FLOATS, "positive"),
    "Log1p": (gf.log1p, _py(math.log1p), FLOATS, "above_minus_one"),
    "Sin": (gf.sin, _py(math.sin), FLOATS, "any"),
    "Cos": (gf.cos, _py(math.cos), FLOATS, "any"),
    "Tan": (gf.tan, _py(math.tan), FLOATS, "small"),
    "Tanh": (gf.tanh, _py(math.tanh), FLOATS, "any"),
    "Sigmoid": (gf.sigmoid, _py(_sigmoid), FLOATS, "any"),
    "Reciprocal": (gf.reciprocal, _reciprocal, SIGNED, "nonzero"),
    "Floor": (gf.floor, _py(math.floor), FLOATS, "any"),
    "Ceil": (gf.ceil, _py(math.ceil), FLOATS, "any"),
    "Round": (gf.round, _py(_round_half_even), FLOATS, "any"),
}

UNARY_PARAMS = [(t, d) for t, rec in UNARY.items() for d in rec[2]]


@pytest.mark.parametrize("op_type,dtype", UNARY_PARAMS,
                         ids=[f"{t}-{np.dtype(d).name}" for t, d in UNARY_PARAMS])
def test_unary(op_type, dtype):
    fn, oracle, _, domain = UNARY[op_type]
    cases = [(x,) for x in input_cases(dtype, domain)]

    def build(x):
        out = fn(x)
        assert out.op.type == op_type and out.dtype == gf.as_dtype(dtype)
        return out
    run_cases(build, cases, dtype, lambda x: elementwise(oracle, dtype, x))


@pytest.mark.parametrize("dtype", [I8, I16, I32, I64])
def test_round_of_integers_is_identity(dtype):
    x = gf.placeholder(dtype, [4])
    assert gf.round(x) is x
    value = sample((4,), dtype)
    op_out = apply_op("Round", x=x)          # the op itself accepts integers
    np.testing.assert_array_equal(evaluate(op_out, {x: value}), value)


def test_unary_special_values():
    x = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 2.5, -2.5, 0.5], np.float32)
    p = gf.placeholder(gf.float32, [8])
    outs = evaluate([gf.rsqrt(p), gf.sigmoid(p), gf.round(p), gf.sign(p), gf.sqrt(p)], {p: x})
    with np.errstate(divide="ignore", invalid="ignore"):
        np.testing.assert_array_equal(outs[0], np.float32([np.inf, -np.inf, 0, np.nan, np.nan,
                                                           1 / np.sqrt(2.5), np.nan,
                                                           1 / np.sqrt(0.5)]))
    np.testing.assert_allclose(outs[1][:5], [0.5, 0.5, 1.0, 0.0, np.nan])
    np.testing.assert_array_equal(outs[2], [0, -0.0, np.inf, -np.inf, np.nan, 2, -2, 0])
    np.testing.assert_array_equal(outs[3], [0, 0, 1, -1, np.nan, 1, -1, 1])
    assert np.signbit(outs[0][1]) and np.isnan(outs[4][4])


def test_logical_not_and_invert():
    b = gf.placeholder(gf.bool, [2, 2])
    value = np.array([[True, False], [False, True]])
    got = evaluate([gf.logical_not(b), ~b], {b: value.T})
    for out in got:
        np.testing.assert_array_equal(out, ~value.T)


# ------------------------------------------------------------------------ binary table
def _real_div(a, b):
    return trunc_div(a, b) if isinstance(a, int) else _py(lambda x, y: x / y)(a, b)


def _floor_div(a, b):
    return a // b if isinstance(a, int) else float_floor_div(a, b)


def _floor_mod(a, b):
    return a % b if isinstance(a, int) else float_mod(a, b)


def _truncate_div(a, b):
    return trunc_div(a, b) if isinstance(a, int) else float(math.trunc(a / b))


def _pow(a, b):
    return a ** b if isinstance(a, int) else _py(math.pow)(a, b)


# op type -> (public function, oracle, dtypes, domain of y, output is bool)
BINARY = {
    "AddV2": (gf.add, lambda a, b: a + b, NUMBER, "any", False),
    "Sub": (gf.subtract, lambda a, b: a - b, NUMBER, "any", False),
    "Mul": (gf.multiply, lambda a, b: a * b, NUMBER, "any", False),
    "RealDiv": (gf.realdiv, _real_div, NUMBER, "nonzero", False),
    "FloorDiv": (gf.floordiv, _floor_div, NUMBER, "nonzero", False),
    "FloorMod": (gf.floormod, _floor_mod, NUMBER, "nonzero", False),
    "TruncateDiv": (gf.truncatediv, _truncate_div, NUMBER, "nonzero", False),
    "Pow": (gf.pow, _pow, SIGNED, "small", False),
    "Maximum": (gf.maximum, max, NUMBER, "any", False),
    "Minimum": (gf.minimum, min, NUMBER, "any", False),
    "SquaredDifference": (gf.squared_difference, lambda a, b: (a - b) * (a - b),
                          (F16, F32, F64, I32, I64), "any", False),
    "Less": (gf.less, lambda a, b: a < b, NUMBER, "any", True),
    "LessEqual": (gf.less_equal, lambda a, b: a <= b, NUMBER, "any", True),
    "Greater": (gf.greater, lambda a, b: a > b, NUMBER, "any", True),
    "GreaterEqual": (gf.greater_equal, lambda a, b: a >= b, NUMBER, "any", True),
    "Equal": (gf.equal, lambda a, b: a == b, NUMBER + (np.bool_,), "any", True),
    "NotEqual": (gf.not_equal, lambda a, b: a != b, NUMBER + (np.bool_,), "any", True),
    "LogicalAnd": (gf.logical_and, lambda a, b: bool(a and b), (np.bool_,), "any", True),
    "LogicalOr": (gf.logical_or, lambda a, b: bool(a or b), (np.bool_,), "any", True),
}

BINARY_PARAMS = [(t, d) for t, rec in BINARY.items() for d in rec[2]]
BROADCAST_SHAPES = [((), ()), ((5,), ()), ((3, 4), (4,)), ((3, 1), (1, 4)), ((0, 4), (4,)),
                    ((2, 1, 3), (4, 1))]


def binary_cases(dtype, domain):
    x_domain = "positive" if domain == "small" else "any"
    cases = [(sample(sx, dtype, x_domain), sample(sy, dtype, domain))
             for sx, sy in BROADCAST_SHAPES]
    strided = sample((6, 8), dtype, x_domain)[::2, ::2]
    transposed = sample((4, 3), dtype, domain).T
    cases.append((strided, transposed))
    return cases


@pytest.mark.parametrize("op_type,dtype", BINARY_PARAMS,
                         ids=[f"{t}-{np.dtype(d).name}" for t, d in BINARY_PARAMS])
def test_binary(op_type, dtype):
    fn, oracle, _, domain, bool_out = BINARY[op_type]
    out_dtype = np.bool_ if bool_out else dtype

    def build(x, y):
        out = fn(x, y)
        assert out.op.type == op_type and out.dtype == gf.as_dtype(out_dtype)
        return out
    run_cases(build, binary_cases(dtype, domain), out_dtype,
              lambda x, y: elementwise(oracle, out_dtype, x, y))


def test_equal_on_strings():
    x = gf.placeholder(gf.string, [3])
    got = evaluate([gf.equal(x, "b"), gf.not_equal(x, ["a", "x", "c"])],
                   {x: np.array([b"a", b"b", b"c"], dtype=object)})
    np.testing.assert_array_equal(got[0], [False, True, False])
    np.testing.assert_array_equal(got[1], [False, True, False])


def test_float_binary_special_values():
    x = np.array([np.nan, 1.0, -0.0, np.inf, 7.0, -7.0], np.float64)
    y = np.array([1.0, np.nan, 0.0, 2.0, -2.0, 2.0], np.float64)
    got = evaluate([gf.maximum(x, y), gf.minimum(x, y), gf.floormod(x, y), gf.floordiv(x, y)])
    np.testing.assert_array_equal(got[0], [np.nan, np.nan, 0.0, np.inf, 7.0, 2.0])
    np.testing.assert_array_equal(got[1], [np.nan, np.nan, -0.0, 2.0, -2.0, -7.0])
    np.testing.assert_array_equal(got[2][4:], [-1.0, 1.0])
    np.testing.assert_array_equal(got[3][4:], [-4.0, -4.0])


# ------------------------------------------------------------------------ division semantics
DIV_X = [7, -7, 7, -7, 0, 6]
DIV_Y = [2, 2, -2, -2, 3, -3]


@pytest.mark.parametrize("dtype", [I8, I16, I32, I64, F32, F64])
def test_division_functions_and_operators(dtype):
    xv, yv = np.array(DIV_X, dtype), np.array(DIV_Y, dtype)
    x, y = gf.placeholder(dtype, [6]), gf.placeholder(dtype, [6])
    is_int = np.dtype(dtype).kind == "i"
    outs = {"truediv": gf.truediv(x, y), "slash": x / y, "divide": gf.divide(x, y),
            "div": gf.div(x, y), "floordiv": gf.floordiv(x, y), "slashslash": x // y,
            "mod": gf.mod(x, y), "percent": x % y, "truncatediv": gf.truncatediv(x, y)}
    got = dict(zip(outs, evaluate(list(outs.values()), {x: xv, y: yv})))
    true_dtype = {I8: F32, I16: F32, I32: F64, I64: F64}.get(dtype, dtype)
    quotient = [a / b for a, b in zip(DIV_X, DIV_Y)]
    for key in ("truediv", "slash", "divide"):
        assert got[key].dtype == true_dtype and outs[key].op.type == "RealDiv"
        np.testing.assert_allclose(got[key], quotient, rtol=1e-6)
    floor = [a // b for a, b in zip(DIV_X, DIV_Y)]
    np.testing.assert_array_equal(got["div"], floor if is_int else quotient)
    assert outs["div"].op.type == ("FloorDiv" if is_int else "RealDiv")
    for key in ("floordiv", "slashslash"):
        np.testing.assert_array_equal(got[key], floor)
    for key in ("mod", "percent"):
        np.testing.assert_array_equal(got[key], [a % b for a, b in zip(DIV_X, DIV_Y)])
    np.testing.assert_array_equal(got["truncatediv"],
                                  [trunc_div(a, b) for a, b in zip(DIV_X, DIV_Y)])


@pytest.mark.parametrize("dtype", [I32, I64, U8])
@pytest.mark.parametrize("make", [lambda x, y: x // y, lambda x, y: x % y, gf.div, gf.floordiv,
                                  gf.floormod, gf.truncatediv, gf.realdiv],
                         ids=["//", "%", "div", "floordiv", "floormod", "truncatediv", "realdiv"])
def test_integer_division_by_zero_is_an_error(dtype, make):
    x, y = gf.placeholder(dtype, [3]), gf.placeholder(dtype, [3])
    with pytest.raises(errors.InvalidArgumentError, match="Integer division by zero"):
        evaluate(make(x, y), {x: np.array([1, 2, 3], dtype), y: np.array([1, 0, 1], dtype)})


def test_integer_truediv_by_zero_gives_inf():
    x = gf.placeholder(gf.int32, [3])
    got = evaluate(x / 0, {x: np.array([1, -1, 0], np.int32)})
    np.testing.assert_array_equal(got, [np.inf, -np.inf, np.nan])


def test_pow_negative_integer_exponent():
    x = gf.placeholder(gf.int32, [2])
    with pytest.raises(errors.InvalidArgumentError, match="negative integer powers"):
        evaluate(gf.pow(x, -1), {x: np.array([1, 2], np.int32)})
    f = gf.placeholder(gf.float32, [3])
    got = evaluate([gf.pow(f, -1.0), f ** 2.0, 2.0 ** f], {f: np.float32([0.0, 2.0, -2.0])})
    np.testing.assert_array_equal(got[0], [np.inf, 0.5, -0.5])
    np.testing.assert_array_equal(got[1], [0.0, 4.0, 4.0])
    np.testing.assert_allclose(got[2], [1.0, 4.0, 0.25])


def test_truediv_type_errors():
    with pytest.raises(TypeError, match="Invalid dtype tf.bool in __truediv__"):
        gf.truediv(gf.constant([True]), gf.constant([True]))
    with pytest.raises(TypeError, match="must have the same dtype"):
        gf.truediv(gf.constant([1]), gf.constant([1.0]))


@pytest.mark.parametrize("dtype", [I8, I16, I32, I64, U8, U16, U32, U64])
def test_integer_arithmetic_wraps_around(dtype):
    info = np.iinfo(dtype)
    xv = np.array([info.max, info.min, info.max // 2 + 3, 3], dtype)
    yv = np.array([info.max, 1, 7, info.max], dtype)
    x, y = gf.placeholder(dtype, [4]), gf.placeholder(dtype, [4])
    builds = {"add": (x + y, lambda a, b: a + b), "sub": (x - y, lambda a, b: a - b),
              "mul": (x * y, lambda a, b: a * b), "square": (gf.square(x), lambda a, b: a * a)}
    got = evaluate([b for b, _ in builds.values()], {x: xv, y: yv})
    for value, (_, oracle) in zip(got, builds.values()):
        np.testing.assert_array_equal(value, elementwise(oracle, dtype, xv, yv))


# ------------------------------------------------------------------------ operators
def test_operators_build_tf_named_ops():
    x = gf.placeholder(gf.float32, [2], name="x")
    y = gf.placeholder(gf.float32, [2], name="y")
    b = gf.placeholder(gf.bool, [2], name="b")
    c = gf.placeholder(gf.bool, [2], name="c")
    table = [(x + y, "add", "AddV2"), (x - 2.0, "sub", "Sub"), (2.0 - x, "sub_1", "Sub"),
             (x * y, "mul", "Mul"), (x / y, "truediv", "RealDiv"),
             (x // y, "floordiv", "FloorDiv"), (x % y, "mod", "FloorMod"),
             (x ** 2.0, "pow", "Pow"), (-x, "Neg", "Neg"), (abs(x), "Abs", "Abs"),
             (x < y, "Less", "Less"), (x <= y, "LessEqual", "LessEqual"),
             (x > y, "Greater", "Greater"), (x >= y, "GreaterEqual", "GreaterEqual"),
             (~b, "LogicalNot", "LogicalNot"), (b & c, "and", "LogicalAnd"),
             (b | c, "or", "LogicalOr"), (b ^ c, "xor", "LogicalAnd")]
    for tensor, name, op_type in table:
        assert (tensor.op.name, tensor.op.type) == (name, op_type)
    assert [t.op.name for t in table[2][0].op.inputs] == ["sub_1/x", "x"]
    xv, yv = np.float32([3.0, -5.0]), np.float32([2.0, 4.0])
    bv, cv = np.array([True, False]), np.array([True, True])
    got = evaluate([t for t, _, _ in table], {x: xv, y: yv, b: bv, c: cv})
    expected = [xv + yv, xv - 2, 2 - xv, xv * yv, xv / yv, [1.0, -2.0], [1.0, 3.0], xv ** 2,
                -xv, np.abs(xv), [False, True], [False, True], [True, False], [True, False],
                [False, True], [True, False], [True, True], [False, True]]
    for value, want in zip(got, expected):
        np.testing.assert_allclose(value, want, rtol=1e-6)


def test_mixed_dtypes_are_type_errors():
    f = gf.placeholder(gf.float32, [2])
    i = gf.placeholder(gf.int32, [2])
    for make in (lambda: gf.add(f, i), lambda: f + i, lambda: gf.maximum(f, i),
                 lambda: gf.equal(f, i), lambda: gf.add_n([f, i]), lambda: i * 1.5,
                 lambda: gf.where(f > 0.0, f, i), lambda: gf.reduce_sum(f, axis=0.5)):
        with pytest.raises(TypeError):
            make()
    assert (i + 2).dtype == gf.int32 and (f + 2).dtype == gf.float32    # scalars adapt


def test_fixed_dtype_inputs_reject_other_dtypes():
    with pytest.raises(TypeError, match="'LogicalAnd' Op has type float32"):
        gf.logical_and(gf.placeholder(gf.float32), gf.placeholder(gf.bool))
    with pytest.raises(TypeError, match="allowed values"):
        gf.sqrt(3)                                     # a Python int becomes int32


DISALLOWED = [(gf.sqrt, I32), (gf.exp, I64), (gf.abs, U8), (gf.negative, U16), (gf.floor, I32),
              (lambda x: gf.pow(x, x), U8), (lambda x: gf.squared_difference(x, x), I8),
              (lambda x: gf.add(x, x), np.bool_), (gf.reduce_sum, np.bool_),
              (lambda x: gf.less(x, x), np.bool_), (lambda x: gf.cumsum(x), np.bool_)]


@pytest.mark.parametrize("fn,dtype", DISALLOWED, ids=[str(i) for i in range(len(DISALLOWED))])
def test_dtypes_outside_allowed_list_are_type_errors(fn, dtype):
    with pytest.raises(TypeError, match="not in list of allowed values"):
        fn(gf.placeholder(dtype, [2]))


# ------------------------------------------------------------------------ reductions
REDUCTIONS = {
    "Sum": (gf.reduce_sum, NUMBER),
    "Mean": (gf.reduce_mean, NUMBER),
    "Prod": (gf.reduce_prod, (F32, F64, I32, I64, U8)),
    "Max": (gf.reduce_max, NUMBER),
    "Min": (gf.reduce_min, NUMBER),
}


def reduce_oracle(op_type, x, axes, keepdims):
    """Python-int / float64 reductions over `axes` (a tuple), wrapped or rounded to x's dtype."""
    dtype = x.dtype
    axes = tuple(a % max(x.ndim, 1) for a in axes) if x.ndim else ()
    moved = np.moveaxis(x, axes, tuple(range(x.ndim - len(axes), x.ndim))) if axes else x
    rest = moved.shape[:x.ndim - len(axes)]
    count = math.prod(x.shape[a] for a in axes)
    rows = moved.reshape(rest + (count,)).astype(object if dtype.kind in "iu" else np.float64)
    out = np.empty(rest, dtype=object)
    for idx in np.ndindex(*rest):
        out[idx] = _reduce_row(op_type, list(rows[idx]), dtype)
    out = elementwise(lambda v: v, dtype, out) if dtype.kind in "iu" else \
        np.asarray(out.astype(np.float64)).astype(dtype)
    if keepdims:
        out = out.reshape(tuple(1 if i in axes else d for i, d in enumerate(x.shape)))
    return out


def _reduce_row(op_type, row, dtype):
    is_int = dtype.kind in "iu"
    if op_type == "Sum":
        return sum(row)
    if op_type == "Prod":
        return math.prod(row)
    if op_type == "Mean":
        if not row:
            return 0 if is_int else math.nan
        return trunc_div(sum(row), len(row)) if is_int else sum(row) / len(row)
    if not row:
        info = np.iinfo(dtype) if is_int else None
        if op_type == "Max":
            return int(info.min) if is_int else -math.inf
        return int(info.max) if is_int else math.inf
    return max(row) if op_type == "Max" else min(row)


REDUCE_PARAMS = [(t, d) for t, rec in REDUCTIONS.items() for d in rec[1]]
AXIS_FORMS = [None, 0, -1, [0, 2], (1,), [2, 0], [-3, -1], [0, 1, 2], np.array([1]), [],
              np.array([], np.int64)]


@pytest.mark.parametrize("op_type,dtype", REDUCE_PARAMS,
                         ids=[f"{t}-{np.dtype(d).name}" for t, d in REDUCE_PARAMS])
def test_reductions_every_axis_form(op_type, dtype):
    fn = REDUCTIONS[op_type][0]
    domain = "small" if op_type == "Prod" else "any"
    values = [sample((2, 3, 4), dtype, domain), sample((4, 3, 2), dtype, domain).transpose(2, 1, 0),
              sample((2, 0, 3), dtype, domain)]
    feeds, outs, expected = {}, [], []
    for value in values:
        x = gf.placeholder(dtype, value.shape)
        feeds[x] = value
        for axis in AXIS_FORMS:
            for keep in (False, True):
                out = fn(x, axis=axis, keepdims=keep)
                assert out.op.type == op_type
                outs.append(out)
                axes = tuple(range(3)) if axis is None else tuple(np.atleast_1d(axis).tolist())
                expected.append(reduce_oracle(op_type, value, axes, keep))
    for out, got, want in zip(outs, evaluate(outs, feeds), expected):
        check_fully_inferred(out, got)
        close(got, want, dtype)


def test_reduction_argument_spellings_and_names():
    x = gf.placeholder(gf.float32, [2, 3], name="x")
    value = np.arange(6, dtype=np.float32).reshape(2, 3)
    outs = [gf.reduce_sum(x), gf.reduce_sum(x, 1, True), gf.reduce_sum(x, reduction_indices=[0]),
            gf.reduce_sum(x, axis=1, keep_dims=True), gf.reduce_mean(x, gf.constant(-1)),
            gf.reduce_max(x, keepdims=True, name="mx")]
    got = evaluate(outs, {x: value})
    np.testing.assert_array_equal(got[0], 15)
    np.testing.assert_array_equal(got[1], [[3], [12]])
    np.testing.assert_array_equal(got[2], [3, 5, 7])
    np.testing.assert_array_equal(got[3], [[3], [12]])
    np.testing.assert_array_equal(got[4], [1, 4])
    np.testing.assert_array_equal(got[5], [[5]])
    assert outs[0].op.inputs[1].op.name == "Const"
    assert outs[1].op.inputs[1].op.name == "Sum_1/reduction_indices"
    assert outs[5].op.name == "mx" and outs[5].op.get_attr("keep_dims") is True
    assert sorted(outs[0].op._attrs) == ["T", "Tidx", "keep_dims"]


def test_reductions_with_unknown_shapes():
    u = gf.placeholder(gf.float32, name="u")
    axis = gf.placeholder(gf.int32, name="axis")
    total = gf.reduce_sum(u)
    assert total.shape.as_list() == [] and total.op.inputs[1].op.type == "Range"
    keep = gf.reduce_sum(u, keepdims=True)
    assert keep.shape.rank is None
    partial = gf.reduce_mean(gf.placeholder(gf.float32, [2, None]), axis=axis, keepdims=True)
    assert partial.shape.as_list() == [None, None]
    value = np.arange(12, dtype=np.float32).reshape(3, 4)
    got = evaluate([total, keep, gf.reduce_sum(u, axis=axis)], {u: value, axis: [-1]})
    np.testing.assert_array_equal(got[0], 66)
    np.testing.assert_array_equal(got[1], [[66]])
    np.testing.assert_array_equal(got[2], [6, 22, 38])
    scalar = gf.reduce_sum(gf.constant(3.0))
    assert scalar.shape.as_list() == [] and evaluate(scalar) == 3.0


def test_reduction_errors():
    x = gf.placeholder(gf.float32, [2, 3])
    with pytest.raises(ValueError, match="Invalid reduction dimension 2 for input with 2"):
        gf.reduce_sum(x, axis=2)
    with pytest.raises(ValueError, match="Invalid reduction dimension -3"):
        gf.reduce_max(x, axis=[0, -3])
    with pytest.raises(ValueError, match="Cannot specify both 'reduction_indices' and 'axis'"):
        gf.reduce_sum(x, axis=0, reduction_indices=0)
    with pytest.raises(ValueError, match="Cannot specify both 'keep_dims' and 'keepdims'"):
        gf.reduce_sum(x, keepdims=True, keep_dims=True)
    axis = gf.placeholder(gf.int32)
    with pytest.raises(errors.InvalidArgumentError, match="Invalid reduction dimension"):
        evaluate(gf.reduce_sum(x, axis=axis), {x: np.ones((2, 3)), axis: 5})


def test_reduction_accumulation_matches_tf():
    big32 = np.full((3,), 2 ** 30, np.int32)
    u8 = np.full((4,), 250, np.uint8)
    h = np.full((3,), 60000, np.float16)
    ones = np.ones((3000,), np.float16)
    got = evaluate([gf.reduce_mean(big32), gf.reduce_mean(u8), gf.reduce_mean(h),
                    gf.reduce_sum(ones), gf.reduce_mean(ones), gf.reduce_mean([-7, 2])])
    assert got[0] == 2 ** 30 and got[1] == 250       # 64-bit sums for small integer types
    assert np.isinf(got[2])                          # float16 sum overflows, then divides
    assert got[3] == 3000 and got[4] == 1.0          # but accumulates in float32
    assert got[5] == -2                              # integer means truncate toward zero


@pytest.mark.parametrize("fn,expected", [(gf.reduce_any, [True, False, True]),
                                         (gf.reduce_all, [False, False, True])])
def test_any_all(fn, expected):
    value = np.array([[True, False, True], [False, False, True]])
    b = gf.placeholder(gf.bool, [2, 3])
    outs = [fn(b, axis=0), fn(b), fn(b, axis=[0, 1], keepdims=True), fn(b, axis=-1)]
    got = evaluate(outs, {b: value})
    np.testing.assert_array_equal(got[0], expected)
    np.testing.assert_array_equal(got[1], all(expected) if fn is gf.reduce_all else True)
    assert got[2].shape == (1, 1) and got[3].shape == (2,)
    for out, v in zip(outs, got):
        check_fully_inferred(out, v)
    empty = evaluate(fn(np.zeros((0, 2), bool), axis=0))
    np.testing.assert_array_equal(empty, [fn is gf.reduce_all] * 2)


# ------------------------------------------------------------------------ AddN
@pytest.mark.parametrize("dtype", [F16, F32, F64, I8, I32, I64, U8, U64])
def test_add_n(dtype):
    values = [sample((3, 4), dtype) for _ in range(3)]
    values[1] = sample((4, 3), dtype).T
    phs = [gf.placeholder(dtype, [3, 4]) for _ in values]
    out = gf.add_n(phs)
    assert out.op.type == "AddN" and out.op.get_attr("N") == 3
    got = evaluate(out, dict(zip(phs, values)))
    check_fully_inferred(out, got)
    close(got, elementwise(lambda a, b, c: a + b + c, dtype, *values), dtype)


def test_add_n_forms_and_errors():
    x = gf.placeholder(gf.float32, [2], name="x")
    assert gf.add_n([x]) is x
    ident = gf.add_n([x], name="single")
    assert ident.op.type == "Identity" and ident.op.name == "single"
    merged = gf.add_n([gf.placeholder(gf.float32, [None, 3]),
                       gf.placeholder(gf.float32, [2, None])])
    assert merged.shape.as_list() == [2, 3]
    with pytest.raises(ValueError, match="at least one"):
        gf.add_n([])
    with pytest.raises(ValueError):
        gf.add_n([gf.placeholder(gf.float32, [2, 3]), gf.placeholder(gf.float32, [3, 2])])
    a, b = gf.placeholder(gf.float32), gf.placeholder(gf.float32)
    with pytest.raises(errors.InvalidArgumentError):
        evaluate(gf.add_n([a, b]), {a: np.ones(2), b: np.ones(3)})


# ------------------------------------------------------------------------ Cast
CAST_SOURCES = {
    F32: np.array([-2.7, -0.5, -0.0, 0.0, 0.5, 2.7, 100.9, np.nan], np.float32),
    F64: np.array([-1e3 - 0.9, -1.5, 0.0, 1.5, 126.99], np.float64),
    F16: np.array([-3.5, 0.0, 3.5, 64.75], np.float16),
    I32: np.array([-300, -1, 0, 1, 300, 70000], np.int32),
    I64: np.array([-(2 ** 40) - 1, -7, 0, 7, 2 ** 40 + 1], np.int64),
    U8: np.array([0, 1, 200, 255], np.uint8),
    np.bool_: np.array([True, False, True]),
}
CAST_TARGETS = (F16, F32, F64, I8, I16, I32, I64, U8, U16, U32, U64, np.bool_)


def cast_oracle(value, dst):
    """float -> int truncates toward zero (then wraps); -> bool is x != 0 (NaN is true)."""
    dst = np.dtype(dst)
    if dst == np.bool_:
        return np.array([bool(v != 0 or v != v) for v in value.tolist()], bool)
    if dst.kind in "iu":
        if value.dtype.kind == "f":
            return wrap_ints(np.array([math.trunc(v) for v in value.tolist()], object), dst)
        return wrap_ints(np.array([int(v) for v in value.tolist()], object), dst)
    with np.errstate(over="ignore"):
        return np.array([float(v) for v in value.tolist()], np.float64).astype(dst)


CAST_PARAMS = [(s, d) for s in CAST_SOURCES for d in CAST_TARGETS]


@pytest.mark.parametrize("src,dst", CAST_PARAMS,
                         ids=[f"{np.dtype(s).name}-{np.dtype(d).name}" for s, d in CAST_PARAMS])
def test_cast(src, dst):
    value = CAST_SOURCES[src]
    if np.dtype(dst).kind in "iu" and np.dtype(src).kind == "f":
        # Out-of-range float -> int casts (NaN, negative -> unsigned) are undefined in C++.
        info = np.iinfo(dst)
        wide = value.astype(np.float64)
        value = value[(wide > info.min - 1) & (wide < info.max + 1)]
    x = gf.placeholder(src, value.shape)
    out = gf.cast(x, dst)
    if np.dtype(src) == np.dtype(dst):
        assert out is x
        return
    assert out.op.type == "Cast" and out.op.get_attr("DstT") == gf.as_dtype(dst)
    assert out.op.get_attr("SrcT") == gf.as_dtype(src) and out.op.get_attr("Truncate") is False
    got = evaluate(out, {x: value})
    check_fully_inferred(out, got)
    close(got, cast_oracle(value, dst), dst)


def test_cast_helpers_names_and_truncation():
    x = gf.placeholder(gf.float32, [4], name="x")
    outs = [gf.to_float([1, 2]), gf.to_int32(x), gf.to_int64(x), gf.to_double(x),
            gf.cast(x, gf.bool, name="b"), gf.cast(x, "int32")]
    assert [o.op.name for o in outs] == ["ToFloat", "ToInt32", "ToInt64", "ToDouble", "b", "Cast"]
    assert outs[0].op.inputs[0].op.name == "ToFloat/x"
    assert gf.to_float(x) is x
    got = evaluate(outs, {x: np.float32([-2.7, 2.7, 0.0, -0.5])})
    np.testing.assert_array_equal(got[1], [-2, 2, 0, 0])
    assert got[2].dtype == np.int64 and got[3].dtype == np.float64
    np.testing.assert_array_equal(got[4], [True, True, False, True])


def test_saturate_cast():
    f = gf.placeholder(gf.float32, [4], name="f")
    i = gf.placeholder(gf.int32, [4], name="i")
    outs = [gf.saturate_cast(f, gf.uint8), gf.saturate_cast(i, gf.int8),
            gf.saturate_cast(f, gf.int32), gf.saturate_cast(i, gf.int64)]
    assert outs[0].op.inputs[0].op.type == "ClipByValue"
    assert outs[0].op.inputs[0].op.name == "saturate_cast/clamp"
    got = evaluate(outs, {f: np.float32([-5.0, 300.0, 3.7, 1e10]),
                          i: np.int32([-300, 300, 5, -2 ** 31])})
    np.testing.assert_array_equal(got[0], [0, 255, 3, 255])
    np.testing.assert_array_equal(got[1], [-128, 127, 5, -128])
    np.testing.assert_array_equal(got[2], [-5, 300, 3, 2 ** 31 - 128])   # nudged below 2^31
    np.testing.assert_array_equal(got[3], [-300, 300, 5, -2 ** 31])


def test_clip_by_value():
    t = gf.placeholder(gf.float32, [2, 3], name="t")
    value = np.float32([[-2, 0.5, 3], [np.nan, 1, 9]])
    lo = gf.placeholder(gf.float32, [2, 3])
    outs = [gf.clip_by_value(t, 0.0, 1.0), gf.clip_by_value(t, lo, 2.0),
            gf.clip_by_value(np.array([1, 5, 9], np.int32), 2, 8, name="ints")]
    assert [o.op.name for o in outs] == ["clip_by_value", "clip_by_value_1", "ints"]
    assert outs[0].op.inputs[0].op.name == "clip_by_value/Minimum"
    got = evaluate(outs, {t: value, lo: np.zeros((2, 3), np.float32)})
    np.testing.assert_array_equal(got[0], [[0, 0.5, 1], [np.nan, 1, 1]])
    np.testing.assert_array_equal(got[1], [[0, 0.5, 2], [np.nan, 1, 2]])
    np.testing.assert_array_equal(got[2], [2, 5, 8])
    with pytest.raises(ValueError, match="incompatible"):
        gf.clip_by_value(gf.placeholder(gf.float32, [2, 1]), [0.0, 0.0], 1.0)


def test_clip_by_value_op_checks_bound_shapes():
    attrs = {"T": gf.float32}
    with pytest.raises(errors.InvalidArgumentError, match="clip_value_min must be"):
        reference.evaluate("ClipByValue", attrs, np.ones((2, 2)), np.ones(2), np.float64(1))
    with pytest.raises(ValueError, match="ClipByValue"):
        apply_op("ClipByValue", t=gf.placeholder(gf.float32, [2, 2]),
                 clip_value_min=gf.placeholder(gf.float32, [3]), clip_value_max=1.0)


# ------------------------------------------------------------------------ Select / Where
def select_oracle(cond, t, e):
    shape = np.broadcast_shapes(np.shape(cond), np.shape(t), np.shape(e))
    cond, t, e = (np.broadcast_to(a, shape) for a in (cond, t, e))
    out = np.empty(shape, dtype=t.dtype)
    for idx in np.ndindex(*shape):
        out[idx] = t[idx] if cond[idx] else e[idx]
    return out


@pytest.mark.parametrize("dtype", [F32, I32, U8, np.bool_, F16])
def test_select(dtype):
    t, e = sample((3, 4), dtype), sample((4, 3), dtype).T
    cases = [(sample((3, 4), np.bool_), t, e), (sample((3,), np.bool_), t, e),
             (np.array(False), t, e), (np.array(True), t[0, 0], e[0, 0]),
             (sample((0, 4), np.bool_), t[:0], e[:0])]
    for cond, tv, ev in cases:
        c = gf.placeholder(gf.bool, cond.shape)
        x, y = gf.placeholder(dtype, tv.shape), gf.placeholder(dtype, ev.shape)
        out = gf.where(c, x, y)
        assert out.op.type == "Select"
        got = evaluate(out, {c: cond, x: tv, y: ev})
        check_fully_inferred(out, got)
        cond_b = cond.reshape(cond.shape + (1,) * (tv.ndim - cond.ndim)) if cond.ndim else cond
        np.testing.assert_array_equal(got, select_oracle(cond_b, tv, ev))


def test_select_errors():
    t = gf.placeholder(gf.float32, [2, 3])
    with pytest.raises(ValueError, match="Dimension 0 in both shapes must be equal"):
        gf.where(gf.placeholder(gf.bool, [3]), t, t)
    with pytest.raises(ValueError):
        gf.where(gf.placeholder(gf.bool, [2, 3]), t, gf.placeholder(gf.float32, [3, 2]))
    with pytest.raises(ValueError, match="both be non-None"):
        gf.where(gf.placeholder(gf.bool, [2]), x=t)
    with pytest.raises(TypeError):
        gf.where(gf.placeholder(gf.float32, [2, 3]), t, t)
    c, x, y = gf.placeholder(gf.bool), gf.placeholder(gf.float32), gf.placeholder(gf.float32)
    with pytest.raises(errors.InvalidArgumentError, match="'cond' must be a vector"):
        evaluate(gf.where(c, x, y), {c: np.ones((3,), bool), x: np.ones((2, 3)),
                                     y: np.ones((2, 3))})
    with pytest.raises(errors.InvalidArgumentError, match="same size"):
        evaluate(gf.where(c, x, y), {c: True, x: np.ones((2, 3)), y: np.ones((3, 2))})


def test_select_v2_broadcasts():
    cond = np.array([True, False, True])
    t = sample((2, 3), F32)
    out = gf.where_v2(cond, t, np.float32(-1.0))
    assert out.op.type == "SelectV2"
    got = evaluate(out)
    check_fully_inferred(out, got)
    np.testing.assert_array_equal(got, select_oracle(cond, t, np.float32(-1.0)))
    c = gf.placeholder(gf.bool, [None, 1])
    col = evaluate(gf.where_v2(c, 1, 0), {c: [[True], [False]]})
    np.testing.assert_array_equal(col, [[1], [0]])
    with pytest.raises(ValueError, match="Dimensions must be equal"):
        gf.where_v2(np.ones((2,), bool), np.ones((3,)), np.ones((3,)))


def where_oracle(x):
    return np.array([idx for idx in np.ndindex(*x.shape) if x[idx]], np.int64).reshape(-1, x.ndim)


@pytest.mark.parametrize("fn", [gf.where, gf.where_v2])
def test_where_coordinates(fn):
    cases = [sample((3, 4), np.bool_), np.array([0.0, 2.0, -1.0, 0.0], np.float32),
             sample((2, 3, 2), I32), np.zeros((0, 2), bool), sample((4, 6), np.bool_)[::2, ::3]]
    for value in cases:
        x = gf.placeholder(value.dtype, value.shape)
        out = fn(x)
        assert out.op.type == "Where" and out.dtype == gf.int64
        assert out.shape.as_list() == [None, value.ndim]
        np.testing.assert_array_equal(evaluate(out, {x: value}), where_oracle(value))
    assert fn([True, False], name="w").op.inputs[0].op.name == "w/condition"
    s = gf.placeholder(gf.bool)
    with pytest.raises(errors.InvalidArgumentError, match="Unhandled input dimensions: 0"):
        evaluate(fn(s), {s: True})


# ------------------------------------------------------------------------ Range
RANGE_CASES = [((5,), I32), ((1, 7, 2), I32), ((7, 1, -2), I32), ((3, 3), I32),
               ((0.5, 3.0, 0.7), F32), ((5.0, 1.0, -1.5), F32), ((1, 5, 10), I32),
               ((2, 2.5), F32), ((np.int64(2), 9, 3), I64), ((np.float64(1), 2, 0.25), F64)]


def range_oracle(start, limit=None, delta=1):
    if limit is None:
        start, limit = 0, start
    n = max(0, math.ceil((limit - start) / delta))
    return [start + i * delta for i in range(n)]


@pytest.mark.parametrize("args,dtype", RANGE_CASES, ids=[str(a) for a, _ in RANGE_CASES])
def test_range(args, dtype):
    out = gf.range(*args)
    assert out.op.type == "Range" and out.dtype == gf.as_dtype(dtype)
    got = evaluate(out)
    check_fully_inferred(out, got)
    np.testing.assert_allclose(got, np.array(range_oracle(*args), dtype), rtol=1e-6)


def test_range_dtype_argument_and_tensors():
    outs = [gf.range(3, dtype=gf.float32), gf.range(gf.constant(4)),
            gf.range(gf.constant(3.0)), gf.range(2, gf.constant(6, gf.int64))]
    assert [o.dtype for o in outs] == [gf.float32, gf.int32, gf.float32, gf.int64]
    assert [t.op.type for t in outs[2].op.inputs] == ["Cast", "Const", "Cast"]
    got = evaluate(outs)
    np.testing.assert_array_equal(got[0], [0.0, 1.0, 2.0])
    np.testing.assert_array_equal(got[3], [2, 3, 4, 5])
    limit = gf.placeholder(gf.int32, [])
    fed = gf.range(limit)
    assert fed.shape.as_list() == [None]
    np.testing.assert_array_equal(evaluate(fed, {limit: 3}), [0, 1, 2])


def test_range_errors():
    with pytest.raises(ValueError, match="Requires delta != 0"):
        gf.range(0, 5, 0)
    with pytest.raises(ValueError, match="Requires start <= limit when delta > 0"):
        gf.range(5, 0, 1)
    with pytest.raises(ValueError, match="Requires start >= limit when delta < 0"):
        gf.range(0, 5, -1)
    with pytest.raises(TypeError):
        gf.range(gf.constant(3, gf.int8))
    start = gf.placeholder(gf.int32, [])
    with pytest.raises(errors.InvalidArgumentError, match="Requires start <= limit"):
        evaluate(gf.range(start, 2), {start: 5})
    with pytest.raises(errors.InvalidArgumentError, match="Requires start >= limit"):
        evaluate(gf.range(start, 2, -1), {start: 0})
    delta = gf.placeholder(gf.float32, [])
    with pytest.raises(errors.InvalidArgumentError, match="Requires delta != 0"):
        evaluate(gf.range(0.0, 1.0, delta), {delta: 0.0})


# ------------------------------------------------------------------------ ArgMax / ArgMin
def arg_oracle(x, axis, largest):
    """First index of the max (min) along `axis`, never a NaN (all-NaN slices give 0)."""
    moved = np.moveaxis(x, axis, -1)
    out = np.zeros(moved.shape[:-1], np.int64)
    for idx in np.ndindex(*moved.shape[:-1]):
        best, best_i = None, 0
        for i, v in enumerate(moved[idx].tolist()):
            if v != v:
                continue
            if best is None or (v > best if largest else v < best):
                best, best_i = v, i
        out[idx] = best_i
    return out


@pytest.mark.parametrize("fn,largest", [(gf.argmax, True), (gf.argmin, False)])
@pytest.mark.parametrize("dtype", [F32, F64, I32, U8, I8, np.bool_, F16])
def test_argmax_argmin(fn, largest, dtype):
    value = sample((4, 5), dtype, "small")              # small values: many ties
    if np.dtype(dtype).kind == "f":
        value[1, 2] = np.nan
        value[:, 4] = np.nan
    x = gf.placeholder(dtype, value.shape)
    strided = gf.placeholder(dtype, [3, 2, 2])
    sv = sample((3, 4, 4), dtype, "small")[:, ::2, 1::2]
    outs = [fn(x), fn(x, 1), fn(x, axis=-1, output_type=gf.int32), fn(x, dimension=0),
            fn(strided, 2), fn(x, gf.constant(1, gf.int64))]
    got = evaluate(outs, {x: value, strided: sv})
    want = [arg_oracle(value, 0, largest), arg_oracle(value, 1, largest),
            arg_oracle(value, 1, largest), arg_oracle(value, 0, largest),
            arg_oracle(sv, 2, largest), arg_oracle(value, 1, largest)]
    for out, g, w in zip(outs, got, want):
        check_fully_inferred(out, g)
        np.testing.assert_array_equal(g, w)
    assert got[2].dtype == np.int32 and got[0].dtype == np.int64


def test_argmax_errors():
    x = gf.placeholder(gf.float32, [2, 3])
    with pytest.raises(ValueError, match="out of range"):
        gf.argmax(x, 2)
    e = gf.placeholder(gf.float32, [None, 3])
    with pytest.raises(errors.InvalidArgumentError, match="empty"):
        evaluate(gf.argmax(e, 0), {e: np.zeros((0, 3), np.float32)})
    axis = gf.placeholder(gf.int32, [])
    with pytest.raises(errors.InvalidArgumentError, match="Invalid dimension"):
        evaluate(gf.argmin(x, axis), {x: np.ones((2, 3)), axis: -3})


# ------------------------------------------------------------------------ Cumsum
def scan_oracle(x, axis, exclusive, reverse, product):
    """Running sum (product) with Python numbers, wrapped or rounded to x's dtype."""
    moved = np.moveaxis(x, axis, -1)
    out = np.empty(moved.shape, dtype=object if x.dtype.kind in "iu" else np.float64)
    for idx in np.ndindex(*moved.shape[:-1]):
        row = moved[idx].tolist()
        order = list(range(len(row)))[::-1] if reverse else list(range(len(row)))
        total = 1 if product else 0
        for i in order:
            if exclusive:
                out[idx + (i,)] = total
            total = total * row[i] if product else total + row[i]
            if not exclusive:
                out[idx + (i,)] = total
    out = np.moveaxis(out, -1, axis)
    return wrap_ints(out, x.dtype) if x.dtype.kind in "iu" else out.astype(x.dtype)


@pytest.mark.parametrize("fn", [gf.cumsum, gf.cumprod])
@pytest.mark.parametrize("dtype", [F32, F64, I32, I64, U8, F16])
def test_cumsum_cumprod(fn, dtype):
    domain = "small" if fn is gf.cumprod else "any"
    values = [sample((3, 4), dtype, domain), sample((4, 3), dtype, domain).T,
              sample((0, 3), dtype, domain), sample((5,), dtype, domain)]
    feeds, outs, want = {}, [], []
    for value in values:
        x = gf.placeholder(dtype, value.shape)
        feeds[x] = value
        for axis in range(-value.ndim, value.ndim):
            for exclusive in (False, True):
                for reverse in (False, True):
                    outs.append(fn(x, axis, exclusive=exclusive, reverse=reverse))
                    want.append(scan_oracle(value, axis, exclusive, reverse, fn is gf.cumprod))
    for out, got, w in zip(outs, evaluate(outs, feeds), want):
        check_fully_inferred(out, got)
        close(got, w, dtype)
    assert sorted(outs[0].op._attrs) == ["T", "Tidx", "exclusive", "reverse"]


def test_cumsum_errors():
    x = gf.placeholder(gf.float32, [2, 3])
    with pytest.raises(errors.InvalidArgumentError, match="Invalid axis dimension"):
        evaluate(gf.cumsum(x, 2), {x: np.ones((2, 3))})
    with pytest.raises(errors.InvalidArgumentError, match="Invalid axis dimension"):
        evaluate(gf.cumprod(x, -3), {x: np.ones((2, 3))})
    s = gf.placeholder(gf.float32)
    with pytest.raises(errors.InvalidArgumentError, match="rank >= 1"):
        evaluate(gf.cumsum(s), {s: 1.0})


# ------------------------------------------------------------------------ misc functions
def test_logical_xor_and_scalar_mul():
    b, c = gf.placeholder(gf.bool, [4], name="b"), gf.placeholder(gf.bool, [4], name="c")
    xor = gf.logical_xor(b, c)
    assert xor.op.name == "LogicalXor" and xor.op.type == "LogicalAnd"
    assert [t.op.name for t in xor.op.inputs] == ["LogicalOr", "LogicalNot"]
    bv, cv = np.array([True, True, False, False]), np.array([True, False, True, False])
    np.testing.assert_array_equal(evaluate(xor, {b: bv, c: cv}), bv != cv)
    x = gf.placeholder(gf.float32, [2], name="x")
    y = gf.scalar_mul(3, x)
    assert y.op.type == "Mul" and y.op.inputs[0].op.name == "scalar"
    np.testing.assert_array_equal(evaluate(y, {x: [1.0, 2.0]}), [3.0, 6.0])
    with pytest.raises(ValueError, match="must be a 0-D value"):
        gf.scalar_mul([1.0, 2.0], x)


def test_function_names_match_tf_conventions():
    x = gf.placeholder(gf.float32, [2], name="p")
    outs = {"Add": gf.add(x, 1.0), "floordiv": gf.floordiv(x, 2.0), "truediv": gf.truediv(x, 2),
            "div": gf.div(x, 2.0), "Const": gf.divide(4.0, x).op.inputs[0],
            "Pow": gf.pow(x, 2.0), "Cumsum": gf.cumsum(x), "ArgMax": gf.argmax(x),
            "Sigmoid": gf.sigmoid(x), "Where": gf.where([True])}
    for name, tensor in outs.items():
        assert tensor.op.name == name
    assert outs["Add"].op.type == "AddV2" and outs["Add"].op.inputs[1].op.name == "Add/y"
    assert gf.round(np.int32(3)).op.name == "x"


# ------------------------------------------------------------------------ every op is covered
COVERED = (set(UNARY) | set(BINARY) | set(REDUCTIONS) |
           {"LogicalNot", "Any", "All", "AddN", "Cast", "ClipByValue", "Select", "SelectV2",
            "Where", "Range", "ArgMax", "ArgMin", "Cumsum", "Cumprod"})


def test_every_math_op_has_a_test_record_and_kernels():
    source = open(math_ops.__file__).read()
    declared = set(math_ops.UNARY_OPS) | set(math_ops.BINARY_OPS) | \
        set(math_ops.COMPARISON_OPS) | set(math_ops.LOGICAL_OPS) | set(math_ops.REDUCTION_OPS)
    declared |= set(re.findall(r'register_op\(\s*"(\w+)"', source))
    declared |= {t for t in ("Any", "All", "ArgMax", "ArgMin") if f'"{t}"' in source}
    assert declared <= COVERED, declared - COVERED
    for op_type in declared:
        assert op_type in reference.REFERENCE
        assert kernel_registry.has_kernel(op_type, "CPU")


# ------------------------------------------------------------------------ numba CPU kernels
def _cpu_and_reference(out):
    """The CPU kernel and the reference kernel of `out`'s node, as run(*arrays) callables."""
    op = out.op
    return kernel_registry.lookup(op.type, "CPU")(op, None), reference.factory(op, None)


SUM_LAYOUTS = [((1000,), (0,)), ((7, 9), (0,)), ((7, 9), (1,)), ((7, 9), (0, 1)),
               ((3, 4, 5), (0, 2)), ((3, 4, 5), (1,)), ((3, 4, 5), (0, 1)), ((2, 3, 4, 5), (1, 3)),
               ((2, 3, 4, 5), (0, 2, 3)), ((300, 500), (0,)), ((300, 500), (1,)),
               ((300, 500), (0, 1)), ((64, 50, 60), (1,)), ((64, 50, 60), (0, 2))]


@pytest.mark.parametrize("op_type", ["Sum", "Mean"])
@pytest.mark.parametrize("dtype", [F16, F32, F64])
def test_numba_sum_mean_match_reference(op_type, dtype):
    fn = gf.reduce_sum if op_type == "Sum" else gf.reduce_mean
    for shape, axes in SUM_LAYOUTS:
        value = sample(shape, dtype)
        for x_val in (value, np.moveaxis(value, 0, -1)):      # contiguous and transposed
            x = gf.placeholder(dtype, x_val.shape)
            out = fn(x, axis=list(axes), keepdims=len(axes) == 1)
            cpu, ref = _cpu_and_reference(out)
            axes_arr = np.array(axes, np.int32)
            (got,), (want,) = cpu(x_val, axes_arr), ref(x_val, axes_arr)
            assert got.dtype == want.dtype and got.shape == want.shape
            rtol = {2: 4e-3, 4: 2e-5, 8: 1e-12}[np.dtype(dtype).itemsize]
            np.testing.assert_allclose(got, want, rtol=rtol, atol=rtol * 10)
            wide = np.sum(x_val.astype(np.float64), axis=axes, keepdims=len(axes) == 1)
            if op_type == "Mean":
                wide = wide / math.prod(x_val.shape[a] for a in axes)
            np.testing.assert_allclose(got, wide, rtol=rtol, atol=rtol * 10)


def test_numba_reductions_special_values_and_fallbacks():
    value = np.array([[1.0, np.nan, 2.0], [np.inf, 1.0, -1.0]], np.float32)
    x = gf.placeholder(gf.float32, [2, 3])
    got = evaluate([gf.reduce_sum(x, 1), gf.reduce_mean(x, 0), gf.reduce_sum(x, [])],
                   {x: value})
    np.testing.assert_array_equal(got[0], [np.nan, np.inf])
    np.testing.assert_array_equal(got[1], [np.inf, np.nan, 0.5])
    np.testing.assert_array_equal(got[2], value)
    empty = evaluate([gf.reduce_sum(np.zeros((0, 3), np.float32), 0),
                      gf.reduce_mean(np.zeros((0, 3), np.float32), 0)])
    np.testing.assert_array_equal(empty[0], [0, 0, 0])
    assert np.isnan(empty[1]).all()


@pytest.mark.parametrize("op_type", ["Sigmoid", "Rsqrt", "SquaredDifference"])
@pytest.mark.parametrize("dtype", [F32, F64])
def test_numba_elementwise_match_reference(op_type, dtype):
    specials = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1e-30, 50.0, -50.0], dtype)
    for size in (8, 70000):                                  # serial and parallel paths
        xv = sample((size,), dtype, "positive" if op_type == "Rsqrt" else "any")
        xv[:8] = specials
        yv = sample((size,), dtype)
        for x_arr, y_arr in ((xv, yv), (xv[::-1], yv[::-1])):  # contiguous and strided
            x = gf.placeholder(dtype, x_arr.shape)
            if op_type == "SquaredDifference":
                y = gf.placeholder(dtype, y_arr.shape)
                out, args = gf.squared_difference(x, y), (x_arr, y_arr)
            else:
                out, args = getattr(gf, op_type.lower())(x), (x_arr,)
            cpu, ref = _cpu_and_reference(out)
            (got,), (want,) = cpu(*args), ref(*args)
            np.testing.assert_allclose(got, want, rtol=1e-6 if dtype == F32 else 1e-14)
            real = ~np.isnan(want)
            assert np.array_equal(np.signbit(got[real]), np.signbit(want[real]))


def test_numba_squared_difference_fallbacks():
    for xv, yv in ((sample((3, 4), F32), sample((4,), F32)), (sample((5,), I32), sample((5,), I32)),
                   (sample((2, 3), F16), sample((2, 3), F16))):
        x, y = gf.placeholder(xv.dtype, xv.shape), gf.placeholder(yv.dtype, yv.shape)
        cpu, _ = _cpu_and_reference(gf.squared_difference(x, y))
        close(cpu(xv, yv)[0], elementwise(lambda a, b: (a - b) * (a - b), xv.dtype, xv, yv),
              xv.dtype)


# ------------------------------------------------------------------------ real TF
def _representative_graph(lib):
    x = lib.placeholder(lib.float32, [2, 3], name="x")
    i = lib.placeholder(lib.int32, [None], name="i")
    u = lib.placeholder(lib.float32, name="u")
    b = x > 0.0
    return [x + 1.0, 2.0 * x, x - x, x / 2.0, x // 2.0, x % 2.0, x ** 2.0, -x, abs(x), x < 1.0,
            i / 2, i // 3, i % 3, lib.div(i, 2), lib.truediv(i, 2), lib.divide(x, x),
            lib.reduce_sum(x), lib.reduce_sum(x, 1), lib.reduce_mean(x, [0, 1], keepdims=True),
            lib.reduce_max(x, reduction_indices=0, keep_dims=True), lib.reduce_sum(u),
            lib.reduce_prod(x, -1), lib.reduce_any(b), lib.reduce_all(b, 0), lib.argmax(x, 1),
            lib.argmin(x, axis=0, output_type=lib.int32), lib.cumsum(x, 1, True, True),
            lib.cast(x, lib.int32), lib.to_float(i), lib.to_int64(x), lib.add_n([x, x, x]),
            lib.where(b, x, -x), lib.where(b), lib.where_v2(b, x, 0.0), lib.range(5),
            lib.range(0.0, 1.0, 0.25), lib.range(lib.constant(3.0)), lib.clip_by_value(x, 0.0, 1.0),
            lib.maximum(x, 0.5), lib.squared_difference(x, 1.0), lib.logical_xor(b, x < 1.0),
            ~b, b & b, b | b, b ^ b, lib.sigmoid(x), lib.exp(x, name="myexp"), lib.rsqrt(x * x),
            lib.sign(x), lib.round(x), lib.mod(i, 2), lib.truncatediv(i, 2), lib.equal(x, 1.0),
            lib.saturate_cast(x, lib.uint8), lib.realdiv(x, 3.0), lib.add(x, 1.0),
            lib.floordiv(x, 2.0), lib.scalar_mul(2.0, x), lib.reduce_mean(u),
            lib.matmul(x, x, transpose_b=True)], (x, i, u)


@pytest.mark.tf
def test_math_graph_matches_tf(tf1):
    feeds = (sample((2, 3), F32), np.array([7, -7, 3], np.int32),
             sample((3, 4), F32))
    results = []
    for lib in (tf1, gf):
        graph = lib.Graph()
        with graph.as_default():
            outs, phs = _representative_graph(lib)
            nodes = [(op.name, op.type, [t.name for t in op.inputs],
                      sorted(op.node_def.attr) if lib is tf1 else sorted(op._attrs))
                     for op in graph.get_operations()]
            shapes = [t.shape.as_list() if t.shape.rank is not None else None for t in outs]
            with lib.Session(graph=graph) as sess:
                values = sess.run(outs, dict(zip(phs, feeds)))
        results.append((nodes, shapes, values))
    (tf_nodes, tf_shapes, tf_values), (gf_nodes, gf_shapes, gf_values) = results
    assert gf_nodes == tf_nodes
    assert gf_shapes == tf_shapes
    for got, want in zip(gf_values, tf_values):
        assert np.asarray(got).dtype == np.asarray(want).dtype
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)


@pytest.mark.tf
@pytest.mark.parametrize("make", [
    lambda lib, p: lib.reduce_mean(p, 0), lambda lib, p: lib.argmax(p, 0),
    lambda lib, p: lib.argmin(p, 1), lambda lib, p: lib.reduce_max(p, 1),
    lambda lib, p: lib.floormod(p, -1.5), lambda lib, p: lib.sigmoid(p),
    lambda lib, p: lib.cumsum(p, 0, exclusive=True), lambda lib, p: lib.cast(p, lib.bool)])
def test_special_values_match_tf(tf1, make):
    value = np.array([[np.nan, 1.0, -np.inf], [2.0, np.nan, 0.0], [np.nan, -0.0, np.inf]],
                     np.float32)
    got = []
    for lib in (tf1, gf):
        graph = lib.Graph()
        with graph.as_default():
            p = lib.placeholder(lib.float32, [3, 3])
            with lib.Session(graph=graph) as sess:
                got.append(sess.run(make(lib, p), {p: value}))
    assert got[1].dtype == got[0].dtype
    np.testing.assert_allclose(got[1], got[0], rtol=1e-6)     # NaN and inf positions equal
