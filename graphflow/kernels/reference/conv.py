"""Numpy reference kernels for convolutions and pooling (graphflow/ops/conv_ops.py), and the
window geometry every kernel of these ops shares.

Layout: kernels work in NHWC; NCHW inputs are transposed on the way in and out. The
reference convolution accumulates one shifted slice of the padded input per filter tap
(`[N, OH, OW, C] @ [C, OC]`), which is independent of the CPU kernels' im2col, so each
checks the other. Max pooling follows TF's CPU kernels: the forward pass starts at the
dtype's lowest value and takes strictly larger values (NaN never wins); the gradient goes to
the first valid element of the window unless a later one is strictly larger.
"""

from typing import NamedTuple

import numpy as np

from graphflow import errors
from graphflow.kernels import checks
from graphflow.kernels.reference import reference

PADDINGS = ("SAME", "VALID", "EXPLICIT")


def unimplemented(message):
    return errors.UnimplementedError(None, None, message)


def _trunc_div(a, b):
    return -(-a // b) if a < 0 else a // b


def window(size, k, stride, dilation, padding, explicit=(0, 0)):
    """(output size, pad before, pad after) of one spatial dimension, as TF computes them."""
    effective = (k - 1) * dilation + 1
    if padding == "VALID":
        before = after = 0
    elif padding == "SAME":
        out = (size + stride - 1) // stride
        needed = max(0, (out - 1) * stride + effective - size)
        before, after = needed // 2, needed - needed // 2
    else:
        before, after = explicit
    out = _trunc_div(size + before + after - effective + stride, stride)
    if out < 0:
        raise checks.invalid(f"Computed output size would be negative: {out} [input_size: "
                             f"{size}, effective_filter_size: {effective}, stride: {stride}]")
    return out, before, after


class Geometry(NamedTuple):
    """Window positions of a 2-D convolution or pooling in NHWC."""
    kh: int
    kw: int
    sh: int
    sw: int
    dh: int
    dw: int
    oh: int
    ow: int
    pt: int
    pb: int
    pl: int
    pr: int


def spatial_axes(data_format):
    """(height axis, width axis, channel axis) of a 4-D tensor in `data_format`."""
    return (1, 2, 3) if data_format == "NHWC" else (2, 3, 1)


def to_nhwc(x, data_format):
    return x if data_format == "NHWC" else np.transpose(x, (0, 2, 3, 1))


def from_nhwc(x, data_format):
    return x if data_format == "NHWC" else np.ascontiguousarray(np.transpose(x, (0, 3, 1, 2)))


def nhwc_shape(shape, data_format):
    shape = [int(d) for d in shape]
    return tuple(shape) if data_format == "NHWC" else (shape[0], shape[2], shape[3], shape[1])


def _explicit_pairs(attrs, h_axis, w_axis):
    pads = list(attrs.get("explicit_paddings") or [])
    if attrs["padding"] != "EXPLICIT":
        return (0, 0), (0, 0)
    if len(pads) != 8:
        raise checks.invalid(f"explicit_paddings attribute must contain 8 values, but got: "
                             f"{len(pads)}")
    return tuple(pads[2 * h_axis:2 * h_axis + 2]), tuple(pads[2 * w_axis:2 * w_axis + 2])


def _check_batch_depth(values, what, data_format):
    _, _, c_axis = spatial_axes(data_format)
    if values[0] != 1 or values[c_axis] != 1:
        raise unimplemented(f"Current implementation does not yet support {what} in the "
                            "batch and depth dimensions.")


def geometry(attrs, h, w, kh, kw, dilations=None):
    """The Geometry for an NHWC input of spatial size (h, w) and a kh x kw window."""
    fmt = attrs["data_format"]
    h_axis, w_axis, _ = spatial_axes(fmt)
    strides = list(attrs["strides"])
    if len(strides) != 4:
        raise checks.invalid(f"Sliding window strides field must specify 4 dimensions, got "
                             f"{len(strides)}")
    dilations = list(dilations or [1, 1, 1, 1])
    _check_batch_depth(strides, "strides", fmt)
    _check_batch_depth(dilations, "dilations", fmt)
    sh, sw = strides[h_axis], strides[w_axis]
    dh, dw = dilations[h_axis], dilations[w_axis]
    if min(sh, sw, dh, dw) < 1:
        raise checks.invalid("strides and dilations must be positive")
    ph, pw = _explicit_pairs(attrs, h_axis, w_axis)
    oh, pt, pb = window(h, kh, sh, dh, attrs["padding"], ph)
    ow, pl, pr = window(w, kw, sw, dw, attrs["padding"], pw)
    return Geometry(kh, kw, sh, sw, dh, dw, oh, ow, pt, pb, pl, pr)


def _check_rank4(array, what):
    if array.ndim != 4:
        raise checks.invalid(f"{what} must be 4-dimensional{list(array.shape)}")


def conv_geometry(attrs, x_shape, f_shape):
    """(Geometry, groups) of Conv2D for an NHWC input shape and a filter shape."""
    _, h, w, c = x_shape
    kh, kw, fc, oc = f_shape
    if fc <= 0 or c % fc:
        raise checks.invalid(f"input depth must be evenly divisible by filter depth: {c} vs "
                             f"{fc}")
    groups = c // fc
    if oc % groups:
        raise checks.invalid(f"output depth must be evenly divisible by number of groups: "
                             f"{oc} vs {groups}")
    return geometry(attrs, h, w, kh, kw, attrs.get("dilations")), groups


def tap_rows(geo, i):
    """The padded-input rows filter row i reads, one per output row."""
    start = i * geo.dh
    return slice(start, start + (geo.oh - 1) * geo.sh + 1, geo.sh)


def tap_cols(geo, j):
    start = j * geo.dw
    return slice(start, start + (geo.ow - 1) * geo.sw + 1, geo.sw)


def pad_nhwc(x, geo, value=0):
    return np.pad(x, ((0, 0), (geo.pt, geo.pb), (geo.pl, geo.pr), (0, 0)),
                  constant_values=value)


def crop_nhwc(xp, geo, h, w):
    return xp[:, geo.pt:geo.pt + h, geo.pl:geo.pl + w, :]


def _group_slices(total, groups):
    size = total // groups
    return [slice(g * size, (g + 1) * size) for g in range(groups)]


def conv2d_nhwc(x, f, geo, groups):
    n, oc = x.shape[0], f.shape[3]
    xp = pad_nhwc(x, geo)
    out = np.zeros((n, geo.oh, geo.ow, oc), dtype=x.dtype)
    pairs = list(zip(_group_slices(x.shape[3], groups), _group_slices(oc, groups)))
    for i in range(geo.kh):
        for j in range(geo.kw):
            patch = xp[:, tap_rows(geo, i), tap_cols(geo, j), :]
            for cin, cout in pairs:
                out[..., cout] += patch[..., cin] @ f[i, j, :, cout]
    return out


def conv2d_backprop_input_nhwc(x_shape, f, dout, geo, groups):
    n, h, w, c = x_shape
    dxp = np.zeros((n, h + geo.pt + geo.pb, w + geo.pl + geo.pr, c), dtype=dout.dtype)
    pairs = list(zip(_group_slices(c, groups), _group_slices(f.shape[3], groups)))
    for i in range(geo.kh):
        for j in range(geo.kw):
            rows, cols = tap_rows(geo, i), tap_cols(geo, j)
            for cin, cout in pairs:
                dxp[:, rows, cols, cin] += dout[..., cout] @ f[i, j, :, cout].T
    return crop_nhwc(dxp, geo, h, w)


def conv2d_backprop_filter_nhwc(x, f_shape, dout, geo, groups):
    xp = pad_nhwc(x, geo)
    df = np.zeros(f_shape, dtype=dout.dtype)
    pairs = list(zip(_group_slices(x.shape[3], groups), _group_slices(f_shape[3], groups)))
    for i in range(geo.kh):
        for j in range(geo.kw):
            patch = xp[:, tap_rows(geo, i), tap_cols(geo, j), :]
            for cin, cout in pairs:
                df[i, j, :, cout] = np.tensordot(patch[..., cin], dout[..., cout],
                                                 axes=([0, 1, 2], [0, 1, 2]))
    return df


def sizes_arg(sizes, what):
    """A 4-element int shape argument (input_sizes, filter_sizes, orig_input_shape)."""
    sizes = np.asarray(sizes).reshape(-1)
    if sizes.size != 4:
        raise checks.invalid(f"{what} must be 4-dimensional, got {sizes.size} elements")
    if np.any(sizes < 0):
        raise checks.invalid(f"{what} must not contain negative dimensions: {sizes.tolist()}")
    return tuple(int(s) for s in sizes)


def check_out_backprop(dout, geo, n, oc):
    expected = (n, geo.oh, geo.ow, oc)
    if dout.shape != expected:
        raise checks.invalid(f"Conv2DBackprop: out_backprop shape {list(dout.shape)} does not "
                             f"match the computed output shape {list(expected)}")


def conv_inputs(attrs, x, f):
    """Validated (NHWC input, geometry, groups) for Conv2D and Conv2DBackpropFilter."""
    _check_rank4(x, "input")
    _check_rank4(f, "filter")
    xn = to_nhwc(x, attrs["data_format"])
    geo, groups = conv_geometry(attrs, xn.shape, f.shape)
    return xn, geo, groups


@reference("Conv2D")
def conv2d(attrs, x, f):
    xn, geo, groups = conv_inputs(attrs, x, f)
    return (from_nhwc(conv2d_nhwc(xn, f, geo, groups), attrs["data_format"]),)


def backprop_input_args(attrs, input_sizes, f, dout, op_name="Conv2DBackpropInput"):
    """Validated (NHWC input shape, NHWC out_backprop, geometry, groups)."""
    fmt = attrs["data_format"]
    x_shape = nhwc_shape(sizes_arg(input_sizes, f"{op_name}: input_sizes"), fmt)
    _check_rank4(f, "filter")
    _check_rank4(dout, "out_backprop")
    geo, groups = conv_geometry(attrs, x_shape, f.shape)
    dout = to_nhwc(dout, fmt)
    check_out_backprop(dout, geo, x_shape[0], f.shape[3])
    return x_shape, dout, geo, groups


@reference("Conv2DBackpropInput")
def conv2d_backprop_input(attrs, input_sizes, f, dout):
    x_shape, dout, geo, groups = backprop_input_args(attrs, input_sizes, f, dout)
    dx = conv2d_backprop_input_nhwc(x_shape, f, dout, geo, groups)
    return (from_nhwc(dx, attrs["data_format"]),)


def backprop_filter_args(attrs, x, filter_sizes, dout):
    """Validated (NHWC input, filter shape, NHWC out_backprop, geometry, groups)."""
    f_shape = sizes_arg(filter_sizes, "Conv2DBackpropFilter: filter_sizes")
    _check_rank4(x, "input")
    xn = to_nhwc(x, attrs["data_format"])
    geo, groups = conv_geometry(attrs, xn.shape, f_shape)
    dout = to_nhwc(dout, attrs["data_format"])
    check_out_backprop(dout, geo, xn.shape[0], f_shape[3])
    return xn, f_shape, dout, geo, groups


@reference("Conv2DBackpropFilter")
def conv2d_backprop_filter(attrs, x, filter_sizes, dout):
    xn, f_shape, dout, geo, groups = backprop_filter_args(attrs, x, filter_sizes, dout)
    return (conv2d_backprop_filter_nhwc(xn, f_shape, dout, geo, groups),)


# ------------------------------------------------------------------------ depthwise
def depthwise_geometry(attrs, x_shape, f_shape):
    _, h, w, c = x_shape
    kh, kw, fc, _ = f_shape
    if fc != c:
        raise checks.invalid(f"input and filter must have the same depth: {c} vs {fc}")
    return geometry(attrs, h, w, kh, kw, attrs.get("dilations"))


@reference("DepthwiseConv2dNative")
def depthwise_conv2d(attrs, x, f):
    _check_rank4(x, "input")
    _check_rank4(f, "filter")
    xn = to_nhwc(x, attrs["data_format"])
    geo = depthwise_geometry(attrs, xn.shape, f.shape)
    n, _, _, c = xn.shape
    m = f.shape[3]
    xp = pad_nhwc(xn, geo)
    out = np.zeros((n, geo.oh, geo.ow, c, m), dtype=x.dtype)
    for i in range(geo.kh):
        for j in range(geo.kw):
            out += xp[:, tap_rows(geo, i), tap_cols(geo, j), :, None] * f[i, j]
    return (from_nhwc(out.reshape(n, geo.oh, geo.ow, c * m), attrs["data_format"]),)


def _depthwise_dout(attrs, dout, geo, n, c, m):
    dout = to_nhwc(dout, attrs["data_format"])
    check_out_backprop(dout, geo, n, c * m)
    return dout.reshape(n, geo.oh, geo.ow, c, m)


@reference("DepthwiseConv2dNativeBackpropInput")
def depthwise_conv2d_backprop_input(attrs, input_sizes, f, dout):
    fmt = attrs["data_format"]
    n, h, w, c = nhwc_shape(sizes_arg(input_sizes, "input_sizes"), fmt)
    geo = depthwise_geometry(attrs, (n, h, w, c), f.shape)
    d5 = _depthwise_dout(attrs, dout, geo, n, c, f.shape[3])
    dxp = np.zeros((n, h + geo.pt + geo.pb, w + geo.pl + geo.pr, c), dtype=dout.dtype)
    for i in range(geo.kh):
        for j in range(geo.kw):
            dxp[:, tap_rows(geo, i), tap_cols(geo, j), :] += np.sum(d5 * f[i, j], axis=-1)
    return (from_nhwc(crop_nhwc(dxp, geo, h, w), fmt),)


@reference("DepthwiseConv2dNativeBackpropFilter")
def depthwise_conv2d_backprop_filter(attrs, x, filter_sizes, dout):
    f_shape = sizes_arg(filter_sizes, "filter_sizes")
    _check_rank4(x, "input")
    xn = to_nhwc(x, attrs["data_format"])
    geo = depthwise_geometry(attrs, xn.shape, f_shape)
    n, _, _, c = xn.shape
    d5 = _depthwise_dout(attrs, dout, geo, n, c, f_shape[3])
    xp = pad_nhwc(xn, geo)
    df = np.zeros(f_shape, dtype=dout.dtype)
    for i in range(geo.kh):
        for j in range(geo.kw):
            patch = xp[:, tap_rows(geo, i), tap_cols(geo, j), :]
            df[i, j] = np.einsum("nhwc,nhwcm->cm", patch, d5)
    return (df,)


# ------------------------------------------------------------------------ pooling
def pool_geometry(attrs, x_shape):
    """Geometry of a pooling window over an NHWC shape (ksize/strides in data-format order)."""
    fmt = attrs["data_format"]
    ksize = list(attrs["ksize"])
    if len(ksize) != 4:
        raise checks.invalid(f"Sliding window ksize field must specify 4 dimensions, got "
                             f"{len(ksize)}")
    h_axis, w_axis, c_axis = spatial_axes(fmt)
    if ksize[0] != 1 or list(attrs["strides"])[0] != 1:
        raise unimplemented("Pooling is not yet supported on the batch dimension.")
    if ksize[c_axis] != 1 or list(attrs["strides"])[c_axis] != 1:
        raise unimplemented("Pooling on the depth dimension is not supported by graphflow.")
    return geometry(attrs, x_shape[1], x_shape[2], ksize[h_axis], ksize[w_axis])


def pool_input(attrs, x):
    _check_rank4(x, "input")
    xn = to_nhwc(x, attrs["data_format"])
    return xn, pool_geometry(attrs, xn.shape)


def lowest(dtype):
    dtype = np.dtype(dtype)
    return np.finfo(dtype).min if dtype.kind == "f" else np.iinfo(dtype).min


def _valid_mask(geo, h, w, i, j):
    """[OH, OW] booleans: whether tap (i, j) of each window lies inside the unpadded input."""
    rows = np.arange(geo.oh) * geo.sh + i - geo.pt
    cols = np.arange(geo.ow) * geo.sw + j - geo.pl
    return ((rows >= 0) & (rows < h))[:, None] & ((cols >= 0) & (cols < w))[None, :]


def max_pool_nhwc(x, geo):
    low = lowest(x.dtype)
    xp = pad_nhwc(x, geo, low)
    out = np.full((x.shape[0], geo.oh, geo.ow, x.shape[3]), low, dtype=x.dtype)
    for i in range(geo.kh):
        for j in range(geo.kw):
            v = xp[:, tap_rows(geo, i), tap_cols(geo, j), :]
            out = np.where(v > out, v, out)
    return out


def max_pool_argmax(x, geo):
    """Flat (row * W + col) index of each window's selected element, [N, OH, OW, C]."""
    n, h, w, c = x.shape
    xp = pad_nhwc(x, geo, 0)
    best = np.zeros((n, geo.oh, geo.ow, c), dtype=x.dtype)
    arg = np.full(best.shape, -1, dtype=np.int64)
    for i in range(geo.kh):
        for j in range(geo.kw):
            v = xp[:, tap_rows(geo, i), tap_cols(geo, j), :]
            valid = _valid_mask(geo, h, w, i, j)[None, :, :, None]
            take = valid & ((arg < 0) | (v > best))
            best = np.where(take, v, best)
            flat = ((np.arange(geo.oh) * geo.sh + i - geo.pt)[:, None] * w
                    + (np.arange(geo.ow) * geo.sw + j - geo.pl)[None, :])
            arg = np.where(take, flat[None, :, :, None], arg)
    return arg


@reference("MaxPool")
def max_pool(attrs, x):
    xn, geo = pool_input(attrs, x)
    return (from_nhwc(max_pool_nhwc(xn, geo), attrs["data_format"]),)


def check_same_shape(a, b, what):
    if a.shape != b.shape:
        raise checks.invalid(f"{what} shape {list(b.shape)} does not match the expected "
                             f"shape {list(a.shape)}")


def max_pool_grad_args(attrs, orig_input, orig_output, grad, grad_like_input):
    """Validated NHWC (input, grad, geometry) of MaxPoolGrad / MaxPoolGradGrad."""
    xn, geo = pool_input(attrs, orig_input)
    fmt = attrs["data_format"]
    out_shape = (xn.shape[0], geo.oh, geo.ow, xn.shape[3])
    check_same_shape(np.empty(out_shape, np.int8), to_nhwc(orig_output, fmt), "orig_output")
    g = to_nhwc(grad, fmt)
    check_same_shape(xn if grad_like_input else np.empty(out_shape, np.int8), g, "grad")
    return xn, g, geo


@reference("MaxPoolGrad")
def max_pool_grad(attrs, orig_input, orig_output, grad):
    xn, g, geo = max_pool_grad_args(attrs, orig_input, orig_output, grad, False)
    n, h, w, c = xn.shape
    arg = max_pool_argmax(xn, geo)
    dx = np.zeros((n, h * w, c), dtype=grad.dtype)
    nn_, _, _, cc = np.indices(arg.shape, sparse=True)
    keep = arg >= 0
    np.add.at(dx, (np.broadcast_to(nn_, arg.shape)[keep], arg[keep],
                   np.broadcast_to(cc, arg.shape)[keep]), g[keep])
    return (from_nhwc(dx.reshape(n, h, w, c), attrs["data_format"]),)


@reference("MaxPoolGradGrad")
def max_pool_grad_grad(attrs, orig_input, orig_output, grad):
    xn, g, geo = max_pool_grad_args(attrs, orig_input, orig_output, grad, True)
    n, h, w, c = xn.shape
    arg = max_pool_argmax(xn, geo)
    flat = g.reshape(n, h * w, c)
    nn_, _, _, cc = np.indices(arg.shape, sparse=True)
    out = np.where(arg >= 0, flat[nn_, np.maximum(arg, 0), cc], 0).astype(grad.dtype)
    return (from_nhwc(out, attrs["data_format"]),)


def avg_pool_counts(geo, h, w):
    """[OH, OW] number of unpadded elements in each window (TF divides by it)."""
    counts = np.zeros((geo.oh, geo.ow), dtype=np.int64)
    for i in range(geo.kh):
        for j in range(geo.kw):
            counts += _valid_mask(geo, h, w, i, j)
    return counts


@reference("AvgPool")
def avg_pool(attrs, x):
    xn, geo = pool_input(attrs, x)
    xp = pad_nhwc(xn, geo)
    total = np.zeros((xn.shape[0], geo.oh, geo.ow, xn.shape[3]), dtype=x.dtype)
    for i in range(geo.kh):
        for j in range(geo.kw):
            total += xp[:, tap_rows(geo, i), tap_cols(geo, j), :]
    counts = avg_pool_counts(geo, xn.shape[1], xn.shape[2]).astype(x.dtype)
    return (from_nhwc(total / counts[None, :, :, None], attrs["data_format"]),)


def avg_pool_grad_args(attrs, orig_input_shape, grad):
    """Validated (NHWC input shape, NHWC grad, geometry) of AvgPoolGrad."""
    fmt = attrs["data_format"]
    n, h, w, c = nhwc_shape(sizes_arg(orig_input_shape, "orig_input_shape"), fmt)
    geo = pool_geometry(attrs, (n, h, w, c))
    g = to_nhwc(grad, fmt)
    check_same_shape(np.empty((n, geo.oh, geo.ow, c), np.int8), g, "grad")
    return (n, h, w, c), g, geo


@reference("AvgPoolGrad")
def avg_pool_grad(attrs, orig_input_shape, grad):
    (n, h, w, c), g, geo = avg_pool_grad_args(attrs, orig_input_shape, grad)
    fmt = attrs["data_format"]
    share = g / avg_pool_counts(geo, h, w).astype(g.dtype)[None, :, :, None]
    dxp = np.zeros((n, h + geo.pt + geo.pb, w + geo.pl + geo.pr, c), dtype=grad.dtype)
    for i in range(geo.kh):
        for j in range(geo.kw):
            dxp[:, tap_rows(geo, i), tap_cols(geo, j), :] += share
    return (from_nhwc(crop_nhwc(dxp, geo, h, w), fmt),)
