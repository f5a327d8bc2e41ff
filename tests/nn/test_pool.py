"""Max and average pooling and their gradients against the direct loops of
tests/nn/conv_oracles.py; TF's tie, NaN and padding rules; second-order ops; errors."""

import numpy as np
import pytest

import graphflow as tf
from graphflow import errors
from graphflow.kernels import reference
from graphflow.kernels.cpu import conv as cpu_conv
from graphflow.op_builder import apply_op
from tests.helpers import evaluate
from tests.nn import conv_oracles

RNG = np.random.default_rng(9)

# (input shape, ksize, strides, padding)
POOL_CASES = {
    "2x2_same": ((2, 5, 6, 3), (2, 2), (2, 2), "SAME"),
    "3x3_s2_valid": ((2, 7, 6, 2), (3, 3), (2, 2), "VALID"),
    "3x3_s1_same": ((1, 4, 5, 2), (3, 3), (1, 1), "SAME"),
    "2x3_s_1x2_valid": ((1, 5, 7, 1), (2, 3), (1, 2), "VALID"),
    "window_larger_than_stride": ((1, 6, 6, 2), (4, 4), (2, 3), "SAME"),
}


@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize("name", sorted(POOL_CASES))
def test_pooling_and_gradient_match_loops(name, kind):
    shape, ksize, strides, padding = POOL_CASES[name]
    x = RNG.permutation(np.prod(shape)).reshape(shape).astype(np.float64) / 10  # no ties
    p = tf.placeholder(tf.float64, shape)
    pool = tf.nn.max_pool if kind == "max" else tf.nn.avg_pool
    out = pool(p, [1, *ksize, 1], [1, *strides, 1], padding)
    expected = conv_oracles.pool(x, ksize, strides, padding, kind)
    assert out.shape.as_list() == list(expected.shape)
    dout = RNG.normal(size=expected.shape)
    (dx,) = tf.gradients(out, [p], grad_ys=dout)
    assert dx.op.type == ("MaxPoolGrad" if kind == "max" else "AvgPoolGrad")
    got, got_dx = evaluate([out, dx], {p: x})
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    np.testing.assert_allclose(got_dx, conv_oracles.pool(x, ksize, strides, padding, kind,
                                                         dout=dout), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("op_type", ["MaxPool", "MaxPoolGrad", "AvgPool", "AvgPoolGrad"])
@pytest.mark.parametrize("name", sorted(POOL_CASES))
def test_cpu_pool_kernels_match_reference(name, op_type):
    shape, ksize, strides, padding = POOL_CASES[name]
    x = RNG.normal(size=shape).astype(np.float32)
    pool = tf.nn.max_pool if op_type.startswith("Max") else tf.nn.avg_pool
    out = pool(x, ksize, strides, padding)
    if op_type.endswith("Grad"):
        (out,) = tf.gradients(out, [out.op.inputs[0]],
                              grad_ys=RNG.normal(size=out.shape.as_list()).astype(np.float32))
    got = evaluate(out)
    inputs = evaluate(list(out.op.inputs))
    np.testing.assert_allclose(got, reference.evaluate(op_type, out.op._attrs, *inputs)[0],
                               rtol=1e-6, atol=1e-6)


def test_max_pool_ties_go_to_the_first_element():
    x = np.ones((1, 2, 2, 1), np.float32)
    out = tf.nn.max_pool(x, [1, 2, 2, 1], [1, 1, 1, 1], "SAME")
    (dx,) = tf.gradients(out, [out.op.inputs[0]])
    # Windows start at (0,0), (0,1), (1,0), (1,1): each one's first element is its own corner.
    np.testing.assert_array_equal(evaluate(dx).reshape(2, 2), [[1, 1], [1, 1]])
    x = np.array([3.0, 3.0, 1.0, 3.0], np.float32).reshape(1, 1, 4, 1)
    out = tf.nn.max_pool(x, [1, 1, 4, 1], [1, 1, 4, 1], "VALID")
    (dx,) = tf.gradients(out, [out.op.inputs[0]])
    np.testing.assert_array_equal(evaluate(dx).ravel(), [1, 0, 0, 0])


def test_max_pool_skips_nan_and_starts_at_the_lowest_value():
    x = np.array([[np.nan, 1.0], [2.0, 1.0]], np.float32).reshape(1, 2, 2, 1)
    np.testing.assert_array_equal(
        evaluate(tf.nn.max_pool(x, [1, 2, 2, 1], [1, 1, 1, 1], "SAME")).ravel(), [2, 1, 2, 1])
    low = np.full((1, 1, 2, 1), -np.inf, np.float32)
    np.testing.assert_array_equal(evaluate(tf.nn.max_pool(low, [1, 1, 2, 1], 1, "VALID")),
                                  np.full((1, 1, 1, 1), np.finfo(np.float32).min))


def test_max_pool_of_integers_uses_the_reference_kernel():
    x = tf.constant(np.arange(16, dtype=np.int32).reshape(1, 4, 4, 1))
    out = tf.nn.max_pool(x, 2, 2, "VALID")
    assert out.dtype == tf.int32
    np.testing.assert_array_equal(evaluate(out).ravel(), [5, 7, 13, 15])


def test_avg_pool_does_not_count_padding():
    x = np.arange(9, dtype=np.float32).reshape(1, 3, 3, 1)
    got = evaluate(tf.nn.avg_pool(x, [1, 2, 2, 1], [1, 2, 2, 1], "SAME"))
    np.testing.assert_allclose(got.reshape(2, 2), [[2.0, 3.5], [6.5, 8.0]])


def test_nchw_pooling_equals_transposed_nhwc():
    x = RNG.normal(size=(2, 5, 6, 3)).astype(np.float32)
    nchw = np.transpose(x, (0, 3, 1, 2))
    for pool, kind in ((tf.nn.max_pool, "max"), (tf.nn.avg_pool, "avg")):
        got = evaluate(pool(nchw, [1, 1, 3, 3], [1, 1, 2, 2], "SAME", data_format="NCHW"))
        expected = conv_oracles.pool(x, (3, 3), (2, 2), "SAME", kind)
        np.testing.assert_allclose(got, np.transpose(expected, (0, 3, 1, 2)), rtol=1e-5,
                                   atol=1e-6)


def test_max_pool_grad_grad_reads_the_gradient_at_each_maximum():
    x = RNG.permutation(32).reshape(1, 4, 4, 2).astype(np.float64)
    y = tf.nn.max_pool(x, 2, 2, "VALID")
    g = RNG.normal(size=x.shape)
    out = apply_op("MaxPoolGradGrad", orig_input=x, orig_output=y, grad=g, ksize=[1, 2, 2, 1],
                   strides=[1, 2, 2, 1], padding="VALID")
    windows = x.reshape(2, 2, 2, 2, 2).transpose(0, 2, 4, 1, 3).reshape(2, 2, 2, 4)
    grads = g.reshape(2, 2, 2, 2, 2).transpose(0, 2, 4, 1, 3).reshape(2, 2, 2, 4)
    picked = np.take_along_axis(grads, windows.argmax(-1)[..., None], -1)[..., 0]
    np.testing.assert_allclose(evaluate(out)[0], picked.transpose(0, 1, 2))


def test_pooling_errors():
    x = tf.placeholder(tf.float32, [1, 4, 4, 3])
    with pytest.raises(ValueError, match="ksize should be of length 1, 2 or 4"):
        tf.nn.max_pool(x, [1, 2, 2], [1, 2, 2, 1], "VALID")
    with pytest.raises(ValueError, match="`ksize` cannot be zero"):
        tf.nn.max_pool(x, [1, 0, 2, 1], [1, 2, 2, 1], "VALID")
    with pytest.raises(ValueError, match="Negative dimension size caused by subtracting 5 "
                                         "from 4"):
        tf.nn.avg_pool(x, 5, 1, "VALID")
    with pytest.raises(ValueError, match="passed string 'EXPLICIT' not in"):
        tf.nn.avg_pool(x, [1, 2, 2, 1], [1, 2, 2, 1], "EXPLICIT")
    batch = tf.nn.max_pool(tf.zeros([2, 4, 4, 3]), [2, 2, 2, 1], [1, 2, 2, 1], "VALID")
    with pytest.raises(errors.UnimplementedError, match="not yet supported on the batch"):
        evaluate(batch)


@pytest.mark.parametrize("parallel", [False, True])
@pytest.mark.parametrize("name", sorted(POOL_CASES))
def test_max_pool_grad_kernel_is_bit_exact_with_ties_and_nan(name, parallel, monkeypatch):
    """The channel-innermost kernel picks the reference's element (first maximum, NaN never
    beaten) in every window, serial or parallel over the batch."""
    shape, ksize, strides, padding = POOL_CASES[name]
    x = RNG.integers(0, 3, size=shape).astype(np.float32)  # many ties
    x.reshape(-1)[::7] = np.nan
    monkeypatch.setattr(cpu_conv, "PARALLEL_THRESHOLD", 0 if parallel else 1 << 60)
    out = tf.nn.max_pool(x, ksize, strides, padding)
    (dx,) = tf.gradients(out, [out.op.inputs[0]],
                         grad_ys=RNG.normal(size=out.shape.as_list()).astype(np.float32))
    inputs = evaluate(list(dx.op.inputs))
    np.testing.assert_array_equal(evaluate(dx),
                                  reference.evaluate("MaxPoolGrad", dx.op._attrs, *inputs)[0])


@pytest.mark.parametrize("kind", ["max", "avg"])
def test_pool_of_a_numpy_array_keeps_its_dtype(kind):
    """As in TF: the array is converted first, so float64 data makes a float64 pool (the
    op's default type, float32, would silently round it)."""
    x = (np.arange(16, dtype=np.float64) + 1e-9).reshape(1, 4, 4, 1)
    pool = tf.nn.max_pool if kind == "max" else tf.nn.avg_pool
    out = pool(x, [1, 2, 2, 1], [1, 2, 2, 1], "VALID")
    assert out.dtype == tf.float64
    np.testing.assert_array_equal(evaluate(out),
                                  conv_oracles.pool(x, (2, 2), (2, 2), "VALID", kind))
