"""GPU elementwise kernels vs the CPU kernels (simulator), including broadcasting and errors."""

import numpy as np
import pytest

import graphflow as gf
from graphflow.kernels import scalar
from cuda_helpers import assert_same_as_cpu, assert_same_error

RNG = np.random.default_rng(0)
SPECIAL = np.array([0.0, -0.0, 1.5, -2.5, 0.5, 2.5, np.inf, -np.inf, np.nan, 30.0, -100.0],
                   dtype=np.float32)

UNARY = ["Neg", "Abs", "Sign", "Square", "Sqrt", "Rsqrt", "Exp", "Expm1", "Log", "Log1p",
         "Sin", "Cos", "Tanh", "Sigmoid", "Reciprocal", "Floor", "Ceil", "Round", "Relu",
         "Relu6", "Elu", "Selu", "Softplus", "Softsign"]
_FUNCTIONS = {"Neg": gf.negative, "Abs": gf.abs, "Sign": gf.sign, "Square": gf.square,
              "Sqrt": gf.sqrt, "Rsqrt": gf.rsqrt, "Exp": gf.exp, "Expm1": gf.expm1,
              "Log": gf.log, "Log1p": gf.log1p, "Sin": gf.sin, "Cos": gf.cos, "Tanh": gf.tanh,
              "Sigmoid": gf.sigmoid, "Reciprocal": gf.reciprocal, "Floor": gf.floor,
              "Ceil": gf.ceil, "Round": gf.round, "Relu": gf.nn.relu, "Relu6": gf.nn.relu6,
              "Elu": gf.nn.elu, "Selu": gf.nn.selu, "Softplus": gf.nn.softplus,
              "Softsign": gf.nn.softsign}


@pytest.mark.parametrize("op_type", UNARY)
def test_unary_float32_special_values(op_type):
    x = gf.placeholder(gf.float32, [None])
    y = _FUNCTIONS[op_type](x)
    assert y.op.type == op_type
    assert_same_as_cpu(y, {x: SPECIAL}, rtol=2e-6)


@pytest.mark.parametrize("op_type", ["Exp", "Sigmoid", "Tanh", "Softplus"])
def test_unary_float64_random(op_type):
    x = gf.placeholder(gf.float64, [3, 4])
    assert_same_as_cpu(_FUNCTIONS[op_type](x), {x: RNG.normal(size=(3, 4)) * 5}, rtol=1e-12)


@pytest.mark.parametrize("fn", [gf.abs, gf.sign, gf.negative, gf.square, gf.nn.relu])
def test_integer_unary(fn):
    x = gf.placeholder(gf.int32, [5])
    assert_same_as_cpu(fn(x), {x: np.array([-3, 0, 2, -7, 40000], np.int32)})


BINARY = [("AddV2", gf.add), ("Sub", gf.subtract), ("Mul", gf.multiply),
          ("RealDiv", gf.realdiv), ("FloorDiv", gf.floordiv), ("FloorMod", gf.floormod),
          ("TruncateDiv", gf.truncatediv), ("Pow", gf.pow), ("Maximum", gf.maximum),
          ("Minimum", gf.minimum), ("SquaredDifference", gf.squared_difference),
          ("DivNoNan", gf.div_no_nan), ("Less", gf.less), ("LessEqual", gf.less_equal),
          ("Greater", gf.greater), ("GreaterEqual", gf.greater_equal), ("Equal", gf.equal),
          ("NotEqual", gf.not_equal)]
SHAPES = [((2, 3), (2, 3)), ((2, 3), (3,)), ((4, 1), (1, 5)), ((), (2, 2)), ((0, 3), (3,))]


@pytest.mark.parametrize("op_type,fn", BINARY, ids=[b[0] for b in BINARY])
@pytest.mark.parametrize("shapes", SHAPES, ids=str)
def test_binary_float_broadcasting(op_type, fn, shapes):
    x = gf.placeholder(gf.float32, shapes[0])
    y = gf.placeholder(gf.float32, shapes[1])
    z = fn(x, y)
    assert z.op.type == op_type
    a = RNG.uniform(0.5, 3.0, size=shapes[0]).astype(np.float32) * RNG.choice([-1, 1])
    b = RNG.uniform(0.5, 3.0, size=shapes[1]).astype(np.float32)
    assert_same_as_cpu(z, {x: a, y: b}, rtol=1e-5)


@pytest.mark.parametrize("fn", [gf.floordiv, gf.floormod, gf.truncatediv, gf.maximum,
                                gf.add, gf.multiply])
