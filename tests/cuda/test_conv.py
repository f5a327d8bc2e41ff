"""GPU convolutions, pooling, arg-reductions, L2Loss and LeakyRelu vs the CPU kernels."""

import numpy as np
import pytest
from cuda_helpers import assert_same_as_cpu, assert_same_error

import graphflow as gf
from graphflow import errors

RNG = np.random.default_rng(4)
TOL = {"rtol": 1e-5, "atol": 1e-5}


def _grad_op(y, x, op_type):
    for g in gf.gradients(gf.reduce_sum(y * y), [x]):
        op = g.op
        while op.type != op_type:
            op = op.inputs[0].op
        return op.outputs[0]


CONVS = [  # (input NHWC shape, filter shape, strides, padding, dilations)
    ((1, 4, 5, 3), (3, 3, 3, 2), [1, 1, 1, 1], "SAME", None),
    ((1, 7, 6, 2), (2, 3, 2, 3), [1, 2, 3, 1], "VALID", None),
    ((2, 6, 6, 2), (3, 2, 2, 2), [1, 2, 2, 1], "SAME", None),
    ((1, 7, 7, 1), (2, 2, 1, 2), [1, 1, 1, 1], "VALID", [1, 2, 2, 1]),
]


@pytest.mark.parametrize("case", CONVS, ids=str)
def test_conv2d_and_gradients(case):
    x_shape, f_shape, strides, padding, dilations = case
    x = gf.placeholder(gf.float32, x_shape)
    f = gf.placeholder(gf.float32, f_shape)
    y = gf.nn.conv2d(x, f, strides, padding, dilations=dilations)
    feed = {x: RNG.normal(size=x_shape).astype(np.float32),
            f: RNG.normal(size=f_shape).astype(np.float32)}
    assert_same_as_cpu(y, feed, **TOL)
    assert_same_as_cpu(_grad_op(y, x, "Conv2DBackpropInput"), feed, **TOL)
    assert_same_as_cpu(_grad_op(y, f, "Conv2DBackpropFilter"), feed, rtol=1e-4, atol=1e-4)


def test_conv2d_nchw_float64_and_errors():
    x = gf.placeholder(gf.float64, [2, 3, 5, 4])
    f = gf.placeholder(gf.float64, [2, 2, 3, 2])
    y = gf.nn.conv2d(x, f, [1, 1, 2, 1], "SAME", data_format="NCHW")
    feed = {x: RNG.normal(size=(2, 3, 5, 4)), f: RNG.normal(size=(2, 2, 3, 2))}
    assert_same_as_cpu(y, feed, rtol=1e-12, atol=1e-12)
    assert_same_as_cpu(_grad_op(y, x, "Conv2DBackpropInput"), feed, rtol=1e-12, atol=1e-12)
    assert_same_as_cpu(_grad_op(y, f, "Conv2DBackpropFilter"), feed, rtol=1e-12, atol=1e-12)
    u = gf.placeholder(gf.float32, None)
    v = gf.placeholder(gf.float32, None)
    err = assert_same_error(gf.nn.conv2d(u, v, [1, 1, 1, 1], "VALID"),
                            {u: np.zeros((1, 1, 1, 3), np.float32),
                             v: np.zeros((3, 3, 3, 1), np.float32)})
    assert "Computed output size would be negative" in err.message
    assert_same_error(gf.nn.conv2d(u, v, [1, 1, 1, 1], "VALID"),
                      {u: np.zeros((1, 4, 4, 3), np.float32),
                       v: np.zeros((3, 3, 2, 1), np.float32)})


POOLS = [  # (input shape, ksize, strides, padding)
    ((2, 5, 6, 3), [1, 2, 2, 1], [1, 2, 2, 1], "VALID"),
    ((1, 5, 5, 2), [1, 3, 3, 1], [1, 2, 2, 1], "SAME"),
    ((1, 4, 7, 1), [1, 3, 2, 1], [1, 1, 3, 1], "SAME"),
]


