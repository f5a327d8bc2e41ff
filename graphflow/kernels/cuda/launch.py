"""Launch configuration and the index arithmetic every CUDA kernel family shares.

Kernels use grid-stride loops, so any launch configuration computes the same result; the grid
is only a performance choice. Under Numba's CUDA simulator every thread is a Python thread, so
blocks and grids are kept tiny there. Shapes and strides travel as tuples (passed by value, no
host->device copy per launch).
"""

import numba
import numpy as np
from numba import cuda

SIMULATED = bool(numba.config.ENABLE_CUDASIM)
BLOCK = 32 if SIMULATED else 256
MAX_BLOCKS = 2 if SIMULATED else 4096


def blocks_for(n, block=BLOCK):
    return max(1, min(MAX_BLOCKS, (int(n) + block - 1) // block))


def launch(kernel, n, *args):
    """Runs a grid-stride `kernel` over `n` work items; nothing is launched for n == 0."""
    if n > 0:
        kernel[blocks_for(n), BLOCK](*args)


def flat(array):
    """A 1-d view of a contiguous device array (0-d arrays become one element)."""
    return array.reshape(array.size) if array.ndim != 1 else array


def broadcast_strides(shape, out_shape):
    """Element strides of a C-contiguous array of `shape` read at every index of `out_shape`
    (0 on broadcast dimensions), as a tuple of `len(out_shape)` ints (at least one)."""
    strides = [0] * len(out_shape)
    pad = len(out_shape) - len(shape)
    step = 1
    for d in range(len(shape) - 1, -1, -1):
        if shape[d] != 1:
            strides[pad + d] = step
        step *= shape[d]
    return tuple(strides) or (0,)


def shape_tuple(shape):
    return tuple(int(d) for d in shape) or (1,)


def contiguous_strides(shape):
    strides = []
    step = 1
    for d in reversed(shape):
        strides.append(step)
        step *= int(d)
    return tuple(reversed(strides))


@cuda.jit(device=True)
def offset_of(i, shape, strides):
    """Offset of output element `i` (row-major over `shape`) in an input with `strides`."""
    offset = 0
    for d in range(len(shape) - 1, -1, -1):
        offset += (i % shape[d]) * strides[d]
        i //= shape[d]
    return offset


def numba_type(dtype):
    return numba.from_dtype(np.dtype(dtype))
