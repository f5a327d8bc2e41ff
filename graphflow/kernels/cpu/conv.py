"""CPU kernels of convolutions and pooling.

Conv2D is im2col + BLAS, a chunk of images at a time: a serial numba loop gathers each
output position's receptive field into a row of a [images*OH*OW, KH*KW*C] buffer of about
CHUNK_BYTES (zeros for padding), one per thread reused by every chunk and call so it stays
in cache, and numpy's matmul multiplies it by the [KH*KW*C, OC] filter into the chunk's
rows of the output. The input gradient is each chunk's dout @ filterᵀ scattered back by
col2im (images never overlap); the filter gradient sums colsᵀ @ dout over the chunks, so
the batch-sized column matrix is never built. Grouped convolutions multiply one column
block per group. Float32 stride-1 5x5 windows with enough channels run the forward pass
and the input gradient through Winograd's F(4x4, 5x5) instead (winograd.py: 2.25x fewer
GEMM flops than im2col, rounding within a few 1e-6 of the output's scale). GEMMs of concurrently running kernels (inter-op parallelism) take turns:
BLAS already uses every core. Windows of at most DIRECT_MAX_TAPS taps (a first layer on one channel)
skip the columns: the forward pass and the filter gradient are generated direct loops
(conv_direct.py). Pooling and its gradients are direct numba loops over NHWC, channels
innermost (max pooling's compiled per window size, so they vectorise); when the windows
tile the image, MaxPoolGrad writes every element instead of zeroing first. Large outputs
come from a per-node recycle.Outputs pool.
Geometry and validation come from the reference module, so errors are identical.
"""
import functools
import threading

import numba
import numpy as np

from graphflow.kernels import reference
from graphflow.kernels import registry
from graphflow.kernels.cpu import conv_cols
from graphflow.kernels.cpu import conv_direct
from graphflow.kernels.cpu import recycle
from graphflow.kernels.cpu import use_reference
from graphflow.kernels.cpu import winograd
from graphflow.kernels.reference import conv as ref_conv

PARALLEL_THRESHOLD = 1 << 21  # threads pay off only on big images (and fight BLAS's)
CHUNK_BYTES = 1 << 23  # columns per GEMM: fastest on the 2-core dev machine (L3 32 MiB)
DIRECT_MAX_TAPS = 32  # direct loops instead of im2col + GEMM up to this KH*KW*C/groups
WINOGRAD = True  # float32 stride-1 windows of winograd.TILES through Winograd's algorithm
WINOGRAD_MIN_CHANNELS = 4  # input and output channels; fewer: im2col (or direct) is faster
WINOGRAD_MIN_IMAGE = 16  # output positions per image: 2x2 images are faster on im2col
WINOGRAD_MIN_BATCH = 1024  # output positions per batch: below, the filter transform dominates

use_reference("DepthwiseConv2dNative", "DepthwiseConv2dNativeBackpropInput",
              "DepthwiseConv2dNativeBackpropFilter", "MaxPoolGradGrad")

_FLOATS = (np.float32, np.float64)
_GEMM = threading.Lock()


def _packed(geo):
    """The geometry as the int tuple the numba kernels take."""
    return (geo.kh, geo.kw, geo.sh, geo.sw, geo.dh, geo.dw, geo.oh, geo.ow, geo.pt, geo.pl)


def _is_identity_window(geo):
    return (geo.kh == geo.kw == geo.sh == geo.sw == 1
            and geo.pt == geo.pb == geo.pl == geo.pr == 0)


