"""Numba loops of the CPU convolutions (graphflow/kernels/cpu/conv.py), NHWC, channels innermost.

im2col gathers each output position's receptive field into a row of a column matrix (zeros
for padding) that BLAS multiplies by the filter; col2im adds such rows back (its adjoint).
(Windows with few taps skip the columns: conv_direct.py.)

`geo` is the packed (KH, KW, SH, SW, DH, DW, OH, OW, PT, PL) tuple of conv._packed; the
filter is f2 = filter.reshape(KH*KW*CG, OC), row (i*KW + j)*CG + ch.
"""

import numba

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
