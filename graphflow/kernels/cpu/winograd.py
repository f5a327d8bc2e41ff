"""Winograd minimal filtering F(m x m, r x r) for stride-1 float32 convolutions (NHWC).

An m x m output tile of the correlation of an alpha x alpha input tile d (alpha = m + r - 1)
with an r x r filter g is Y = Aᵀ [(G g Gᵀ) ⊙ (Bᵀ d B)] A. Over a batch and its channels the
elementwise product becomes alpha² independent GEMMs, one per transform point (k, l):
M[kl] = V[kl] @ U[kl], V the [tiles, C] transformed input tiles, U the [C, OC] transformed
filter. F(4x4, 5x5) multiplies 64 / 16 = 4 times per output and channel pair where im2col
multiplies 25: W7's second convolution ([64, 14, 14, 32] * [5, 5, 32, 64], SAME) goes from a
[12544, 800] @ [800, 64] GEMM to 64 of [1024, 32] @ [32, 64] (16 tiles an image, the last
row and column of tiles half outside).

The matrices are Toom-Cook's for the finite points of POINTS plus infinity, built exactly in
fractions (`transform`). A tile size is data: a POINTS entry, and a TILES entry to use it.
The tile transforms are generated from the matrices as straight-line numba code over a
vector of channels, separable (rows, then columns), zero coefficients skipped (`input_source`,
`output_source`), and cached on disk like conv_direct's kernels. The filter transform is
numpy in float64 (G's fractions round once), per call: a 5x5x32x64 filter takes ~0.1 ms.

Points, measured on W7's shapes against a float64 oracle (max |error| / max |output|):
F(2x2, 5x5) 3e-6 with {0, ±1, ±2}, 1.3e-6 with {0, ±1, 2, -1/2}; F(4x4, 5x5) 4e-6 with
{0, ±1, ±2, ±1/2}, but 3e-4 with {0, ±1, ±2, 1/2, 3/2}; F(5x5, 5x5) and F(6x6, 5x5) reach
1e-4 whatever the points. im2col's float32 GEMM: about 1e-6.

Layout: transformed tiles go straight into [tiles, alpha², C] (the GEMMs read each point's
[tiles, C] plane with a row stride of alpha² * C; BLAS runs as fast as on contiguous planes),
products come out as [tiles, alpha², OC], so that one tile's loads (or stores) lie at
constant offsets from one pointer and LLVM vectorises the channel loop. A chunk of images at
a time (about CHUNK_BYTES of transformed data) keeps them in cache; the input is read
through a zero-padded copy of the chunk, so the tile loops need no bounds checks.
"""

import collections
import functools
import math
from fractions import Fraction

import numpy as np

from graphflow.kernels.cpu import fused_codegen
from graphflow.kernels.cpu import recycle

_u64 = fused_codegen.u64

_HALF = Fraction(1, 2)
# (m, r): the finite Toom-Cook interpolation points of F(m x m, r x r) (infinity is added).
POINTS = {
    (2, 3): (0, 1, -1),
    (4, 3): (0, 1, -1, 2, -2),
    (2, 5): (0, 1, -1, 2, -_HALF),
    (4, 5): (0, 1, -1, 2, -2, _HALF, -_HALF),
}
TILES = {5: 4}  # window size r -> the output tile m that convolutions use (measured faster)
CHUNK_BYTES = 1 << 21  # transformed input + products per chunk: about the L2 of a core

Transform = collections.namedtuple("Transform", "m r at g bt")
Transform.__doc__ = """F(m x m, r x r)'s matrices as nested lists of Fractions: Aᵀ [m, alpha],
G [alpha, r] and Bᵀ [alpha, alpha]."""


def _polynomial(roots):
    """Coefficients, lowest power first, of the product of (x - root) over roots."""
    coefficients = [Fraction(1)]
    for root in roots:
        shifted = [Fraction(0)] + coefficients  # x * p
        for power, value in enumerate(coefficients):
            shifted[power] -= root * value
        coefficients = shifted
    return coefficients


