"""CUDA matrix multiplication: the classic tiled shared-memory kernel.

Each (TILE x TILE) thread block computes one tile of C, staging TILE x TILE tiles of A and B
in shared memory, so every element of A and B is read from global memory N/TILE and M/TILE
times instead of N and M times. Transposed operands are read through their strides (no
transpose copy). Accumulation is in the output dtype, as TF's cuBLAS GEMM does for float32.
"""

import math

import numpy as np
from numba import cuda

from graphflow.kernels import checks
from graphflow.kernels import registry
from graphflow.kernels.cuda import memory
from graphflow.kernels.cuda.launch import SIMULATED, flat, numba_type

TILE = 4 if SIMULATED else 16
_KERNELS = {}


def _build(dtype):
    typ = numba_type(dtype)

    @cuda.jit
    def kernel(c, a, b, m, n, k, as0, as1, bs0, bs1):
        sa = cuda.shared.array((TILE, TILE), typ)
        sb = cuda.shared.array((TILE, TILE), typ)
        tx = cuda.threadIdx.x
        ty = cuda.threadIdx.y
        row = cuda.blockIdx.y * TILE + ty
        col = cuda.blockIdx.x * TILE + tx
        acc = typ(0)
        for t in range((k + TILE - 1) // TILE):
            ka = t * TILE + tx
            kb = t * TILE + ty
            sa[ty, tx] = a[row * as0 + ka * as1] if row < m and ka < k else typ(0)
            sb[ty, tx] = b[kb * bs0 + col * bs1] if kb < k and col < n else typ(0)
            cuda.syncthreads()
            for j in range(TILE):
                acc += sa[ty, j] * sb[j, tx]
            cuda.syncthreads()
        if row < m and col < n:
            c[row * n + col] = acc
    return kernel


def matmul(a, b, transpose_a=False, transpose_b=False):
    """C = op(A) @ op(B) for 2-d device arrays; shapes are checked by the caller."""
    m, k = (a.shape[1], a.shape[0]) if transpose_a else a.shape
    n = b.shape[0] if transpose_b else b.shape[1]
    out = memory.allocate((m, n), a.dtype)
    if out.size == 0:
        return out
    if k == 0:
        from graphflow.kernels.cuda.elementwise import fill
        return fill((m, n), a.dtype, 0)
    as0, as1 = (1, a.shape[1]) if transpose_a else (a.shape[1], 1)
    bs0, bs1 = (1, b.shape[1]) if transpose_b else (b.shape[1], 1)
    kernel = _KERNELS.get(a.dtype.str)
    if kernel is None:
        kernel = _KERNELS[a.dtype.str] = _build(a.dtype)
    grid = (math.ceil(n / TILE), math.ceil(m / TILE))
    kernel[grid, (TILE, TILE)](flat(out), flat(a), flat(b), m, n, k, as0, as1, bs0, bs1)
    return out


def _dims(x):
    return "[" + ",".join(str(d) for d in x.shape) + "]"


@registry.register("MatMul", "GPU")
def _mat_mul(node, state):
    ta = node.get_attr("transpose_a")
    tb = node.get_attr("transpose_b")
    dtype = np.dtype(node.inputs[0].dtype.as_numpy_dtype)
    if dtype.kind not in "fi":
        raise KeyError(f"No GPU kernel registered for op type 'MatMul' with T={dtype.name}")

    def run(a, b):
        for index, x in enumerate((a, b)):
            if x.ndim != 2:
                raise checks.invalid(f"In[{index}] is not a matrix. Instead it has shape "
                                     f"{_dims(x)}")
        inner_a = a.shape[0] if ta else a.shape[1]
        inner_b = b.shape[1] if tb else b.shape[0]
        if inner_a != inner_b:
            raise checks.invalid(f"Matrix size-incompatible: In[0]: {_dims(a)}, In[1]: "
                                 f"{_dims(b)}")
        return (matmul(a, b, ta, tb),)
    return run