def test_binary_int32_signs(fn):
    x = gf.placeholder(gf.int32, [8])
    y = gf.placeholder(gf.int32, [8])
    a = np.array([7, -7, 7, -7, 0, 5, -9, 2**30], np.int32)
    b = np.array([2, 2, -2, -2, 3, 5, 4, 4], np.int32)
    assert_same_as_cpu(fn(x, y), {x: a, y: b})


def test_float_nan_propagation_in_maximum_minimum():
    x = gf.placeholder(gf.float32, [3])
    y = gf.placeholder(gf.float32, [3])
    feed = {x: np.array([np.nan, 1, 2], np.float32), y: np.array([0, np.nan, 3], np.float32)}
    out = assert_same_as_cpu(gf.maximum(x, y), feed)[0]
    np.testing.assert_array_equal(np.isnan(out), [True, True, False])
    assert_same_as_cpu(gf.minimum(x, y), feed)


def test_errors_match_cpu():
    x = gf.placeholder(gf.int32, [3])
    y = gf.placeholder(gf.int32, [None])
    assert_same_error(gf.floordiv(x, y), {x: np.ones(3, np.int32), y: np.array([1, 0, 2],
                                                                              np.int32)})
    assert_same_error(gf.pow(x, y), {x: np.ones(3, np.int32), y: np.array([1, -1, 2],
                                                                          np.int32)})
    a = gf.placeholder(gf.float32, [None])
    b = gf.placeholder(gf.float32, [None])
    err = assert_same_error(gf.add(a, b), {a: np.ones(3, np.float32), b: np.ones(2, np.float32)})
    assert "Incompatible shapes: [3] vs. [2]" in err.message


def test_cast_select_clip_addn_fill():
    x = gf.placeholder(gf.float32, [2, 3])
    a = RNG.normal(size=(2, 3)).astype(np.float32) * 4
    assert_same_as_cpu(gf.cast(x, gf.int32), {x: a})
    assert_same_as_cpu(gf.cast(x, gf.bool), {x: np.array([[0, 1, -0.0], [2, 0, 3]], np.float32)})
    assert_same_as_cpu(gf.clip_by_value(x, -1.0, 1.0), {x: a})
    assert_same_as_cpu(gf.add_n([x, x * 2.0, x]), {x: a})
    cond = gf.placeholder(gf.bool, [2, 3])
    c = a > 0
    assert_same_as_cpu(gf.where(cond, x, -x), {x: a, cond: c})
    assert_same_as_cpu(gf.where_v2(cond, x, 0.0), {x: a, cond: c})
    dims = gf.placeholder(gf.int32, [None])
    value = gf.placeholder(gf.float32, [])
    assert_same_as_cpu(gf.fill(dims, value), {dims: [2, 4], value: 3.5})
    v = gf.placeholder(gf.float32, [None, 3])
    assert gf.zeros_like(v).op.type == "ZerosLike"
    assert_same_as_cpu(gf.zeros_like(v), {v: a})
    assert_same_as_cpu(gf.ones_like(v), {v: a})
    assert_same_error(gf.fill(dims, value), {dims: [2, -1], value: 1.0})


@pytest.mark.parametrize("op_type,fn", sorted(scalar.GRAD.items()))
def test_activation_gradients(op_type, fn):
    dy = gf.placeholder(gf.float32, [6])
    x = gf.placeholder(gf.float32, [6])
    from graphflow.op_builder import apply_op
    node = apply_op(op_type, gradients=dy, **({"features": x} if op_type in (
        "ReluGrad", "Relu6Grad", "SoftplusGrad", "SoftsignGrad") else {"outputs": x}))
    values = np.array([-2.0, -0.5, 0.0, 0.5, 3.0, 7.0], np.float32)
    assert_same_as_cpu(node, {dy: np.arange(6, dtype=np.float32) - 2, x: values})


def test_scalar_bodies_compile_for_cpu():
    """The same bodies compile with numba.njit and agree with numpy."""
    sig = scalar.cpu_function(scalar.sigmoid)
    xs = np.array([-100.0, -1.0, 0.0, 2.0, 100.0])
    np.testing.assert_allclose([sig(v) for v in xs], 1 / (1 + np.exp(-xs)), rtol=1e-15)
    rnd = scalar.cpu_function(scalar.round_half_even)
    assert [rnd(v) for v in (0.5, 1.5, 2.5, -0.5, -1.5, 2.4)] == list(np.round(
        [0.5, 1.5, 2.5, -0.5, -1.5, 2.4]))