@functools.cache
def transform(m, r):
    """The Transform of F(m x m, r x r) for POINTS[(m, r)] and infinity.

    The transpose of Toom-Cook linear convolution: Aᵀ[i, k] = p_k^i, G[k, j] = p_k^j / f_k
    (f_k = Π_{l≠k} (p_k - p_l)), Bᵀ[k] = the coefficients of Π_{l≠k} (x - p_l); the point
    at infinity contributes the leading coefficients (last column of Aᵀ, last rows of G
    and Bᵀ, the latter the coefficients of Π_l (x - p_l)).
    """
    points = [Fraction(p) for p in POINTS[m, r]]
    alpha = m + r - 1
    if len(points) != alpha - 1:
        raise ValueError(f"F({m}, {r}) needs {alpha - 1} finite points, got {points}")
    at = [[p ** i for p in points] + [Fraction(i == m - 1)] for i in range(m)]
    g, bt = [], []
    for k, p in enumerate(points):
        others = points[:k] + points[k + 1:]
        scale = math.prod(p - q for q in others)
        g.append([p ** j / scale for j in range(r)])
        bt.append(_polynomial(others) + [Fraction(0)])
    g.append([Fraction(j == r - 1) for j in range(r)])
    bt.append(_polynomial(points))
    return Transform(m, r, at, g, bt)


def _array(rows):
    """float64 array of a nested list of Fractions."""
    return np.array([[float(v) for v in row] for row in rows])


def filter_transform(f, t):
    """U [alpha², C, OC] float32 = G f Gᵀ per (input, output) channel pair of the
    [r, r, C, OC] filter f, in float64 so that G's fractions round once."""
    r, _, c, oc = f.shape
    g = _array(t.g)
    rows = (g @ f.reshape(r, -1).astype(np.float64)).reshape(-1, r, c * oc)  # [alpha, r, CO]
    u = np.matmul(g, rows)  # [alpha, alpha, CO]: G along the filter's columns
    return u.reshape(-1, c, oc).astype(np.float32)


# ------------------------------------------------------------------ generated tile loops
def _combination(coefficients, names):
    """Σ coefficient * name over the nonzero coefficients as float32 source text, terms of
    equal magnitude sharing one multiplication (K * (a - b)): fewer flops, and fewer
    statements for numba to type (about 1 ms each)."""
    groups = {}
    for value, name in zip(coefficients, names):
        if value != 0:
            groups.setdefault(abs(value), []).append(("-" if value < 0 else "+", name))
    terms = []
    for magnitude, members in groups.items():
        if magnitude == 1:
            terms += [f"{sign} {name}" for sign, name in members]
            continue
        if members[0][0] == "-":  # a leading minus moves out of the parentheses
            members = [("+" if sign == "-" else "-", name) for sign, name in members]
            sign = "-"
        else:
            sign = "+"
        inner = _signed(members)
        terms.append(f"{sign} {fused_codegen.f32(magnitude)} * ({inner})" if len(members) > 1
                     else f"{sign} {fused_codegen.f32(magnitude)} * {inner}")
    return _signed([term.split(" ", 1) for term in terms]) if terms else "np.float32(0)"


def _signed(terms):
    """'a - b + c' from [(sign, text), ...], a leading '+' dropped."""
    text = " ".join(f"{sign} {name}" for sign, name in terms)
    return text[2:] if text.startswith("+ ") else text


def _pass(matrix, source, target, channels, indent):
    """Lines of one pass of a 1-D transform over a vector of channels: for each channel ch,
    the values src[s + j * stride] of a row (read once into d<j>) and dst[t + a * stride]
    = matrix[a] · d for each output a, where source and target are (array, base offset,
    stride) of a row's first channel."""
    (src, src_base, src_stride), (dst, dst_base, dst_stride) = source, target
    used = [j for j in range(len(matrix[0])) if any(row[j] for row in matrix)]
    inner = indent + "    "
    lines = [f"{indent}for ch in range({_u64(channels)}):",
             f"{inner}s = {src_base} + ch",
             f"{inner}t = {dst_base} + ch"]
    lines += [f"{inner}d{j} = {src}[{_offset('s', j * src_stride)}]" for j in used]
    names = [f"d{j}" for j in range(len(matrix[0]))]
    lines += [f"{inner}{dst}[{_offset('t', a * dst_stride)}] = {_combination(row, names)}"
              for a, row in enumerate(matrix)]
    return lines


