"""Initializers: values against numpy formulas, configs, errors and TF's node names."""

import math

import numpy as np
import pytest

import graphflow as tf
from graphflow.ops import init_ops
from helpers import check_fully_inferred

TRUNCATED_STD = 0.87962566103423978  # std of N(0, 1) truncated to [-2, 2]


def run(fetches):
    with tf.Session() as sess:
        return sess.run(fetches)


def evaluate(initializer, shape, dtype=None):
    tensor = initializer(shape, dtype=dtype) if dtype is not None else initializer(shape)
    value = run(tensor)
    check_fully_inferred(tensor, value)
    return value


# ------------------------------------------------------------------------ constant-valued
@pytest.mark.parametrize("dtype", [tf.float32, tf.float64, tf.int32, tf.int64])
def test_zeros_and_ones(dtype):
    zeros = evaluate(tf.zeros_initializer(), [2, 3], dtype)
    ones = evaluate(tf.ones_initializer(), [4], dtype)
    np.testing.assert_array_equal(zeros, np.zeros([2, 3], dtype.as_numpy_dtype))
    np.testing.assert_array_equal(ones, np.ones([4], dtype.as_numpy_dtype))
    assert zeros.dtype == ones.dtype == dtype.as_numpy_dtype


def test_zeros_default_dtype_scalar_and_large_shapes():
    assert evaluate(tf.zeros_initializer(), []).dtype == np.float32
    assert evaluate(tf.ones_initializer(dtype=tf.float64), []) == 1.0
    big = tf.zeros_initializer()([40, 40])  # >= 1000 elements: a Fill node, as TF
    assert big.op.type == "Fill"
    np.testing.assert_array_equal(run(big), np.zeros([40, 40], np.float32))


def test_constant_initializer_values():
    np.testing.assert_array_equal(evaluate(tf.constant_initializer(3), [2, 2]),
                                  np.full([2, 2], 3, np.float32))
    np.testing.assert_array_equal(evaluate(tf.constant_initializer([1, 2, 3, 4]), [2, 2]),
                                  [[1, 2], [3, 4]])
    # Too few values: the last one repeats (TF1's tf.constant).
    np.testing.assert_array_equal(evaluate(tf.constant_initializer([1, 2]), [2, 2]),
                                  [[1, 2], [2, 2]])
    ints = evaluate(tf.constant_initializer(np.array([[5, 6]])), [1, 2], tf.int64)
    assert ints.dtype == np.int64 and ints.tolist() == [[5, 6]]
    assert evaluate(tf.constant_initializer(0.5), [0, 3]).shape == (0, 3)


def test_constant_initializer_errors():
    with pytest.raises(TypeError, match="Invalid type for initial value"):
        tf.constant_initializer({"a": 1})
    with pytest.raises(ValueError, match="Too many elements"):
        tf.constant_initializer([1, 2, 3])([2])
    with pytest.raises(TypeError):
        tf.constant_initializer([1, 2], verify_shape=True)([2, 2])
    with pytest.raises(TypeError):
        tf.constant_initializer(1.5)([2], dtype=tf.int32)


# ------------------------------------------------------------------------ random
SHAPE = [200, 500]


@pytest.mark.parametrize("dtype", [tf.float32, tf.float64])
def test_random_normal_and_truncated_normal(dtype):
    normal = evaluate(tf.random_normal_initializer(1.0, 2.0, seed=1), SHAPE, dtype)
    truncated = evaluate(tf.truncated_normal_initializer(1.0, 2.0, seed=1), SHAPE, dtype)
    assert normal.dtype == truncated.dtype == dtype.as_numpy_dtype
    assert abs(normal.mean() - 1.0) < 0.05 and abs(normal.std() - 2.0) < 0.05
    assert truncated.min() >= -3.0 and truncated.max() <= 5.0
    assert abs(truncated.std() - 2.0 * TRUNCATED_STD) < 0.05


