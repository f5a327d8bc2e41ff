"""Winograd convolutions (graphflow/kernels/cpu/winograd.py): the Toom-Cook matrices exactly,
the float32 Conv2D and Conv2DBackpropInput kernels that take that path (asserted to run)
against the oracle loops of tests/nn/conv_oracles.py, every F(m x m, r x r) of
winograd.POINTS through the generated tile loops, and the convolutions that must stay on
im2col (float64, strides, too small)."""

import itertools

import numpy as np
import pytest

import graphflow as gf
from graphflow.kernels.cpu import conv as cpu_conv
from graphflow.kernels.cpu import winograd
from graphflow.kernels.reference import conv as ref_conv
from tests.helpers import evaluate
from tests.nn import conv_oracles

RNG = np.random.default_rng(5)
TOLERANCE = 1e-4  # of the largest magnitude of the result: float32 rounding, amplified

# name: (input NHWC, filter, padding). Odd sizes leave partial edge tiles; channels are no
# multiple of a vector; "tiny" runs only with the size thresholds lowered.
CASES = {
    "same_odd_3x7x9": ((3, 7, 9, 5), (5, 5, 5, 6), "SAME"),
    "valid_odd_1x9x10": ((1, 9, 10, 4), (5, 5, 4, 17), "VALID"),
    "same_wide_channels": ((1, 6, 5, 20), (5, 5, 20, 9), "SAME"),
    "tiny_1x1_same": ((3, 1, 1, 6), (5, 5, 6, 5), "SAME"),
    "tiny_valid_5x5": ((1, 5, 5, 4), (5, 5, 4, 4), "VALID"),
}


@pytest.fixture
def recorded(monkeypatch):
    """The sizes thresholds lowered to admit every case, and a list that records the
    output tile size of each winograd.correlate call."""
    monkeypatch.setattr(cpu_conv, "WINOGRAD_MIN_IMAGE", 1)
    monkeypatch.setattr(cpu_conv, "WINOGRAD_MIN_BATCH", 1)
    calls = []
    real = winograd.correlate

    def spy(x, f, pads, out_hw, m, out, gemm):
        calls.append(m)
        return real(x, f, pads, out_hw, m, out, gemm)
    monkeypatch.setattr(winograd, "correlate", spy)
    return calls


def _assert_close(got, want, what):
    scale = max(np.abs(want).max(), 1e-30)
    error = np.abs(got.astype(np.float64) - want).max() / scale
    assert error <= TOLERANCE, f"{what}: max error {error:.2e} of the output scale"


@pytest.mark.parametrize("scale", [1.0, 100.0])
@pytest.mark.parametrize("name", sorted(CASES))
def test_conv2d_and_input_gradient_match_the_oracle(name, scale, recorded):
    x_shape, f_shape, padding = CASES[name]
    x = (RNG.normal(size=x_shape) * scale).astype(np.float32)
    f = RNG.normal(size=f_shape).astype(np.float32)
    px = gf.placeholder(gf.float32, x_shape)
    out = gf.nn.conv2d(px, f, [1, 1, 1, 1], padding)
    dout = (RNG.normal(size=out.shape.as_list()) * scale).astype(np.float32)
    (dx,) = gf.gradients(out, [px], grad_ys=dout)
    got_out, got_dx = evaluate([out, dx], {px: x})
    assert recorded == [winograd.TILES[5]] * 2
    x64, f64 = x.astype(np.float64), f.astype(np.float64)
    _assert_close(got_out, conv_oracles.conv2d(x64, f64, padding=padding), "Conv2D")
    want_dx, _ = conv_oracles.conv2d(x64, f64, padding=padding, dout=dout.astype(np.float64))
    _assert_close(got_dx, want_dx, "Conv2DBackpropInput")


def test_training_gradients_through_the_graph_match_the_oracle():
    """tf.nn.conv2d + tf.gradients of a loss at the default thresholds (a small LeNet-like
    layer takes the Winograd path): the input and filter gradients against the oracle."""
    x = RNG.normal(size=(16, 8, 8, 4)).astype(np.float32)
    f = (RNG.normal(size=(5, 5, 4, 5)) * 0.1).astype(np.float32)
    assert cpu_conv._winograd_tile(_geometry(x.shape, f.shape, "SAME"), 16, 4, 5, 1,
                                   np.float32) == winograd.TILES[5]
    px, pf = gf.placeholder(gf.float32, x.shape), gf.placeholder(gf.float32, f.shape)
    out = gf.nn.conv2d(px, pf, [1, 1, 1, 1], "SAME")
    target = RNG.normal(size=out.shape.as_list()).astype(np.float32)
    loss = 0.5 * gf.reduce_sum(gf.square(out - target))
    dx, df = gf.gradients(loss, [px, pf])
    got_out, got_dx, got_df = evaluate([out, dx, df], {px: x, pf: f})
    x64, f64 = x.astype(np.float64), f.astype(np.float64)
    want_out = conv_oracles.conv2d(x64, f64, padding="SAME")
    want_dx, want_df = conv_oracles.conv2d(x64, f64, padding="SAME", dout=want_out - target)
    _assert_close(got_out, want_out, "output")
    _assert_close(got_dx, want_dx, "input gradient")
    _assert_close(got_df, want_df, "filter gradient")


