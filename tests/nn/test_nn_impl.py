"""Composite tf.nn functions (dropout, moments, batch_normalization, l2_normalize, xw_plus_b,
embedding_lookup) and top_k / in_top_k, against numpy formulas and hand-made cases."""

import numpy as np
import pytest

import graphflow as tf
from graphflow import errors
from tests.helpers import evaluate

RNG = np.random.default_rng(21)


# ------------------------------------------------------------------------ dropout
def test_dropout_keeps_about_keep_prob_and_scales_the_rest():
    x = np.ones((200, 100), np.float32)
    out = evaluate(tf.nn.dropout(x, keep_prob=0.8, seed=3))
    kept = out != 0
    assert abs(kept.mean() - 0.8) < 0.01
    np.testing.assert_allclose(out[kept], 1 / 0.8, rtol=1e-6)


def test_dropout_rate_tensor_and_keep_prob_placeholder():
    x = np.ones((100, 100), np.float32)
    rate = tf.placeholder(tf.float32, [])
    out = tf.nn.dropout(x, rate=rate, seed=1)
    assert out.op.type == "SelectV2" and out.op.name == "dropout/SelectV2"
    half = evaluate(out, {rate: 0.5})
    assert abs((half != 0).mean() - 0.5) < 0.02 and set(np.unique(half)) == {0.0, 2.0}
    np.testing.assert_array_equal(evaluate(out, {rate: 0.0}), x)
    keep = tf.placeholder(tf.float32, [])
    by_keep = tf.nn.dropout(x, keep_prob=keep)
    np.testing.assert_array_equal(evaluate(by_keep, {keep: 1.0}), x)


def test_dropout_is_identity_for_keep_prob_one():
    x = tf.placeholder(tf.float32, [3])
    assert tf.nn.dropout(x, keep_prob=1.0) is x
    assert tf.nn.dropout(x, rate=0) is x


def test_dropout_is_reproducible_with_seeds_and_varies_between_runs():
    x = np.ones((50, 50), np.float32)
    tf.set_random_seed(7)
    out = tf.nn.dropout(x, rate=0.5)
    with tf.Session() as sess:
        first, second = sess.run(out), sess.run(out)
    with tf.Session() as sess:
        again = sess.run(out)
    assert not np.array_equal(first, second)
    np.testing.assert_array_equal(first, again)


def test_dropout_noise_shape_broadcasts_the_mask():
    x = np.ones((20, 30), np.float32)
    out = evaluate(tf.nn.dropout(x, rate=0.5, noise_shape=[20, 1], seed=2))
    for row in out:
        assert len(set(row.tolist())) == 1


def test_dropout_gradient_is_the_mask_times_the_scale():
    x = tf.placeholder(tf.float32, [10, 10])
    out = tf.nn.dropout(x, rate=0.25, seed=4)
    (g,) = tf.gradients(out, [x])
    value = RNG.normal(size=(10, 10)).astype(np.float32)
    got, grad = evaluate([out, g], {x: value})
    np.testing.assert_allclose(grad, np.where(got != 0, 1 / 0.75, 0.0), rtol=1e-6)


@pytest.mark.parametrize("kwargs,message", [
    (dict(keep_prob=1.5), r"`rate` must be a scalar tensor or a float in the range \[0, 1\)"),
    (dict(rate=1.0), r"in the range \[0, 1\). Received: rate=1.0"),
    (dict(keep_prob=0.5, rate=0.5), "Cannot specify both 'keep_prob' and 'rate'"),
    (dict(), "You must provide a rate to dropout"),
])
def test_dropout_argument_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        tf.nn.dropout(tf.zeros([3]), **kwargs)


def test_dropout_rejects_integer_inputs():
    with pytest.raises(ValueError, match="must be a floating point tensor"):
        tf.nn.dropout(tf.zeros([3], tf.int32), rate=0.5)


# ------------------------------------------------------------------------ normalization
@pytest.mark.parametrize("axes,keep", [([0], False), ([0, 1], True), ([1, 2], False)])
def test_moments(axes, keep):
    x = RNG.normal(size=(4, 3, 2))
    mean, variance = tf.nn.moments(tf.constant(x), axes, keep_dims=keep)
    assert mean.op.name.startswith("moments/")
    got_mean, got_var = evaluate([mean, variance])
    np.testing.assert_allclose(got_mean, x.mean(axis=tuple(axes), keepdims=keep), rtol=1e-12)
    np.testing.assert_allclose(got_var, x.var(axis=tuple(axes), keepdims=keep), rtol=1e-12)


def test_moments_of_float16_are_computed_in_float32():
    x = np.array([60000.0, 60000.0, 0.0], np.float16)
    mean, variance = tf.nn.moments(tf.constant(x), [0])
    assert mean.dtype == tf.float16
    assert evaluate(mean) == np.float16(40000.0)


def test_batch_normalization():
    x = RNG.normal(size=(5, 3))
    mean, var = x.mean(0), x.var(0)
    offset, scale = np.array([0.1, 0.2, 0.3]), np.array([2.0, 1.0, 0.5])
    got = evaluate(tf.nn.batch_normalization(x, mean, var, offset, scale, 1e-3))
    np.testing.assert_allclose(got, (x - mean) / np.sqrt(var + 1e-3) * scale + offset,
                               rtol=1e-12)
    bare = evaluate(tf.nn.batch_normalization(x, mean, var, None, None, 1e-3))
    np.testing.assert_allclose(bare, (x - mean) / np.sqrt(var + 1e-3), rtol=1e-12)


