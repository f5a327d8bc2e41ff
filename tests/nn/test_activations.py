"""Activations, softmax/log_softmax, bias_add and l2_loss against independent oracles
(Python's math module element by element, in float64), with TF's edge cases and errors."""

import math

import numpy as np
import pytest

import graphflow as tf
from graphflow import errors
from graphflow.kernels import reference
from graphflow.op_builder import apply_op
from tests.helpers import evaluate

SELU_ALPHA, SELU_SCALE = 1.6732632423543772, 1.0507009873554805
LEAKY_ALPHA = float(np.float32(0.2))  # float attrs are float32, as in TF's AttrValue


def _softplus(x):
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


def _elementwise(fn, x):
    return np.vectorize(fn, otypes=[np.float64])(np.asarray(x, np.float64))


# op -> (public function, scalar oracle)
ACTIVATIONS = {
    "Relu": (tf.nn.relu, lambda x: max(x, 0.0)),
    "Relu6": (tf.nn.relu6, lambda x: min(max(x, 0.0), 6.0)),
    "Elu": (tf.nn.elu, lambda x: x if x > 0 else math.expm1(x)),
    "Selu": (tf.nn.selu, lambda x: SELU_SCALE * (x if x > 0 else SELU_ALPHA * math.expm1(x))),
    "LeakyRelu": (tf.nn.leaky_relu, lambda x: x if x > 0 else LEAKY_ALPHA * x),
    "Softplus": (tf.nn.softplus, _softplus),
    "Softsign": (tf.nn.softsign, lambda x: x / (1 + abs(x))),
}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("op_type", sorted(ACTIVATIONS))
def test_activation_values(op_type, dtype):
    fn, oracle = ACTIVATIONS[op_type]
    x = np.concatenate([np.linspace(-8, 8, 33), [-60.0, -20.0, 20.0, 60.0, 0.0]]).astype(dtype)
    p = tf.placeholder(tf.as_dtype(dtype), [None])
    out = fn(p)
    assert out.op.type == op_type and out.dtype == tf.as_dtype(dtype) and out.op.name == op_type
    tol = 1e-6 if dtype == np.float32 else 1e-13
    np.testing.assert_allclose(evaluate(out, {p: x}), _elementwise(oracle, x), rtol=tol,
                               atol=tol)


def test_softplus_is_exact_in_the_tails():
    x = np.array([-80.0, -30.0, 30.0, 100.0], np.float32)
    got = evaluate(tf.nn.softplus(x))
    np.testing.assert_allclose(got, [math.exp(-80), math.exp(-30), 30.0, 100.0], rtol=1e-6)


def test_relu_keeps_nan_and_accepts_integers():
    assert np.isnan(evaluate(tf.nn.relu(tf.constant([np.nan], tf.float32)))[0])
    ints = tf.nn.relu(tf.constant([-3, 0, 4]))
    assert ints.dtype == tf.int32
    np.testing.assert_array_equal(evaluate(ints), [0, 0, 4])
    np.testing.assert_array_equal(evaluate(tf.nn.relu6(tf.constant([-3, 9, 4]))), [0, 6, 4])


def test_leaky_relu_casts_integers_and_takes_alpha():
    out = tf.nn.leaky_relu(tf.constant([-2, 3]), alpha=np.float64(0.5))
    assert out.dtype == tf.float32 and out.op.get_attr("alpha") == 0.5
    np.testing.assert_allclose(evaluate(out), [-1.0, 3.0])


@pytest.mark.parametrize("fn", [tf.nn.elu, tf.nn.selu, tf.nn.softplus, tf.nn.softsign,
                                tf.nn.softmax, tf.nn.l2_loss])
def test_float_only_ops_reject_integers(fn):
    with pytest.raises(TypeError, match="not in list of allowed values"):
        fn(tf.constant([1, 2]))


# (gradient op, forward function, derivative oracle of the second input)
ACTIVATION_GRADS = {
    "ReluGrad": (lambda x: 1.0 if x > 0 else 0.0, "features"),
    "Relu6Grad": (lambda x: 1.0 if 0 < x < 6 else 0.0, "features"),
    "EluGrad": (lambda y: y + 1 if y < 0 else 1.0, "outputs"),
    "SeluGrad": (lambda y: y + SELU_SCALE * SELU_ALPHA if y < 0 else SELU_SCALE, "outputs"),
    "LeakyReluGrad": (lambda x: 1.0 if x > 0 else LEAKY_ALPHA, "features"),
    "SoftplusGrad": (lambda x: 1 / (1 + math.exp(-x)), "features"),
    "SoftsignGrad": (lambda x: 1 / (1 + abs(x)) ** 2, "features"),
}


@pytest.mark.parametrize("op_type", sorted(ACTIVATION_GRADS))
def test_activation_gradient_ops(op_type):
    oracle, second = ACTIVATION_GRADS[op_type]
    rng = np.random.default_rng(1)
    g = rng.normal(size=12)
    x = np.linspace(-1.9, 7.1, 12) if op_type != "EluGrad" else np.linspace(-0.9, 2, 12)
    extra = {"alpha": 0.2} if op_type == "LeakyReluGrad" else {}
    out = apply_op(op_type, gradients=tf.constant(g), **{second: tf.constant(x)}, **extra)
    np.testing.assert_allclose(evaluate(out), g * _elementwise(oracle, x), rtol=1e-12)


