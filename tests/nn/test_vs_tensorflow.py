"""Differential tests against real TensorFlow: for every nn op and loss, the same program
in both frameworks must create the same nodes (names and op types), compute the same values
and the same gradients; run-time errors must have the same class and message."""

import numpy as np
import pytest

import graphflow as gf
from tests.nn.tf_compare import compare

pytestmark = pytest.mark.tf

RNG = np.random.default_rng(0)


def f32(*shape):
    return RNG.normal(size=shape).astype(np.float32)


def ints(*values, dtype=np.int32):
    return np.array(values, dtype)


_LABELS4 = ints(0, 2, 1, 2)
_REDUCE = ["NONE", "SUM", "MEAN", "SUM_OVER_BATCH_SIZE", "SUM_BY_NONZERO_WEIGHTS"]

CASES = {
    "relu": (lambda m, x: m.nn.relu(x), [f32(4, 3)]),
    "relu6": (lambda m, x: m.nn.relu6(x * 4), [f32(4, 3)]),
    "elu": (lambda m, x: m.nn.elu(x), [f32(4, 3)]),
    "selu": (lambda m, x: m.nn.selu(x), [f32(4, 3)]),
    "leaky_relu": (lambda m, x: m.nn.leaky_relu(x, 0.1), [f32(4, 3)]),
    "softplus": (lambda m, x: m.nn.softplus(x * 10), [f32(4, 3)]),
    "softsign": (lambda m, x: m.nn.softsign(x), [f32(4, 3)]),
    "softmax": (lambda m, x: m.nn.softmax(x), [f32(4, 3)]),
    "softmax_axis0": (lambda m, x: m.nn.softmax(x, axis=0), [f32(4, 3)]),
    "softmax_axis-2": (lambda m, x: m.nn.softmax(x, axis=-2), [f32(2, 4, 3)]),
    "log_softmax_axis1": (lambda m, x: m.nn.log_softmax(x, axis=1), [f32(2, 4, 3)]),
    "bias_add": (lambda m, x, b: m.nn.bias_add(x, b), [f32(2, 3, 4), f32(4)]),
    "bias_add_nchw": (lambda m, x, b: m.nn.bias_add(x, b, data_format="NCHW"),
                      [f32(2, 3, 4, 2), f32(3)]),
    "xw_plus_b": (lambda m, x, w, b: m.nn.xw_plus_b(x, w, b), [f32(2, 3), f32(3, 4), f32(4)]),
    "l2_loss": (lambda m, x: m.nn.l2_loss(x), [f32(4, 3)]),
    "l2_normalize": (lambda m, x: m.nn.l2_normalize(x, axis=1), [f32(4, 3)]),
    "moments": (lambda m, x: m.nn.moments(x, [0, 1]), [f32(4, 3, 2)]),
    "moments_keep_dims": (lambda m, x: m.nn.moments(x, [0], keep_dims=True), [f32(4, 3)]),
    "batch_normalization": (lambda m, x, mu, v, o, s: m.nn.batch_normalization(
        x, mu, m.abs(v), o, s, 1e-3), [f32(4, 3), f32(3), f32(3), f32(3), f32(3)]),
    "softmax_xent_v2": (lambda m, x, y: m.nn.softmax_cross_entropy_with_logits_v2(
        labels=m.nn.softmax(y), logits=x), [f32(4, 3), f32(4, 3)]),
    "softmax_xent_v2_axis0": (lambda m, x, y: m.nn.softmax_cross_entropy_with_logits_v2(
        labels=m.nn.softmax(y, axis=0), logits=x, axis=0), [f32(4, 3), f32(4, 3)]),
    "softmax_xent_v1": (lambda m, x, y: m.nn.softmax_cross_entropy_with_logits(
        labels=m.nn.softmax(y), logits=x), [f32(4, 3), f32(4, 3)]),
    "softmax_xent_rank3": (lambda m, x, y: m.nn.softmax_cross_entropy_with_logits_v2(
        labels=m.nn.softmax(y), logits=x), [f32(2, 4, 3), f32(2, 4, 3)]),
    "sparse_xent": (lambda m, x, y: m.nn.sparse_softmax_cross_entropy_with_logits(
        labels=y, logits=x), [f32(4, 3), _LABELS4]),
    "sparse_xent_rank3": (lambda m, x, y: m.nn.sparse_softmax_cross_entropy_with_logits(
        labels=y, logits=x), [f32(2, 4, 3), np.array([[0, 2, 1, 2], [1, 1, 0, 0]])]),
    "sigmoid_xent": (lambda m, x, y: m.nn.sigmoid_cross_entropy_with_logits(
        labels=m.sigmoid(y), logits=x), [f32(4, 3), f32(4, 3)]),
    "weighted_xent": (lambda m, x, y: m.nn.weighted_cross_entropy_with_logits(
        labels=m.sigmoid(y), logits=x, pos_weight=2.0), [f32(4, 3), f32(4, 3)]),
    "conv_same": (lambda m, x, f: m.nn.conv2d(x, f, [1, 1, 1, 1], "SAME"),
                  [f32(2, 7, 6, 3), f32(3, 3, 3, 4)]),
    "conv_valid_stride2": (lambda m, x, f: m.nn.conv2d(x, f, [1, 2, 2, 1], "VALID"),
                           [f32(2, 7, 6, 3), f32(3, 2, 3, 4)]),
    "conv_same_stride2": (lambda m, x, f: m.nn.conv2d(x, f, 2, "SAME"),
                          [f32(2, 7, 6, 3), f32(4, 4, 3, 4)]),
    "conv_dilated": (lambda m, x, f: m.nn.conv2d(x, f, 1, "SAME", dilations=[1, 2, 2, 1]),
                     [f32(2, 7, 6, 3), f32(3, 3, 3, 4)]),
    "conv_explicit": (lambda m, x, f: m.nn.conv2d(x, f, 1, [[0, 0], [1, 2], [0, 1], [0, 0]]),
                      [f32(2, 7, 6, 3), f32(3, 3, 3, 4)]),
    "conv_nchw": (lambda m, x, f: m.nn.conv2d(x, f, 1, "SAME", data_format="NCHW"),
                  [f32(2, 3, 7, 6), f32(3, 3, 3, 4)]),
    "conv_grouped": (lambda m, x, f: m.nn.conv2d(x, f, 1, "SAME"),
                     [f32(2, 5, 5, 4), f32(3, 3, 2, 6)]),
    "conv2d_transpose": (lambda m, x, f: m.nn.conv2d_transpose(x, f, [2, 8, 8, 3], [1, 2, 2, 1],
                                                               "SAME"),
                         [f32(2, 4, 4, 5), f32(3, 3, 3, 5)]),
    "depthwise": (lambda m, x, f: m.nn.depthwise_conv2d(x, f, [1, 1, 1, 1], "SAME"),
                  [f32(2, 6, 6, 3), f32(3, 3, 3, 2)]),
    "depthwise_stride2": (lambda m, x, f: m.nn.depthwise_conv2d(x, f, [1, 2, 2, 1], "VALID"),
                          [f32(2, 7, 6, 3), f32(3, 3, 3, 2)]),
    "max_pool": (lambda m, x: m.nn.max_pool(x, [1, 2, 2, 1], [1, 2, 2, 1], "SAME"),
                 [f32(2, 7, 6, 3)]),
    "max_pool_3x3_stride2": (lambda m, x: m.nn.max_pool(x, 3, 2, "VALID"), [f32(2, 7, 6, 3)]),
    "max_pool_nchw": (lambda m, x: m.nn.max_pool(x, [1, 1, 3, 3], [1, 1, 2, 2], "SAME",
                                                 data_format="NCHW"), [f32(2, 3, 7, 6)]),
    "avg_pool": (lambda m, x: m.nn.avg_pool(x, [1, 3, 3, 1], [1, 2, 2, 1], "SAME"),
                 [f32(2, 7, 6, 3)]),
    "avg_pool_valid": (lambda m, x: m.nn.avg_pool(x, 2, 2, "VALID"), [f32(2, 7, 6, 3)]),
    "top_k": (lambda m, x: m.nn.top_k(x, 2), [f32(4, 5)]),
    "in_top_k": (lambda m, x, t: m.nn.in_top_k(x, t, 2), [f32(4, 5), ints(0, 4, 2, 1)]),
    "embedding_lookup": (lambda m, p, i: m.nn.embedding_lookup(p, i),
                         [f32(5, 3), np.array([[0, 4], [2, 2]], np.int32)]),
    "embedding_max_norm": (lambda m, p, i: m.nn.embedding_lookup(p, i, max_norm=1.0),
                           [f32(5, 3), np.array([[0, 4], [2, 2]], np.int32)]),
    "mean_squared_error": (lambda m, y, p: m.losses.mean_squared_error(y, p),
                           [f32(4, 3), f32(4, 3)]),
    "mse_weights": (lambda m, y, p, w: m.losses.mean_squared_error(y, p, weights=w),
                    [f32(4, 3), f32(4, 3), np.array([[1.], [0.], [2.], [1.]], np.float32)]),
    "log_loss": (lambda m, y, p: m.losses.log_loss(m.sigmoid(y), m.sigmoid(p)),
                 [f32(4, 3), f32(4, 3)]),
    "hinge_loss": (lambda m, y, p: m.losses.hinge_loss(m.cast(y > 0, m.float32), p),
                   [f32(4, 3), f32(4, 3)]),
    "huber_loss": (lambda m, y, p: m.losses.huber_loss(y, p * 2), [f32(4, 3), f32(4, 3)]),
    "softmax_loss": (lambda m, y, p: m.losses.softmax_cross_entropy(
        m.nn.softmax(y), p, label_smoothing=0.1), [f32(4, 3), f32(4, 3)]),
    "sparse_softmax_loss": (lambda m, y, p: m.losses.sparse_softmax_cross_entropy(y, p),
                            [_LABELS4, f32(4, 3)]),
    "sigmoid_loss": (lambda m, y, p: m.losses.sigmoid_cross_entropy(
        m.cast(y > 0, m.float32), p, label_smoothing=0.2), [f32(4, 3), f32(4, 3)]),
}
for _reduction in _REDUCE:
    CASES[f"absolute_difference_{_reduction}"] = (
        lambda m, y, p, _r=_reduction: m.losses.absolute_difference(
            y, p, reduction=getattr(m.losses.Reduction, _r)), [f32(4, 3), f32(4, 3)])


