"""Generated direct convolution kernels for windows with few taps (first layers).

A window of K = KH*KW*CG taps (CG input channels per group) and OG output channels per group
is a GEMM of inner dimension K; for a first layer (K = 25, OG = 32) that is 40M multiply-adds
per LeNet batch, about 1 ms of AVX-512 FMAs on one core. A generic numba loop cannot get
there: with the taps and channels known only at run time, LLVM keeps each partial sum in
memory, checks every index for wraparound and re-derives every filter address. So the loops
are generated per window shape (`Spec`) as Python source, compiled by numba and cached on
disk like the fused elementwise kernels (fused_codegen.load_module, kind "conv"):

- the output channels of a group are the innermost loop, of constant trip count: LLVM
  vectorises it (16 float32 lanes a register);
- the taps are unrolled, their input values read into scalars before that loop (so the
  loop holds no loads that may alias its stores, which would stop the vectoriser), once
  per distinct input element of a block of output positions (adjacent positions share
  taps when the stride is smaller than the window);
- flat uint64 indices with compile-time offsets: numba skips the wraparound check on
  unsigned indices, and filter rows are immediate displacements;
- the forward pass keeps BLOCK output positions x SPLIT partial sums (alternate taps) per
  vector of channels in registers: independent FMA chains, one store per output;
- the filter gradient adds the products of GRAD_BLOCK positions into each [tap, channel]
  accumulator at once: one load and store of the accumulator per GRAD_BLOCK FMAs.

The input is read through a zero-padded copy (`padded`), so the loops need no bounds
checks. Rounding: fused multiply-adds (fastmath "contract") and the sums in tap order
split SPLIT ways: within the tests' tolerances of the numpy reference, not bit-equal.
"""

import collections
import functools

import numpy as np

from graphflow.kernels.cpu import fused_codegen
from graphflow.kernels.cpu import recycle

_u64 = fused_codegen.u64

BLOCK = 2  # output positions per forward block: more spills registers on AVX-512
SPLIT = 2  # partial sums per forward output: two FMA chains hide their latency
GRAD_BLOCK = 4  # positions per filter-gradient accumulator update

Spec = collections.namedtuple("Spec", "kh kw cg groups og sw dw block tail")
Spec.__doc__ = """A generated kernel's compile-time shape: window (kh, kw), input and output
channels per group (cg, og), groups, column stride and dilation (sw, dw), positions per
block and the leftover positions of a row (tail, filter gradient only)."""


def _taps(spec):
    return [(i, j, ch) for i in range(spec.kh) for j in range(spec.kw) for ch in range(spec.cg)]


def _header(spec, name, params):
    """Module prologue and the loops over output rows (b, y) and groups g, with rb<i> the
    flat offset of padded input row y*SH + i*DH of image b."""
    c = spec.cg * spec.groups
    lines = [fused_codegen.CONTRACTED_NJIT,
             f"def {name}({params}):",
             "    n, oh, ow = out_shape",
             "    sh, dh, hp, wp = rows",
             "    for r in range(n * oh):",
             "        b = r // oh",
             "        y = r - b * oh"]
    lines += [f"        rb{i} = np.uint64((b * hp + y * sh + {i} * dh) * wp * {c})"
              for i in range(spec.kh)]
    lines.append(f"        for g in range(np.uint64({spec.groups})):")
    return lines


def _block_start(spec, width, first, indent):
    """Lines starting a block of `width` output positions from xs = `first` on: its input
    values read into scalars, t the flat offset of its first output (or output gradient)
    element of group g, and the loop over the group's output channels o. Also returns
    the scalar of (position q, tap k) as names[q][k]: an input element read by several
    (position, tap) pairs is loaded once."""
    c, oc = spec.cg * spec.groups, spec.og * spec.groups
    lines = [f"{indent}xs = np.uint64({first})"]
    lines += [f"{indent}p{i} = rb{i} + xs * {_u64(spec.sw * c)} + g * {_u64(spec.cg)}"
              for i in range(spec.kh)]
    names, seen = [], {}
    for q in range(width):
        row = []
        for i, j, ch in _taps(spec):
            offset = (q * spec.sw + j * spec.dw) * c + ch
            name = seen.get((i, offset))
            if name is None:
                name = seen[i, offset] = f"x{i}_{offset}"
                lines.append(f"{indent}{name} = xf[p{i} + {_u64(offset)}]")
            row.append(name)
        names.append(row)
    lines += [f"{indent}t = (np.uint64(r * ow) + xs) * {_u64(oc)} + g * {_u64(spec.og)}",
              f"{indent}for o in range(np.uint64({spec.og})):",
              f"{indent}    fo = g * {_u64(spec.og)} + o"]
    return lines, names


