"""Which ops a run executes: control inputs that can have no effect are skipped, every
other needed op runs (observed through run tracing's step_stats)."""

import numpy as np
import pytest

import graphflow as tf
from graphflow import errors


def _ran(sess, fetches, feed_dict=None):
    """(fetched values, names of the nodes the run executed)."""
    meta = tf.RunMetadata()
    out = sess.run(fetches, feed_dict, options=tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE),
                   run_metadata=meta)
    names = {n.node_name for dev in meta.step_stats.dev_stats for n in dev.node_stats}
    return out, names


def test_gated_gradient_of_a_fed_input_is_not_computed():
    """An optimizer's gated gradients tie dL/dx to dL/dW only by a control edge: the MatMul
    for dL/dx (x fed) is skipped, and the training step still matches numpy."""
    rng = np.random.RandomState(0)
    xs = rng.normal(size=(8, 5)).astype(np.float32)
    w0 = rng.normal(size=(5, 3)).astype(np.float32)
    x = tf.placeholder(tf.float32, [None, 5])
    w = tf.Variable(w0)
    loss = tf.reduce_sum(tf.square(tf.matmul(x, w)))
    train = tf.train.GradientDescentOptimizer(0.01).minimize(loss)
    grad_ops = [op for op in tf.get_default_graph().get_operations()
                if op.type == "MatMul" and op.name.startswith("gradients/")]
    # TF's MatMul gradient builds both products; the tuple gates them together.
    assert len(grad_ops) == 2
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        _, names = _ran(sess, train, {x: xs})
        ran_grads = [op.name for op in grad_ops if op.name in names]
        assert len(ran_grads) == 1  # dL/dW only
        expected = w0 - 0.01 * (xs.T @ (2 * xs @ w0))
        np.testing.assert_allclose(sess.run(w), expected, rtol=1e-5, atol=1e-6)


def test_fetched_gradient_of_a_fed_input_is_computed():
    x = tf.placeholder(tf.float32, [2, 2])
    w_value = np.array([[1.0, 2.0], [3.0, 4.0]], np.float32)
    w = tf.constant(w_value)
    gx, gw = tf.gradients(tf.reduce_sum(tf.matmul(x, w)), [x, w], gate_gradients=True)
    xs = np.arange(4, dtype=np.float32).reshape(2, 2)
    with tf.Session() as sess:
        got_x, got_w = sess.run([gx, gw], {x: xs})
    np.testing.assert_allclose(got_x, np.ones((2, 2)) @ w_value.T)
    np.testing.assert_allclose(got_w, xs.T @ np.ones((2, 2)))


def test_effect_above_a_pure_control_input_keeps_it():
    """(A state change as a control input itself runs: tests/test_graph.py.) A pure op whose input comes from a state change (the value of an assign) still
    runs when only a control edge asks for it: the assign must happen."""
    v = tf.Variable(0.0)
    doubled = tf.assign_add(v, 1.0) * 2.0  # Mul: pure, above it an AssignAdd
    group = tf.group(doubled)
    with tf.control_dependencies([group]):
        out = tf.constant(1.0) + 0.0
    with tf.Session() as sess:
        sess.run(v.initializer)
        _, names = _ran(sess, out)
        assert doubled.op.name in names
        assert sess.run(v) == 1.0


def test_pure_control_input_is_skipped():
    x = tf.placeholder(tf.float32, [4])
    pure = tf.reduce_sum(x * 3.0)
    with tf.control_dependencies([pure.op]):
        out = x * 2.0
    feed = {x: np.ones(4, np.float32)}
    with tf.Session() as sess:
        value, names = _ran(sess, out, feed)
        np.testing.assert_array_equal(value, 2 * np.ones(4))
        assert out.op.name in names and pure.op.name not in names
        # Fetched directly it runs, of course.
        assert sess.run(pure, feed) == 12.0


def test_unfed_placeholder_under_a_control_input_still_raises():
    p = tf.placeholder(tf.float32, [], name="needs_feed")
    with tf.control_dependencies([(p * 2.0).op]):
        out = tf.constant(1.0) + 1.0
    with tf.Session() as sess:
        with pytest.raises(errors.InvalidArgumentError, match="needs_feed"):
            sess.run(out)
        assert sess.run(out, {p: 3.0}) == 2.0


def test_random_op_under_a_control_input_still_advances():
    """Random ops are stateful: a control edge on one (through a pure op) draws a sample."""
    r = tf.random_uniform([3], seed=7)
    with tf.control_dependencies([(r + 1.0).op]):
        out = tf.constant(0.0) + 1.0
    with tf.Session() as sess:
        _, names = _ran(sess, out)
        assert r.op.name in names


def test_a_targeted_group_runs_its_pure_members():
    """`sess.run(tf.group(y))` is how people time y without fetching it: it runs y, also
    through nested groups."""
    x = tf.placeholder(tf.float32, [4])
    pure = tf.reduce_sum(x * 3.0)
    other = tf.reduce_max(x * 2.0)
    target = tf.group(tf.group(pure), other)
    with tf.Session() as sess:
        value, names = _ran(sess, target, {x: np.ones(4, np.float32)})
        assert value is None
        assert pure.op.name in names and other.op.name in names
