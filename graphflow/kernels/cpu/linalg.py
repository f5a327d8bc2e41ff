"""CPU kernels of the matrix products: numpy's `matmul` (BLAS for float32/float64).

Numba adds nothing over BLAS for real sizes, and numba's own `np.dot` needs SciPy's BLAS
bindings. Tiny float products (m*k*n up to `small.MATMUL_MAX_WORK`) use the strict loop of
`small.py` instead: it skips numpy's dispatch, and whole-plan compilation inlines the same loop,
so both paths give identical bits. The reference kernels in graphflow/kernels/reference/linalg.py validate ranks and dimensions; the
CPU kernels run that validation once per pair of input shapes, then call `np.matmul` directly.
"""

import numpy as np

from graphflow.kernels import reference
from graphflow.kernels import registry
from graphflow.kernels.cpu import small
from graphflow.kernels.cpu import use_reference
from graphflow.kernels.cpu.shape_memo import ShapeMemo

use_reference("BatchMatMulV3", "SparseMatMul")


def _matmul_factory(op_type, ta_attr, tb_attr):
    fallback = reference.REFERENCE[op_type]

    def factory(node, state):
        attrs = node._attrs
        ta, tb = attrs[ta_attr], attrs[tb_attr]

        def validate(key):
            a = np.empty(key[0], dtype=np.float32)
            b = np.empty(key[1], dtype=np.float32)
            fallback(attrs, a, b)  # raises TF's errors for bad ranks or dimensions
            return True

        checked = ShapeMemo(validate)
        dtype = np.dtype(node.inputs[0].dtype.base_dtype.as_numpy_dtype)
        tiny = op_type == "MatMul" and dtype in (np.float32, np.float64)

        def run(a, b):
            checked((a.shape, b.shape))
            if tiny and a.size * b.shape[1 - tb] <= small.MATMUL_MAX_WORK:
                out = np.zeros((a.shape[ta], b.shape[1 - tb]), dtype)
                small.matmul(a.T if ta else a, b.T if tb else b, out)
                return (out,)
            if ta:
                a = np.swapaxes(a, -1, -2)
            if tb:
                b = np.swapaxes(b, -1, -2)
            return (np.matmul(a, b),)
        return run
    return factory


registry.register("MatMul")(_matmul_factory("MatMul", "transpose_a", "transpose_b"))
registry.register("BatchMatMulV2")(_matmul_factory("BatchMatMulV2", "adj_x", "adj_y"))