def forward_source(spec):
    """Source of `forward(xf, ff, out_shape, rows, of)`: of (the flat [N, OH, OW, OC]
    output) = the convolution of xf (the flat padded input) with ff (the flat
    [KH*KW*CG, OC] filter). Blocks of spec.block positions; the last block of a row is
    moved back to end at OW (recomputing a few outputs) instead of needing a tail."""
    oc, k_count = spec.og * spec.groups, len(_taps(spec))
    lines = _header(spec, "forward", "xf, ff, out_shape, rows, of")
    lines.append(f"            for x0 in range(0, ow, {spec.block}):")
    start, names = _block_start(spec, spec.block, f"min(x0, ow - {spec.block})", " " * 16)
    lines += start
    splits = min(SPLIT, k_count)
    for k in range(k_count):
        lines.append(f"                    w = ff[fo + {_u64(k * oc)}]")
        for q in range(spec.block):
            op = "=" if k < splits else "+="
            lines.append(f"                    s{q}_{k % splits} {op} {names[q][k]} * w")
    for q in range(spec.block):
        total = " + ".join(f"s{q}_{z}" for z in range(splits))
        lines.append(f"                    of[t + {_u64(q * oc)} + o] = {total}")
    return fused_codegen.module_text(__name__, lines)


def _grad_block(spec, width, first, indent):
    """Lines adding the products of `width` positions from `first` on into acc."""
    oc = spec.og * spec.groups
    lines, names = _block_start(spec, width, first, indent)
    inner = indent + "    "
    lines += [f"{inner}d{q} = df[t + {_u64(q * oc)} + o]" for q in range(width)]
    for k in range(len(_taps(spec))):
        terms = " + ".join(f"{names[q][k]} * d{q}" for q in range(width))
        lines.append(f"{inner}acc[fo + {_u64(k * oc)}] += {terms}")
    return lines


def filter_grad_source(spec):
    """Source of `filter_grad(xf, df, out_shape, rows, acc)`: acc (the flat [KH*KW*CG, OC]
    filter gradient, zeroed by the caller) += Σ over output positions of input window ⊗
    output gradient df. Blocks of spec.block positions, then the row's spec.tail
    leftover positions as one narrower block."""
    lines = _header(spec, "filter_grad", "xf, df, out_shape, rows, acc")
    lines.append(f"            for x0 in range(0, ow - {spec.tail + spec.block - 1}, "
                 f"{spec.block}):")
    lines += _grad_block(spec, spec.block, "x0", " " * 16)
    if spec.tail:
        lines += _grad_block(spec, spec.tail, f"ow - {spec.tail}", " " * 12)
    return fused_codegen.module_text(__name__, lines)


@functools.cache
def _kernel(name, spec):
    """The numba function `name` ("forward" or "filter_grad") generated for spec (its
    module written and imported once; numba compiles or loads it on the first call)."""
    source = {"forward": forward_source, "filter_grad": filter_grad_source}[name](spec)
    return getattr(fused_codegen.load_module(source, "conv"), name)


def padded(x, geo):
    """(flat input, (SH, DH, rows, columns)): x itself where every window lies inside it,
    else a zeroed [N, rows, columns, C] copy of x at offset (PT, PL) just big enough for
    every window (a per-thread scratch buffer: the kernels then need no bounds checks)."""
    kh, kw, sh, sw, dh, dw, oh, ow, pt, pl = geo
    n, h, w, c = x.shape
    rows = (oh - 1) * sh + (kh - 1) * dh + 1
    cols = (ow - 1) * sw + (kw - 1) * dw + 1
    if pt == pl == 0 and rows <= h and cols <= w:
        return x.reshape(-1), (sh, dh, h, w)
    rows, cols = max(rows, pt + h), max(cols, pl + w)
    buffer = recycle.scratch(n * rows * cols * c, x.dtype)
    buffer[:] = 0
    view = buffer.reshape(n, rows, cols, c)
    view[:, pt:pt + h, pl:pl + w] = x
    return buffer, (sh, dh, rows, cols)


def _spec(geo, cg, groups, og, block, tail=0):
    kh, kw, _, sw, _, dw = geo[:6]
    return Spec(kh, kw, cg, groups, og, sw, dw, block, tail)


def forward(geo, groups, x, f2, out):
    """Fills out ([N, OH, OW, OC]) with the convolution of x ([N, H, W, C], contiguous)
    and f2 ([KH*KW*CG, OC], contiguous) and returns it. `geo` is conv._packed's tuple."""
    oh, ow = geo[6], geo[7]
    if out.size == 0:
        return out
    spec = _spec(geo, x.shape[3] // groups, groups, f2.shape[1] // groups, min(BLOCK, ow))
    xf, rows = padded(x, geo)
    _kernel("forward", spec)(xf, f2.reshape(-1), (x.shape[0], oh, ow), rows, out.reshape(-1))
    return out


def filter_grad(geo, groups, x, d):
    """The [KH*KW*CG, OC] filter gradient of the convolution of x ([N, H, W, C]) for the
    output gradient d ([N, OH, OW, OC]), both contiguous."""
    kh, kw, oh, ow = geo[0], geo[1], geo[6], geo[7]
    cg = x.shape[3] // groups
    acc = np.zeros(kh * kw * cg * d.shape[3], d.dtype)
    if d.size == 0:
        return acc.reshape(-1, d.shape[3])
    block = min(GRAD_BLOCK, ow)
    spec = _spec(geo, cg, groups, d.shape[3] // groups, block, ow % block)
    xf, rows = padded(x, geo)
    _kernel("filter_grad", spec)(xf, d.reshape(-1), (x.shape[0], oh, ow), rows, acc)
    return acc.reshape(-1, d.shape[3])
