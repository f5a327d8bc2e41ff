"""The cross entropies: fused softmax ops (dense and sparse labels), their Python wrappers
(v1/v2, axis, rank > 2), sigmoid and weighted cross entropy. Oracles are the textbook
formulas in float64 (-sum(p log q)), hand-derived values for extreme logits, and TF's
gradient semantics for labels."""

import math

import numpy as np
import pytest

import graphflow as tf
from graphflow import errors
from graphflow.kernels import reference
from graphflow.op_builder import apply_op
from tests.helpers import evaluate

RNG = np.random.default_rng(11)


def _log_softmax(x, axis=-1):
    x = np.asarray(x, np.float64)
    return x - np.log(np.exp(x).sum(axis=axis, keepdims=True))


def _distribution(shape, axis=-1):
    e = np.exp(RNG.normal(size=shape))
    return e / e.sum(axis=axis, keepdims=True)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_cross_entropy_v2_matches_the_formula(dtype):
    logits = RNG.normal(size=(5, 4)).astype(dtype) * 3
    labels = _distribution((5, 4)).astype(dtype)
    out = tf.nn.softmax_cross_entropy_with_logits_v2(labels=labels, logits=logits)
    assert out.shape.as_list() == [5] and out.dtype == tf.as_dtype(dtype)
    expected = -(labels * _log_softmax(logits)).sum(-1)
    np.testing.assert_allclose(evaluate(out), expected, rtol=1e-5 if dtype == np.float32 else 1e-12)


@pytest.mark.parametrize("shape,axis", [((2, 3, 4), -1), ((2, 3, 4), 1), ((3, 4), 0)])
def test_softmax_cross_entropy_over_any_axis(shape, axis):
    logits = RNG.normal(size=shape)
    labels = _distribution(shape, axis)
    out = tf.nn.softmax_cross_entropy_with_logits_v2(labels=labels, logits=logits, axis=axis)
    expected = -(labels * _log_softmax(logits, axis)).sum(axis)
    assert out.shape.as_list() == list(expected.shape)
    np.testing.assert_allclose(evaluate(out), expected, rtol=1e-12)


def test_softmax_cross_entropy_of_unknown_shapes():
    logits = tf.placeholder(tf.float64, [None, None, 3])
    labels = tf.placeholder(tf.float64, [None, None, 3])
    out = tf.nn.softmax_cross_entropy_with_logits_v2(labels=labels, logits=logits)
    assert out.shape.as_list() == [None, None]
    x, y = RNG.normal(size=(2, 5, 3)), _distribution((2, 5, 3))
    np.testing.assert_allclose(evaluate(out, {logits: x, labels: y}),
                               -(y * _log_softmax(x)).sum(-1), rtol=1e-12)


def test_cross_entropy_is_stable_for_huge_logits():
    logits = np.array([[1000.0, 0.0, -1000.0], [-1000.0, -1000.0, -1000.0]], np.float32)
    labels = np.array([[0.0, 1.0, 0.0], [0.5, 0.5, 0.0]], np.float32)
    dense = tf.nn.softmax_cross_entropy_with_logits_v2(labels=labels, logits=logits)
    sparse = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=[2, 0], logits=logits)
    got_dense, got_sparse = evaluate([dense, sparse])
    np.testing.assert_allclose(got_dense, [1000.0, math.log(3)], rtol=1e-6)
    np.testing.assert_allclose(got_sparse, [2000.0, math.log(3)], rtol=1e-6)


def test_fused_op_outputs_loss_and_backprop():
    logits, labels = RNG.normal(size=(3, 4)), _distribution((3, 4))
    loss, backprop = apply_op("SoftmaxCrossEntropyWithLogits", features=logits, labels=labels)
    got_loss, got_backprop = evaluate([loss, backprop])
    np.testing.assert_allclose(got_loss, -(labels * _log_softmax(logits)).sum(-1), rtol=1e-12)
    np.testing.assert_allclose(got_backprop, np.exp(_log_softmax(logits)) - labels, atol=1e-12)


