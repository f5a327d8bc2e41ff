"""CPU kernels of the matrix products: numpy's `matmul` (BLAS for float32/float64).

Numba adds nothing over BLAS here, and numba's own `np.dot` needs SciPy's BLAS bindings, so the
numpy reference kernels in graphflow/kernels/reference/linalg.py are the CPU kernels.
"""

from graphflow.kernels.cpu import use_reference

use_reference("MatMul", "BatchMatMulV2", "BatchMatMulV3", "SparseMatMul")
