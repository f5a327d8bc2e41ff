"""The gradient meta-test: every registered op either passes the numeric gradient check
(central differences, float64) or is declared NOT_DIFFERENTIABLE / stateful."""

import numpy as np
import pytest

import graphflow as tf
from graphflow import registry

F64 = tf.float64


def _pos(shape, rng):
    return rng.uniform(0.5, 2.0, shape)


def _away_from_integers(shape, rng):
    return rng.integers(-3, 3, shape) + rng.uniform(0.2, 0.4, shape)


def _unit(shape, rng):
    return rng.uniform(-1.0, 1.0, shape)


def rec(build, shapes, init=_unit, tol=1e-6):
    """A record: build(*placeholders) -> output tensor; input shapes; input sampler."""
    return {"build": build, "shapes": shapes, "init": init, "tol": tol}


def _raw(op_type, **kwargs):
    from graphflow.op_builder import apply_op
    return apply_op(op_type, **kwargs)


def _stitch(indices, data):
    from graphflow.ops import grad_support_ops
    return grad_support_ops.dynamic_stitch([tf.constant(i) for i in indices], data)


def _segment_sum(x, ids, n):
    from graphflow.ops import grad_support_ops
    return grad_support_ops.unsorted_segment_sum(x, tf.constant(ids), n)


def _ss_grad(dy):
    from graphflow.ops import grad_support_ops
    return grad_support_ops.strided_slice_grad(
        tf.constant([3, 4]), tf.constant([0, 1]), tf.constant([3, 4]), tf.constant([2, 2]), dy)


def _perm_case():
    return rec(lambda x: tf.transpose(x, [2, 0, 1]), [(2, 3, 4)])


