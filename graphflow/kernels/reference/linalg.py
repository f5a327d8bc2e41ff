"""Numpy reference kernels for graphflow/ops/linalg_ops.py (matrix products).

`np.matmul` is BLAS for float32/float64 and numpy's own loop for integers (wrapping on overflow
as TF's int32 MatMul does), so these are also the CPU kernels. Shapes are validated first with
TF's messages: numpy's own errors would name neither the input nor the dimensions.
"""

import numpy as np

from graphflow.kernels import checks
from graphflow.kernels.reference import reference


def _dims(x):
    return "[" + ",".join(str(d) for d in x.shape) + "]"


def _check_rank(x, index, exact):
    if exact and x.ndim != 2:
        raise checks.invalid(f"In[{index}] is not a matrix. Instead it has shape {_dims(x)}")
    if x.ndim < 2:
        raise checks.invalid(f"In[{index}] ndims must be >= 2: {x.ndim}")


def _matrix_view(x, transposed):
    """`x` with its last two axes swapped when `transposed` (a view, no copy)."""
    return np.swapaxes(x, -1, -2) if transposed else x


def _product(a, b, ta, tb, out_dtype, exact_rank):
    """op(a) @ op(b) in `out_dtype`, after TF's rank, batch and inner-dimension checks."""
    _check_rank(a, 0, exact_rank)
    _check_rank(b, 1, exact_rank)
    x = _matrix_view(a, ta)
    y = _matrix_view(b, tb)
    try:
        np.broadcast_shapes(x.shape[:-2], y.shape[:-2])
    except ValueError:
        raise checks.invalid(f"In[0] and In[1] must have compatible batch dimensions: "
                             f"{_dims(a)} vs. {_dims(b)}") from None
    if x.shape[-1] != y.shape[-2]:
        raise checks.invalid(f"Matrix size-incompatible: In[0]: {_dims(a)}, In[1]: {_dims(b)}")
    if x.dtype != out_dtype:
        x = x.astype(out_dtype)
    if y.dtype != out_dtype:
        y = y.astype(out_dtype)
    return (np.ascontiguousarray(np.matmul(x, y)),)


@reference("MatMul")
def mat_mul(attrs, a, b):
    return _product(a, b, attrs["transpose_a"], attrs["transpose_b"], a.dtype, True)


@reference("SparseMatMul")
def sparse_mat_mul(attrs, a, b):
    return _product(a, b, attrs["transpose_a"], attrs["transpose_b"], np.float32, True)


@reference("BatchMatMulV2")
def batch_mat_mul_v2(attrs, x, y):
    return _product(x, y, attrs["adj_x"], attrs["adj_y"], x.dtype, False)


@reference("BatchMatMulV3")
def batch_mat_mul_v3(attrs, x, y):
    out = np.dtype(attrs["Tout"].as_numpy_dtype)
    return _product(x, y, attrs["adj_x"], attrs["adj_y"], out, False)