def _geometry(x_shape, f_shape, padding):
    attrs = {"strides": [1, 1, 1, 1], "padding": padding, "data_format": "NHWC",
             "dilations": [1, 1, 1, 1], "explicit_paddings": []}
    return ref_conv.conv_geometry(attrs, x_shape, f_shape)[0]


@pytest.mark.parametrize("m, r", sorted(winograd.POINTS))
def test_transform_is_exact_one_dimensional_correlation(m, r):
    """Aᵀ [(G g) ⊙ (Bᵀ d)] = the correlation of d with g, in exact fractions."""
    t = winograd.transform(m, r)
    alpha = m + r - 1
    for trial in range(3):
        d = [int(v) for v in RNG.integers(-9, 10, size=alpha)]
        g = [int(v) for v in RNG.integers(-9, 10, size=r)]
        gg = [sum(row[j] * g[j] for j in range(r)) for row in t.g]
        bd = [sum(row[j] * d[j] for j in range(alpha)) for row in t.bt]
        y = [sum(row[k] * gg[k] * bd[k] for k in range(alpha)) for row in t.at]
        assert y == [sum(d[i + j] * g[j] for j in range(r)) for i in range(m)]


def _correlation64(x, f, pads, out_hw):
    """float64 stride-1 correlation at paddings (top, left), output out_hw."""
    r = f.shape[0]
    (pt, pl), (oh, ow) = pads, out_hw
    n, h, w, c = x.shape
    padded = np.zeros((n, oh + r - 1, ow + r - 1, c))
    rows, cols = min(h, oh + r - 1 - pt), min(w, ow + r - 1 - pl)
    padded[:, pt:pt + rows, pl:pl + cols] = x[:, :rows, :cols]
    out = np.zeros((n, oh, ow, f.shape[3]))
    for i, j in itertools.product(range(r), range(r)):
        out += padded[:, i:i + oh, j:j + ow] @ f[i, j].astype(np.float64)
    return out


@pytest.mark.parametrize("m, r", sorted(winograd.POINTS))
def test_every_tile_size_through_the_generated_loops(m, r, monkeypatch):
    """Each POINTS entry's kernels on odd sizes (partial tiles), more images than a chunk."""
    monkeypatch.setattr(winograd, "CHUNK_BYTES", 1)  # one image a chunk
    x = RNG.normal(size=(3, 7, 9, 5)).astype(np.float32)
    f = RNG.normal(size=(r, r, 5, 17)).astype(np.float32)
    pads, out_hw = ((r - 1) // 2, (r - 1) // 2), (7, 9)
    out = np.empty((3, *out_hw, 17), np.float32)

    def gemm(v, u, prods):
        np.matmul(v, u, out=prods)
    winograd.correlate(x, f, pads, out_hw, m, out, gemm)
    _assert_close(out, _correlation64(x, f, pads, out_hw), f"F({m}, {r})")


def test_w7_shapes_stay_within_tolerance():
    """The second LeNet convolution of W7 (batch 8 of [14, 14, 32] * [5, 5, 32, 64]) and
    its input gradient against float64 numpy."""
    x = RNG.normal(size=(8, 14, 14, 32)).astype(np.float32)
    f = (RNG.normal(size=(5, 5, 32, 64)) * 0.1).astype(np.float32)
    dout = RNG.normal(size=(8, 14, 14, 64)).astype(np.float32)
    geo = _geometry(x.shape, f.shape, "SAME")
    assert cpu_conv._winograd_tile(geo, 8, 32, 64, 1, np.float32) == 4
    out = cpu_conv.conv_forward(x, f, geo, 1)
    dx = cpu_conv.conv_backprop_input(x.shape, f, dout, geo, 1)
    _assert_close(out, _correlation64(x, f, (2, 2), (14, 14)), "Conv2D")
    rotated = f[::-1, ::-1].transpose(0, 1, 3, 2)
    _assert_close(dx, _correlation64(dout, rotated, (2, 2), (14, 14)), "input gradient")


@pytest.mark.parametrize("dtype, strides, padding, shape, why", [
    (np.float64, (1, 1), "SAME", (2, 8, 8, 6), "float64 keeps im2col's rounding"),
    (np.float32, (2, 2), "SAME", (2, 8, 8, 6), "strided"),
    (np.float32, (1, 1), [[0, 0], [5, 0], [0, 0], [0, 0]], (2, 8, 8, 6), "padding > r - 1"),
    (np.float32, (1, 1), "SAME", (2, 8, 8, 2), "too few channels"),
])
def test_other_convolutions_stay_on_im2col(dtype, strides, padding, shape, why, monkeypatch):
    monkeypatch.setattr(cpu_conv, "WINOGRAD_MIN_BATCH", 1)
    monkeypatch.setattr(cpu_conv, "DIRECT_MAX_TAPS", 0)
    monkeypatch.setattr(winograd, "correlate", lambda *args: pytest.fail(why))
    x = RNG.normal(size=shape).astype(dtype)
    f = RNG.normal(size=(5, 5, shape[3], 4)).astype(dtype)
    px = gf.placeholder(gf.as_dtype(dtype), shape)
    out = gf.nn.conv2d(px, f, [1, *strides, 1], padding)
    (dx,) = gf.gradients(out, [px])
    evaluate([out, dx], {px: x})