def _is_direct(geo, c, groups):
    """Whether the window has so few taps (KH*KW*C/groups) that a GEMM on its columns is
    mostly im2col and memory traffic: then the loops of conv_direct run instead."""
    return geo.kh * geo.kw * (c // groups) <= DIRECT_MAX_TAPS


def _winograd_tile(geo, n, c, oc, groups, dtype):
    """The output tile size m of the Winograd path F(m x m, KH x KH) for this convolution,
    or None where it does not apply or would be slower than im2col + GEMM.

    It applies to float32 stride-1, undilated, ungrouped square windows of winograd.TILES
    whose paddings are each at most KH - 1 (so the input gradient, the correlation of
    the output gradient with the rotated filter, has non-negative paddings too); float64
    keeps im2col's rounding. Few channels, small images or batches: the tile transforms,
    partial tiles and the filter transform outweigh the GEMM flops saved (measured: 4x4
    images and batch 8 of 28x28 x 16 channels gain, 2x2 images and one 14x14 image lose)."""
    m = winograd.TILES.get(geo.kh)
    if (not WINOGRAD or m is None or dtype != np.float32 or groups != 1
            or geo.kw != geo.kh or (geo.sh, geo.sw, geo.dh, geo.dw) != (1, 1, 1, 1)):
        return None
    if max(geo.pt, geo.pb, geo.pl, geo.pr) >= geo.kh:
        return None
    positions = geo.oh * geo.ow
    if (min(c, oc) < WINOGRAD_MIN_CHANNELS or positions < WINOGRAD_MIN_IMAGE
            or n * positions < WINOGRAD_MIN_BATCH):
        return None
    return m


def _over_chunks(n, geo, c, dtype, work):
    """[work(b0, b1, cols) for consecutive image ranges [b0, b1) covering the batch], cols
    being one reused [(b1 - b0) * OH * OW, KH*KW*C] buffer of about CHUNK_BYTES.

    Each chunk's im2col, GEMM and col2im then run on data in cache instead of streaming
    a batch-sized column matrix through memory (and faulting in its fresh pages) three
    times. The numba loops are serial and only BLAS is threaded: numba's parallel regions
    and BLAS's thread pool, called back to back, spin against each other on small machines.
    """
    per_image = geo.oh * geo.ow * geo.kh * geo.kw * c * np.dtype(dtype).itemsize
    step = max(1, min(n, CHUNK_BYTES // max(1, per_image)))
    rows = geo.oh * geo.ow
    cols = recycle.scratch(step * rows * geo.kh * geo.kw * c, dtype).reshape(step * rows, -1)
    results = []
    for b0 in range(0, n, step):
        b1 = min(n, b0 + step)
        results.append(work(b0, b1, cols[:(b1 - b0) * rows]))
    return results


def _group_blocks(geo, c, oc, groups):
    """(column index array of a group's input channels, output channel slice) per group."""
    taps = geo.kh * geo.kw
    cg, og = c // groups, oc // groups
    blocks = []
    for g in range(groups):
        columns = (np.arange(taps)[:, None] * c + g * cg + np.arange(cg)[None, :]).reshape(-1)
        blocks.append((columns, slice(g * og, (g + 1) * og)))
    return blocks


def _one_gemm_at_a_time(fn):
    """Runs fn under _GEMM. BLAS already uses every core: two convolutions that inter-op
    parallelism runs at once would oversubscribe them (W7 ~1 ms slower); serialised, each
    GEMM gets the whole BLAS pool while the other kernel's numba loops run alongside."""
    @functools.wraps(fn)
    def serialised(*args):
        with _GEMM:
            return fn(*args)
    return serialised


@_one_gemm_at_a_time
def _batched_gemm(v, u, out):
    """out = v @ u, one GEMM per Winograd transform point (winograd.correlate's gemm)."""
    np.matmul(v, u, out=out)


@_one_gemm_at_a_time
def _columns_times_filter(cols, f2, geo, c, groups, out):
    """out = cols @ f2, block-diagonal over groups (f2 is the [KH*KW*CG, OC] filter)."""
    if groups == 1:
        np.matmul(cols, f2, out=out)
        return
    for columns, outs in _group_blocks(geo, c, f2.shape[1], groups):
        out[:, outs] = cols[:, columns] @ f2[:, outs]


@_one_gemm_at_a_time
def _grad_times_filter(d2, f2, geo, c, groups, dcols):
    """dcols = d2 @ f2ᵀ, block-diagonal over groups (the adjoint of _columns_times_filter)."""
    if groups == 1:
        np.matmul(d2, f2.T, out=dcols)
        return
    for columns, outs in _group_blocks(geo, c, f2.shape[1], groups):
        dcols[:, columns] = d2[:, outs] @ f2[:, outs].T


@_one_gemm_at_a_time
def _columns_times_grad(cols, d2, geo, c, groups):
    """colsᵀ @ d2 restricted to each group's block: the [KH*KW*CG, OC] filter gradient."""
    if groups == 1:
        return cols.T @ d2
    blocks = _group_blocks(geo, c, d2.shape[1], groups)
    return np.concatenate([cols[:, columns].T @ d2[:, outs] for columns, outs in blocks],
                          axis=1)


def conv_forward(xn, f, geo, groups, outputs=recycle.FRESH):
    """NHWC Conv2D as im2col @ filter, a chunk of images at a time (or the direct loops)."""
    n, _, _, c = xn.shape
    kh, kw, cg, oc = f.shape
    f2 = f.reshape(kh * kw * cg, oc)
    out = outputs.empty((n * geo.oh * geo.ow, oc), xn.dtype)
    if _is_identity_window(geo):
        _columns_times_filter(np.ascontiguousarray(xn).reshape(-1, c), f2, geo, c, groups, out)
        return out.reshape(n, geo.oh, geo.ow, oc)
    xn, packed, rows = np.ascontiguousarray(xn), _packed(geo), geo.oh * geo.ow
    if _is_direct(geo, c, groups):
        return conv_direct.forward(packed, groups, xn, np.ascontiguousarray(f2),
                                   out.reshape(n, geo.oh, geo.ow, oc))
    m = _winograd_tile(geo, n, c, oc, groups, xn.dtype)
    if m is not None:
        return winograd.correlate(xn, f, (geo.pt, geo.pl), (geo.oh, geo.ow), m,
                                  out.reshape(n, geo.oh, geo.ow, oc), _batched_gemm)

    def work(b0, b1, cols):
        conv_cols.im2col_images(xn, packed, b0, b1, cols)
        _columns_times_filter(cols, f2, geo, c, groups, out[b0 * rows:b1 * rows])
    _over_chunks(n, geo, c, xn.dtype, work)
    return out.reshape(n, geo.oh, geo.ow, oc)


def conv_backprop_input(x_shape, f, dout, geo, groups, outputs=recycle.FRESH):
    """dx = col2im(dout @ filterᵀ), a chunk of images at a time (images never overlap)."""
    n, _, _, c = x_shape
    kh, kw, cg, oc = f.shape
    f2 = f.reshape(kh * kw * cg, oc)
    d2 = dout.reshape(-1, oc)
    if _is_identity_window(geo):
        dx = outputs.empty((d2.shape[0], c), dout.dtype)
        _grad_times_filter(d2, f2, geo, c, groups, dx)
        return dx.reshape(x_shape)
    m = _winograd_tile(geo, n, c, oc, groups, dout.dtype)
    if m is not None:
        # dx[p] = Σ_i dout[p - i + pt] f[i] = Σ_i dout[p + i - (KH-1-pt)] f[KH-1-i]:
        # the correlation of dout with the rotated filter, channels swapped.
        rotated = f[::-1, ::-1].transpose(0, 1, 3, 2)
        pads = (kh - 1 - geo.pt, kw - 1 - geo.pl)
        return winograd.correlate(dout, rotated, pads, x_shape[1:3], m,
                                  outputs.empty(x_shape, dout.dtype), _batched_gemm)
    dx = outputs.zeros(x_shape, dout.dtype)
    packed, rows = _packed(geo), geo.oh * geo.ow

    def work(b0, b1, dcols):
        _grad_times_filter(d2[b0 * rows:b1 * rows], f2, geo, c, groups, dcols)
        conv_cols.col2im_images(dcols, packed, b0, b1, dx)
    _over_chunks(n, geo, c, dout.dtype, work)
    return dx


def conv_backprop_filter(xn, f_shape, dout, geo, groups):
    """dfilter = Σ over chunks of im2col(x)ᵀ @ dout: the columns never exist all at once."""
    n, _, _, c = xn.shape
    oc = f_shape[3]
    d2 = dout.reshape(-1, oc)
    if _is_identity_window(geo):
        cols = np.ascontiguousarray(xn).reshape(-1, c)
        return _columns_times_grad(cols, d2, geo, c, groups).reshape(f_shape)
    xn, packed, rows = np.ascontiguousarray(xn), _packed(geo), geo.oh * geo.ow
    if _is_direct(geo, c, groups):
        return conv_direct.filter_grad(packed, groups, xn, dout).reshape(f_shape)

    def work(b0, b1, cols):
        conv_cols.im2col_images(xn, packed, b0, b1, cols)
        return _columns_times_grad(cols, d2[b0 * rows:b1 * rows], geo, c, groups)
    df = np.zeros((f_shape[0] * f_shape[1] * f_shape[2], oc), dtype=dout.dtype)
    for part in _over_chunks(n, geo, c, xn.dtype, work):
        df += part
    return df.reshape(f_shape)


def _float_factory(op_type, fast):
    """A factory running `fast(attrs, outputs, *arrays)` for float32/64 (outputs: the node's
    recycle.Outputs pool) and the reference otherwise."""
    def factory(node, state):
        attrs = node._attrs
        fallback = reference.REFERENCE[op_type]
        dtype = node.inputs[-1].dtype.base_dtype.as_numpy_dtype
        if dtype not in _FLOATS:
            return lambda *arrays: fallback(attrs, *arrays)
        outputs = recycle.Outputs()
        return lambda *arrays: fast(attrs, outputs, *arrays)
    registry.register(op_type)(factory)


def _conv2d(attrs, outputs, x, f):
    xn, geo, groups = ref_conv.conv_inputs(attrs, x, f)
    out = conv_forward(xn, np.ascontiguousarray(f), geo, groups, outputs)
    return (ref_conv.from_nhwc(out, attrs["data_format"]),)


def _conv2d_backprop_input(attrs, outputs, input_sizes, f, dout):
    x_shape, dout, geo, groups = ref_conv.backprop_input_args(attrs, input_sizes, f, dout)
    dx = conv_backprop_input(x_shape, np.ascontiguousarray(f), np.ascontiguousarray(dout), geo,
                             groups, outputs)
    return (ref_conv.from_nhwc(dx, attrs["data_format"]),)


def _conv2d_backprop_filter(attrs, outputs, x, filter_sizes, dout):
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
def _clamped(pos, tap, stride, pad, size):
    """The input coordinate of window tap `tap` at output `pos`, clamped into [0, size).

    A tap in the top (left) padding repeats row (column) 0 just before the real one, a tap
    in the bottom (right) padding repeats the last one after it: neither changes the
    window's maximum nor the coordinate of its first maximum, and no tap needs a branch."""
    return min(max(pos * stride + tap - pad, 0), size - 1)


@numba.njit(cache=True, nogil=True, inline="always")
def _window_max(x, geo, kh, kw, b, y, xo, ch, best, at):
    """(maximum, flat h*w index of its first occurrence) of window (y, xo) of x[b, ..., ch],
    starting from (best, at); NaN never beats (nor is beaten by) the running maximum.
    Callers pass compile-time kh, kw: the taps unroll and the channel loop around this
    call vectorises."""
    _, _, sh, sw, _, _, _, _, pt, pl = geo
    h, w = x.shape[1], x.shape[2]
    for i in range(kh):
        yy = _clamped(y, i, sh, pt, h)
        for j in range(kw):
            xx = _clamped(xo, j, sw, pl, w)
            v = x[b, yy, xx, ch]
            if v > best:
                best, at = v, yy * w + xx
    return best, at


@numba.njit(cache=True, nogil=True, inline="always")
def _is_empty(geo, y, xo, h, w):
    """Whether window (y, xo) lies wholly in the padding (explicit paddings allow it)."""
    y0, y1, x0, x1 = _window_bounds(geo, y, xo, h, w)
    return y0 >= y1 or x0 >= x1


@numba.njit(cache=True, nogil=True, inline="always")
def _max_pool_row(x, geo, kh, kw, r, low, out):
    """Output row r (= b * OH + y): each window's maximum, `low` where all are NaN."""
    oh = geo[6]
    b, y = r // oh, r % oh
    h, w, c = x.shape[1], x.shape[2], x.shape[3]
    for xo in range(geo[7]):
        empty = _is_empty(geo, y, xo, h, w)
        for ch in range(c):
            out[b, y, xo, ch] = low if empty else _window_max(
                x, geo, kh, kw, b, y, xo, ch, low, 0)[0]


@numba.njit(cache=True, nogil=True, inline="always")
def _max_pool_grad_image(x, geo, kh, kw, b, grad, tiled, dx):
    """Adds grad to the first maximum of each window of image b (dx viewed [N, H*W, C]).
    tiled (the windows partition the image): dx[b] is not zeroed, each window writes all
    of its elements, 0 + grad at the maximum (the reference's sum, -0.0 included);
    clamped taps write their element's value again."""
    h, w, c = x.shape[1], x.shape[2], x.shape[3]
    _, _, sh, sw, _, _, _, _, pt, pl = geo
    zero = dx.dtype.type(0)
    for y in range(geo[6]):
        for xo in range(geo[7]):
            if _is_empty(geo, y, xo, h, w):
                continue
            y0, x0 = _clamped(y, 0, sh, pt, h), _clamped(xo, 0, sw, pl, w)
            if not tiled:
                for ch in range(c):
                    _, at = _window_max(x, geo, kh, kw, b, y, xo, ch, x[b, y0, x0, ch],
                                        y0 * w + x0)
                    dx[b, at, ch] += grad[b, y, xo, ch]
                continue
            for ch in range(c):
                _, at = _window_max(x, geo, kh, kw, b, y, xo, ch, x[b, y0, x0, ch],
                                    y0 * w + x0)
                g = zero + grad[b, y, xo, ch]
                for i in range(kh):
                    yy = _clamped(y, i, sh, pt, h)
                    for j in range(kw):
                        xx = _clamped(xo, j, sw, pl, w)
                        dx[b, yy * w + xx, ch] = g if at == yy * w + xx else zero


@functools.cache
def _max_pool_kernels(kh, kw):
    """(pool, grad): MaxPool and MaxPoolGrad loops for kh x kw windows, each a pair
    (serial, parallel over rows / images).

    The window size is a closure constant, so LLVM unrolls the taps and vectorises the
    channel loop with the running maximum (and its index) in registers; a generic loop
    keeps them in memory and branches per element (about twice as slow on W7's pools).
    Each numba function compiles, or loads from the cache, on its first call."""

    def pool_serial(x, geo, low, out):
        for r in range(x.shape[0] * geo[6]):
            _max_pool_row(x, geo, kh, kw, r, low, out)

    def pool_parallel(x, geo, low, out):
        for r in numba.prange(x.shape[0] * geo[6]):
            _max_pool_row(x, geo, kh, kw, r, low, out)

    def grad_serial(x, geo, grad, tiled, dx):
        for b in range(x.shape[0]):
            _max_pool_grad_image(x, geo, kh, kw, b, grad, tiled, dx)

    def grad_parallel(x, geo, grad, tiled, dx):
        for b in numba.prange(x.shape[0]):
            _max_pool_grad_image(x, geo, kh, kw, b, grad, tiled, dx)

    serial = numba.njit(cache=True, nogil=True)
    parallel = numba.njit(cache=True, nogil=True, parallel=True)
    return ((serial(pool_serial), parallel(pool_parallel)),
            (serial(grad_serial), parallel(grad_parallel)))


def _tiles(geo, h, w):
    """Whether the pooling windows partition the image (each element in exactly one)."""
    return (geo.kh == geo.sh and geo.kw == geo.sw and geo.pt == 0 and geo.pl == 0
            and geo.oh * geo.sh >= h and geo.ow * geo.sw >= w)


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


def _max_pool(attrs, outputs, x):
    xn, geo = ref_conv.pool_input(attrs, x)
    xn = np.ascontiguousarray(xn)
    out = outputs.empty((xn.shape[0], geo.oh, geo.ow, xn.shape[3]), x.dtype)
    low = x.dtype.type(ref_conv.lowest(x.dtype))
    big = out.size * geo.kh * geo.kw >= PARALLEL_THRESHOLD
    serial, parallel = _max_pool_kernels(geo.kh, geo.kw)[0]
    (parallel if big else serial)(xn, _packed(geo), low, out)
    return (ref_conv.from_nhwc(out, attrs["data_format"]),)


def _max_pool_grad(attrs, outputs, orig_input, orig_output, grad):
    xn, g, geo = ref_conv.max_pool_grad_args(attrs, orig_input, orig_output, grad, False)
    n, h, w, c = xn.shape
    tiled = _tiles(geo, h, w)
    dx = (outputs.empty if tiled else outputs.zeros)(xn.shape, grad.dtype)
    big = g.size * geo.kh * geo.kw >= PARALLEL_THRESHOLD and n > 1
    serial, parallel = _max_pool_kernels(geo.kh, geo.kw)[1]
    (parallel if big else serial)(np.ascontiguousarray(xn), _packed(geo),
                                  np.ascontiguousarray(g), tiled, dx.reshape(n, h * w, c))
    return (ref_conv.from_nhwc(dx, attrs["data_format"]),)


def _avg_pool(attrs, outputs, x):
    xn, geo = ref_conv.pool_input(attrs, x)
    out = outputs.empty((xn.shape[0], geo.oh, geo.ow, xn.shape[3]), x.dtype)
    _avg_pool_kernel(np.ascontiguousarray(xn), _packed(geo), out, False)
    return (ref_conv.from_nhwc(out, attrs["data_format"]),)


def _avg_pool_grad(attrs, outputs, orig_input_shape, grad):
    x_shape, g, geo = ref_conv.avg_pool_grad_args(attrs, orig_input_shape, grad)
    dx = outputs.zeros(x_shape, grad.dtype)
    _avg_pool_kernel(np.ascontiguousarray(g), _packed(geo), dx, True)
    return (ref_conv.from_nhwc(dx, attrs["data_format"]),)


_float_factory("MaxPool", _max_pool)
_float_factory("MaxPoolGrad", _max_pool_grad)
_float_factory("AvgPool", _avg_pool)
_float_factory("AvgPoolGrad", _avg_pool_grad)
