"""tf.losses: each loss against its numpy formula, every Reduction, weights, the losses
collection, get_total_loss, DivNoNan, and errors."""

import numpy as np
import pytest

import graphflow as tf
from tests.helpers import evaluate

RNG = np.random.default_rng(31)
R = tf.losses.Reduction
LABELS = RNG.normal(size=(4, 3)).astype(np.float32)
PREDICTIONS = RNG.normal(size=(4, 3)).astype(np.float32)


def _sigmoid(x):
    return 1 / (1 + np.exp(-np.asarray(x, np.float64)))


def _huber(y, p, delta=1.0):
    e = np.abs(p - y)
    return np.where(e <= delta, 0.5 * e ** 2, delta * (e - 0.5 * delta))


# name -> (builder, per-element oracle)
LOSSES = {
    "mean_squared_error": (lambda **kw: tf.losses.mean_squared_error(LABELS, PREDICTIONS, **kw),
                           (PREDICTIONS - LABELS.astype(np.float64)) ** 2),
    "absolute_difference": (lambda **kw: tf.losses.absolute_difference(LABELS, PREDICTIONS,
                                                                       **kw),
                            np.abs(PREDICTIONS - LABELS.astype(np.float64))),
    "huber_loss": (lambda **kw: tf.losses.huber_loss(LABELS, PREDICTIONS * 2, **kw),
                   _huber(LABELS, PREDICTIONS * 2.0)),
    "log_loss": (lambda **kw: tf.losses.log_loss(_sigmoid(LABELS), _sigmoid(PREDICTIONS), **kw),
                 -_sigmoid(LABELS) * np.log(_sigmoid(PREDICTIONS) + 1e-7)
                 - (1 - _sigmoid(LABELS)) * np.log(1 - _sigmoid(PREDICTIONS) + 1e-7)),
    "hinge_loss": (lambda **kw: tf.losses.hinge_loss((LABELS > 0).astype(np.float32),
                                                     PREDICTIONS, **kw),
                   np.maximum(0, 1 - (2 * (LABELS > 0) - 1) * PREDICTIONS.astype(np.float64))),
    "sigmoid_cross_entropy": (
        lambda **kw: tf.losses.sigmoid_cross_entropy((LABELS > 0).astype(np.float32),
                                                     PREDICTIONS, **kw),
        -((LABELS > 0) * np.log(_sigmoid(PREDICTIONS))
          + (LABELS <= 0) * np.log(1 - _sigmoid(PREDICTIONS)))),
}

WEIGHTS = np.array([[1.0], [0.0], [2.0], [0.5]], np.float32)


def _reduced(elementwise, weights, reduction):
    weighted = elementwise * np.broadcast_to(weights, elementwise.shape)
    present = np.broadcast_to(weights != 0, elementwise.shape).sum()
    return {R.NONE: weighted, R.SUM: weighted.sum(),
            R.MEAN: weighted.sum() / np.broadcast_to(weights, elementwise.shape).sum(),
            R.SUM_OVER_BATCH_SIZE: weighted.sum() / elementwise.size,
            R.SUM_BY_NONZERO_WEIGHTS: weighted.sum() / present}[reduction]


@pytest.mark.parametrize("reduction", [R.NONE, R.SUM, R.MEAN, R.SUM_OVER_BATCH_SIZE,
                                       R.SUM_BY_NONZERO_WEIGHTS])
@pytest.mark.parametrize("name", sorted(LOSSES))
def test_losses_with_weights_and_reductions(name, reduction):
    build, elementwise = LOSSES[name]
    out = build(weights=WEIGHTS, reduction=reduction)
    assert out.dtype == tf.float32 and out.op.name.startswith(name.split("_loss")[0])
    expected = _reduced(elementwise, WEIGHTS, reduction)
    np.testing.assert_allclose(evaluate(out), expected, rtol=2e-5, atol=1e-6)
    assert tf.get_collection(tf.GraphKeys.LOSSES) == [out]


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_default_reduction_is_the_mean_over_nonzero_weights(name):
    build, elementwise = LOSSES[name]
    out = build()
    assert out.op.name == out.op.name.split("/")[0] + "/value"
    np.testing.assert_allclose(evaluate(out), elementwise.mean(), rtol=2e-5)


def test_softmax_cross_entropy_loss_with_label_smoothing():
    onehot = np.eye(3, dtype=np.float32)[[0, 2, 1, 1]]
    logits = PREDICTIONS
    out = tf.losses.softmax_cross_entropy(onehot, logits, label_smoothing=0.3)
    smooth = onehot * 0.7 + 0.1
    log_soft = logits - np.log(np.exp(logits.astype(np.float64)).sum(1, keepdims=True))
    np.testing.assert_allclose(evaluate(out), -(smooth * log_soft).sum(1).mean(), rtol=1e-5)
    assert out.op.name == "softmax_cross_entropy_loss/value"


def test_sparse_softmax_cross_entropy_loss_squeezes_column_labels():
    labels = np.array([[0], [2], [1], [1]])
    out = tf.losses.sparse_softmax_cross_entropy(labels, PREDICTIONS, weights=[1, 0, 1, 2])
    log_soft = PREDICTIONS - np.log(np.exp(PREDICTIONS.astype(np.float64)).sum(1, keepdims=True))
    per_row = -log_soft[np.arange(4), labels[:, 0]] * [1, 0, 1, 2]
    np.testing.assert_allclose(evaluate(out), per_row.sum() / 3, rtol=1e-5)


def test_zero_weights_give_zero_not_nan():
    out = tf.losses.mean_squared_error(LABELS, PREDICTIONS, weights=0.0)
    assert evaluate(out) == 0.0


def test_total_loss_collects_losses_and_regularization():
    first = tf.losses.mean_squared_error(LABELS, PREDICTIONS)
    second = tf.losses.absolute_difference(LABELS, PREDICTIONS, loss_collection=None)
    tf.losses.add_loss(second)
    tf.add_to_collection(tf.GraphKeys.REGULARIZATION_LOSSES, tf.constant(0.5))
    assert tf.losses.get_losses() == [first, second]
    total = tf.losses.get_total_loss()
    assert total.op.name == "total_loss"
    got, a, b = evaluate([total, first, second])
    assert got == pytest.approx(a + b + 0.5, rel=1e-6)
    assert evaluate(tf.losses.get_regularization_loss()) == pytest.approx(0.5)


def test_div_no_nan():
    out = tf.div_no_nan(tf.constant([1.0, 2.0, 0.0]), tf.constant([2.0, 0.0, 0.0]))
    assert out.op.type == "DivNoNan"
    np.testing.assert_array_equal(evaluate(out), [0.5, 0.0, 0.0])


def test_loss_errors():
    with pytest.raises(ValueError, match="Invalid Reduction Key"):
        tf.losses.mean_squared_error(LABELS, PREDICTIONS, reduction="bogus")
    with pytest.raises(ValueError, match="weights can not be broadcast to values"):
        tf.losses.mean_squared_error(LABELS, PREDICTIONS, weights=np.ones((3, 3), np.float32))
    with pytest.raises(ValueError, match="must not be None"):
        tf.losses.mean_squared_error(None, PREDICTIONS)
    with pytest.raises(ValueError, match="incompatible"):
        tf.losses.mean_squared_error(LABELS, PREDICTIONS[:, :2])