@pytest.mark.parametrize("name", sorted(CASES))
def test_same_nodes_values_and_gradients_as_tensorflow(tf1, name):
    build, inputs = CASES[name]
    compare(tf1, build, inputs, rtol=1e-4, atol=1e-5)


def test_dropout_builds_tensorflows_nodes(tf1):
    for kwargs in (dict(keep_prob=0.8), dict(rate=0.3, seed=3)):
        compare(tf1, lambda m, x: m.nn.dropout(x, **kwargs) * 0, [f32(4, 3)])
    compare(tf1, lambda m, x: m.nn.dropout(x, keep_prob=m.placeholder(m.float32)) * 0,
            [f32(4, 3)], with_grads=False, values=False)


def _error_of(module, build, feed_values):
    graph = module.Graph()
    with graph.as_default():
        placeholders = [module.placeholder(module.as_dtype(v.dtype)) for v in feed_values]
        out = build(module, *placeholders)
        with module.Session() as sess:
            with pytest.raises(Exception) as info:
                sess.run(out, dict(zip(placeholders, feed_values)))
    return info.value


RUNTIME_ERRORS = {
    "sparse_label_out_of_range": (
        lambda m, x, y: m.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=x),
        [np.zeros((4, 3), np.float32), ints(0, 1, 5, 2)],
        "Received a label value of 5 which is outside the valid range of [0, 3).  "
        "Label values: 0 1 5 2"),
    "top_k_too_large": (lambda m, x, k: m.nn.top_k(x, k),
                        [np.zeros((2, 3), np.float32), np.int32(4)],
                        "input must have at least k columns. Had 3, needed 4"),
    "conv_depth": (lambda m, x, f: m.nn.conv2d(x, f, [1, 1, 1, 1], "SAME"),
                   [np.zeros((1, 5, 5, 3), np.float32), np.zeros((3, 3, 2, 4), np.float32)],
                   "input depth must be evenly divisible by filter depth: 3 vs 2"),
    "conv_batch_stride": (lambda m, x, f: m.nn.conv2d(x, f, [2, 1, 1, 1], "SAME"),
                          [np.zeros((1, 5, 5, 3), np.float32),
                           np.zeros((3, 3, 3, 4), np.float32)],
                          "Current implementation does not yet support strides in the batch "
                          "and depth dimensions."),
    "embedding_out_of_range": (lambda m, p, i: m.nn.embedding_lookup(p, i),
                               [np.zeros((3, 2), np.float32), ints(0, 4)],
                               "indices[1] = 4 is not in [0, 3)"),
    "xent_not_broadcastable": (
        lambda m, x, y: m.nn.softmax_cross_entropy_with_logits_v2(labels=y, logits=x),
        [np.zeros((4, 3), np.float32), np.zeros((4, 2), np.float32)],
        "logits and labels must be broadcastable: logits_size=[4,3] labels_size=[4,2]"),
}


