"""CPU kernels of convolutions and pooling.

Conv2D is im2col + BLAS: a numba loop (parallel over output rows for large inputs) gathers
each output position's receptive field into a row of a [N*OH*OW, KH*KW*C] matrix (zeros for
padding), and numpy's matmul multiplies it by the [KH*KW*C, OC] filter. The input gradient
is the transposed product scattered back by col2im (parallel over images, which never
overlap); the filter gradient is colsᵀ @ out_backprop. Grouped convolutions multiply one
column block per group. Pooling and its gradients are direct numba loops over NHWC.
Geometry and validation come from the reference module, so errors are identical.
"""

import numba
import numpy as np

from graphflow.kernels import reference
from graphflow.kernels import registry
from graphflow.kernels.cpu import use_reference
from graphflow.kernels.reference import conv as ref_conv

PARALLEL_THRESHOLD = 1 << 21  # threads pay off only on big images (and fight BLAS's)

use_reference("DepthwiseConv2dNative", "DepthwiseConv2dNativeBackpropInput",
              "DepthwiseConv2dNativeBackpropFilter", "MaxPoolGradGrad")

_FLOATS = (np.float32, np.float64)


@numba.njit(cache=True, nogil=True, inline="always")
def _im2col_row(x, geo, r, cols):
    """Fills the cols rows of output row r (= b * OH + y) of every x position."""
    kh, kw, sh, sw, dh, dw, oh, ow, pt, pl = geo
    b, y = r // oh, r % oh
    h, w, c = x.shape[1], x.shape[2], x.shape[3]
    for xo in range(ow):
        row = r * ow + xo
        for i in range(kh):
            src_y = y * sh + i * dh - pt
            for j in range(kw):
                src_x = xo * sw + j * dw - pl
                base = (i * kw + j) * c
                inside = 0 <= src_y < h and 0 <= src_x < w
                for ch in range(c):
                    cols[row, base + ch] = x[b, src_y, src_x, ch] if inside else 0


@numba.njit(cache=True, nogil=True)
def _im2col_serial(x, geo, cols):
    for r in range(x.shape[0] * geo[6]):
        _im2col_row(x, geo, r, cols)


@numba.njit(cache=True, nogil=True, parallel=True)
def _im2col_parallel(x, geo, cols):
    for r in numba.prange(x.shape[0] * geo[6]):
        _im2col_row(x, geo, r, cols)


@numba.njit(cache=True, nogil=True, inline="always")
def _col2im_image(cols, geo, b, dx):
    """Adds the cols rows of image b back into dx[b] (the adjoint of im2col)."""
    kh, kw, sh, sw, dh, dw, oh, ow, pt, pl = geo
    h, w, c = dx.shape[1], dx.shape[2], dx.shape[3]
    for y in range(oh):
        for xo in range(ow):
            row = (b * oh + y) * ow + xo
            for i in range(kh):
                src_y = y * sh + i * dh - pt
                if src_y < 0 or src_y >= h:
                    continue
                for j in range(kw):
                    src_x = xo * sw + j * dw - pl
                    if src_x < 0 or src_x >= w:
                        continue
                    base = (i * kw + j) * c
                    for ch in range(c):
                        dx[b, src_y, src_x, ch] += cols[row, base + ch]


@numba.njit(cache=True, nogil=True)
def _col2im_serial(cols, geo, dx):
    for b in range(dx.shape[0]):
        _col2im_image(cols, geo, b, dx)


@numba.njit(cache=True, nogil=True, parallel=True)
def _col2im_parallel(cols, geo, dx):
    for b in numba.prange(dx.shape[0]):
        _col2im_image(cols, geo, b, dx)


def _packed(geo):
    """The geometry as the int tuple the numba kernels take."""
    return (geo.kh, geo.kw, geo.sh, geo.sw, geo.dh, geo.dw, geo.oh, geo.ow, geo.pt, geo.pl)


def _is_identity_window(geo):
    return (geo.kh == geo.kw == geo.sh == geo.sw == 1
            and geo.pt == geo.pb == geo.pl == geo.pr == 0)


def im2col(x, geo):
    """[N*OH*OW, KH*KW*C] receptive fields of an NHWC array."""
    n, _, _, c = x.shape
    if _is_identity_window(geo):
        return np.ascontiguousarray(x).reshape(-1, c)
    cols = np.empty((n * geo.oh * geo.ow, geo.kh * geo.kw * c), dtype=x.dtype)
    big = cols.size >= PARALLEL_THRESHOLD
    (_im2col_parallel if big else _im2col_serial)(np.ascontiguousarray(x), _packed(geo), cols)
    return cols


def col2im(cols, geo, x_shape):
    """The NHWC array whose im2col is `cols`, overlapping windows summed."""
    if _is_identity_window(geo):
        return cols.reshape(x_shape)
    dx = np.zeros(x_shape, dtype=cols.dtype)
    big = cols.size >= PARALLEL_THRESHOLD and x_shape[0] > 1
    (_col2im_parallel if big else _col2im_serial)(np.ascontiguousarray(cols), _packed(geo), dx)
    return dx