RECORDS = {
    "Neg": rec(lambda x: -x, [(2, 3)]),
    "Abs": rec(tf.abs, [(2, 3)]),
    "Sign": rec(tf.sign, [(2, 3)]),
    "Square": rec(tf.square, [(2, 3)]),
    "Sqrt": rec(tf.sqrt, [(2, 3)], _pos),
    "Rsqrt": rec(tf.rsqrt, [(2, 3)], _pos),
    "Exp": rec(tf.exp, [(2, 3)]),
    "Expm1": rec(tf.expm1, [(2, 3)]),
    "Log": rec(tf.log, [(2, 3)], _pos),
    "Log1p": rec(tf.log1p, [(2, 3)], _pos),
    "Sin": rec(tf.sin, [(2, 3)]),
    "Cos": rec(tf.cos, [(2, 3)]),
    "Tan": rec(tf.tan, [(2, 3)]),
    "Tanh": rec(tf.tanh, [(2, 3)]),
    "Sigmoid": rec(tf.sigmoid, [(2, 3)]),
    "Reciprocal": rec(tf.reciprocal, [(2, 3)], _pos),
    "Floor": rec(tf.floor, [(2, 3)], _away_from_integers),
    "Ceil": rec(tf.ceil, [(2, 3)], _away_from_integers),
    "Round": rec(tf.round, [(2, 3)], _away_from_integers),
    "AddV2": rec(tf.add, [(2, 3), (3,)]),
    "Sub": rec(tf.subtract, [(2, 3), (1, 3)]),
    "Mul": rec(tf.multiply, [(2, 1), (1, 3)]),
    "RealDiv": rec(tf.realdiv, [(2, 3), (3,)], _pos),
    "FloorDiv": rec(tf.floordiv, [(2, 3), (3,)], _pos),
    "FloorMod": rec(tf.floormod, [(2, 3), (3,)], lambda s, r: r.uniform(0.1, 0.4, s)),
    "TruncateDiv": rec(tf.truncatediv, [(2, 3), (3,)], _pos),
    "Pow": rec(tf.pow, [(2, 3), (3,)], _pos),
    "Maximum": rec(tf.maximum, [(2, 3), (3,)]),
    "Minimum": rec(tf.minimum, [(2, 3), (2, 3)]),
    "SquaredDifference": rec(tf.squared_difference, [(2, 3), (3,)]),
    "AddN": rec(lambda a, b, c: tf.add_n([a, b, c]), [(2, 3)] * 3),
    "Cast": rec(lambda x: tf.cast(tf.cast(x, tf.float32), F64), [(2, 3)], tol=1e-3),
    "Select": rec(lambda x, y: tf.where(tf.constant([[True, False, True], [False] * 3]), x, y),
                  [(2, 3), (2, 3)]),
    "SelectV2": rec(lambda x, y: tf.where_v2(tf.constant([True, False, True]), x, y),
                    [(2, 3), (1, 3)]),
    "Sum": rec(lambda x: tf.reduce_sum(x, [0, 2], keepdims=True), [(2, 3, 2)]),
    "Mean": rec(lambda x: tf.reduce_mean(x, 1), [(2, 3, 2)]),
    "Max": rec(lambda x: tf.reduce_max(x, -1), [(2, 3)]),
    "Min": rec(lambda x: tf.reduce_min(x, 0), [(2, 3)]),
    "Prod": rec(lambda x: tf.reduce_prod(x, [0, 2]), [(2, 3, 2)]),
    "Cumprod": rec(lambda x: tf.cumprod(x, 1, exclusive=True, reverse=True), [(2, 3)], _pos),
    "Cumsum": rec(lambda x: tf.cumsum(x, 1, exclusive=True, reverse=True), [(2, 3)]),
    "Identity": rec(tf.identity, [(2, 3)]),
    "PlaceholderWithDefault": rec(lambda x: tf.placeholder_with_default(x, [2, 3]), [(2, 3)]),
    "Pack": rec(lambda a, b: tf.stack([a, b], axis=1), [(2, 3), (2, 3)]),
    "Unpack": rec(lambda x: tf.unstack(x, axis=1)[1] * 2.0, [(2, 3)]),
    "Reshape": rec(lambda x: tf.reshape(x, [3, -1]), [(2, 3)]),
    "ExpandDims": rec(lambda x: tf.expand_dims(x, 1), [(2, 3)]),
    "Squeeze": rec(lambda x: tf.squeeze(x, [1]), [(2, 1, 3)]),
    "Transpose": _perm_case(),
    "ConcatV2": rec(lambda a, b: tf.concat([a, b], 1), [(2, 3), (2, 2)]),
    "Split": rec(lambda x: tf.split(x, 3, axis=1)[1], [(2, 6)]),
    "SplitV": rec(lambda x: tf.split(x, [1, 2], axis=1)[1], [(2, 3)]),
    "Slice": rec(lambda x: tf.slice(x, [0, 1], [2, 2]), [(2, 4)]),
    "StridedSlice": rec(lambda x: x[::-1, 1::2], [(3, 5)]),
    "GatherV2": rec(lambda x: tf.gather(x, [2, 0, 2]), [(3, 2)]),
    "Tile": rec(lambda x: tf.tile(x, [2, 3]), [(2, 2)]),
    "Pad": rec(lambda x: tf.pad(x, [[1, 0], [0, 2]]), [(2, 2)]),
    "PadV2": rec(lambda x: tf.pad(x, [[1, 0], [0, 2]], constant_values=1.0), [(2, 2)]),
    "MirrorPad": rec(lambda x: tf.pad(x, [[1, 2], [2, 0]], mode="REFLECT") +
                     tf.pad(x, [[2, 1], [0, 2]], mode="SYMMETRIC"), [(3, 3)]),
    "MirrorPadGrad": rec(lambda g: _raw("MirrorPadGrad", input=g,
                                        paddings=tf.constant([[1, 2], [0, 1]]),
                                        mode="REFLECT"), [(6, 4)]),
    "ReverseV2": rec(lambda x: tf.reverse(x, [1]), [(2, 3)]),
    "Fill": rec(lambda v: tf.fill([2, 3], tf.reshape(v, [])), [(1,)]),
    "BroadcastTo": rec(lambda x: tf.broadcast_to(x, [2, 3]), [(1, 3)]),
    "MatMul": rec(lambda a, b: tf.matmul(a, b, transpose_b=True), [(2, 3), (4, 3)]),
    "SparseMatMul": rec(lambda a, b: tf.cast(tf.sparse_matmul(
        tf.cast(a, tf.float32), tf.cast(b, tf.float32), transpose_a=True), F64),
        [(3, 2), (3, 4)], tol=1e-2),
    "BatchMatMulV3": rec(lambda a, b: _raw("BatchMatMulV3", x=a, y=b, Tout=F64),
                         [(2, 2, 3), (3, 2)]),
    "ClipByValue": rec(lambda x, lo, hi: _raw("ClipByValue", t=x, clip_value_min=lo,
                                              clip_value_max=hi), [(2, 3), (), ()]),
    "DynamicStitch": rec(lambda a, b: _stitch([[0, 2], [1]], [a, b]), [(2, 3), (1, 3)]),
    "UnsortedSegmentSum": rec(lambda x: _segment_sum(x, [1, 0, 1], 2), [(3, 2)]),
    "StridedSliceGrad": rec(lambda dy: _ss_grad(dy), [(2, 2)]),
    "BatchMatMulV2": rec(lambda a, b: tf.matmul(a, b, adjoint_a=True), [(2, 3, 2), (1, 3, 4)]),
}


