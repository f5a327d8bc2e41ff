"""CUDA reductions: one block per output element, a shared-memory tree reduction inside it.

Each thread folds a strided subset of the reduced elements into a register, the block then
halves its shared buffer log2(REDUCE_BLOCK) times. Input offsets come from (kept shape, kept
strides) for the output element and (reduced shape, reduced strides) for the reduced index, so
any set of axes is reduced without a transpose. Combiners are the scalar bodies shared with the
elementwise kernels (`maximum`/`minimum` propagate NaN as numpy and TF do).
"""

import numpy as np
from numba import cuda

from graphflow.kernels import checks
from graphflow.kernels import registry
from graphflow.kernels import scalar
from graphflow.kernels.cuda import elementwise
from graphflow.kernels.cuda import memory
from graphflow.kernels.cuda.launch import SIMULATED, contiguous_strides, flat, numba_type
from graphflow.kernels.cuda.launch import offset_of

REDUCE_BLOCK = 8 if SIMULATED else 256
_KERNELS = {}
_ACCUMULATE = {np.dtype(np.float16): np.dtype(np.float32)}


def _build(combine, acc_dtype, mean):
    f = elementwise.device_function(combine)
    acc_type = numba_type(acc_dtype)

    @cuda.jit
    def kernel(out, x, kept_shape, kept_strides, red_shape, red_strides, n_red, init, count):
        buf = cuda.shared.array(REDUCE_BLOCK, acc_type)
        tid = cuda.threadIdx.x
        for o in range(cuda.blockIdx.x, out.size, cuda.gridDim.x):
            base = offset_of(o, kept_shape, kept_strides)
            acc = init
            for r in range(tid, n_red, REDUCE_BLOCK):
                acc = f(acc, x[base + offset_of(r, red_shape, red_strides)])
            buf[tid] = acc
            cuda.syncthreads()
            step = REDUCE_BLOCK // 2
            while step > 0:
                if tid < step:
                    buf[tid] = f(buf[tid], buf[tid + step])
                cuda.syncthreads()
                step //= 2
            if tid == 0:
                if mean:
                    out[o] = buf[0] / count
                else:
                    out[o] = buf[0]
            cuda.syncthreads()
    return kernel


def _kernel(combine, acc_dtype, mean):
    key = (combine, np.dtype(acc_dtype).str, mean)
    kernel = _KERNELS.get(key)
    if kernel is None:
        kernel = _KERNELS[key] = _build(combine, acc_dtype, mean)
    return kernel


def _split(shape, axes):
    strides = contiguous_strides(shape)
    kept = [d for d in range(len(shape)) if d not in axes]
    kept_shape = tuple(shape[d] for d in kept) or (1,)
    kept_strides = tuple(strides[d] for d in kept) or (0,)
    red_shape = tuple(shape[d] for d in axes) or (1,)
    red_strides = tuple(strides[d] for d in axes) or (0,)
    return kept_shape, kept_strides, red_shape, red_strides


def reduce(x, axes, keep_dims, combine, init, mean=False):
    """Reduces device array `x` over normalised `axes` with the scalar body `combine`."""
    out_shape = tuple(1 if d in axes else n for d, n in enumerate(x.shape) if keep_dims or
                      d not in axes)
    n_red = 1
    for a in axes:
        n_red *= x.shape[a]
    out = memory.allocate(out_shape, x.dtype)
    if out.size == 0:
        return out
    if mean and n_red == 0:
        return elementwise.fill(out_shape, x.dtype, np.nan)
    acc = _ACCUMULATE.get(x.dtype, x.dtype)
    kernel = _kernel(combine, acc, mean)
    geometry = _split(x.shape, axes)
    blocks = max(1, min(out.size, 2 if SIMULATED else 65535))
    kernel[blocks, REDUCE_BLOCK](flat(out), flat(x), *geometry, n_red, acc.type(init),
                                  acc.type(max(n_red, 1)))
    return out


def _identity(combine, dtype):
    if combine is scalar.maximum:
        return -np.inf if dtype.kind == "f" else np.iinfo(dtype).min
    if combine is scalar.minimum:
        return np.inf if dtype.kind == "f" else np.iinfo(dtype).max
    return 1 if combine in (scalar.mul, scalar.logical_and) else 0


def _reducer(combine, mean=False):
    def factory(node, state):
        dtype = elementwise.input_dtype(node)
        if mean and dtype.kind != "f":
            raise elementwise.unsupported(node, dtype)
        keep = node.get_attr("keep_dims")
        init = _identity(combine, dtype)

        def run(x, axes):
            axes = checks.axes_in_range(memory.host_array(axes), x.ndim)
            return (reduce(x, axes, keep, combine, init, mean),)
        return run
    return factory


registry.register("Sum", "GPU")(_reducer(scalar.add))
registry.register("Prod", "GPU")(_reducer(scalar.mul))
registry.register("Max", "GPU")(_reducer(scalar.maximum))
registry.register("Min", "GPU")(_reducer(scalar.minimum))
registry.register("Mean", "GPU")(_reducer(scalar.add, mean=True))
registry.register("Any", "GPU")(_reducer(scalar.logical_or))
registry.register("All", "GPU")(_reducer(scalar.logical_and))


def reduce_all_but(x, axis, combine=scalar.add):
    """Sum (or `combine`) over every axis except `axis` (BiasAddGrad)."""
    axes = tuple(a for a in range(x.ndim) if a != axis)
    return reduce(x, axes, False, combine, _identity(combine, x.dtype))