def test_l2_normalize():
    x = np.array([[3.0, 4.0], [0.0, 0.0]])
    np.testing.assert_allclose(evaluate(tf.nn.l2_normalize(x, axis=1)),
                               [[0.6, 0.8], [0.0, 0.0]])
    np.testing.assert_allclose(evaluate(tf.nn.l2_normalize(x, dim=0)),
                               [[1.0, 1.0], [0.0, 0.0]])
    np.testing.assert_allclose(evaluate(tf.nn.l2_normalize(x)), x / 5.0)


def test_xw_plus_b():
    x, w, b = RNG.normal(size=(2, 3)), RNG.normal(size=(3, 4)), RNG.normal(size=4)
    out = tf.nn.xw_plus_b(x, w, b)
    assert out.op.type == "BiasAdd" and out.op.name == "xw_plus_b"
    np.testing.assert_allclose(evaluate(out), x @ w + b, rtol=1e-12)


# ------------------------------------------------------------------------ embeddings
def test_embedding_lookup_of_a_variable_and_its_gradient():
    table = tf.Variable(np.arange(15, dtype=np.float32).reshape(5, 3))
    ids = tf.constant([[0, 4], [2, 2]])
    out = tf.nn.embedding_lookup(table, ids)
    assert out.op.name == "embedding_lookup/Identity" and out.shape.as_list() == [2, 2, 3]
    (grad,) = tf.gradients(tf.reduce_sum(out), [table])
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        got, got_grad = sess.run([out, grad])
    np.testing.assert_array_equal(got, np.arange(15).reshape(5, 3)[[[0, 4], [2, 2]]])
    np.testing.assert_array_equal(got_grad[:, 0], [1, 0, 2, 0, 1])


@pytest.mark.parametrize("strategy", ["mod", "div"])
def test_embedding_lookup_over_partitions(strategy):
    full = np.arange(7 * 2, dtype=np.float32).reshape(7, 2)
    if strategy == "mod":
        parts = [full[p::3] for p in range(3)]
    else:
        parts = [full[0:3], full[3:5], full[5:7]]
    ids = np.array([6, 0, 3, 4, 1])
    out = tf.nn.embedding_lookup(parts, ids, partition_strategy=strategy)
    np.testing.assert_array_equal(evaluate(out), full[ids])


def test_embedding_lookup_max_norm_clips_rows():
    table = np.array([[3.0, 4.0], [0.3, 0.4]])
    got = evaluate(tf.nn.embedding_lookup(table, [0, 1], max_norm=1.0))
    np.testing.assert_allclose(got, [[0.6, 0.8], [0.3, 0.4]])


def test_embedding_lookup_errors():
    ids = tf.placeholder(tf.int32, [None])
    out = tf.nn.embedding_lookup(tf.zeros([3, 2]), ids)
    with pytest.raises(errors.InvalidArgumentError, match=r"indices\[1\] = 4 is not in \[0, 3\)"):
        evaluate(out, {ids: [0, 4]})
    with pytest.raises(ValueError, match="Need at least one param"):
        tf.nn.embedding_lookup([], ids)


# ------------------------------------------------------------------------ top k
def test_top_k_values_indices_and_ties():
    x = np.array([[1.0, 3.0, 3.0, 2.0, 3.0], [5.0, np.nan, -1.0, 0.0, 9.0]], np.float32)
    values, indices = tf.nn.top_k(x, 3)
    assert values.shape.as_list() == [2, 3] and indices.dtype == tf.int32
    got_values, got_indices = evaluate([values, indices])
    np.testing.assert_array_equal(got_indices, [[1, 2, 4], [4, 0, 3]])
    np.testing.assert_array_equal(got_values, [[3, 3, 3], [9, 5, 0]])


def test_top_k_of_integers_and_vectors():
    result = tf.nn.top_k(tf.constant([1, 5, 3, 5]), 2, index_type=tf.int64)
    got = evaluate(result)
    np.testing.assert_array_equal(got[0], [5, 5])
    np.testing.assert_array_equal(got[1], [1, 3])
    assert result.indices.dtype == tf.int64


def test_top_k_gradient_scatters_to_the_selected_positions():
    x = tf.constant([[1.0, 4.0, 2.0, 3.0]])
    values, _ = tf.nn.top_k(x, 2)
    (g,) = tf.gradients(values * tf.constant([[10.0, 100.0]]), [x])
    np.testing.assert_array_equal(evaluate(g), [[0, 10, 0, 100]])


def test_top_k_errors():
    with pytest.raises(ValueError, match="input must have last dimension >= k = 4 but is 3"):
        tf.nn.top_k(tf.zeros([2, 3]), 4)
    k = tf.placeholder(tf.int32, [])
    out = tf.nn.top_k(tf.zeros([2, 3]), k)
    with pytest.raises(errors.InvalidArgumentError, match="Need k >= 0, got -1"):
        evaluate(out, {k: -1})
    with pytest.raises(errors.InvalidArgumentError,
                       match="input must have at least k columns. Had 3, needed 4"):
        evaluate(out, {k: 4})


def test_in_top_k():
    predictions = np.array([[0.1, 0.5, 0.5, 0.2], [0.3, 0.3, 0.3, 0.1], [1.0, 2.0, 3.0, 4.0],
                            [np.nan, 5.0, 2.0, 1.0], [1.0, np.inf, 2.0, 0.0]], np.float32)
    targets = np.array([2, 0, 7, 1, 2])
    out = tf.nn.in_top_k(predictions, targets, 1)
    assert out.op.name == "in_top_k/InTopKV2" and out.dtype == tf.bool
    # ties count for the target; out-of-range targets and non-finite rows are false
    np.testing.assert_array_equal(evaluate(out), [True, True, False, False, False])
    # row 0: two values exceed 0.2, so it is not in the top 2; row 2: only 4.0 exceeds 3.0
    np.testing.assert_array_equal(evaluate(tf.nn.in_top_k(predictions[:3], [3, 3, 2], 2)),
                                  [False, False, True])