def _group_blocks(geo, c, oc, groups):
    """(column index array of a group's input channels, output channel slice) per group."""
    taps = geo.kh * geo.kw
    cg, og = c // groups, oc // groups
    blocks = []
    for g in range(groups):
        columns = (np.arange(taps)[:, None] * c + g * cg + np.arange(cg)[None, :]).reshape(-1)
        blocks.append((columns, slice(g * og, (g + 1) * og)))
    return blocks


def conv_forward(xn, f, geo, groups):
    """NHWC Conv2D as im2col @ filter."""
    n, _, _, c = xn.shape
    kh, kw, cg, oc = f.shape
    cols = im2col(xn, geo)
    if groups == 1:
        out = cols @ f.reshape(kh * kw * cg, oc)
    else:
        out = np.empty((cols.shape[0], oc), dtype=xn.dtype)
        for columns, outs in _group_blocks(geo, c, oc, groups):
            out[:, outs] = cols[:, columns] @ f[..., outs].reshape(kh * kw * cg, -1)
    return out.reshape(n, geo.oh, geo.ow, oc)


def conv_backprop_input(x_shape, f, dout, geo, groups):
    kh, kw, cg, oc = f.shape
    d2 = dout.reshape(-1, oc)
    if groups == 1:
        dcols = d2 @ f.reshape(kh * kw * cg, oc).T
    else:
        dcols = np.empty((d2.shape[0], kh * kw * x_shape[3]), dtype=dout.dtype)
        for columns, outs in _group_blocks(geo, x_shape[3], oc, groups):
            dcols[:, columns] = d2[:, outs] @ f[..., outs].reshape(kh * kw * cg, -1).T
    return col2im(dcols, geo, x_shape)


def conv_backprop_filter(xn, f_shape, dout, geo, groups):
    kh, kw, cg, oc = f_shape
    cols = im2col(xn, geo)
    d2 = dout.reshape(-1, oc)
    if groups == 1:
        return (cols.T @ d2).reshape(f_shape)
    df = np.empty(f_shape, dtype=dout.dtype)
    for columns, outs in _group_blocks(geo, xn.shape[3], oc, groups):
        df[..., outs] = (cols[:, columns].T @ d2[:, outs]).reshape(kh, kw, cg, -1)
    return df


def _float_factory(op_type, fast):
    """A factory running `fast(attrs, *arrays)` for float32/64 and the reference otherwise."""
    def factory(node, state):
        attrs = node._attrs
        fallback = reference.REFERENCE[op_type]
        dtype = node.inputs[-1].dtype.base_dtype.as_numpy_dtype
        if dtype not in _FLOATS:
            return lambda *arrays: fallback(attrs, *arrays)
        return lambda *arrays: fast(attrs, *arrays)
    registry.register(op_type)(factory)


def _conv2d(attrs, x, f):
    xn, geo, groups = ref_conv.conv_inputs(attrs, x, f)
    out = conv_forward(xn, np.ascontiguousarray(f), geo, groups)
    return (ref_conv.from_nhwc(out, attrs["data_format"]),)


def _conv2d_backprop_input(attrs, input_sizes, f, dout):
    x_shape, dout, geo, groups = ref_conv.backprop_input_args(attrs, input_sizes, f, dout)
    dx = conv_backprop_input(x_shape, np.ascontiguousarray(f), np.ascontiguousarray(dout), geo,
                             groups)
    return (ref_conv.from_nhwc(dx, attrs["data_format"]),)


def _conv2d_backprop_filter(attrs, x, filter_sizes, dout):
    xn, f_shape, dout, geo, groups = ref_conv.backprop_filter_args(attrs, x, filter_sizes, dout)
    return (conv_backprop_filter(xn, f_shape, np.ascontiguousarray(dout), geo, groups),)


_float_factory("Conv2D", _conv2d)
_float_factory("Conv2DBackpropInput", _conv2d_backprop_input)
_float_factory("Conv2DBackpropFilter", _conv2d_backprop_filter)


# ------------------------------------------------------------------------ pooling
@numba.njit(cache=True, nogil=True, inline="always")
def _window_bounds(geo, y, xo, h, w):
    """(y0, y1, x0, x1): the rows and columns of the input that pooling window (y, xo)
    covers (its unpadded part)."""
    kh, kw, sh, sw, _, _, _, _, pt, pl = geo
    y0, y1 = max(y * sh - pt, 0), min(y * sh - pt + kh, h)
    x0, x1 = max(xo * sw - pl, 0), min(xo * sw - pl + kw, w)
    return y0, y1, x0, x1


@numba.njit(cache=True, nogil=True, inline="always")
def _max_pool_row(x, geo, r, low, out):
    oh = geo[6]
    b, y = r // oh, r % oh
    h, w, c = x.shape[1], x.shape[2], x.shape[3]
    for xo in range(geo[7]):
        y0, y1, x0, x1 = _window_bounds(geo, y, xo, h, w)
        for ch in range(c):
            out[b, y, xo, ch] = low
        for yy in range(y0, y1):
            for xx in range(x0, x1):
                for ch in range(c):
                    v = x[b, yy, xx, ch]
                    if v > out[b, y, xo, ch]:
                        out[b, y, xo, ch] = v


