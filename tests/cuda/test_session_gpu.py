"""Whole sessions on the GPU (the simulator here): the issue's example model trains on the GPU
to the CPU's numbers, variables and optimizer slots stay in device memory, and placement honours
tf.device, soft placement and log_device_placement."""

import numpy as np
import pytest

import graphflow as tf
from graphflow.kernels.cuda import memory


def _model(device):
    tf.reset_default_graph()
    tf.set_random_seed(1)
    rng = np.random.RandomState(0)
    xs = rng.normal(size=(8, 4)).astype(np.float32)
    ys = rng.randint(0, 3, 8).astype(np.int64)
    x = tf.placeholder(tf.float32, [None, 4], name="x")
    y = tf.placeholder(tf.int64, [None], name="y")
    W = tf.Variable(rng.normal(size=(4, 3)).astype(np.float32) * 0.1, name="W")
    b = tf.Variable(np.zeros(3, np.float32), name="b")
    with tf.device(device):
        logits = tf.matmul(x, W) + b
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
            labels=y, logits=logits))
    train_op = tf.train.AdamOptimizer(1e-2).minimize(loss)
    return x, y, xs, ys, W, loss, train_op


def _train(device, steps=3, config=None):
    x, y, xs, ys, W, loss, train_op = _model(device)
    config = config or tf.ConfigProto(allow_soft_placement=True)
    with tf.Session(config=config) as sess:
        sess.run(tf.global_variables_initializer())
        losses = [sess.run([loss, train_op], {x: xs, y: ys})[0] for _ in range(steps)]
        slot = sess._state.variables["W"]
        on_device = memory.is_device_array(slot.value)
        adam_on_device = memory.is_device_array(sess._state.variables["W/Adam"].value)
        return losses, sess.run(W), on_device, adam_on_device


def test_adam_model_trains_on_gpu_to_cpu_numbers():
    gpu_losses, gpu_w, w_on_gpu, slot_on_gpu = _train("/gpu:0")
    cpu_losses, cpu_w, w_on_cpu_device, _ = _train(
        "/cpu:0", config=tf.ConfigProto(device_count={"GPU": 0}))
    np.testing.assert_allclose(gpu_losses, cpu_losses, rtol=1e-5)
    np.testing.assert_allclose(gpu_w, cpu_w, rtol=1e-5, atol=1e-7)
    assert w_on_gpu and slot_on_gpu and not w_on_cpu_device


def test_log_device_placement_shows_gpu(capsys):
    x, y, xs, ys, W, loss, train_op = _model("/gpu:0")
    config = tf.ConfigProto(allow_soft_placement=True, log_device_placement=True)
    with tf.Session(config=config) as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(loss, {x: xs, y: ys})
    out = capsys.readouterr().out
    assert "MatMul: (MatMul): /job:localhost/replica:0/task:0/device:GPU:0" in out
    assert tf.test.is_gpu_available()
    with tf.Session() as sess:
        assert [d.device_type for d in sess.list_devices()] == ["CPU", "GPU"]