def test_fused_op_broadcasts_labels():
    logits = np.array([[1.0, 2.0], [3.0, 4.0]], np.float32)
    loss, backprop = apply_op("SoftmaxCrossEntropyWithLogits", features=logits,
                              labels=np.array([[0.0, 1.0]], np.float32))
    assert loss.shape.as_list() == [2] and backprop.shape.as_list() == [2, 2]
    got_loss, got_backprop = evaluate([loss, backprop])
    p1 = 1 / (1 + math.e ** -1)  # softmax of [a, a + 1] puts this on the second class
    np.testing.assert_allclose(got_loss, [-math.log(p1)] * 2, rtol=1e-6)
    np.testing.assert_allclose(got_backprop, [[1 - p1, p1 - 1]] * 2, rtol=1e-6)


def test_fused_op_shape_errors():
    with pytest.raises(ValueError, match="Dimensions must be equal, but are 3 and 2"):
        tf.nn.softmax_cross_entropy_with_logits_v2(labels=tf.zeros([4, 2]),
                                                   logits=tf.zeros([4, 3]))
    x, y = tf.placeholder(tf.float32, [None, None]), tf.placeholder(tf.float32, [None, None])
    out = tf.nn.softmax_cross_entropy_with_logits_v2(labels=y, logits=x)
    with pytest.raises(errors.InvalidArgumentError,
                       match=r"logits and labels must be broadcastable: logits_size=\[4,3\] "
                             r"labels_size=\[4,2\]"):
        evaluate(out, {x: np.zeros((4, 3)), y: np.zeros((4, 2))})


@pytest.mark.parametrize("label_dtype", [tf.int32, tf.int64])
def test_sparse_softmax_cross_entropy(label_dtype):
    logits = RNG.normal(size=(6, 5)).astype(np.float32)
    labels = np.array([0, 4, 2, 2, 1, 3])
    p = tf.placeholder(label_dtype, [None])
    out = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=p, logits=logits)
    assert out.op.name == "SparseSoftmaxCrossEntropyWithLogits/SparseSoftmaxCrossEntropyWithLogits"
    expected = -_log_softmax(logits)[np.arange(6), labels]
    np.testing.assert_allclose(evaluate(out, {p: labels}), expected, rtol=1e-5)


def test_sparse_softmax_cross_entropy_of_rank_3_logits():
    logits, labels = RNG.normal(size=(2, 3, 4)), RNG.integers(0, 4, size=(2, 3))
    out = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
    assert out.shape.as_list() == [2, 3]
    expected = -np.take_along_axis(_log_softmax(logits), labels[..., None], -1)[..., 0]
    np.testing.assert_allclose(evaluate(out), expected, rtol=1e-12)


@pytest.mark.parametrize("bad", [5, -1])
def test_sparse_labels_out_of_range_are_an_error_naming_the_label(bad):
    labels = tf.placeholder(tf.int32, [None])
    logits = tf.placeholder(tf.float32, [None, 3])
    out = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
    message = (rf"Received a label value of {bad} which is outside the valid range of \[0, 3\)."
               rf"  Label values: 0 1 {bad} 2")
    with pytest.raises(errors.InvalidArgumentError, match=message) as info:
        evaluate(out, {labels: [0, 1, bad, 2], logits: np.zeros((4, 3))})
    assert "SparseSoftmaxCrossEntropyWithLogits" in str(info.value)
    with pytest.raises(errors.InvalidArgumentError, match="outside the valid range"):
        reference.evaluate("SparseSoftmaxCrossEntropyWithLogits", {},
                           np.zeros((4, 3), np.float32), np.array([0, 1, bad, 2]))


def test_sparse_shape_errors():
    with pytest.raises(ValueError, match="must equal `logits.shape.rank - 1`"):
        tf.nn.sparse_softmax_cross_entropy_with_logits(labels=tf.zeros([4, 2], tf.int32),
                                                       logits=tf.zeros([4, 3]))
    with pytest.raises(ValueError, match="except for the last dimension"):
        tf.nn.sparse_softmax_cross_entropy_with_logits(labels=tf.zeros([5], tf.int32),
                                                       logits=tf.zeros([4, 3]))
    with pytest.raises(ValueError, match="Both `labels` and `logits` must be provided"):
        tf.nn.sparse_softmax_cross_entropy_with_logits(logits=tf.zeros([4, 3]))


