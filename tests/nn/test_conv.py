"""Convolutions: Conv2D (SAME, VALID, explicit padding, strides, dilations, groups, NCHW), its
gradients Conv2DBackpropInput/Filter, conv2d_transpose and depthwise convolutions, against
the direct loops of tests/nn/conv_oracles.py; TF's build-time and run-time errors; the im2col
CPU kernel against the numpy reference."""

import numpy as np
import pytest

import graphflow as tf
from graphflow import errors
from graphflow.kernels import reference
from graphflow.kernels.cpu import conv as cpu_conv
from tests.helpers import evaluate
from tests.nn import conv_oracles

RNG = np.random.default_rng(5)

# (input NHWC, filter, strides, padding for tf, padding for the oracle, dilations)
CONV_CASES = {
    "same": ((2, 5, 6, 3), (3, 3, 3, 4), (1, 1), "SAME", "SAME", (1, 1)),
    "valid": ((2, 5, 6, 3), (3, 2, 3, 4), (1, 1), "VALID", "VALID", (1, 1)),
    "same_stride2": ((1, 7, 6, 2), (4, 3, 2, 3), (2, 2), "SAME", "SAME", (1, 1)),
    "valid_stride_2x3": ((1, 7, 8, 2), (3, 3, 2, 2), (2, 3), "VALID", "VALID", (1, 1)),
    "dilated_same": ((1, 7, 7, 2), (3, 3, 2, 2), (1, 1), "SAME", "SAME", (2, 2)),
    "dilated_valid_stride": ((1, 9, 8, 1), (2, 3, 1, 2), (2, 1), "VALID", "VALID", (3, 2)),
    "explicit": ((1, 5, 5, 2), (3, 3, 2, 2), (1, 2),
                 [[0, 0], [1, 2], [0, 1], [0, 0]], ((1, 2), (0, 1)), (1, 1)),
    "one_by_one": ((2, 3, 4, 5), (1, 1, 5, 3), (1, 1), "VALID", "VALID", (1, 1)),
    "grouped": ((1, 5, 5, 4), (3, 3, 2, 6), (1, 1), "SAME", "SAME", (1, 1)),
}


def _case(name, dtype=np.float64):
    x_shape, f_shape, strides, padding, oracle_padding, dilations = CONV_CASES[name]
    x = RNG.normal(size=x_shape).astype(dtype)
    f = RNG.normal(size=f_shape).astype(dtype)
    return x, f, strides, padding, oracle_padding, dilations


