"""tf.gradients: values against hand-derived and numeric derivatives, naming, edge cases."""

import numpy as np
import pytest

import graphflow as tf
from graphflow import registry
from graphflow.ops import shape_fns


def _run(fetches, feed=None):
    with tf.Session() as sess:
        return sess.run(fetches, feed)


def test_polynomial_gradient_matches_hand_derivative():
    x = tf.placeholder(tf.float64, [3])
    y = tf.reduce_sum(x * x * x - 2.0 * x)
    (g,) = tf.gradients(y, x)
    xv = np.array([0.5, -1.0, 2.0])
    np.testing.assert_allclose(_run(g, {x: xv}), 3 * xv ** 2 - 2)


def test_gradient_nodes_live_under_gradients_scope():
    x = tf.placeholder(tf.float32, [2], name="x")
    y = tf.reduce_sum(tf.square(x), name="y")
    (g,) = tf.gradients(y, x)
    assert g.op.name.startswith("gradients/")
    names = [op.name for op in tf.get_default_graph().get_operations()]
    assert any(n.startswith("gradients/Square_grad/") for n in names)
    assert any(n.startswith("gradients/y_grad/") for n in names)
    (g2,) = tf.gradients(y, x)
    assert g2.op.name.startswith("gradients_1/")


def test_multiple_ys_are_summed_and_grad_ys_scale():
    x = tf.placeholder(tf.float64, [])
    (g,) = tf.gradients([x * 2.0, x * x], x)
    assert _run(g, {x: 3.0}) == 2.0 + 6.0
    (g,) = tf.gradients(x * x, x, grad_ys=tf.constant(10.0, tf.float64))
    assert _run(g, {x: 3.0}) == 60.0


def test_unconnected_gives_none_or_zeros():
    x = tf.placeholder(tf.float32, [2])
    z = tf.placeholder(tf.float32, [2])
    y = tf.reduce_sum(x)
    assert tf.gradients(y, z) == [None]
    (g,) = tf.gradients(y, z, unconnected_gradients="zero")
    np.testing.assert_array_equal(_run(g, {z: [1.0, 2.0]}), [0.0, 0.0])
    with pytest.raises(ValueError):
        tf.gradients(y, z, unconnected_gradients="bogus")


def test_integer_paths_carry_no_gradient():
    x = tf.placeholder(tf.float32, [2])
    y = tf.reduce_sum(tf.cast(tf.cast(x, tf.int32), tf.float32))
    assert tf.gradients(y, x) == [None]


def test_stop_gradient_and_stop_gradients_argument():
    x = tf.placeholder(tf.float64, [])
    a = x * x
    y = a + tf.stop_gradient(a) * 3.0
    (g,) = tf.gradients(y, x)
    assert _run(g, {x: 2.0}) == 4.0
    (g,) = tf.gradients(a * x, x, stop_gradients=[a])
    assert _run(g, {x: 2.0}) == 4.0


def test_broadcasting_is_undone():
    x = tf.placeholder(tf.float64, [2, 3])
    b = tf.placeholder(tf.float64, [3])
    s = tf.placeholder(tf.float64, [])
    y = tf.reduce_sum((x + b) * s)
    gx, gb, gs = tf.gradients(y, [x, b, s])
    xv = np.arange(6.0).reshape(2, 3)
    out = _run([gx, gb, gs], {x: xv, b: [1.0, 2.0, 3.0], s: 2.0})
    np.testing.assert_array_equal(out[0], np.full((2, 3), 2.0))
    np.testing.assert_array_equal(out[1], [4.0, 4.0, 4.0])
    assert out[2] == (xv + [1.0, 2.0, 3.0]).sum()
    assert gb.shape.as_list() == [3]


def test_broadcasting_undone_with_unknown_shapes():
    x = tf.placeholder(tf.float64, None)
    b = tf.placeholder(tf.float64, None)
    (gb,) = tf.gradients(tf.reduce_sum(x * b), b)
    xv = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(_run(gb, {x: xv, b: [[1.0, 1.0, 1.0]]}), [[3.0, 5.0, 7.0]])


def test_reduction_gradients_over_unknown_rank():
    a = tf.placeholder(tf.float64, None)
    y = tf.reduce_mean(a) + tf.reduce_sum(a) * 2.0
    (g,) = tf.gradients(y, a)
    np.testing.assert_allclose(_run(g, {a: np.ones((2, 4))}), np.full((2, 4), 1 / 8 + 2.0))


def test_gradient_with_respect_to_variable():
    w = tf.Variable([1.0, 2.0], name="w")
    (g,) = tf.gradients(tf.reduce_sum(w * w), w)
    with tf.Session() as sess:
        sess.run(w.initializer)
        np.testing.assert_array_equal(sess.run(g), [2.0, 4.0])


def test_missing_gradient_raises_lookup_error_naming_type():
    if "GfTestNoGradient" not in registry.registered_ops():
        registry.register_op("GfTestNoGradient", inputs=["x: T"], outputs=["y: T"],
                             attrs=["T: {float}"], shape_fn=shape_fns.unchanged)
    from graphflow.op_builder import apply_op
    x = tf.placeholder(tf.float32, [2])
    y = apply_op("GfTestNoGradient", x=x)
    with pytest.raises(LookupError, match="GfTestNoGradient"):
        tf.gradients(tf.reduce_sum(y), x)


def test_second_derivative_and_hessians():
    x = tf.placeholder(tf.float64, [2])
    y = tf.reduce_sum(x * x * x)
    (g,) = tf.gradients(y, x)
    (gg,) = tf.gradients(tf.reduce_sum(g), x)
    xv = np.array([1.0, -2.0])
    np.testing.assert_allclose(_run(gg, {x: xv}), 6 * xv)
    (h,) = tf.hessians(y, x)
    np.testing.assert_allclose(_run(h, {x: xv}), np.diag(6 * xv))


def test_compute_gradient_checker_agrees():
    x = tf.placeholder(tf.float64, [2, 3])
    y = tf.tanh(x) * tf.exp(-x)
    theoretical, numerical = tf.test.compute_gradient(x, [2, 3], y, [2, 3])
    np.testing.assert_allclose(theoretical, numerical, atol=1e-6)
    assert tf.test.compute_gradient_error(x, [2, 3], y, [2, 3]) < 1e-6