def test_labels_gradient_flows_in_v2_but_not_v1():
    logits = tf.constant(RNG.normal(size=(2, 3)))
    labels = tf.constant(_distribution((2, 3)))
    v2 = tf.nn.softmax_cross_entropy_with_logits_v2(labels=labels, logits=logits)
    v1 = tf.nn.softmax_cross_entropy_with_logits(labels=labels, logits=logits)
    assert v1.op.name.startswith("softmax_cross_entropy_with_logits_sg/")
    (g2,) = tf.gradients(v2, [labels])
    assert tf.gradients(v1, [labels]) == [None]
    np.testing.assert_allclose(evaluate(g2), -evaluate(tf.nn.log_softmax(logits)), rtol=1e-12)


def test_second_derivative_of_the_fused_op():
    """d/dx of sum(w * backprop) = softmax * (w - <w, softmax>), the second-order term."""
    x = tf.placeholder(tf.float64, [2, 3])
    labels = np.array([[0.2, 0.3, 0.5], [1.0, 0.0, 0.0]])
    w = np.array([[0.3, -1.0, 2.0], [1.0, 1.0, -2.0]])
    _, backprop = apply_op("SoftmaxCrossEntropyWithLogits", features=x, labels=labels)
    (g,) = tf.gradients(tf.reduce_sum(backprop * w), [x])
    value = RNG.normal(size=(2, 3))
    s = np.exp(_log_softmax(value))
    expected = s * (w - (w * s).sum(-1, keepdims=True))
    np.testing.assert_allclose(evaluate(g, {x: value}), expected, rtol=1e-10)


def test_sigmoid_cross_entropy_with_logits():
    x = np.array([-1000.0, -3.0, -0.5, 0.0, 0.5, 3.0, 1000.0])
    z = np.array([0.0, 1.0, 0.3, 0.5, 1.0, 0.0, 1.0])
    out = tf.nn.sigmoid_cross_entropy_with_logits(labels=z, logits=x)
    assert out.op.name == "logistic_loss"
    expected = [0.0] + [-(zi * math.log(1 / (1 + math.exp(-xi)))
                         + (1 - zi) * math.log(1 - 1 / (1 + math.exp(-xi))))
                        for xi, zi in zip(x[1:-1], z[1:-1])] + [0.0]
    np.testing.assert_allclose(evaluate(out), expected, rtol=1e-12, atol=1e-12)


def test_weighted_cross_entropy_with_logits():
    x, z, q = RNG.normal(size=(3, 4)) * 3, RNG.uniform(size=(3, 4)), 2.5
    out = tf.nn.weighted_cross_entropy_with_logits(labels=z, logits=x, pos_weight=q)
    sig = 1 / (1 + np.exp(-x))
    expected = -(q * z * np.log(sig) + (1 - z) * np.log(1 - sig))
    np.testing.assert_allclose(evaluate(out), expected, rtol=1e-10)
    alias = tf.nn.weighted_cross_entropy_with_logits(targets=z, logits=x, pos_weight=q)
    np.testing.assert_allclose(evaluate(alias), expected, rtol=1e-10)


def test_logistic_losses_check_shapes():
    with pytest.raises(ValueError, match="must have the same shape"):
        tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.zeros([2, 3]), logits=tf.zeros([3, 2]))
    with pytest.raises(ValueError, match="must be provided"):
        tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.zeros([2]))


@pytest.mark.parametrize("rows", [4, 5000])
def test_cpu_cross_entropy_kernels_match_reference(rows):
    logits = RNG.normal(size=(rows, 60)).astype(np.float32) * 5
    labels = _distribution((rows, 60)).astype(np.float32)
    ids = RNG.integers(0, 60, size=rows)
    p, q = tf.placeholder(tf.float32, logits.shape), tf.placeholder(tf.float32, labels.shape)
    dense = apply_op("SoftmaxCrossEntropyWithLogits", features=p, labels=q)
    sparse = apply_op("SparseSoftmaxCrossEntropyWithLogits", features=p, labels=ids)
    got = evaluate(dense + sparse, {p: logits, q: labels})
    expected = (list(reference.evaluate("SoftmaxCrossEntropyWithLogits", {}, logits, labels))
                + list(reference.evaluate("SparseSoftmaxCrossEntropyWithLogits", {}, logits,
                                          ids)))
    for ours, ref in zip(got, expected):
        np.testing.assert_allclose(ours, ref, rtol=1e-5, atol=1e-6)