@pytest.mark.parametrize("name", sorted(CONV_CASES))
def test_conv2d_and_its_gradients_match_direct_loops(name):
    x, f, strides, padding, oracle_padding, dilations = _case(name)
    px, pf = tf.placeholder(tf.float64, x.shape), tf.placeholder(tf.float64, f.shape)
    out = tf.nn.conv2d(px, pf, strides=list(strides), padding=padding,
                       dilations=list(dilations))
    expected = conv_oracles.conv2d(x, f, strides, oracle_padding, dilations)
    assert out.shape.as_list() == list(expected.shape)
    dout = RNG.normal(size=expected.shape)
    dx, df = tf.gradients(out, [px, pf], grad_ys=dout)
    assert dx.op.type == "Conv2DBackpropInput" and df.op.type == "Conv2DBackpropFilter"
    got, got_dx, got_df = evaluate([out, dx, df], {px: x, pf: f})
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
    oracle_dx, oracle_df = conv_oracles.conv2d(x, f, strides, oracle_padding, dilations,
                                               dout=dout)
    np.testing.assert_allclose(got_dx, oracle_dx, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(got_df, oracle_df, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", ["same", "valid_stride_2x3", "grouped", "dilated_same"])
def test_nchw_equals_transposed_nhwc(name):
    x, f, strides, padding, oracle_padding, dilations = _case(name, np.float32)
    nchw = tf.nn.conv2d(np.transpose(x, (0, 3, 1, 2)), f, strides=list(strides),
                        padding=padding, data_format="NCHW", dilations=list(dilations))
    expected = conv_oracles.conv2d(x, f, strides, oracle_padding, dilations)
    assert nchw.shape.as_list() == list(np.transpose(expected, (0, 3, 1, 2)).shape)
    np.testing.assert_allclose(evaluate(nchw), np.transpose(expected, (0, 3, 1, 2)),
                               rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", sorted(CONV_CASES))
def test_im2col_kernel_matches_reference_in_float32(name):
    x, f, strides, padding, _, dilations = _case(name, np.float32)
    out = tf.nn.conv2d(x, f, strides=list(strides), padding=padding, dilations=list(dilations))
    dout = RNG.normal(size=out.shape.as_list()).astype(np.float32)
    grads = tf.gradients(out, [out.op.inputs[0], out.op.inputs[1]], grad_ys=dout)
    got = evaluate([out] + grads)
    for op, value in zip([out.op] + [g.op for g in grads], got):
        inputs = evaluate(list(op.inputs))
        expected = reference.evaluate(op.type, op._attrs, *inputs)[0]
        np.testing.assert_allclose(value, expected, rtol=1e-4, atol=1e-4)


def test_conv2d_transpose_is_the_input_gradient():
    value = RNG.normal(size=(2, 4, 4, 5))
    f = RNG.normal(size=(3, 3, 3, 5))
    out = tf.nn.conv2d_transpose(value, f, [2, 8, 8, 3], [1, 2, 2, 1], "SAME")
    assert out.op.name == "conv2d_transpose" and out.shape.as_list() == [2, 8, 8, 3]
    dx, _ = conv_oracles.conv2d(np.zeros((2, 8, 8, 3)), f, (2, 2), "SAME", (1, 1), dout=value)
    np.testing.assert_allclose(evaluate(out), dx, rtol=1e-12, atol=1e-12)


def test_conv2d_accepts_int_and_pair_strides():
    x, f = RNG.normal(size=(1, 6, 6, 1)), RNG.normal(size=(2, 2, 1, 1))
    for strides in (2, [2], [2, 2], [1, 2, 2, 1]):
        out = tf.nn.conv2d(x, f, strides, "VALID")
        assert out.op.get_attr("strides") == [1, 2, 2, 1]
        np.testing.assert_allclose(evaluate(out), conv_oracles.conv2d(x, f, (2, 2)),
                                   rtol=1e-12)


@pytest.mark.parametrize("strides,padding,dilations", [
    ((1, 1), "SAME", (1, 1)), ((2, 2), "VALID", (1, 1)), ((1, 1), "VALID", (2, 2))])
def test_depthwise_conv2d_matches_loops(strides, padding, dilations):
    x, f = RNG.normal(size=(2, 6, 7, 3)), RNG.normal(size=(3, 3, 3, 2))
    out = tf.nn.depthwise_conv2d(x, f, [1, *strides, 1], padding, rate=list(dilations))
    expected = conv_oracles.depthwise_conv2d(x, f, strides, padding, dilations)
    assert out.op.name == "depthwise" and out.shape.as_list() == list(expected.shape)
    np.testing.assert_allclose(evaluate(out), expected, rtol=1e-12, atol=1e-12)


def test_depthwise_gradients_match_the_adjoint():
    """<dout, depthwise(x, f)> is bilinear: its gradients are checked against finite sums."""
    x = tf.constant(RNG.normal(size=(1, 5, 5, 2)))
    f = tf.constant(RNG.normal(size=(3, 3, 2, 2)))
    out = tf.nn.depthwise_conv2d_native(x, f, [1, 2, 2, 1], "SAME")
    dout = RNG.normal(size=out.shape.as_list())
    dx, df = tf.gradients(out, [x, f], grad_ys=dout)
    x_value, f_value, got_dx, got_df = evaluate([x, f, dx, df])
    np.testing.assert_allclose(np.sum(got_dx * x_value), np.sum(evaluate(out) * dout),
                               rtol=1e-12)
    np.testing.assert_allclose(np.sum(got_df * f_value), np.sum(evaluate(out) * dout),
                               rtol=1e-12)


def test_conv2d_build_time_errors():
    x = tf.placeholder(tf.float32, [1, 5, 5, 3])
    with pytest.raises(ValueError, match=r"Depth of input \(3\) is not a multiple of input "
                                         r"depth of filter \(2\)"):
        tf.nn.conv2d(x, tf.zeros([3, 3, 2, 4]), [1, 1, 1, 1], "SAME")
    with pytest.raises(ValueError, match="Negative dimension size caused by subtracting 7"):
        tf.nn.conv2d(x, tf.zeros([7, 3, 3, 4]), [1, 1, 1, 1], "VALID")
    with pytest.raises(ValueError, match="Shape must be rank 4 but is rank 3"):
        tf.nn.conv2d(tf.zeros([5, 5, 3]), tf.zeros([3, 3, 3, 4]), [1, 1, 1, 1], "VALID")
    with pytest.raises(ValueError, match="passed string 'FOO' not in"):
        tf.nn.conv2d(x, tf.zeros([3, 3, 3, 4]), [1, 1, 1, 1], "FOO")
    with pytest.raises(ValueError, match="strides should be of length 1, 2 or 4"):
        tf.nn.conv2d(x, tf.zeros([3, 3, 3, 4]), [1, 1, 1], "SAME")
    with pytest.raises(ValueError, match="'EXPLICIT' is not a valid value"):
        tf.nn.conv2d(x, tf.zeros([3, 3, 3, 4]), 1, "EXPLICIT")


def test_conv2d_run_time_errors():
    x, f = tf.placeholder(tf.float32), tf.placeholder(tf.float32)
    out = tf.nn.conv2d(x, f, [1, 1, 1, 1], "SAME")
    with pytest.raises(errors.InvalidArgumentError,
                       match="input depth must be evenly divisible by filter depth: 3 vs 2"):
        evaluate(out, {x: np.zeros((1, 5, 5, 3)), f: np.zeros((3, 3, 2, 4))})
    with pytest.raises(errors.InvalidArgumentError, match="must be 4-dimensional"):
        evaluate(out, {x: np.zeros((5, 5, 3)), f: np.zeros((3, 3, 3, 4))})
    batch_stride = tf.nn.conv2d(tf.zeros([1, 5, 5, 3]), tf.zeros([3, 3, 3, 4]), [2, 1, 1, 1],
                                "SAME")
    with pytest.raises(errors.UnimplementedError, match="strides in the batch and depth"):
        evaluate(batch_stride)


@pytest.mark.parametrize("name", sorted(CONV_CASES))
def test_chunked_im2col_matches_the_unchunked_kernel(name, monkeypatch):
    """With one image per chunk, every chunk boundary is exercised; chunks never overlap, so
    the forward pass and the input gradient are bit-identical to a single chunk."""
    x, f, strides, padding, _, dilations = _case(name, np.float32)
    x = np.concatenate([x, x[::-1] * 2, x + 1])  # at least three images
    out = tf.nn.conv2d(x, f, strides=list(strides), padding=padding, dilations=list(dilations))
    dout = RNG.normal(size=out.shape.as_list()).astype(np.float32)
    fetches = [out] + tf.gradients(out, [out.op.inputs[0], out.op.inputs[1]], grad_ys=dout)
    whole = evaluate(fetches)
    monkeypatch.setattr(cpu_conv, "CHUNK_BYTES", 1)
    chunked = evaluate(fetches)
    np.testing.assert_array_equal(chunked[0], whole[0])
    np.testing.assert_array_equal(chunked[1], whole[1])
    np.testing.assert_allclose(chunked[2], whole[2], rtol=1e-5, atol=1e-5)
    inputs = evaluate(list(fetches[2].op.inputs))
    expected = reference.evaluate("Conv2DBackpropFilter", fetches[2].op._attrs, *inputs)[0]
    np.testing.assert_allclose(chunked[2], expected, rtol=1e-4, atol=1e-4)
