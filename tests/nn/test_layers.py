"""tf.layers: TF1's scope and variable naming (dense, dense_1, .../kernel, .../bias), reuse,
values against numpy with the variables' own values, and dropout's training switch."""

import numpy as np
import pytest

import graphflow as tf
from tests.nn import conv_oracles

RNG = np.random.default_rng(41)


def _run(fetches, feed=None):
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        return sess.run(fetches, feed)


def test_dense_names_variables_and_values():
    x = tf.placeholder(tf.float32, [None, 4], name="x")
    first = tf.layers.dense(x, 3, activation=tf.nn.relu)
    second = tf.layers.dense(first, 2, use_bias=False)
    names = [v.name for v in tf.global_variables()]
    assert names == ["dense/kernel:0", "dense/bias:0", "dense_1/kernel:0"]
    assert first.op.name == "dense/Relu" and first.op.inputs[0].op.name == "dense/BiasAdd"
    assert second.op.name == "dense_1/MatMul" and second.shape.as_list() == [None, 2]
    value = RNG.normal(size=(5, 4)).astype(np.float32)
    kernel, bias, kernel2, out = _run(tf.global_variables() + [second], {x: value})
    np.testing.assert_array_equal(bias, np.zeros(3))
    limit = np.sqrt(6 / (4 + 3))  # glorot uniform, get_variable's default initializer
    assert np.all(np.abs(kernel) <= limit) and kernel.std() > 0
    expected = np.maximum(value @ kernel + bias, 0) @ kernel2
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-6)


def test_dense_reuse_shares_variables_and_rank_3_inputs():
    x = tf.placeholder(tf.float32, [2, 5, 4])
    a = tf.layers.dense(x, 3, name="fc")
    b = tf.layers.dense(x, 3, name="fc", reuse=True)
    assert len(tf.trainable_variables()) == 2
    assert a.shape.as_list() == [2, 5, 3] and b.op.name.startswith("fc_1/")
    value = RNG.normal(size=(2, 5, 4)).astype(np.float32)
    got_a, got_b = _run([a, b], {x: value})
    np.testing.assert_allclose(got_a, got_b)


def test_dense_requires_a_known_last_dimension():
    with pytest.raises(ValueError, match="last dimension of the inputs to `Dense` should be "
                                         "defined"):
        tf.layers.dense(tf.placeholder(tf.float32, [None, None]), 3)


def test_conv2d_pooling_and_flatten_layers():
    x = tf.placeholder(tf.float32, [None, 6, 6, 2], name="x")
    conv = tf.layers.conv2d(x, 4, 3, padding="same", activation=tf.nn.relu,
                            kernel_initializer=tf.random_normal_initializer(seed=1))
    pool = tf.layers.max_pooling2d(conv, 2, 2)
    avg = tf.layers.average_pooling2d(conv, 3, 3, padding="valid")
    flat = tf.layers.flatten(pool)
    assert [v.name for v in tf.global_variables()] == ["conv2d/kernel:0", "conv2d/bias:0"]
    assert conv.op.name == "conv2d/Relu" and pool.op.name == "max_pooling2d/MaxPool"
    assert avg.op.name == "average_pooling2d/AvgPool" and flat.op.name == "flatten/Reshape"
    assert flat.shape.as_list() == [None, 3 * 3 * 4]
    value = RNG.normal(size=(2, 6, 6, 2)).astype(np.float32)
    kernel, got_conv, got_flat = _run([tf.global_variables()[0], conv, flat], {x: value})
    expected = np.maximum(conv_oracles.conv2d(value, kernel, (1, 1), "SAME"), 0)
    np.testing.assert_allclose(got_conv, expected, rtol=1e-5, atol=1e-5)
    pooled = conv_oracles.pool(expected, (2, 2), (2, 2), "VALID", "max")
    np.testing.assert_allclose(got_flat, pooled.reshape(2, -1), rtol=1e-5, atol=1e-5)


def test_conv2d_layer_argument_errors():
    x = tf.placeholder(tf.float32, [None, 6, 6, 2])
    with pytest.raises(ValueError, match="padding"):
        tf.layers.conv2d(x, 4, 3, padding="full")
    with pytest.raises(ValueError, match="data_format"):
        tf.layers.conv2d(x, 4, 3, data_format="NHWC")
    with pytest.raises(ValueError, match="channel dimension of the inputs should be defined"):
        tf.layers.conv2d(tf.placeholder(tf.float32, [None, 6, 6, None]), 4, 3)


def test_dropout_layer_with_python_and_tensor_training_flags():
    x = np.ones((40, 50), np.float32)
    off = tf.layers.dropout(x, rate=0.5, training=False)
    on = tf.layers.dropout(x, rate=0.5, training=True, seed=3)
    training = tf.placeholder(tf.bool, [])
    switched = tf.layers.dropout(x, rate=0.5, training=training, seed=3)
    assert off.op.name == "dropout/Identity" and on.op.name.startswith("dropout_1/dropout/")
    got_off, got_on = _run([off, on])
    np.testing.assert_array_equal(got_off, x)
    assert abs((got_on == 0).mean() - 0.5) < 0.05 and set(np.unique(got_on)) == {0.0, 2.0}
    np.testing.assert_array_equal(_run(switched, {training: False}), x)
    trained = _run(switched, {training: True})
    assert abs((trained == 0).mean() - 0.5) < 0.05
