"""CUDA convolutions: im2col / col2im on the device around the tiled matmul.

In NHWC, with K = kh * kw * C columns ordered (tap row, tap col, channel) like the filter's
(kh, kw, C, OC) layout:
- Conv2D: out[N*OH*OW, OC] = im2col(x)[N*OH*OW, K] @ filter[K, OC];
- Conv2DBackpropInput: dx = col2im(dout[N*OH*OW, OC] @ filter[K, OC]^T);
- Conv2DBackpropFilter: dfilter[K, OC] = im2col(x)^T @ dout.
col2im gathers (each input element sums the columns that read it), so no atomics are needed
and results never depend on the launch configuration. NCHW tensors are permuted to NHWC and
back with the indexing copy kernel. Shapes, strides, dilations and paddings are validated on
the host by the reference's geometry functions (TF's messages); grouped convolutions are not
implemented on the GPU.
"""

import numpy as np
from numba import cuda

from graphflow.kernels import registry
from graphflow.kernels.cuda import indexing, memory
from graphflow.kernels.cuda.launch import flat, launch
from graphflow.kernels.cuda.matmul import matmul
from graphflow.kernels.reference import conv as ref_conv

NHWC_TO_NCHW = (0, 3, 1, 2)
NCHW_TO_NHWC = (0, 2, 3, 1)


def geometry_tuple(geo, h, w, c):
    """The ints every window kernel takes: (H, W, C, OH, OW, KH, KW, SH, SW, DH, DW, PT, PL)."""
    return (h, w, c, geo.oh, geo.ow, geo.kh, geo.kw, geo.sh, geo.sw, geo.dh, geo.dw, geo.pt,
            geo.pl)


def to_nhwc(x, data_format):
    return x if data_format == "NHWC" else indexing.permute(x, NCHW_TO_NHWC)


def from_nhwc(x, data_format):
    return x if data_format == "NHWC" else indexing.permute(x, NHWC_TO_NCHW)


@cuda.jit
def _im2col(cols, x, g):
    h, w, c, oh, ow, kh, kw, sh, sw, dh, dw, pt, pl = g
    k = kh * kw * c
    for t in range(cuda.grid(1), cols.size, cuda.gridsize(1)):
        col = t % k
        row = t // k
        ch = col % c
        j = (col // c) % kw
        i = col // (c * kw)
        ox = row % ow
        oy = (row // ow) % oh
        b = row // (ow * oh)
        y = oy * sh + i * dh - pt
        xx = ox * sw + j * dw - pl
        if 0 <= y < h and 0 <= xx < w:
            cols[t] = x[((b * h + y) * w + xx) * c + ch]
        else:
            cols[t] = 0


@cuda.jit
def _col2im(dx, cols, g, zero):
    h, w, c, oh, ow, kh, kw, sh, sw, dh, dw, pt, pl = g
    k = kh * kw * c
    for t in range(cuda.grid(1), dx.size, cuda.gridsize(1)):
        ch = t % c
        xx = (t // c) % w
        y = (t // (c * w)) % h
        b = t // (c * w * h)
        acc = zero
        for i in range(kh):
            ry = y + pt - i * dh
            if ry < 0 or ry % sh != 0 or ry // sh >= oh:
                continue
            for j in range(kw):
                rx = xx + pl - j * dw
                if rx < 0 or rx % sw != 0 or rx // sw >= ow:
                    continue
                row = (b * oh + ry // sh) * ow + rx // sw
                acc += cols[row * k + (i * kw + j) * c + ch]
        dx[t] = acc


def im2col(x, geo):
    """[N*OH*OW, KH*KW*C] device columns of the NHWC device array `x`."""
    n, h, w, c = x.shape
    cols = memory.allocate((n * geo.oh * geo.ow, geo.kh * geo.kw * c), x.dtype)
    launch(_im2col, cols.size, flat(cols), flat(x), geometry_tuple(geo, h, w, c))
    return cols


def col2im(cols, x_shape, geo):
    """The NHWC device array of `x_shape` summing every column entry that reads it."""
    _, h, w, c = x_shape
    dx = memory.allocate(x_shape, cols.dtype)
    launch(_col2im, dx.size, flat(dx), flat(cols), geometry_tuple(geo, h, w, c),
           dx.dtype.type(0))
    return dx


def _check_groups(groups):
    if groups != 1:
        raise ref_conv.unimplemented("Grouped convolutions are not supported on the GPU by "
                                     "graphflow.")


def _as_matrix(x, cols):
    return x.reshape((x.size // cols if cols else 0, cols))


def float_window_attrs(node):
    """(attrs, data_format) of a float convolution or pooling node (others have no kernel)."""
    dtype = np.dtype(node.get_attr("T").as_numpy_dtype)
    if dtype.kind != "f":
        raise KeyError(f"No GPU kernel registered for op type '{node.type}' with "
                       f"T={dtype.name}")
    return node._attrs, node.get_attr("data_format")


@registry.register("Conv2D", "GPU")
def _conv2d(node, state):
    attrs, fmt = float_window_attrs(node)

    def run(x, f):
        probe, geo, groups = ref_conv.conv_inputs(attrs, indexing.shape_probe(x.shape),
                                                  indexing.shape_probe(f.shape))
        _check_groups(groups)
        n, oc = probe.shape[0], f.shape[3]
        cols = im2col(to_nhwc(x, fmt), geo)
        out = matmul(cols, _as_matrix(f, oc))
        return (from_nhwc(out.reshape((n, geo.oh, geo.ow, oc)), fmt),)
    return run


@registry.register("Conv2DBackpropInput", "GPU")
def _conv2d_backprop_input(node, state):
    attrs, fmt = float_window_attrs(node)

    def run(input_sizes, f, dout):
        x_shape, _, geo, groups = ref_conv.backprop_input_args(
            attrs, memory.host_array(input_sizes), indexing.shape_probe(f.shape),
            indexing.shape_probe(dout.shape))
        _check_groups(groups)
        oc = f.shape[3]
        dcols = matmul(_as_matrix(to_nhwc(dout, fmt), oc), _as_matrix(f, oc),
                       transpose_b=True)
        return (from_nhwc(col2im(dcols, x_shape, geo), fmt),)
    return run


@registry.register("Conv2DBackpropFilter", "GPU")
def _conv2d_backprop_filter(node, state):
    attrs, fmt = float_window_attrs(node)

    def run(x, filter_sizes, dout):
        _, f_shape, _, geo, groups = ref_conv.backprop_filter_args(
            attrs, indexing.shape_probe(x.shape), memory.host_array(filter_sizes),
            indexing.shape_probe(dout.shape))
        _check_groups(groups)
        oc = f_shape[3]
        cols = im2col(to_nhwc(x, fmt), geo)
        df = matmul(cols, _as_matrix(to_nhwc(dout, fmt), oc), transpose_a=True)
        return (df.reshape(f_shape),)
    return run
