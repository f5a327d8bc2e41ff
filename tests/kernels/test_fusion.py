"""Elementwise fusion (graphflow/kernels/cpu/fusion.py): fused plans give the unfused results.

The oracle of every fused run is the same graph run with fusion disabled (numpy kernels):
bitwise equal for arithmetic, within fast_math's ulp bounds (plus numpy's own error) for
float32 transcendentals. `fused` lowers the size threshold so small inputs take the kernel
path and compiles synchronously.
"""

import os
import tracemalloc
import warnings

import numpy as np
import pytest

import graphflow as gf
from graphflow import errors
from graphflow.kernels.cpu import fused_codegen
from graphflow.kernels.cpu import fusion
from tests.kernels.test_fast_math import ulp_distance

SIZE = 1000  # elements per test input (above the lowered threshold)


@pytest.fixture
def fused(monkeypatch):
    monkeypatch.setattr(fusion, "FUSE_MIN_SIZE", 64)
    monkeypatch.setattr(fusion, "PARALLEL_THRESHOLD", 1 << 40)
    monkeypatch.setattr(fusion, "BACKGROUND_COMPILE", False)
    return fusion


def run_both(fetches, feeds):
    """(fused values, unfused values, the fused groups of the plan)."""
    with gf.Session() as sess:
        got = sess.run(fetches, feeds)
        plan = next(iter(sess._plans.values()))
        groups = fused_groups(plan)
    fusion.ENABLED = False
    try:
        with gf.Session() as sess:
            expected = sess.run(fetches, feeds)
    finally:
        fusion.ENABLED = True
    return got, expected, groups


def fused_groups(plan):
    """The FusedGroup objects behind a plan's fused steps."""
    groups = []
    for step in plan.steps:
        cell = getattr(step.run, "__closure__", None) or ()
        for c in cell:
            owner = getattr(c.cell_contents, "__self__", None)
            if isinstance(owner, fusion.FusedGroup):
                groups.append(owner)
    return groups


def assert_same(got, expected, ulps=0):
    got, expected = np.asarray(got), np.asarray(expected)
    assert got.shape == expected.shape and got.dtype == expected.dtype
    if ulps == 0:
        np.testing.assert_array_equal(got, expected)
        numbers = ~np.isnan(expected)  # a NaN's sign bit carries no meaning
        np.testing.assert_array_equal(np.signbit(got[numbers]), np.signbit(expected[numbers]))
    elif got.dtype == np.float32:
        assert ulp_distance(got, expected).max() <= ulps
    else:
        np.testing.assert_allclose(got, expected, rtol=ulps * 2.0 ** -52, atol=0)


def sample(dtype, size=SIZE, low=-3.0, high=3.0, seed=0):
    """Random values with the IEEE specials (inf, nan, -0.0, denormals, huge) mixed in."""
    rng = np.random.RandomState(seed)
    x = rng.uniform(low, high, size).astype(dtype)
    tiny = np.finfo(dtype).smallest_subnormal
    specials = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, tiny, -tiny, 1e30, -1e30, 1.0],
                        dtype)
    x[rng.choice(size, len(specials), replace=False)] = specials
    return x


EXACT_UNARY = {
    "neg": gf.negative, "abs": gf.abs, "square": gf.square, "sqrt": gf.sqrt,
    "rsqrt": gf.rsqrt,
    "reciprocal": gf.reciprocal, "floor": gf.floor, "ceil": gf.ceil, "sign": gf.sign,
    "relu": gf.nn.relu, "relu6": gf.nn.relu6, "softsign": gf.nn.softsign,
    "leaky_relu": lambda x: gf.nn.leaky_relu(x, alpha=0.3),
}
# Transcendentals: max ulp distance to the unfused numpy result, per dtype.
TRANSCENDENTAL_UNARY = {
    "exp": (gf.exp, 3), "log": (gf.log, 3), "tanh": (gf.tanh, 4), "sigmoid": (gf.sigmoid, 4),
    "expm1": (gf.expm1, 2), "log1p": (gf.log1p, 2), "sin": (gf.sin, 2), "cos": (gf.cos, 2),
}
BINARY = {
    "add": gf.add, "sub": gf.subtract, "mul": gf.multiply, "div": gf.realdiv,
    "maximum": gf.maximum, "minimum": gf.minimum, "squared_difference": gf.squared_difference,
}
DTYPES = [(np.float32, gf.float32), (np.float64, gf.float64)]


@pytest.mark.parametrize("np_dtype, dtype", DTYPES, ids=["f32", "f64"])
@pytest.mark.parametrize("name", sorted(EXACT_UNARY))
def test_exact_unary_ops_fuse_bitwise(fused, name, np_dtype, dtype):
    x = gf.placeholder(dtype, [None])
    y = EXACT_UNARY[name](x * 2)  # a two-op group: the op and its input's Mul
    got, expected, groups = run_both(y, {x: sample(np_dtype)})
    assert [g.kernel_calls for g in groups] == [1]
    assert_same(got, expected)


