"""Strict numba kernels for small float tensors, shared by the per-op CPU kernels and by
whole-plan compilation (`plan_jit`), so a value is computed by the same arithmetic whichever
path a run takes.

"Strict" means IEEE arithmetic with no fast-math flags: nothing is reassociated or contracted,
so inlining these functions into a generated plan function cannot change a single bit. Row
reductions still vectorise: they keep LANES independent partial results in a fixed order and
combine them in a fixed tree. (A local array of lanes compiles in a fifth of the time of
unrolled scalar lanes, which matters on a cold start: ~0.5 s instead of ~2.5 s.)

Reductions take an `out` array pre-filled with the identity of `kind` (SUM 0, PROD 1, MAX -inf,
MIN +inf); MAX/MIN propagate NaN as numpy and TF do.
"""

import numba
import numpy as np

SUM, PROD, MAX, MIN = 0, 1, 2, 3
IDENTITY = {SUM: 0.0, PROD: 1.0, MAX: -np.inf, MIN: np.inf}

REDUCE_MAX_SIZE = 1 << 16   # per-op reductions of more elements use the fast-math kernels
MATMUL_MAX_WORK = 1 << 15   # per-op products with m*k*n above this use BLAS


@numba.njit(cache=True, nogil=True, inline="always")
def combine(kind, a, b):
    if kind == SUM:
        return a + b
    if kind == PROD:
        return a * b
    if kind == MAX:
        return a if (a >= b or a != a) else b
    return a if (a <= b or a != a) else b


LANES = 8


@numba.njit(cache=True, nogil=True)
def reduce_row(kind, r, init):
    """`r` (1-D) reduced from `init` through LANES partial results in a fixed order: lane l
    takes elements l, l + LANES, ...; the lanes are then combined pairwise (l with l + w for
    w = LANES/2, ..., 1) and the remainder added in order."""
    n = r.shape[0]
    m = n - n % LANES
    acc = np.empty(LANES, r.dtype)
    for lane in range(LANES):
        acc[lane] = init
    for j in range(0, m, LANES):
        for lane in range(LANES):
            acc[lane] = combine(kind, acc[lane], r[j + lane])
    width = LANES // 2
    while width >= 1:
        for lane in range(width):
            acc[lane] = combine(kind, acc[lane], acc[lane + width])
        width //= 2
    total = acc[0]
    for j in range(m, n):
        total = combine(kind, total, r[j])
    return total


@numba.njit(cache=True, nogil=True)
def reduce_rows(kind, x, out):
    """out[o] = reduction of x[o, :] (x is (outer, reduced))."""
    for o in range(x.shape[0]):
        out[o] = reduce_row(kind, x[o], out[o])


@numba.njit(cache=True, nogil=True)
def reduce_middle(kind, x, out):
    """out[o, i] = reduction of x[o, :, i], in order along the reduced axis."""
    for o in range(x.shape[0]):
        for j in range(x.shape[1]):
            for i in range(x.shape[2]):
                out[o, i] = combine(kind, out[o, i], x[o, j, i])


def reduce_block(kind, x3, dtype):
    """Reduction of the (outer, reduced, inner) array `x3` over its middle axis: a new array of
    shape (outer,) when inner == 1, else (outer, inner)."""
    outer, _, inner = x3.shape
    if inner == 1:
        out = np.full(outer, IDENTITY[kind], dtype)
        reduce_rows(kind, x3.reshape(outer, -1), out)
    else:
        out = np.full((outer, inner), IDENTITY[kind], dtype)
        reduce_middle(kind, x3, out)
    return out


@numba.njit(cache=True, nogil=True)
def matmul(a, b, out):
    """out = a @ b for 2-D a (m, k), b (k, n) of any layout; `out` (m, n) is zero-filled.
    Each element sums its k products in order, multiplying and adding separately."""
    for i in range(a.shape[0]):
        for p in range(a.shape[1]):
            s = a[i, p]
            for j in range(b.shape[1]):
                out[i, j] += s * b[p, j]