def _offset(base, value):
    return f"{base} + {_u64(value)}" if value else base


def _tile_loops(params, unpack, t, channels, buffer):
    """A function's header, its tile buffer of `buffer` elements and its loops over the
    tiles of a chunk, o being tile (b, ty, tx)'s first element in the [tiles, alpha²,
    channels] transformed data."""
    alpha = t.m + t.r - 1
    return [fused_codegen.CONTRACTED_NJIT,
            f"def {params}:",
            f"    {unpack}",
            f"    buf = np.empty({buffer}, np.float32)",
            "    for b in range(nb):",
            "        for ty in range(th):",
            "            for tx in range(tw):",
            f"                o = np.uint64((b * th + ty) * tw + tx) * "
            f"{_u64(alpha * alpha * channels)}",
            f"                y0, x0 = ty * {t.m}, tx * {t.m}"]


def input_source(t, c):
    """Source of `input_tiles(xf, shape, v)` for c input channels: v (flat [tiles, alpha²,
    c]) = Bᵀ d B for each alpha x alpha tile d of xf (the flat padded [nb, rows, cols, c]
    input chunk), tiles in (image, tile row, tile column) order, origins m apart.

    Two 1-D passes through buf: along each tile row (into buf[i, l]), then along each
    column (into v). Each loop over the channels loads from one pointer and stores to
    another at compile-time offsets (c is a constant), so LLVM vectorises it after a
    single overlap check; a fully unrolled 2-D transform took numba seconds to compile."""
    alpha = t.m + t.r - 1
    lines = _tile_loops("input_tiles(xf, shape, v)", "nb, th, tw, rows, cols = shape", t, c,
                        alpha * alpha * c)
    lines += [f"                p = np.uint64((b * rows + y0) * cols + x0) * {_u64(c)}",
              f"                for i in range({alpha}):",
              f"                    pi = p + np.uint64(i * cols) * {_u64(c)}",
              f"                    qi = np.uint64(i) * {_u64(alpha * c)}"]
    lines += _pass(t.bt, ("xf", "pi", c), ("buf", "qi", c), c, " " * 20)
    lines += [f"                for l in range({alpha}):",
              f"                    ql = np.uint64(l) * {_u64(c)}"]
    lines += _pass(t.bt, ("buf", "ql", alpha * c), ("v", "o + ql", alpha * c), c, " " * 20)
    return fused_codegen.module_text(__name__, lines)


def output_source(t, oc):
    """Source of `output_tiles(mf, shape, of)` for oc output channels: of (flat NHWC
    [nb, OH, OW, oc]) = Aᵀ M A for each tile's alpha x alpha products M in mf (flat [tiles,
    alpha², oc]).

    Two 1-D passes as in input_source: along each row of M (into buf[k, col]), then along
    each column into buf's first m * m * oc elements (the tile's outputs, row-major), which
    are copied to the output row by row (m * oc contiguous elements, fewer at the right
    edge, none below OH)."""
    alpha, m = t.m + t.r - 1, t.m
    lines = _tile_loops("output_tiles(mf, shape, of)", "nb, th, tw, oh, ow = shape", t, oc,
                        (m + alpha) * m * oc)
    lines += [f"                for k in range({alpha}):",
              f"                    qk = o + np.uint64(k) * {_u64(alpha * oc)}",
              f"                    rk = np.uint64(k) * {_u64(m * oc)} + {_u64(m * m * oc)}"]
    lines += _pass(t.at, ("mf", "qk", oc), ("buf", "rk", oc), oc, " " * 20)
    lines += [f"                for col in range({m}):",
              f"                    qb = np.uint64(col) * {_u64(oc)}"]
    lines += _pass(t.at, ("buf", f"qb + {_u64(m * m * oc)}", m * oc), ("buf", "qb", m * oc), oc,
                   " " * 20)
    lines += [f"                width = np.uint64(min({m}, ow - x0)) * {_u64(oc)}",
              f"                for a in range(min({m}, oh - y0)):",
              f"                    p = np.uint64((b * oh + y0 + a) * ow + x0) * {_u64(oc)}",
              f"                    q = np.uint64(a) * {_u64(m * oc)}",
              "                    for e in range(width):",
              "                        of[p + e] = buf[q + e]"]
    return fused_codegen.module_text(__name__, lines)