@pytest.mark.parametrize("np_dtype, dtype", DTYPES, ids=["f32", "f64"])
@pytest.mark.parametrize("name", sorted(TRANSCENDENTAL_UNARY))
def test_transcendental_ops_fuse_within_ulps(fused, name, np_dtype, dtype):
    op, ulps = TRANSCENDENTAL_UNARY[name]
    x = gf.placeholder(dtype, [None])
    y = op(x + 0.5)
    data = sample(np_dtype, low=-8, high=8)
    if name == "sigmoid":  # unfused 1/(1+exp(-x)) underflows to 0 below -88; fused does not
        data = np.clip(data, -80, np.inf)
    got, expected, groups = run_both(y, {x: data})
    assert [g.kernel_calls for g in groups] == [1]
    assert_same(got, expected, ulps=ulps if np_dtype == np.float32 else 2)


@pytest.mark.parametrize("np_dtype, dtype", DTYPES, ids=["f32", "f64"])
@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_ops_fuse_bitwise(fused, name, np_dtype, dtype):
    x = gf.placeholder(dtype, [None])
    y = gf.placeholder(dtype, [None])
    z = BINARY[name](x, y) * x
    got, expected, groups = run_both(z, {x: sample(np_dtype), y: sample(np_dtype, seed=1)})
    assert [g.kernel_calls for g in groups] == [1]
    assert_same(got, expected)


