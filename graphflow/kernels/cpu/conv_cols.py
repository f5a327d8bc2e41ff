"""Numba loops of the CPU convolutions (graphflow/kernels/cpu/conv.py), NHWC, channels innermost.

im2col gathers each output position's receptive field into a row of a column matrix (zeros
for padding) that BLAS multiplies by the filter; col2im adds such rows back (its adjoint).
For windows with few taps (KH*KW*C/groups up to conv.DIRECT_MAX_TAPS: first layers on one
to three channels) im2col's column matrix is mostly per-element overhead and a GEMM of
inner dimension 25 mostly memory traffic, so `direct` runs the convolution, or its filter
gradient, as one pass over the output rows with the output channels as the innermost,
vectorised loop and no column matrix at all.

`geo` is the packed (KH, KW, SH, SW, DH, DW, OH, OW, PT, PL) tuple of conv._packed; the
filter is f2 = filter.reshape(KH*KW*CG, OC), row (i*KW + j)*CG + ch.
"""

import numba
import numpy as np

ROTATE = 4  # accumulator rows per filter-gradient row
NARROW = 4  # col2im loops over positions innermost below this many channels


@numba.njit(cache=True, nogil=True, inline="always")
def _source(pos, tap, stride, dilation, pad, size):
    """The input coordinate that window tap `tap` of output position `pos` reads, or -1
    where it falls into the padding (a checked, non-negative index vectorises better)."""
    src = pos * stride + tap * dilation - pad
    return src if 0 <= src < size else -1


@numba.njit(cache=True, nogil=True, inline="always")
def _im2col_row(x, geo, r, first, cols):
    """Fills the cols rows of output row r (= b * OH + y), cols starting at output
    position `first`."""
    kh, kw, sh, sw, dh, dw, oh, ow, pt, pl = geo
    b, y = r // oh, r % oh
    h, w, c = x.shape[1], x.shape[2], x.shape[3]
    for xo in range(ow):
        row = r * ow + xo - first
        for i in range(kh):
            src_y = y * sh + i * dh - pt
            for j in range(kw):
                src_x = xo * sw + j * dw - pl
                base = (i * kw + j) * c
                inside = 0 <= src_y < h and 0 <= src_x < w
                for ch in range(c):
                    cols[row, base + ch] = x[b, src_y, src_x, ch] if inside else 0


@numba.njit(cache=True, nogil=True)
def im2col_images(x, geo, b0, b1, cols):
    """Fills cols[:(b1 - b0) * OH * OW] with the receptive fields of images b0..b1-1."""
    oh, ow = geo[6], geo[7]
    for r in range(b0 * oh, b1 * oh):
        _im2col_row(x, geo, r, b0 * oh * ow, cols)


@numba.njit(cache=True, nogil=True, inline="always")
def _col2im_image(cols, geo, b, first, dx):
    """Adds the cols rows of image b back into dx[b] (the adjoint of im2col), cols
    starting at output position `first`. Channels innermost (contiguous runs) from
    NARROW channels on; below, positions innermost: a one-channel inner loop is all
    overhead."""
    kh, kw, sh, sw, dh, dw, oh, ow, pt, pl = geo
    h, w, c = dx.shape[1], dx.shape[2], dx.shape[3]
    for y in range(oh):
        row0 = (b * oh + y) * ow - first
        for i in range(kh):
            src_y = _source(y, i, sh, dh, pt, h)
            if src_y < 0:
                continue
            for j in range(kw):
                base = (i * kw + j) * c
                if c < NARROW:
                    for ch in range(c):
                        for xo in range(ow):
                            src_x = _source(xo, j, sw, dw, pl, w)
                            if src_x >= 0:
                                dx[b, src_y, src_x, ch] += cols[row0 + xo, base + ch]
                    continue
                for xo in range(ow):
                    src_x = _source(xo, j, sw, dw, pl, w)
                    if src_x >= 0:
                        for ch in range(c):
                            dx[b, src_y, src_x, ch] += cols[row0 + xo, base + ch]


@numba.njit(cache=True, nogil=True)
def col2im_images(cols, geo, b0, b1, dx):
    """Adds cols[:(b1 - b0) * OH * OW] back into dx[b0:b1]."""
    for b in range(b0, b1):
        _col2im_image(cols, geo, b, b0 * geo[6] * geo[7], dx)


@numba.njit(cache=True, nogil=True, inline="always")
def _direct_row(x, f2, d, geo, groups, b, y, out, acc):
    """Output row (b, y) of a direct pass. With f2: out[b, y] = Σ over taps of x's window
    values · f2 rows (the convolution). f2 None: acc[k, q] += Σ over the positions
    xo ≡ q (mod ROTATE) of window value k ⊗ d[b, y, xo] (the filter gradient; out unused).

    Taps outside, positions inside: consecutive updates go to different output pixels, or
    to ROTATE different accumulator rows, so no update waits on the previous one's store.
    """
    kh, kw, sh, sw, dh, dw, _, ow, pt, pl = geo
    h, w, c = x.shape[1], x.shape[2], x.shape[3]
    cg = c // groups
    og = (out.shape[3] if f2 is not None else d.shape[3]) // groups
    if f2 is not None:
        out[b, y] = 0
    for i in range(kh):
        src_y = _source(y, i, sh, dh, pt, h)
        if src_y < 0:
            continue
        for j in range(kw):
            for g in range(groups):
                for ch in range(cg):
                    k = (i * kw + j) * cg + ch
                    for xo in range(ow):
                        src_x = _source(xo, j, sw, dw, pl, w)
                        if src_x < 0:
                            continue
                        v = x[b, src_y, src_x, g * cg + ch]
                        q = xo % ROTATE
                        # range(og) plus an offset: range(g * og, ...) does not vectorise
                        if f2 is not None:
                            for o in range(og):
                                out[b, y, xo, g * og + o] += v * f2[k, g * og + o]
                        else:
                            for o in range(og):
                                acc[k, q, g * og + o] += v * d[b, y, xo, g * og + o]


@numba.njit(cache=True, nogil=True)
def _direct_images(x, f2, d, geo, groups, out, acc):
    for b in range(x.shape[0]):
        for y in range(geo[6]):
            _direct_row(x, f2, d, geo, groups, b, y, out, acc)


def direct(geo, groups, x, f2, d, out):
    """Fills out with the direct convolution of x and f2 ([K, OC]) and returns it, or with
    f2 None returns the [K, OC] filter gradient for the output gradient d (out unused).
    Serial, like im2col: numba's threads and BLAS's, run back to back, spin against each
    other (a convolution after a parallel one took 5 ms longer on the 2-core machine)."""
    if f2 is not None:
        _direct_images(x, f2, x, geo, groups, out, np.empty((1, 1, 1), x.dtype))
        return out
    acc = np.zeros((geo[0] * geo[1] * x.shape[3] // groups, ROTATE, d.shape[3]), x.dtype)
    _direct_images(x, None, d, geo, groups, out, acc)
    return acc.sum(axis=1)