def test_random_uniform_initializer():
    value = evaluate(tf.random_uniform_initializer(-1.0, 3.0, seed=2), SHAPE)
    assert value.min() >= -1.0 and value.max() < 3.0 and abs(value.mean() - 1.0) < 0.05
    unit = evaluate(tf.random_uniform_initializer(), [1000])
    assert unit.min() >= 0.0 and unit.max() < 1.0
    ints = evaluate(tf.random_uniform_initializer(0, 5), [1000], tf.int32)
    assert set(ints.tolist()) == {0, 1, 2, 3, 4}


@pytest.mark.parametrize("shape, fans", [
    ([], (1, 1)), ([7], (7, 7)), ([20, 30], (20, 30)), ([3, 3, 4, 8], (36, 72)),
    ([2, 5, 6], (10, 12))])
def test_compute_fans(shape, fans):
    assert init_ops.compute_fans(shape) == fans


def _expected_std(scale, mode, shape):
    fan_in, fan_out = init_ops.compute_fans(shape)
    fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[mode]
    return math.sqrt(scale / max(1.0, fan))


@pytest.mark.parametrize("mode", ["fan_in", "fan_out", "fan_avg"])
@pytest.mark.parametrize("shape", [[300, 100], [5, 5, 40, 20]])
def test_variance_scaling_distributions(mode, shape):
    std = _expected_std(2.0, mode, shape)
    uniform = evaluate(tf.variance_scaling_initializer(2.0, mode, "uniform", seed=3), shape)
    limit = math.sqrt(3.0) * std
    assert uniform.min() >= -limit and uniform.max() < limit
    assert uniform.max() > 0.99 * limit
    assert abs(uniform.std() / std - 1.0) < 0.03
    normal = evaluate(tf.variance_scaling_initializer(2.0, mode, "untruncated_normal", seed=4),
                      shape)
    assert abs(normal.std() / std - 1.0) < 0.03
    truncated = evaluate(tf.variance_scaling_initializer(2.0, mode, seed=5), shape)
    # Scaled by 1 / 0.8796 so that the truncated distribution has the target variance.
    assert np.abs(truncated).max() <= 2.0 * std / TRUNCATED_STD
    assert abs(truncated.std() / std - 1.0) < 0.03


def test_glorot_initializers():
    shape = [400, 200]
    limit = math.sqrt(6.0 / (400 + 200))
    uniform = evaluate(tf.glorot_uniform_initializer(seed=6), shape)
    assert uniform.min() >= -limit and uniform.max() < limit and uniform.max() > 0.99 * limit
    normal = evaluate(tf.glorot_normal_initializer(seed=7), shape)
    assert abs(normal.std() - math.sqrt(2.0 / 600)) < 0.002
    assert evaluate(tf.glorot_uniform_initializer(), [3], tf.float64).dtype == np.float64


def test_glorot_constructor_ignores_dtype_as_tf_does():
    init = tf.glorot_uniform_initializer(dtype=tf.float64)
    assert init.dtype == tf.float32
    assert init([2, 2]).dtype == tf.float32


def test_he_lecun_and_unit_scaling():
    shape = [500, 100]
    he = evaluate(tf.initializers.he_uniform(seed=1), shape)
    assert abs(he.std() - math.sqrt(2.0 / 500)) < 0.002
    lecun = evaluate(tf.initializers.lecun_normal(seed=1), shape)
    assert abs(lecun.std() - math.sqrt(1.0 / 500)) < 0.002
    unit = evaluate(tf.uniform_unit_scaling_initializer(factor=2.0, seed=1), shape)
    bound = 2.0 * math.sqrt(3.0 / 500)
    assert unit.min() >= -bound and unit.max() < bound and unit.max() > 0.99 * bound


def test_seeded_initializers_are_deterministic():
    init = tf.glorot_uniform_initializer(seed=12)
    first = run(init([3, 4]))
    with tf.Graph().as_default():
        second = run(init([3, 4]))
    np.testing.assert_array_equal(first, second)