# ------------------------------------------------------------------------ nn ops
def _between(low, high):
    return lambda shape, rng: rng.uniform(low, high, shape)


def _xent_both_outputs(x, labels):
    """Loss of one op plus a weighted sum of another's backprop output, so that the
    gradient's second-order term (grad of `backprop`) is checked as well. Labels must be
    distributions: the op's gradient (its `backprop`) assumes they sum to one, as TF's."""
    loss, _ = _raw("SoftmaxCrossEntropyWithLogits", features=x, labels=tf.nn.softmax(labels))
    _, backprop = _raw("SoftmaxCrossEntropyWithLogits", features=x,
                       labels=tf.constant([[0.2, 0.3, 0.5], [1.0, 0.0, 0.0]], F64))
    return loss + tf.reduce_sum(backprop * tf.constant([[0.3, -1.0, 2.0]], F64), 1)


def _sparse_xent_both_outputs(x):
    loss, backprop = _raw("SparseSoftmaxCrossEntropyWithLogits", features=x,
                          labels=tf.constant([2, 0], tf.int32))
    return loss + tf.reduce_sum(backprop * tf.constant([[0.3, -1.0, 2.0]], F64), 1)


_CONV = dict(strides=[1, 2, 1, 1], padding="SAME")
_POOL = dict(ksize=[1, 2, 3, 1], strides=[1, 2, 1, 1], padding="SAME")


def _max_pool_grad_op(op_type, x, g):
    y = tf.nn.max_pool(x, **_POOL)
    return _raw(op_type, orig_input=x, orig_output=y, grad=g, **_POOL)


