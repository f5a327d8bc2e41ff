"""GPU reductions, matmul and nn kernels vs the CPU kernels (simulator)."""

import numpy as np
import pytest

import graphflow as gf
from cuda_helpers import assert_same_as_cpu, assert_same_error

RNG = np.random.default_rng(1)

REDUCTIONS = [gf.reduce_sum, gf.reduce_mean, gf.reduce_max, gf.reduce_min, gf.reduce_prod]


@pytest.mark.parametrize("fn", REDUCTIONS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("axis,keepdims", [(None, False), (0, False), (1, True), ([0, 2], False),
                                           (-1, True)])
def test_reductions(fn, axis, keepdims):
    x = gf.placeholder(gf.float32, [3, 4, 5])
    a = RNG.uniform(0.5, 1.5, size=(3, 4, 5)).astype(np.float32)
    assert_same_as_cpu(fn(x, axis=axis, keepdims=keepdims), {x: a}, rtol=1e-5)


def test_reductions_int_bool_nan_and_empty():
    i = gf.placeholder(gf.int32, [None, 3])
    ints = np.array([[1, -5, 3], [7, 2, -9]], np.int32)
    assert_same_as_cpu(gf.reduce_sum(i, axis=0), {i: ints})
    assert_same_as_cpu(gf.reduce_max(i, axis=1), {i: ints})
    b = gf.placeholder(gf.bool, [2, 3])
    assert_same_as_cpu(gf.reduce_any(b, axis=1), {b: ints > 2})
    assert_same_as_cpu(gf.reduce_all(b, axis=0), {b: ints > -6})
    f = gf.placeholder(gf.float32, [None, 3])
    nan = np.array([[1, np.nan, 3], [4, 5, 6]], np.float32)
    out = assert_same_as_cpu(gf.reduce_max(f, axis=1), {f: nan})[0]
    assert np.isnan(out[0]) and out[1] == 6
    empty = np.zeros((0, 3), np.float32)
    assert_same_as_cpu(gf.reduce_sum(f, axis=0), {f: empty})
    assert_same_as_cpu(gf.reduce_mean(f, axis=0), {f: empty})
    axis = gf.placeholder(gf.int32, [])
    err = assert_same_error(gf.reduce_sum(f, axis=axis), {f: nan, axis: 2})
    assert "Invalid reduction dimension (2 for input with 2 dimension(s)" in err.message


@pytest.mark.parametrize("ta,tb", [(False, False), (True, False), (False, True), (True, True)])
@pytest.mark.parametrize("m,k,n", [(1, 1, 1), (5, 7, 3), (9, 4, 10)])
def test_matmul_tiles_and_transposes(ta, tb, m, k, n):
    a = RNG.normal(size=(k, m) if ta else (m, k)).astype(np.float32)
    b = RNG.normal(size=(n, k) if tb else (k, n)).astype(np.float32)
    x = gf.placeholder(gf.float32, a.shape)
    y = gf.placeholder(gf.float32, b.shape)
    out = assert_same_as_cpu(gf.matmul(x, y, transpose_a=ta, transpose_b=tb), {x: a, y: b},
                             rtol=1e-5, atol=1e-5)[0]
    np.testing.assert_allclose(out, (a.T if ta else a) @ (b.T if tb else b), rtol=1e-5,
                               atol=1e-5)


def test_matmul_float64_empty_inner_and_errors():
    x = gf.placeholder(gf.float64, [None, None])
    y = gf.placeholder(gf.float64, [None, None])
    assert_same_as_cpu(gf.matmul(x, y), {x: RNG.normal(size=(3, 6)), y: RNG.normal(size=(6, 2))},
                       rtol=1e-12)
    assert_same_as_cpu(gf.matmul(x, y), {x: np.zeros((3, 0)), y: np.zeros((0, 2))})
    err = assert_same_error(gf.matmul(x, y), {x: np.zeros((3, 4)), y: np.zeros((5, 2))})
    assert "Matrix size-incompatible: In[0]: [3,4], In[1]: [5,2]" in err.message


def test_bias_add_and_grad():
    x = gf.placeholder(gf.float32, [None, 3, 4])
    b = gf.placeholder(gf.float32, [None])
    a = RNG.normal(size=(2, 3, 4)).astype(np.float32)
    bias = RNG.normal(size=4).astype(np.float32)
    assert_same_as_cpu(gf.nn.bias_add(x, b), {x: a, b: bias})
    assert_same_as_cpu(gf.nn.bias_add(x, b, data_format="NCHW"), {x: a, b: bias[:3]})
    grad = gf.gradients(gf.nn.bias_add(x, b), [b])[0]
    assert grad.op.type == "BiasAddGrad"
    assert_same_as_cpu(grad.op.outputs[0], {x: a, b: bias})
    assert_same_error(gf.nn.bias_add(x, b), {x: a, b: bias[:3]})


def test_softmax_and_log_softmax():
    x = gf.placeholder(gf.float32, [None, 5])
    a = RNG.normal(size=(4, 5)).astype(np.float32) * 10
    a[0, 0] = -np.inf
    assert_same_as_cpu(gf.nn.softmax(x), {x: a}, rtol=1e-5)
    assert_same_as_cpu(gf.nn.log_softmax(x), {x: a}, rtol=1e-5)


def test_cross_entropies():
    logits = gf.placeholder(gf.float32, [None, 6])
    labels = gf.placeholder(gf.int64, [None])
    dense = gf.placeholder(gf.float32, [None, 6])
    a = RNG.normal(size=(5, 6)).astype(np.float32) * 3
    y = np.array([0, 5, 2, 2, 1], np.int64)
    sparse = gf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
    assert_same_as_cpu(sparse, {logits: a, labels: y}, rtol=1e-5)
    assert_same_as_cpu(sparse.op.outputs[1], {logits: a, labels: y}, rtol=1e-5, atol=1e-6)
    p = np.exp(a) / np.exp(a).sum(1, keepdims=True)
    loss = gf.nn.softmax_cross_entropy_with_logits_v2(labels=dense, logits=logits)
    xent = loss.op if loss.op.type == "SoftmaxCrossEntropyWithLogits" else [
        o for o in gf.get_default_graph().get_operations()
        if o.type == "SoftmaxCrossEntropyWithLogits"][0]
    assert_same_as_cpu(xent.outputs[0], {logits: a, dense: p[::-1]}, rtol=1e-5)
    assert_same_as_cpu(xent.outputs[1], {logits: a, dense: p[::-1]}, rtol=1e-5, atol=1e-6)
    err = assert_same_error(sparse, {logits: a, labels: np.array([0, 6, 1, 1, 1], np.int64)})
    assert "Received a label value of 6 which is outside the valid range of [0, 6)" in err.message