@numba.njit(cache=True, nogil=True)
def _max_pool_serial(x, geo, low, out):
    for r in range(x.shape[0] * geo[6]):
        _max_pool_row(x, geo, r, low, out)


@numba.njit(cache=True, nogil=True, parallel=True)
def _max_pool_parallel(x, geo, low, out):
    for r in numba.prange(x.shape[0] * geo[6]):
        _max_pool_row(x, geo, r, low, out)


@numba.njit(cache=True, nogil=True, inline="always")
def _max_pool_grad_image(x, geo, b, grad, dx):
    """Adds grad to the first maximum of each window of image b (strictly larger wins)."""
    h, w, c = x.shape[1], x.shape[2], x.shape[3]
    for y in range(geo[6]):
        for xo in range(geo[7]):
            y0, y1, x0, x1 = _window_bounds(geo, y, xo, h, w)
            if y0 >= y1 or x0 >= x1:
                continue
            for ch in range(c):
                best_y, best_x = y0, x0
                for yy in range(y0, y1):
                    for xx in range(x0, x1):
                        if x[b, yy, xx, ch] > x[b, best_y, best_x, ch]:
                            best_y, best_x = yy, xx
                dx[b, best_y, best_x, ch] += grad[b, y, xo, ch]


@numba.njit(cache=True, nogil=True)
def _max_pool_grad_serial(x, geo, grad, dx):
    for b in range(x.shape[0]):
        _max_pool_grad_image(x, geo, b, grad, dx)


@numba.njit(cache=True, nogil=True, parallel=True)
def _max_pool_grad_parallel(x, geo, grad, dx):
    for b in numba.prange(x.shape[0]):
        _max_pool_grad_image(x, geo, b, grad, dx)


@numba.njit(cache=True, nogil=True)
def _avg_pool_kernel(src, geo, dst, backward):
    """Forward: dst (the windows) = mean of src over each window's unpadded part.
    Backward: each src value (a window's gradient) shared equally by its part of dst."""
    data = dst if backward else src
    n, h, w, c = data.shape
    for b in range(n):
        for y in range(geo[6]):
            for xo in range(geo[7]):
                y0, y1, x0, x1 = _window_bounds(geo, y, xo, h, w)
                count = (y1 - y0) * (x1 - x0)
                for ch in range(c):
                    total = src[b, y, xo, ch] / count if backward else 0.0
                    for yy in range(y0, y1):
                        for xx in range(x0, x1):
                            if backward:
                                dst[b, yy, xx, ch] += total
                            else:
                                total += src[b, yy, xx, ch]
                    if not backward:
                        dst[b, y, xo, ch] = total / count


def _max_pool(attrs, x):
    xn, geo = ref_conv.pool_input(attrs, x)
    xn = np.ascontiguousarray(xn)
    out = np.empty((xn.shape[0], geo.oh, geo.ow, xn.shape[3]), dtype=x.dtype)
    low = x.dtype.type(ref_conv.lowest(x.dtype))
    big = out.size * geo.kh * geo.kw >= PARALLEL_THRESHOLD
    (_max_pool_parallel if big else _max_pool_serial)(xn, _packed(geo), low, out)
    return (ref_conv.from_nhwc(out, attrs["data_format"]),)


def _max_pool_grad(attrs, orig_input, orig_output, grad):
    xn, g, geo = ref_conv.max_pool_grad_args(attrs, orig_input, orig_output, grad, False)
    dx = np.zeros(xn.shape, dtype=grad.dtype)
    big = g.size * geo.kh * geo.kw >= PARALLEL_THRESHOLD and xn.shape[0] > 1
    (_max_pool_grad_parallel if big else _max_pool_grad_serial)(
        np.ascontiguousarray(xn), _packed(geo), np.ascontiguousarray(g), dx)
    return (ref_conv.from_nhwc(dx, attrs["data_format"]),)


def _avg_pool(attrs, x):
    xn, geo = ref_conv.pool_input(attrs, x)
    out = np.empty((xn.shape[0], geo.oh, geo.ow, xn.shape[3]), dtype=x.dtype)
    _avg_pool_kernel(np.ascontiguousarray(xn), _packed(geo), out, False)
    return (ref_conv.from_nhwc(out, attrs["data_format"]),)


def _avg_pool_grad(attrs, orig_input_shape, grad):
    x_shape, g, geo = ref_conv.avg_pool_grad_args(attrs, orig_input_shape, grad)
    dx = np.zeros(x_shape, dtype=grad.dtype)
    _avg_pool_kernel(np.ascontiguousarray(g), _packed(geo), dx, True)
    return (ref_conv.from_nhwc(dx, attrs["data_format"]),)


_float_factory("MaxPool", _max_pool)
_float_factory("MaxPoolGrad", _max_pool_grad)
_float_factory("AvgPool", _avg_pool)
_float_factory("AvgPoolGrad", _avg_pool_grad)
