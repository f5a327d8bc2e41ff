"""Direct-loop oracles for convolution and pooling (NHWC), written from the definitions and
TF's documented padding rule, independent of graphflow's kernels: every output element is a
plain Python sum over its window."""

import itertools
import math

import numpy as np


def out_size(size, k, stride, dilation, padding):
    """(output size, padding before) for "SAME", "VALID" or an explicit (before, after)."""
    effective = (k - 1) * dilation + 1
    if padding == "VALID":
        return math.ceil((size - effective + 1) / stride), 0
    if padding == "SAME":
        out = math.ceil(size / stride)
        return out, max((out - 1) * stride + effective - size, 0) // 2
    before, after = padding
    return (size + before + after - effective) // stride + 1, before


def _positions(x_shape, k_shape, strides, dilations, padding):
    """For each output (y, x), the list of (tap i, tap j, input row, input col) inside x."""
    (_, h, w, _), (kh, kw) = x_shape, k_shape
    pads = padding if isinstance(padding, str) else None
    oh, top = out_size(h, kh, strides[0], dilations[0], pads or padding[0])
    ow, left = out_size(w, kw, strides[1], dilations[1], pads or padding[1])
    windows = {}
    for y, xo in itertools.product(range(oh), range(ow)):
        taps = []
        for i, j in itertools.product(range(kh), range(kw)):
            row = y * strides[0] + i * dilations[0] - top
            col = xo * strides[1] + j * dilations[1] - left
            if 0 <= row < h and 0 <= col < w:
                taps.append((i, j, row, col))
        windows[y, xo] = taps
    return oh, ow, windows


def conv2d(x, f, strides=(1, 1), padding="VALID", dilations=(1, 1), dout=None):
    """Conv2D's output, or with `dout` the pair (d input, d filter) of sum(output * dout)."""
    n, _, _, c = x.shape
    kh, kw, fc, oc = f.shape
    group_out = oc // (c // fc)
    oh, ow, windows = _positions(x.shape, (kh, kw), strides, dilations, padding)
    out = np.zeros((n, oh, ow, oc))
    dx, df = np.zeros(x.shape), np.zeros(f.shape)
    for b, (y, xo), o in itertools.product(range(n), windows, range(oc)):
        first = (o // group_out) * fc
        for i, j, row, col in windows[y, xo]:
            for ci in range(fc):
                out[b, y, xo, o] += x[b, row, col, first + ci] * f[i, j, ci, o]
                if dout is not None:
                    dx[b, row, col, first + ci] += f[i, j, ci, o] * dout[b, y, xo, o]
                    df[i, j, ci, o] += x[b, row, col, first + ci] * dout[b, y, xo, o]
    return out if dout is None else (dx, df)


def depthwise_conv2d(x, f, strides=(1, 1), padding="VALID", dilations=(1, 1)):
    n, _, _, c = x.shape
    kh, kw, _, m = f.shape
    oh, ow, windows = _positions(x.shape, (kh, kw), strides, dilations, padding)
    out = np.zeros((n, oh, ow, c * m))
    for b, (y, xo), ci, mi in itertools.product(range(n), windows, range(c), range(m)):
        for i, j, row, col in windows[y, xo]:
            out[b, y, xo, ci * m + mi] += x[b, row, col, ci] * f[i, j, ci, mi]
    return out


def pool(x, ksize, strides, padding, kind, dout=None):
    """Max or average pooling; with `dout`, the gradient (max: to each window's first
    maximum unless a later element is strictly larger; average: shared by the window)."""
    n, _, _, c = x.shape
    oh, ow, windows = _positions(x.shape, ksize, strides, (1, 1), padding)
    out = np.zeros((n, oh, ow, c))
    dx = np.zeros(x.shape)
    for b, (y, xo), ch in itertools.product(range(n), windows, range(c)):
        values = [x[b, row, col, ch] for _, _, row, col in windows[y, xo]]
        if kind == "max":
            best = 0
            for k, v in enumerate(values):
                if v > values[best]:
                    best = k
            out[b, y, xo, ch] = values[best]
            if dout is not None:
                _, _, row, col = windows[y, xo][best]
                dx[b, row, col, ch] += dout[b, y, xo, ch]
        else:
            out[b, y, xo, ch] = sum(values) / len(values)
            if dout is not None:
                for _, _, row, col in windows[y, xo]:
                    dx[b, row, col, ch] += dout[b, y, xo, ch] / len(values)
    return out if dout is None else dx
