"""Random ops: distributions, seeding and determinism, shapes, errors, and TF's node names."""

import os
import subprocess
import sys

import numpy as np
import pytest

import graphflow as tf
from graphflow import errors
from graphflow import registry
from graphflow.ops import random_ops
from helpers import check_fully_inferred

N = 100_000
RANDOM_TYPES = ("RandomStandardNormal", "RandomUniform", "TruncatedNormal", "RandomUniformInt",
                "RandomShuffle", "Multinomial")


def run(fetches, feed_dict=None):
    with tf.Session() as sess:
        return sess.run(fetches, feed_dict)


def seeds_of(graph):
    return [(op.name, op.get_attr("seed"), op.get_attr("seed2"))
            for op in graph.get_operations() if op.type in RANDOM_TYPES]


# ------------------------------------------------------------------------ declarations
@pytest.mark.parametrize("op_type", RANDOM_TYPES)
def test_declared_stateful_without_gradient(op_type):
    op_def = registry.get_op_def(op_type)
    assert op_def.stateful
    assert op_def.grad is registry.NOT_DIFFERENTIABLE
    assert list(op_def.attrs)[:2] == ["seed", "seed2"]


# ------------------------------------------------------------------------ distributions
@pytest.mark.parametrize("dtype", [tf.float16, tf.float32, tf.float64])
def test_random_normal_moments(dtype):
    x = tf.random_normal([N // 100, 100], mean=3.0, stddev=2.0, dtype=dtype, seed=1)
    value = run(x)
    check_fully_inferred(x, value)
    assert value.dtype == dtype.as_numpy_dtype
    value = value.astype(np.float64)
    assert abs(value.mean() - 3.0) < 0.05
    assert abs(value.std() - 2.0) < 0.05
    assert abs(((value - 3.0) ** 3).mean()) < 0.3  # symmetric


@pytest.mark.parametrize("dtype", [tf.float16, tf.float32, tf.float64])
def test_truncated_normal_bounds_and_moments(dtype):
    x = tf.truncated_normal([N], mean=-1.0, stddev=0.5, dtype=dtype, seed=2)
    value = run(x).astype(np.float64)
    assert value.min() >= -2.0 and value.max() <= 0.0  # within 2 stddev of the mean
    assert abs(value.mean() + 1.0) < 0.01
    # The standard deviation of N(0, 1) truncated to [-2, 2].
    assert abs(value.std() / 0.5 - 0.8796256610342398) < 0.01


@pytest.mark.parametrize("dtype", [tf.float16, tf.float32, tf.float64])
def test_random_uniform_bounds_and_moments(dtype):
    x = tf.random_uniform([N], minval=-2.0, maxval=3.0, dtype=dtype, seed=3)
    unit = tf.random_uniform([N], dtype=dtype, seed=4)
    value, unit_value = run([x, unit])
    assert value.dtype == unit_value.dtype == dtype.as_numpy_dtype
    assert value.min() >= -2.0 and value.max() < 3.0
    assert abs(value.astype(np.float64).mean() - 0.5) < 0.03
    assert unit_value.min() >= 0.0 and unit_value.max() < 1.0
    assert abs(unit_value.astype(np.float64).var() - 1 / 12) < 0.005


@pytest.mark.parametrize("dtype", [tf.int32, tf.int64])
def test_random_uniform_int(dtype):
    x = tf.random_uniform([N], minval=-3, maxval=4, dtype=dtype, seed=5)
    value = run(x)
    assert x.op.type == "RandomUniformInt" and x.op.name == "random_uniform"
    assert value.dtype == dtype.as_numpy_dtype
    counts = np.bincount(value + 3)
    assert len(counts) == 7
    assert np.all(np.abs(counts / N - 1 / 7) < 0.01)


def test_random_uniform_int_scalar_and_empty():
    scalar = tf.random_uniform([], 2, 3, tf.int32)
    empty = tf.random_uniform([0, 4], 5, 2, tf.int64)  # a bad range is fine when empty
    s, e = run([scalar, empty])
    check_fully_inferred(scalar, s)
    check_fully_inferred(empty, e)
    assert s == 2 and e.shape == (0, 4) and e.dtype == np.int64


def test_random_uniform_tensor_bounds_broadcast():
    x = tf.random_uniform([N // 2, 2], minval=[0.0, 10.0], maxval=[1.0, 20.0], seed=6)
    value = run(x)
    assert np.all((value[:, 0] >= 0) & (value[:, 0] < 1))
    assert np.all((value[:, 1] >= 10) & (value[:, 1] < 20))


def test_random_shuffle_is_a_permutation_of_rows():
    data = np.arange(60).reshape(20, 3)
    x = tf.random_shuffle(data, seed=7)
    first, second = run([x, x])
    check_fully_inferred(x, first)
    assert _sorted_rows(first) == _sorted_rows(data)
    assert not np.array_equal(first, data) or not np.array_equal(second, data)


@pytest.mark.parametrize("value", [np.float32(5.0), np.zeros((0, 3)), np.array([b"a", b"b"]),
                                   np.arange(12.0).reshape(3, 4).T])
def test_random_shuffle_edge_values(value):
    out = run(tf.random_shuffle(value))
    assert out.shape == value.shape
    assert _sorted_rows(out) == _sorted_rows(value)


def _sorted_rows(array):
    array = np.asarray(array)
    if array.ndim == 0:
        return [array.item()]
    width = int(np.prod(array.shape[1:]))
    return sorted(tuple(row) for row in array.reshape(array.shape[0], width).tolist())


def test_random_shuffle_does_not_alias_its_input():
    p = tf.placeholder(tf.float32, [1])
    fed = np.array([1.0], np.float32)
    out = run(tf.random_shuffle(p), {p: fed})
    out[0] = 7.0
    assert fed[0] == 1.0


def test_multinomial_frequencies():
    logits = np.log([[0.2, 0.3, 0.5], [0.9, 0.1, 1e-30]]).astype(np.float32)
    x = tf.multinomial(logits, 20_000, seed=8)
    value = run(x)
    check_fully_inferred(x, value)
    assert value.dtype == np.int64
    np.testing.assert_allclose(np.bincount(value[0], minlength=3) / 20_000, [0.2, 0.3, 0.5],
                               atol=0.02)
    np.testing.assert_allclose(np.bincount(value[1], minlength=3) / 20_000, [0.9, 0.1, 0.0],
                               atol=0.02)


def test_multinomial_inf_logits_and_int32():
    x = tf.multinomial(np.array([[-np.inf, 0.0, -np.inf]]), 50, output_dtype=tf.int32)
    empty = tf.random.categorical(np.zeros((0, 3), np.float32), 4)
    value, e = run([x, empty])
    assert value.dtype == np.int32 and np.all(value == 1)
    assert e.shape == (0, 4)


# ------------------------------------------------------------------------ seeds
def test_get_seed_rules():
    assert tf.get_seed(None) == (None, None)
    assert tf.get_seed(5) == (random_ops.DEFAULT_GRAPH_SEED, 5)
    tf.set_random_seed(7)
    assert tf.get_default_graph().seed == 7
    assert [tf.get_seed(None) for _ in range(3)] == [(7, 0), (7, 1), (7, 2)]
    assert tf.get_seed(2 ** 31 + 3) == (7, 4)  # modulo 2**31 - 1
    tf.set_random_seed(0)
    assert tf.get_seed(0) == (0, 2 ** 31 - 1)  # (0, 0) would mean "no seed"


def test_seed_attrs_follow_get_seed():
    tf.random_normal([2])
    tf.random_uniform([2], seed=3)
    tf.set_random_seed(11)
    tf.truncated_normal([2])
    tf.random_uniform([2], maxval=5, dtype=tf.int32)
    tf.random_shuffle([1, 2], seed=4)
    tf.multinomial([[0.0, 1.0]], 2)
    assert seeds_of(tf.get_default_graph()) == [
        ("random_normal/RandomStandardNormal", 0, 0),
        ("random_uniform/RandomUniform", 87654321, 3),
        ("truncated_normal/TruncatedNormal", 11, 0),
        ("random_uniform_1", 11, 1),
        ("RandomShuffle", 11, 4),
        ("multinomial/Multinomial", 11, 2)]


def _build_seeded():
    tf.set_random_seed(42)
    return [tf.random_normal([3]), tf.random_normal([3]), tf.random_uniform([3], seed=9)]


def test_same_seeds_same_values_across_sessions_and_graphs():
    fetches = _build_seeded()
    with tf.Session() as s1, tf.Session() as s2:
        first = s1.run(fetches)
        again = s1.run(fetches)
        other = s2.run(fetches)
    with tf.Graph().as_default():
        rebuilt = run(_build_seeded())
    for a, b, c, d in zip(first, again, other, rebuilt):
        np.testing.assert_array_equal(a, c)
        np.testing.assert_array_equal(a, d)
        assert not np.array_equal(a, b)  # each run draws new values
    assert not np.array_equal(first[0], first[1])  # different op seeds: independent streams


def test_identical_seed_pairs_give_identical_streams():
    a = tf.random_normal([4], seed=3)
    b = tf.random_normal([4], seed=3)
    first, second = run([a, b])
    np.testing.assert_array_equal(first, second)


def test_unseeded_ops_differ_between_sessions():
    x = tf.random_normal([8])
    assert not np.array_equal(run(x), run(x))


def test_seeded_values_are_the_same_in_another_process():
    code = ("import graphflow as tf\n"
            "tf.set_random_seed(5)\n"
            "x = tf.random_uniform([4], maxval=1000, dtype=tf.int64)\n"
            "print(tf.Session().run(x).tolist())\n")
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=root, check=True, timeout=120).stdout
    tf.set_random_seed(5)
    x = tf.random_uniform([4], maxval=1000, dtype=tf.int64)
    assert out.strip() == str(run(x).tolist())


# ------------------------------------------------------------------------ shapes and names
def test_shape_argument_forms():
    a = tf.random_normal(tf.TensorShape([2, 3]))
    b = tf.random_normal((2, tf.Dimension(3)))
    c = tf.random_normal(np.array([2, 3], np.int64))
    d = tf.random_normal(tf.constant([2, 3]))
    e = tf.random_normal([])
    values = run([a, b, c, d, e])
    for t, v in zip([a, b, c, d, e], values):
        check_fully_inferred(t, v)
    graph = tf.get_default_graph()
    assert graph.get_operation_by_name("random_normal_2/RandomStandardNormal").get_attr(
        "T") == tf.int64
    assert graph.get_tensor_by_name("random_normal_4/shape:0").dtype == tf.int32


def test_partially_known_shapes():
    p = tf.placeholder(tf.int32, [2])
    x = tf.random_uniform(p)
    y = tf.random_normal([2, -1])
    assert x.shape.as_list() == [None, None]
    assert y.shape.as_list() == [2, None]
    assert tf.random_normal(tf.placeholder(tf.int32)).shape.rank is None
    assert run(x, {p: [3, 1]}).shape == (3, 1)


def test_build_time_shape_errors():
    with pytest.raises(ValueError, match="Shape must be rank 1 but is rank 2"):
        tf.random_normal([[2, 3]])
    with pytest.raises(ValueError, match="Invalid value in tensor used for shape: -3"):
        tf.random_normal(tf.constant([2, -3]))
    with pytest.raises(ValueError, match="minval must be a scalar"):
        tf.random_uniform([3], minval=[1, 2], maxval=5, dtype=tf.int32)
    with pytest.raises(ValueError, match="Dimensions must be equal"):
        tf.random_uniform([3], maxval=[5.0, 6.0])
    with pytest.raises(ValueError, match="partially known"):
        tf.random_normal(tf.TensorShape([2, None]))
    with pytest.raises(TypeError):
        tf.random_normal([2, None])


def test_float_shape_is_rejected():
    with pytest.raises(TypeError, match="allowed values"):
        tf.random_normal([2.0, 3.0])


def test_build_time_argument_errors():
    with pytest.raises(ValueError, match="Must specify maxval for integer dtype"):
        tf.random_uniform([3], dtype=tf.int32)
    with pytest.raises(ValueError, match="Argument `dtype` got invalid value"):
        tf.random_uniform([3], maxval=3, dtype=tf.int8)
    with pytest.raises(TypeError):
        tf.random_normal([3], dtype=tf.int32)
    with pytest.raises(ValueError, match="Shape must be rank 2 but is rank 1"):
        tf.multinomial([0.0, 0.0], 2)
    with pytest.raises(ValueError, match="must be non-negative but is -1"):
        tf.multinomial([[0.0, 0.0]], -1)
    with pytest.raises(ValueError, match="Accepted dtypes"):
        tf.multinomial([[0.0, 0.0]], 2, output_dtype=tf.int16)


@pytest.mark.parametrize("fed, message", [
    ([2, -3], "Dimension -3 must be >= 0"),
    ([[2, 3]], r"shape must be a vector of \{int32,int64\}, got shape \[1, 2\]"),
    (3, r"shape must be a vector of \{int32,int64\}, got shape \[\]"),
    ([2 ** 40, 2 ** 40], r"would have more than 2\*\*63 - 1 elements"),
])
def test_run_time_shape_errors(fed, message):
    p = tf.placeholder(tf.int64)
    for x in (tf.random_normal(p), tf.random_uniform(p, maxval=3, dtype=tf.int32)):
        with pytest.raises(errors.InvalidArgumentError, match=message):
            run(x, {p: fed})


def test_run_time_argument_errors():
    lo = tf.placeholder(tf.int32)
    x = tf.random_uniform([3], minval=lo, maxval=2, dtype=tf.int32)
    with pytest.raises(errors.InvalidArgumentError, match="Need minval < maxval, got 2 >= 2"):
        run(x, {lo: 2})
    with pytest.raises(errors.InvalidArgumentError, match=r"minval must be 0-D, got shape \[1\]"):
        run(x, {lo: [1]})
    n = tf.placeholder(tf.int32)
    logits = tf.placeholder(tf.float32)
    m = tf.multinomial(logits, n)
    with pytest.raises(errors.InvalidArgumentError, match="num_samples should be non-negative"):
        run(m, {logits: [[0.0, 1.0]], n: -1})
    with pytest.raises(errors.InvalidArgumentError, match="num_classes should be positive"):
        run(m, {logits: np.zeros((2, 0)), n: 2})
    with pytest.raises(errors.InvalidArgumentError, match="logits should be a matrix"):
        run(m, {logits: [0.0, 1.0], n: 2})


def test_node_names():
    tf.random_normal([2])
    tf.random_uniform([2], maxval=3.0)
    tf.random_uniform([2], name="u")
    tf.truncated_normal([2], name="t")
    names = [op.name for op in tf.get_default_graph().get_operations()]
    assert names == [
        "random_normal/shape", "random_normal/mean", "random_normal/stddev",
        "random_normal/RandomStandardNormal", "random_normal/mul", "random_normal",
        "random_uniform/shape", "random_uniform/min", "random_uniform/max",
        "random_uniform/RandomUniform", "random_uniform/Mul",
        "u/shape", "u/RandomUniform",
        "t/shape", "t/mean", "t/stddev", "t/TruncatedNormal", "t/mul", "t"]


def test_random_namespace():
    assert tf.random.normal is tf.random_normal
    assert tf.random.uniform is tf.random_uniform
    assert tf.random.shuffle is tf.random_shuffle
    assert tf.random.truncated_normal is tf.truncated_normal
    assert tf.random.set_random_seed is tf.set_random_seed


def _graph_signature(graph):
    return [(op.name, op.type, [t.name for t in op.inputs], [str(t.shape) for t in op.outputs])
            for op in graph.get_operations()]


def _build_random_graph(tf_module):
    tf_module.set_random_seed(3)
    p = tf_module.placeholder(tf_module.int32, [2], name="p")
    tf_module.random_normal([2, 3], mean=1.0, stddev=[1.0, 2.0, 3.0], dtype=tf_module.float64)
    tf_module.random_uniform(p, seed=2)
    tf_module.random_uniform([4], minval=0, maxval=2.5)
    tf_module.random_uniform([4], minval=-1, maxval=1.0, name="sym")
    tf_module.random_uniform([], 1, 7, dtype=tf_module.int64)
    tf_module.truncated_normal(np.array([3, 1], np.int64), stddev=0.1)
    tf_module.random_shuffle([[1, 2], [3, 4]], seed=0)
    tf_module.multinomial([[0.0, 1.0]], 3, output_dtype=tf_module.int32)
    with tf_module.name_scope("scope"):
        tf_module.random_normal([1], name="n")
    return [(op.name, op.get_attr("seed"), op.get_attr("seed2"))
            for op in tf_module.get_default_graph().get_operations() if op.type in RANDOM_TYPES]


@pytest.mark.tf
def test_names_shapes_and_seeds_match_tensorflow(tf1):
    with tf1.Graph().as_default() as g_tf:
        seeds_tf = _build_random_graph(tf1)
    with tf.Graph().as_default() as g_gf:
        seeds_gf = _build_random_graph(tf)
    assert _graph_signature(g_gf) == _graph_signature(g_tf)
    assert seeds_gf == seeds_tf
    for op_gf in g_gf.get_operations():
        op_tf = g_tf.get_operation_by_name(op_gf.name)
        if op_gf.type in RANDOM_TYPES:
            for attr in op_gf.op_def.attrs:
                ours, theirs = op_gf.get_attr(attr), op_tf.get_attr(attr)
                assert getattr(ours, "name", ours) == getattr(theirs, "name", theirs), attr
