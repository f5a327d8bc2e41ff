"""Strict numba kernels for small float tensors, shared by the per-op CPU kernels and by
whole-plan compilation (`plan_jit`), so a value is computed by the same arithmetic whichever
path a run takes.

"Strict" means IEEE arithmetic with no fast-math flags: nothing is reassociated or contracted,
so inlining these functions into a generated plan function cannot change a single bit. Row
reductions still vectorise: they keep 16 independent partial results in a fixed order and
combine them in a fixed tree, which the SLP vectoriser turns into vector instructions.

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


@numba.njit(cache=True, nogil=True)
def reduce_row(kind, r, init):
    """`r` (1-D) reduced from `init` through 16 partial results in a fixed order."""
    n = r.shape[0]
    m = n - n % 16
    a0 = a1 = a2 = a3 = a4 = a5 = a6 = a7 = init
    b0 = b1 = b2 = b3 = b4 = b5 = b6 = b7 = init
    for j in range(0, m, 16):
        a0 = combine(kind, a0, r[j])
        a1 = combine(kind, a1, r[j + 1])
        a2 = combine(kind, a2, r[j + 2])
        a3 = combine(kind, a3, r[j + 3])
        a4 = combine(kind, a4, r[j + 4])
        a5 = combine(kind, a5, r[j + 5])
        a6 = combine(kind, a6, r[j + 6])
        a7 = combine(kind, a7, r[j + 7])
        b0 = combine(kind, b0, r[j + 8])
        b1 = combine(kind, b1, r[j + 9])
        b2 = combine(kind, b2, r[j + 10])
        b3 = combine(kind, b3, r[j + 11])
        b4 = combine(kind, b4, r[j + 12])
        b5 = combine(kind, b5, r[j + 13])
        b6 = combine(kind, b6, r[j + 14])
        b7 = combine(kind, b7, r[j + 15])
    a0 = combine(kind, combine(kind, a0, b0), combine(kind, a1, b1))
    a2 = combine(kind, combine(kind, a2, b2), combine(kind, a3, b3))
    a4 = combine(kind, combine(kind, a4, b4), combine(kind, a5, b5))
    a6 = combine(kind, combine(kind, a6, b6), combine(kind, a7, b7))
    acc = combine(kind, combine(kind, a0, a2), combine(kind, a4, a6))
    for j in range(m, n):
        acc = combine(kind, acc, r[j])
    return acc


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
