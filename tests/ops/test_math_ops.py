"""Table-driven tests of the elementwise ops of graphflow/ops/math_ops.py, operators,
division semantics, op coverage and differential tests against real TensorFlow.

Oracles come from tests/ops/math_oracles.py: Python's `math` module and Python integers
wrapped to the dtype, never the reference kernels.
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
from tests.helpers import evaluate
from tests.ops.math_oracles import *  # noqa: F401,F403 - dtype aliases, samplers, oracles
from tests.ops.math_oracles import _py
from tests.ops.test_math_reductions import REDUCTIONS


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