def test_w3_expression_is_one_kernel_and_matches(fused):
    x = gf.placeholder(gf.float32, [None])
    y = gf.sigmoid(x * np.float32(1.5) + np.float32(-0.3)) * gf.tanh(x) - 0.5 * x * x
    data = np.random.RandomState(0).uniform(-2, 2, 5000).astype(np.float32)
    got, expected, groups = run_both(y, {x: data})
    assert len(groups) == 1 and len(groups[0].members) == 8
    assert groups[0].kernel_calls == 1
    assert np.abs(got - expected).max() <= 4 * np.finfo(np.float32).eps
    oracle = (1 / (1 + np.exp(-(data * 1.5 - 0.3)))) * np.tanh(data) - 0.5 * data * data
    np.testing.assert_allclose(got, oracle, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("scalar", [np.float32(2.5), np.array([2.5], np.float32),
                                    np.array([[2.5]], np.float32)],
                         ids=["0-d", "shape-1", "shape-1x1"])
def test_scalar_and_size_one_inputs_are_broadcast(fused, scalar):
    x = gf.placeholder(gf.float32, [None, None])
    s = gf.placeholder(gf.float32, None)
    y = (x - s) * s + 1.0
    data = sample(np.float32).reshape(40, 25)
    got, expected, groups = run_both(y, {x: data, s: scalar})
    assert groups[0].kernel_calls == 1
    assert_same(got, expected)


def test_general_broadcasting_runs_the_original_ops(fused):
    x = gf.placeholder(gf.float32, [None, None])
    row = gf.placeholder(gf.float32, [None])
    y = (x + row) * 2.0
    data = sample(np.float32).reshape(40, 25)
    got, expected, groups = run_both(y, {x: data, row: np.arange(25, dtype=np.float32)})
    assert groups[0].kernel_calls == 0
    assert_same(got, expected)
    np.testing.assert_array_equal(got, (data + np.arange(25, dtype=np.float32)) * 2)


@pytest.mark.parametrize("threshold", [0, 64])
def test_size_zero(fused, monkeypatch, threshold):
    monkeypatch.setattr(fusion, "FUSE_MIN_SIZE", threshold)
    x = gf.placeholder(gf.float32, [None, 3])
    y = gf.tanh(x) * x + 1.0
    got, expected, _ = run_both(y, {x: np.zeros((0, 3), np.float32)})
    assert got.shape == (0, 3) and got.dtype == np.float32
    assert_same(got, expected)


def test_non_contiguous_inputs(fused):
    x = gf.placeholder(gf.float32, [None, None])
    y = gf.transpose(x) * 3.0 + gf.transpose(x)  # transposes are views
    data = sample(np.float32, 2 * SIZE).reshape(50, 40)
    got, expected, groups = run_both([y, (x * 2.0 - 1.0)], {x: data[:, ::2]})
    assert [g.kernel_calls for g in groups] == [1, 1]
    assert_same(got[0], expected[0])
    assert_same(got[1], expected[1])
    np.testing.assert_array_equal(got[1], data[:, ::2] * 2 - 1)


def test_fetched_intermediate_is_not_fused(fused):
    x = gf.placeholder(gf.float32, [None])
    a = x * 2.0
    b = gf.exp(a)
    c = gf.sqrt(b) + 1.0
    with gf.Session() as sess:
        got = sess.run([c, b], {x: sample(np.float32)})
        plan = next(iter(sess._plans.values()))
    groups = fused_groups(plan)
    assert [[s.op.name for s in g.members] for g in groups] == [
        [a.op.name, b.op.name], [c.op.inputs[0].op.name, c.op.name]]
    fusion.ENABLED = False
    try:
        with gf.Session() as sess:
            expected = sess.run([c, b], {x: sample(np.float32)})
    finally:
        fusion.ENABLED = True
    assert_same(got[1], expected[1], ulps=3)
    assert_same(got[0], expected[0], ulps=3)


def test_intermediate_with_an_outside_consumer_stays_materialised(fused):
    x = gf.placeholder(gf.float32, [None])
    a = gf.square(x - 1.0)
    total = gf.reduce_sum(a)
    c = gf.sqrt(a) * 2.0
    data = np.random.RandomState(0).uniform(-2, 2, SIZE).astype(np.float32)
    with gf.Session() as sess:
        got_c, got_total = sess.run([c, total], {x: data})
        groups = fused_groups(next(iter(sess._plans.values())))
    assert sorted(g.members[-1].op.name for g in groups) == sorted([a.op.name, c.op.name])
    assert all(g.kernel_calls == 1 for g in groups)
    np.testing.assert_array_equal(got_c, np.sqrt(np.square(data - 1)) * 2)
    np.testing.assert_allclose(got_total, np.square(data - 1.0).sum(dtype=np.float64),
                               rtol=1e-5)


def test_small_static_shapes_are_not_fused():
    x = gf.placeholder(gf.float32, [10])
    y = gf.exp(x) * 2.0 + 1.0
    with gf.Session() as sess:
        sess.run(y, {x: np.ones(10, np.float32)})
        plan = next(iter(sess._plans.values()))
    assert [s.op.type for s in plan.steps] == ["Exp", "Mul", "AddV2"]
    assert fused_groups(plan) == []


def test_small_runs_use_the_original_steps(fused, monkeypatch):
    monkeypatch.setattr(fusion, "FUSE_MIN_SIZE", 1 << 20)
    x = gf.placeholder(gf.float32, [None])
    y = gf.exp(x) * 2.0 + 1.0
    got, expected, groups = run_both(y, {x: sample(np.float32)})
    assert groups[0].kernel_calls == 0
    assert_same(got, expected)


def test_error_in_a_fused_group_names_the_failing_node(fused):
    x = gf.placeholder(gf.float32, [None])
    y = gf.placeholder(gf.float32, [None])
    bad = gf.add(x, y, name="bad_add")
    z = gf.multiply(bad, 2.0, name="root_mul")
    with gf.Session() as sess:
        with pytest.raises(errors.InvalidArgumentError) as info:
            sess.run(z, {x: np.ones(100, np.float32), y: np.ones(99, np.float32)})
        assert fused_groups(next(iter(sess._plans.values())))
    assert info.value.op.name == "bad_add"
    assert "bad_add" in info.value.message and "Incompatible shapes" in info.value.message
    assert "root_mul" not in info.value.message


def test_jit_failure_falls_back_with_one_warning(fused, monkeypatch):
    def broken(source):
        raise RuntimeError("no compiler today")
    monkeypatch.setattr(fused_codegen, "load_module", broken)
    monkeypatch.setattr(fusion, "_KERNELS", {})
    monkeypatch.setattr(fusion, "_WARNED", set())
    x = gf.placeholder(gf.float32, [None])
    y = gf.abs(x) * 3.0 - 1.0
    data = sample(np.float32)
    with gf.Session() as sess:
        with pytest.warns(RuntimeWarning, match="no compiler today"):
            first = sess.run(y, {x: data})
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            second = sess.run(y, {x: data})
        groups = fused_groups(next(iter(sess._plans.values())))
    assert groups[0].kernel_calls == 0
    np.testing.assert_array_equal(first, np.abs(data) * 3 - 1)
    np.testing.assert_array_equal(second, first)


def test_variables_feed_fused_groups(fused):
    w = gf.Variable(np.linspace(-1, 1, SIZE).astype(np.float32))
    x = gf.placeholder(gf.float32, [SIZE])
    y = gf.nn.relu(w * x + 0.5)
    data = sample(np.float32)
    with gf.Session() as sess:
        sess.run(gf.global_variables_initializer())
        got = sess.run(y, {x: data})
        groups = fused_groups(sess._plans[next(reversed(sess._plans))])
    assert groups[0].kernel_calls == 1
    with np.errstate(all="ignore"):
        expected = np.maximum(np.linspace(-1, 1, SIZE).astype(np.float32) * data + 0.5, 0)
    np.testing.assert_array_equal(got, expected)


def test_control_dependency_targets_are_not_fused(fused):
    x = gf.placeholder(gf.float32, [None])
    a = gf.exp(x)
    with gf.control_dependencies([a.op]):
        marker = gf.identity(x)
    y = a * 2.0 + marker
    with gf.Session() as sess:
        sess.run(y, {x: sample(np.float32)})
        groups = fused_groups(next(iter(sess._plans.values())))
    assert all(a.op is not s.op for g in groups for s in g.members)


def test_results_are_fresh_arrays_not_reused_while_held(fused):
    x = gf.placeholder(gf.float32, [None])
    y = gf.exp(x) * 2.0
    with gf.Session() as sess:
        first = sess.run(y, {x: np.zeros(SIZE, np.float32)})
        second = sess.run(y, {x: np.ones(SIZE, np.float32)})
        assert first is not second
        np.testing.assert_array_equal(first, np.full(SIZE, 2, np.float32))
        assert first.base is None and first.flags.writeable


def test_parallel_kernel_matches_serial_bitwise(fused, monkeypatch):
    x = gf.placeholder(gf.float32, [None])
    y = gf.sigmoid(x) * gf.tanh(x) - 0.5 * x * x
    data = sample(np.float32, 50_000)
    serial, unfused, _ = run_both(y, {x: data})
    monkeypatch.setattr(fusion, "PARALLEL_THRESHOLD", 128)
    with gf.Session() as sess:
        parallel = sess.run(y, {x: data})
        group = fused_groups(next(iter(sess._plans.values())))[0]
    assert group.kernel_calls == 1
    assert_same(parallel, serial)
    finite = np.isfinite(unfused)
    np.testing.assert_array_equal(np.isfinite(parallel), finite)
    np.testing.assert_allclose(parallel[finite], unfused[finite], rtol=1e-5, atol=1e-6)


def test_background_compile_serves_unfused_results_meanwhile(fused, monkeypatch):
    monkeypatch.setattr(fusion, "BACKGROUND_COMPILE", True)
    x = gf.placeholder(gf.float64, [None])
    y = gf.floor(x * 3.0) - gf.ceil(x) * 0.25 + 7.0
    data = sample(np.float64)
    with gf.Session() as sess:
        first = sess.run(y, {x: data})
        fusion.wait()
        second = sess.run(y, {x: data})
        group = fused_groups(next(iter(sess._plans.values())))[0]
    assert group.kernel_calls == 1
    with np.errstate(all="ignore"):
        expected = np.floor(data * 3) - np.ceil(data) * 0.25 + 7
    np.testing.assert_array_equal(first, expected)
    np.testing.assert_array_equal(second, expected)


def _group_for(build, dtype):
    gf.reset_default_graph()
    x = gf.placeholder(dtype, [None], name=build)
    y = gf.exp(x * 2.0) + x
    with gf.Session() as sess:
        sess.run(y, {x: np.ones(SIZE, dtype.as_numpy_dtype)})
        return fused_groups(next(iter(sess._plans.values())))[0]


def test_kernels_are_keyed_by_expression_not_graph(fused, monkeypatch, tmp_path):
    monkeypatch.setenv("GRAPHFLOW_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(fusion, "_KERNELS", {})
    first = _group_for("first_graph", gf.float32)
    second = _group_for("another_name", gf.float32)
    double = _group_for("first_graph", gf.float64)
    kinds = (True,)
    assert first.source(kinds) == second.source(kinds)
    assert first.source(kinds) != double.source(kinds)
    assert "first_graph" not in first.source(kinds)
    files = sorted(os.listdir(tmp_path / "fused"))
    assert len([f for f in files if f.endswith(".py")]) == 2
    assert second.kernel_calls == 1


@pytest.mark.slow
def test_twenty_op_chain_peaks_below_three_inputs(fused, monkeypatch):
    n = 10 ** 7
    x = gf.placeholder(gf.float32, [None])
    y = x
    for i in range(20):
        y = gf.abs(y) * 0.5 + 1.0 if i % 2 else gf.tanh(y) - y
    data = np.random.RandomState(0).uniform(-1, 1, n).astype(np.float32)
    with gf.Session() as sess:
        sess.run(y, {x: data[:SIZE]})  # compiles the kernel
        tracemalloc.start()
        try:
            result = sess.run(y, {x: data})
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        group = fused_groups(next(iter(sess._plans.values())))[0]
    assert len(group.members) > 20 and group.kernel_calls == 2
    assert peak + data.nbytes <= 3 * data.nbytes, f"peak {peak / data.nbytes:.2f}x + input"
    assert result.shape == (n,) and np.isfinite(result).all()