@pytest.mark.parametrize("name", sorted(RUNTIME_ERRORS))
def test_same_runtime_errors_as_tensorflow(tf1, name):
    build, feed_values, message = RUNTIME_ERRORS[name]
    theirs = _error_of(tf1, build, feed_values)
    ours = _error_of(gf, build, feed_values)
    assert type(ours).__name__ == type(theirs).__name__
    assert message in str(theirs) and message in str(ours)


def test_exported_cnn_graph_runs_in_tensorflow(tf1):
    """A conv/pool/dropout/cross-entropy graph and its gradients, exported as a GraphDef,
    imported into TensorFlow and run there, gives graphflow's values."""
    graph = gf.Graph()
    with graph.as_default():
        images = gf.placeholder(gf.float32, [None, 6, 6, 2], name="images")
        filters = gf.constant(f32(3, 3, 2, 4), name="filters")
        weights = gf.constant(f32(3 * 3 * 4, 3), name="weights")
        hidden = gf.nn.relu(gf.nn.bias_add(gf.nn.conv2d(images, filters, 1, "SAME"),
                                           f32(4)))
        hidden = gf.nn.avg_pool(gf.nn.max_pool(hidden, 2, 2, "VALID"), 2, 1, "SAME")
        flat = gf.reshape(gf.nn.dropout(hidden, keep_prob=1.0), [-1, 3 * 3 * 4])
        logits = gf.matmul(flat, weights)
        loss = gf.losses.sparse_softmax_cross_entropy(gf.constant([0, 2]), logits)
        grads = gf.gradients(loss, [filters, weights])
        names = [t.name for t in [loss, *grads]]
        feed_value = f32(2, 6, 6, 2)
        with gf.Session() as sess:
            ours = sess.run([loss, *grads], {images: feed_value})
        data = graph.as_graph_def().SerializeToString()
    tf_graph = tf1.Graph()
    with tf_graph.as_default():
        tf1.import_graph_def(tf1.GraphDef.FromString(data), name="")
        with tf1.Session() as sess:
            theirs = sess.run(names, {"images:0": feed_value})
    for mine, other in zip(ours, theirs):
        np.testing.assert_allclose(mine, other, rtol=1e-4, atol=1e-5)
