"""CUDA max and average pooling (NHWC; NCHW is permuted), direct window kernels.

Semantics follow the reference (TF's CPU kernels): MaxPool takes strictly larger values
starting from the dtype's lowest value, so NaN never wins and padding never counts;
MaxPoolGrad sends each output's gradient to the first valid element of its window unless a
later one is strictly larger; AvgPool divides by the number of unpadded elements. The
gradients gather (each input element sums the windows that selected or contain it, in the
order the reference accumulates them), so no atomics are needed.
"""

import numpy as np
from numba import cuda

from graphflow.kernels import registry
from graphflow.kernels.cuda import indexing, memory
from graphflow.kernels.cuda.conv import (
    float_window_attrs,
    from_nhwc,
    geometry_tuple,
    to_nhwc,
)
from graphflow.kernels.cuda.launch import flat, launch
from graphflow.kernels.reference import conv as ref_conv


# g = (H, W, C, OH, OW, KH, KW, SH, SW, DH, DW, PT, PL): see conv.geometry_tuple
@cuda.jit(device=True)
def _tap(t, i, j, g):
    """Input offset of tap (i, j) of the window of output element t, -1 when padded."""
    h, w, c, oh, ow = g[0], g[1], g[2], g[3], g[4]
    y = (t // (c * ow)) % oh * g[7] + i - g[11]
    xx = (t // c) % ow * g[8] + j - g[12]
    if 0 <= y < h and 0 <= xx < w:
        return ((t // (c * ow * oh) * h + y) * w + xx) * c + t % c
    return -1


@cuda.jit(device=True)
def _window(t, i, j, g):
    """Output element whose tap (i, j) reads input element t, -1 when there is none."""
    h, w, c, oh, ow, sh, sw = g[0], g[1], g[2], g[3], g[4], g[7], g[8]
    ry = (t // (c * w)) % h + g[11] - i
    rx = (t // c) % w + g[12] - j
    if ry < 0 or rx < 0 or ry % sh != 0 or rx % sw != 0 or ry // sh >= oh or rx // sw >= ow:
        return -1
    return ((t // (c * w * h) * oh + ry // sh) * ow + rx // sw) * c + t % c


@cuda.jit
def _max_pool(out, x, g, low):
    kh, kw = g[5], g[6]
    for t in range(cuda.grid(1), out.size, cuda.gridsize(1)):
        best = low
        for i in range(kh):
            for j in range(kw):
                k = _tap(t, i, j, g)
                if k >= 0 and x[k] > best:
                    best = x[k]
        out[t] = best


@cuda.jit
def _max_pool_argmax(arg, x, g):
    """Offset in `x` of each window's selected element, -1 for an empty window."""
    kh, kw = g[5], g[6]
    for t in range(cuda.grid(1), arg.size, cuda.gridsize(1)):
        found = -1
        best = x[0]
        for i in range(kh):
            for j in range(kw):
                k = _tap(t, i, j, g)
                if k >= 0 and (found < 0 or x[k] > best):
                    best = x[k]
                    found = k
        arg[t] = found


@cuda.jit
def _max_pool_grad(dx, arg, grad, g, zero):
    kh, kw = g[5], g[6]
    for t in range(cuda.grid(1), dx.size, cuda.gridsize(1)):
        acc = zero
        # i, j descending visit windows in row-major order, as the reference's np.add.at
        for i in range(kh - 1, -1, -1):
            for j in range(kw - 1, -1, -1):
                o = _window(t, i, j, g)
                if o >= 0 and arg[o] == t:
                    acc += grad[o]
        dx[t] = acc


@cuda.jit
def _avg_pool(out, x, counts, g, zero):
    kh, kw, c = g[5], g[6], g[2]
    for t in range(cuda.grid(1), out.size, cuda.gridsize(1)):
        total = zero
        for i in range(kh):
            for j in range(kw):
                k = _tap(t, i, j, g)
                if k >= 0:
                    total += x[k]
        out[t] = total / counts[(t // c) % counts.size]


@cuda.jit
def _avg_pool_grad(dx, grad, counts, g, zero):
    kh, kw, c = g[5], g[6], g[2]
    for t in range(cuda.grid(1), dx.size, cuda.gridsize(1)):
        acc = zero
        for i in range(kh):
            for j in range(kw):
                o = _window(t, i, j, g)
                if o >= 0:
                    acc += grad[o] / counts[(o // c) % counts.size]
        dx[t] = acc


def _counts(geo, h, w, dtype):
    """Device [OH*OW] element counts of the windows, in `dtype` (TF divides in the dtype)."""
    return memory.to_device(ref_conv.avg_pool_counts(geo, h, w).astype(dtype).reshape(-1))


def _pooled(x, geo):
    return memory.allocate((x.shape[0], geo.oh, geo.ow, x.shape[3]), x.dtype)


@registry.register("MaxPool", "GPU")
def _max_pool_kernel(node, state):
    attrs, fmt = float_window_attrs(node)

    def run(x):
        _, geo = ref_conv.pool_input(attrs, indexing.shape_probe(x.shape))
        xn = to_nhwc(x, fmt)
        out = _pooled(xn, geo)
        launch(_max_pool, out.size, flat(out), flat(xn), geometry_tuple(geo, *xn.shape[1:]),
               xn.dtype.type(ref_conv.lowest(xn.dtype)))
        return (from_nhwc(out, fmt),)
    return run


@registry.register("MaxPoolGrad", "GPU")
def _max_pool_grad_kernel(node, state):
    attrs, fmt = float_window_attrs(node)

    def run(orig_input, orig_output, grad):
        probe = indexing.shape_probe
        ref_conv.max_pool_grad_args(attrs, probe(orig_input.shape), probe(orig_output.shape),
                                    probe(grad.shape), False)
        _, geo = ref_conv.pool_input(attrs, probe(orig_input.shape))
        xn, gn = to_nhwc(orig_input, fmt), to_nhwc(grad, fmt)
        g = geometry_tuple(geo, *xn.shape[1:])
        arg = memory.allocate(gn.shape, np.int64)
        launch(_max_pool_argmax, arg.size, flat(arg), flat(xn), g)
        dx = memory.allocate(xn.shape, grad.dtype)
        launch(_max_pool_grad, dx.size, flat(dx), flat(arg), flat(gn), g, dx.dtype.type(0))
        return (from_nhwc(dx, fmt),)
    return run


@registry.register("AvgPool", "GPU")
def _avg_pool_kernel(node, state):
    attrs, fmt = float_window_attrs(node)

    def run(x):
        _, geo = ref_conv.pool_input(attrs, indexing.shape_probe(x.shape))
        xn = to_nhwc(x, fmt)
        out = _pooled(xn, geo)
        _, h, w, c = xn.shape
        launch(_avg_pool, out.size, flat(out), flat(xn), _counts(geo, h, w, x.dtype),
               geometry_tuple(geo, h, w, c), xn.dtype.type(0))
        return (from_nhwc(out, fmt),)
    return run


@registry.register("AvgPoolGrad", "GPU")
def _avg_pool_grad_kernel(node, state):
    attrs, fmt = float_window_attrs(node)

    def run(orig_input_shape, grad):
        (n, h, w, c), _, geo = ref_conv.avg_pool_grad_args(
            attrs, memory.host_array(orig_input_shape), indexing.shape_probe(grad.shape))
        gn = to_nhwc(grad, fmt)
        dx = memory.allocate((n, h, w, c), grad.dtype)
        launch(_avg_pool_grad, dx.size, flat(dx), flat(gn), _counts(geo, h, w, grad.dtype),
               geometry_tuple(geo, h, w, c), dx.dtype.type(0))
        return (from_nhwc(dx, fmt),)
    return run