NN_RECORDS = {
    "Relu": rec(tf.nn.relu, [(2, 3)]),
    "Relu6": rec(tf.nn.relu6, [(2, 3)], _between(-2.0, 8.0)),
    "Elu": rec(tf.nn.elu, [(2, 3)]),
    "Selu": rec(tf.nn.selu, [(2, 3)]),
    "LeakyRelu": rec(lambda x: tf.nn.leaky_relu(x, alpha=0.3), [(2, 3)]),
    "Softplus": rec(tf.nn.softplus, [(2, 3)], _between(-5.0, 5.0)),
    "Softsign": rec(tf.nn.softsign, [(2, 3)]),
    "ReluGrad": rec(lambda g, x: _raw("ReluGrad", gradients=g, features=x), [(2, 3)] * 2),
    "Relu6Grad": rec(lambda g, x: _raw("Relu6Grad", gradients=g, features=x), [(2, 3)] * 2,
                     _between(-2.0, 8.0)),
    "EluGrad": rec(lambda g, y: _raw("EluGrad", gradients=g, outputs=y), [(2, 3)] * 2,
                   _between(-0.9, 1.0)),
    "SeluGrad": rec(lambda g, y: _raw("SeluGrad", gradients=g, outputs=y), [(2, 3)] * 2,
                    _between(-1.5, 1.0)),
    "LeakyReluGrad": rec(lambda g, x: _raw("LeakyReluGrad", gradients=g, features=x,
                                           alpha=0.3), [(2, 3)] * 2),
    "SoftplusGrad": rec(lambda g, x: _raw("SoftplusGrad", gradients=g, features=x),
                        [(2, 3)] * 2),
    "SoftsignGrad": rec(lambda g, x: _raw("SoftsignGrad", gradients=g, features=x),
                        [(2, 3)] * 2),
    "Softmax": rec(tf.nn.softmax, [(2, 3)]),
    "LogSoftmax": rec(tf.nn.log_softmax, [(2, 3)]),
    "BiasAdd": rec(lambda v, b: tf.nn.bias_add(v, b, data_format="NCHW"), [(2, 3, 2), (3,)]),
    "BiasAddGrad": rec(lambda g: _raw("BiasAddGrad", out_backprop=g), [(2, 2, 3)]),
    "L2Loss": rec(tf.nn.l2_loss, [(2, 3)]),
    "SoftmaxCrossEntropyWithLogits": rec(_xent_both_outputs, [(2, 3), (2, 3)]),
    "SparseSoftmaxCrossEntropyWithLogits": rec(_sparse_xent_both_outputs, [(2, 3)]),
    "TopKV2": rec(lambda x: tf.nn.top_k(x, 2).values * 1.5, [(3, 4)]),
    "DivNoNan": rec(tf.div_no_nan, [(2, 3), (3,)], _pos),
    "Conv2D": rec(lambda x, f: tf.nn.conv2d(x, f, **_CONV), [(2, 5, 4, 3), (3, 2, 3, 2)]),
    "Conv2DBackpropInput": rec(lambda f, d: tf.nn.conv2d_backprop_input(
        [2, 5, 4, 3], f, d, **_CONV), [(3, 2, 3, 2), (2, 3, 4, 2)]),
    "Conv2DBackpropFilter": rec(lambda x, d: tf.nn.conv2d_backprop_filter(
        x, [3, 2, 3, 2], d, **_CONV), [(2, 5, 4, 3), (2, 3, 4, 2)]),
    "DepthwiseConv2dNative": rec(lambda x, f: tf.nn.depthwise_conv2d_native(x, f, **_CONV),
                                 [(1, 5, 4, 2), (3, 2, 2, 2)]),
    "DepthwiseConv2dNativeBackpropInput": rec(lambda f, d: _raw(
        "DepthwiseConv2dNativeBackpropInput", input_sizes=tf.constant([1, 5, 4, 2]), filter=f,
        out_backprop=d, **_CONV), [(3, 2, 2, 2), (1, 3, 4, 4)]),
    "DepthwiseConv2dNativeBackpropFilter": rec(lambda x, d: _raw(
        "DepthwiseConv2dNativeBackpropFilter", input=x, filter_sizes=tf.constant([3, 2, 2, 2]),
        out_backprop=d, **_CONV), [(1, 5, 4, 2), (1, 3, 4, 4)]),
    "MaxPool": rec(lambda x: tf.nn.max_pool(x, **_POOL), [(2, 4, 3, 2)]),
    "MaxPoolGrad": rec(lambda x, g: _max_pool_grad_op("MaxPoolGrad", x, g),
                       [(2, 4, 3, 2), (2, 2, 3, 2)]),
    "MaxPoolGradGrad": rec(lambda x, g: _max_pool_grad_op("MaxPoolGradGrad", x, g),
                           [(2, 4, 3, 2), (2, 4, 3, 2)]),
    "AvgPool": rec(lambda x: tf.nn.avg_pool(x, **_POOL), [(2, 4, 3, 2)]),
    "AvgPoolGrad": rec(lambda g: _raw("AvgPoolGrad", orig_input_shape=tf.constant([2, 4, 3, 2]),
                                      grad=g, **_POOL), [(2, 2, 3, 2)]),
}
RECORDS.update(NN_RECORDS)


# Ops that are differentiable in TF but whose graphflow gradient is still missing.
KNOWN_MISSING = set()


def _differentiable_ops():
    ops = registry.registered_ops()
    return sorted(t for t, d in ops.items()
                  if d.grad is not registry.NOT_DIFFERENTIABLE and not d.stateful
                  and not t.startswith("GfTest"))


def test_every_differentiable_op_has_a_record():
    missing = [t for t in _differentiable_ops() if t not in RECORDS and t not in KNOWN_MISSING]
    assert not missing, f"ops without a gradient-check record: {missing}"


@pytest.mark.parametrize("op_type", sorted(RECORDS))
def test_numeric_gradient(op_type):
    if op_type in KNOWN_MISSING:
        pytest.skip(f"{op_type}: gradient not implemented yet")
    record = RECORDS[op_type]
    rng = np.random.default_rng(7)
    xs = [tf.placeholder(F64, s) for s in record["shapes"]]
    y = record["build"](*xs)
    types = {op.type for op in tf.get_default_graph().get_operations()}
    assert op_type in types, f"record for {op_type} builds {sorted(types)}"
    values = [record["init"](s, rng) for s in record["shapes"]]
    y_shape = y.shape.as_list()
    pairs = tf.test.compute_gradient(xs, record["shapes"], y, y_shape, x_init_value=values,
                                     delta=1e-5)
    for theoretical, numerical in pairs:
        np.testing.assert_allclose(theoretical, numerical, atol=record["tol"],
                                   rtol=record["tol"])