def test_initializer_errors():
    with pytest.raises(ValueError, match="must be a positive float"):
        tf.variance_scaling_initializer(scale=0.0)
    with pytest.raises(ValueError, match="Argument `mode` should be one of"):
        tf.variance_scaling_initializer(mode="fan_sum")
    with pytest.raises(ValueError, match="Argument `distribution` should be one of"):
        tf.variance_scaling_initializer(distribution="cauchy")
    with pytest.raises(ValueError, match="expected to be floating point"):
        tf.random_normal_initializer(dtype=tf.int32)
    with pytest.raises(ValueError, match="expected to be floating point"):
        tf.truncated_normal_initializer(dtype=tf.int64)


# ------------------------------------------------------------------------ configs, namespace
@pytest.mark.parametrize("initializer, config", [
    (tf.zeros_initializer(), {"dtype": "float32"}),
    (tf.ones_initializer(tf.int32), {"dtype": "int32"}),
    (tf.constant_initializer([1, 2]), {"value": [1, 2], "dtype": "float32"}),
    (tf.random_uniform_initializer(), {"minval": 0.0, "maxval": None, "seed": None,
                                       "dtype": "float32"}),
    (tf.random_normal_initializer(seed=3), {"mean": 0.0, "stddev": 1.0, "seed": 3,
                                            "dtype": "float32"}),
    (tf.truncated_normal_initializer(stddev=2.0), {"mean": 0.0, "stddev": 2.0, "seed": None,
                                                   "dtype": "float32"}),
    (tf.variance_scaling_initializer(), {"scale": 1.0, "mode": "fan_in",
                                         "distribution": "truncated_normal", "seed": None,
                                         "dtype": "float32"}),
    (tf.glorot_uniform_initializer(seed=1), {"seed": 1, "dtype": "float32"}),
    (tf.glorot_normal_initializer(), {"seed": None, "dtype": "float32"}),
])
def test_get_config_round_trip(initializer, config):
    assert initializer.get_config() == config
    rebuilt = type(initializer).from_config(config)
    assert rebuilt.get_config() == config


def test_initializers_namespace():
    ns = tf.initializers
    assert ns.zeros is tf.zeros_initializer and ns.ones is tf.ones_initializer
    assert ns.constant is tf.constant_initializer
    assert ns.random_normal is tf.random_normal_initializer
    assert ns.random_uniform is tf.random_uniform_initializer
    assert ns.truncated_normal is tf.truncated_normal_initializer
    assert ns.glorot_uniform is tf.glorot_uniform_initializer
    assert ns.glorot_normal is tf.glorot_normal_initializer
    assert ns.variance_scaling is tf.variance_scaling_initializer
    assert ns.global_variables is tf.global_variables_initializer
    assert ns.local_variables is tf.local_variables_initializer
    assert ns.variables is tf.variables_initializer


def _build_initializers(tf_module):
    for init in (tf_module.zeros_initializer(), tf_module.ones_initializer(),
                 tf_module.constant_initializer([1.0, 2.0]),
                 tf_module.random_uniform_initializer(-1.0, 1.0),
                 tf_module.random_normal_initializer(seed=1),
                 tf_module.truncated_normal_initializer(),
                 tf_module.variance_scaling_initializer(mode="fan_avg", distribution="uniform"),
                 tf_module.variance_scaling_initializer(distribution="untruncated_normal"),
                 tf_module.glorot_normal_initializer()):
        init([2, 3])
    tf_module.zeros_initializer()([50, 50], dtype=tf_module.int32)


@pytest.mark.tf
def test_node_names_match_tensorflow(tf1):
    with tf1.Graph().as_default() as g_tf:
        _build_initializers(tf1)
    with tf.Graph().as_default() as g_gf:
        _build_initializers(tf)

    def signature(graph):
        return [(op.name, op.type, [t.name for t in op.inputs]) for op in graph.get_operations()]
    assert signature(g_gf) == signature(g_tf)