def _softmax_oracle(x, axis):
    x = np.asarray(x, np.float64)
    e = np.exp(x)
    return e / e.sum(axis=axis, keepdims=True)


@pytest.mark.parametrize("shape,axis", [((5,), -1), ((3, 4), -1), ((3, 4), 0), ((2, 3, 4), 1),
                                        ((2, 3, 4), -3), ((2, 3, 4), 2)])
def test_softmax_and_log_softmax_along_any_axis(shape, axis):
    x = np.random.default_rng(2).normal(size=shape).astype(np.float32)
    p = tf.placeholder(tf.float32, shape)
    soft, log_soft = tf.nn.softmax(p, axis=axis), tf.nn.log_softmax(p, axis=axis)
    assert soft.shape.as_list() == list(shape)
    got_soft, got_log = evaluate([soft, log_soft], {p: x})
    expected = _softmax_oracle(x, axis)
    np.testing.assert_allclose(got_soft, expected, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(got_log, np.log(expected), rtol=1e-5, atol=1e-6)


def test_softmax_dim_alias_and_axis_errors():
    x = tf.constant(np.zeros((2, 3), np.float32))
    np.testing.assert_allclose(evaluate(tf.nn.softmax(x, dim=0)), np.full((2, 3), 0.5))
    with pytest.raises(errors.InvalidArgumentError, match=r"`dim` must be in the range \[-2, 2\)"):
        tf.nn.softmax(x, axis=2)
    with pytest.raises(ValueError, match="at least rank 1"):
        tf.nn.softmax(tf.constant(1.0))


def test_softmax_is_stable_for_extreme_logits():
    x = tf.constant([[1000.0, 0.0], [-np.inf, 0.0], [np.inf, 0.0], [-1000.0, -1000.0]])
    soft, log_soft = evaluate([tf.nn.softmax(x), tf.nn.log_softmax(x)])
    np.testing.assert_array_equal(soft[:2], [[1.0, 0.0], [0.0, 1.0]])
    assert np.all(np.isnan(soft[2]))  # inf - inf, as in TF
    np.testing.assert_allclose(soft[3], [0.5, 0.5])
    np.testing.assert_allclose(log_soft[0], [0.0, -1000.0])
    np.testing.assert_allclose(log_soft[3], [math.log(0.5)] * 2, rtol=1e-6)


@pytest.mark.parametrize("rows", [3, 3000])
def test_softmax_cpu_kernel_matches_reference(rows):
    x = np.random.default_rng(3).normal(size=(rows, 100)).astype(np.float32) * 10
    p = tf.placeholder(tf.float32, x.shape)
    for fn, op_type in ((tf.nn.softmax, "Softmax"), (tf.nn.log_softmax, "LogSoftmax")):
        got = evaluate(fn(p), {p: x})
        ref = reference.evaluate(op_type, {}, x)[0]
        np.testing.assert_allclose(got, ref, rtol=2e-6, atol=1e-6)


def test_bias_add_nhwc_and_nchw():
    value = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    bias3, bias4 = np.array([1, 2, 3], np.float32), np.array([10, 20, 30, 40], np.float32)
    last = tf.nn.bias_add(value, bias4)
    first = tf.nn.bias_add(value, bias3, data_format="NCHW")
    assert last.op.get_attr("data_format") == "NHWC"
    got_last, got_first = evaluate([last, first])
    np.testing.assert_array_equal(got_last, value + bias4)
    np.testing.assert_array_equal(got_first, value + bias3[:, None])


def test_bias_add_errors():
    with pytest.raises(ValueError, match="Dimensions must be equal, but are 3 and 4"):
        tf.nn.bias_add(tf.zeros([2, 3]), tf.zeros([4]))
    with pytest.raises(ValueError, match="at least rank 2 but is rank 1"):
        tf.nn.bias_add(tf.zeros([3]), tf.zeros([3]))
    with pytest.raises(ValueError, match="data_format must be of the form"):
        tf.nn.bias_add(tf.zeros([2, 3]), tf.zeros([3]), data_format="HWC")
    v, b = tf.placeholder(tf.float32), tf.placeholder(tf.float32)
    with pytest.raises(errors.InvalidArgumentError, match="as many biases"):
        evaluate(tf.nn.bias_add(v, b), {v: np.zeros((2, 3)), b: np.zeros(4)})


def test_bias_add_grad_sums_all_but_channels():
    g = np.arange(24, dtype=np.float64).reshape(2, 3, 4)
    last = apply_op("BiasAddGrad", out_backprop=g)
    first = apply_op("BiasAddGrad", out_backprop=g, data_format="NCHW")
    assert last.shape.as_list() == [4] and first.shape.as_list() == [3]
    np.testing.assert_array_equal(evaluate(last), [g[:, :, k].sum() for k in range(4)])
    np.testing.assert_array_equal(evaluate(first), [g[:, k, :].sum() for k in range(3)])


def test_l2_loss():
    x = np.array([[1.0, -2.0], [3.0, 0.5]])
    out = tf.nn.l2_loss(x)
    assert out.shape.as_list() == [] and out.op.type == "L2Loss"
    assert evaluate(out) == pytest.approx((1 + 4 + 9 + 0.25) / 2)


def test_sigmoid_and_tanh_are_the_math_ops():
    assert tf.nn.sigmoid is tf.sigmoid and tf.nn.tanh is tf.tanh