@functools.cache
def _input_kernel(m, r, c):
    """input_tiles of F(m x m, r x r) for c channels, generated once per process (numba
    compiles it, or loads it from its cache, on its first call)."""
    return fused_codegen.load_module(input_source(transform(m, r), c), "winograd").input_tiles


@functools.cache
def _output_kernel(m, r, oc):
    """output_tiles of F(m x m, r x r) for oc channels (as _input_kernel)."""
    source = output_source(transform(m, r), oc)
    return fused_codegen.load_module(source, "winograd").output_tiles


# ------------------------------------------------------------------------------ driver
def tiles(size, m):
    """Tiles of m outputs covering `size` outputs (the last one partial)."""
    return -(-size // m)


def images_per_chunk(n, tiles_per_image, c, oc, alpha):
    """Images per chunk: transformed input and products of about CHUNK_BYTES."""
    per_image = alpha * alpha * tiles_per_image * (c + oc) * 4
    return max(1, min(n, CHUNK_BYTES // max(1, per_image)))


def correlate(x, f, pads, out_hw, m, out, gemm):
    """Fills out ([N, OH, OW, OC] float32) with the stride-1 correlation of x ([N, H, W, C]
    float32) and f ([r, r, C, OC]) at paddings pads = (top, left) (bottom and right as
    implied by OH, OW) and returns it.

    Args:
        gemm: gemm(v, u, out) computing out = v @ u for [alpha², T, C] @ [alpha², C, OC]
            (the caller's BLAS lock around np.matmul).
    """
    n, h, w, c = x.shape
    r, oc = f.shape[0], f.shape[3]
    t = transform(m, r)
    alpha = m + r - 1
    (pt, pl), (oh, ow) = pads, out_hw
    th, tw = tiles(oh, m), tiles(ow, m)
    rows, cols = th * m + r - 1, tw * m + r - 1
    step = images_per_chunk(n, th * tw, c, oc, alpha)
    u = filter_transform(f, t)
    input_tiles, output_tiles = _input_kernel(m, r, c), _output_kernel(m, r, oc)
    padded_size = step * rows * cols * c
    planes = alpha * alpha * step * th * tw
    buffer = recycle.scratch(padded_size + planes * (c + oc), np.float32)
    padded = buffer[:padded_size].reshape(step, rows, cols, c)
    v_all = buffer[padded_size:padded_size + planes * c]
    m_all = buffer[padded_size + planes * c:]
    padded[:] = 0
    flat_out = out.reshape(n, -1)
    for b0 in range(0, n, step):
        nb = min(n, b0 + step) - b0
        padded[:nb, pt:pt + h, pl:pl + w] = x[b0:b0 + nb]
        count = nb * th * tw
        v = v_all[:count * alpha * alpha * c]
        prods = m_all[:count * alpha * alpha * oc]
        input_tiles(padded[:nb].reshape(-1), (nb, th, tw, rows, cols), v)
        gemm(v.reshape(count, alpha * alpha, c).transpose(1, 0, 2), u,
             prods.reshape(count, alpha * alpha, oc).transpose(1, 0, 2))
        output_tiles(prods, (nb, th, tw, oh, ow), flat_out[b0:b0 + nb].reshape(-1))
    return out