@pytest.mark.parametrize("case", POOLS, ids=str)
@pytest.mark.parametrize("pool,grad_type", [(gf.nn.max_pool, "MaxPoolGrad"),
                                            (gf.nn.avg_pool, "AvgPoolGrad")])
def test_pooling_and_gradients(case, pool, grad_type):
    shape, ksize, strides, padding = case
    x = gf.placeholder(gf.float32, shape)
    a = RNG.normal(size=shape).astype(np.float32)
    a.reshape(-1)[::7] = a.reshape(-1)[1]  # ties: the first element of a window wins
    y = pool(x, ksize, strides, padding)
    assert_same_as_cpu(y, {x: a}, **TOL)
    assert_same_as_cpu(_grad_op(y, x, grad_type), {x: a}, **TOL)


def test_pooling_nchw_nan_and_errors():
    x = gf.placeholder(gf.float32, [1, 2, 4, 4])
    a = RNG.normal(size=(1, 2, 4, 4)).astype(np.float32)
    a[0, 0, 0, 1] = np.nan
    for pool, grad_type in ((gf.nn.max_pool, "MaxPoolGrad"), (gf.nn.avg_pool, "AvgPoolGrad")):
        y = pool(x, [1, 1, 2, 2], [1, 1, 2, 2], "SAME", data_format="NCHW")
        assert_same_as_cpu(y, {x: a}, **TOL)
        assert_same_as_cpu(_grad_op(y, x, grad_type), {x: a}, **TOL)
    u = gf.placeholder(gf.float32, None)
    assert_same_error(gf.nn.max_pool(u, [1, 2, 2, 1], [1, 1, 1, 1], "VALID"),
                      {u: np.zeros((2, 2, 2), np.float32)})
    assert_same_error(gf.nn.avg_pool(u, [1, 3, 3, 1], [1, 1, 1, 1], "VALID"),
                      {u: np.zeros((1, 1, 1, 1), np.float32)})
    with pytest.raises(errors.UnimplementedError):
        assert_same_as_cpu(gf.nn.max_pool(u, [2, 2, 2, 1], [1, 1, 1, 1], "VALID"),
                           {u: np.zeros((2, 2, 2, 1), np.float32)})


@pytest.mark.parametrize("fn", [gf.argmax, gf.argmin])
def test_arg_reductions(fn):
    x = gf.placeholder(gf.float32, [3, 4, 5])
    a = RNG.normal(size=(3, 4, 5)).astype(np.float32)
    a[0, :, 0] = np.nan
    a[1, 1, :] = np.nan
    a[2, 0, 0] = a[2, 1, 0]
    for axis in (0, 1, 2, -1):
        assert_same_as_cpu(fn(x, axis), {x: a})
    i = gf.placeholder(gf.int64, [None])
    assert_same_as_cpu(fn(i, 0, output_type=gf.int32), {i: np.array([2**60 + 1, 2**60, 3,
                                                                       2**60 + 1])})
    axis = gf.placeholder(gf.int32, [])
    assert_same_error(fn(x, axis), {x: a, axis: 3})
    e = gf.placeholder(gf.float32, [None, 2])
    assert_same_error(fn(e, 0), {e: np.zeros((0, 2), np.float32)})


def test_l2_loss_and_leaky_relu():
    x = gf.placeholder(gf.float32, None)
    a = RNG.normal(size=(4, 5)).astype(np.float32)
    assert_same_as_cpu(gf.nn.l2_loss(x), {x: a}, rtol=1e-5)
    assert_same_as_cpu(gf.nn.l2_loss(x), {x: np.zeros((0,), np.float32)})
    y = gf.nn.leaky_relu(x, alpha=0.3)
    assert y.op.type == "LeakyRelu"
    special = np.array([-2.0, -0.0, 0.0, 1.5, np.inf, -np.inf, np.nan], np.float32)
    assert_same_as_cpu(y, {x: special})
    grad = _grad_op(y, x, "LeakyReluGrad")
    assert_same_as_cpu(grad, {x: a})
    d = gf.placeholder(gf.float64, [3])
    assert_same_as_cpu(gf.nn.leaky_relu(d, alpha=0.01), {d: np.array([-1.0, 0.5, -3.0])})
