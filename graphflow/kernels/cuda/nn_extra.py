"""CUDA kernels of ArgMax/ArgMin, L2Loss and LeakyRelu/LeakyReluGrad.

ArgMax/ArgMin use one thread per output element walking the reduced axis, replacing NaN by
-inf/+inf and keeping the first extreme index, as the reference does (TF never picks a NaN;
an all-NaN slice gives 0). L2Loss is sum(x * x / 2) with the block reduction (halving is
exact, so it equals sum(x ** 2) / 2). LeakyRelu passes alpha as a 0-d device operand of the
shared broadcast elementwise kernels.
"""

import math

import numpy as np
from numba import cuda

from graphflow.kernels import checks, registry, scalar
from graphflow.kernels.cuda import elementwise, memory, reduction
from graphflow.kernels.cuda.launch import flat, launch


@cuda.jit
def _arg_reduce(out, x, inner, length, sign, fill):
    """out[o, r] = first index along the axis of the extreme x[o, :, r], NaN read as `fill`."""
    for t in range(cuda.grid(1), out.size, cuda.gridsize(1)):
        r = t % inner
        base = (t // inner) * length * inner + r
        best = x[base]
        if math.isnan(best):
            best = fill
        found = 0
        for k in range(1, length):
            v = x[base + k * inner]
            if math.isnan(v):
                v = fill
            if (sign > 0 and v > best) or (sign < 0 and v < best):
                best = v
                found = k
        out[t] = found


def _arg_factory(sign):
    def factory(node, state):
        out_dtype = np.dtype(node.get_attr("output_type").as_numpy_dtype)

        def run(x, axis):
            axes = checks.axes_in_range(memory.host_array(axis), x.ndim, "dimension") or (0,)
            (axis,) = axes
            if x.ndim == 0:
                raise checks.invalid("ArgMax/ArgMin expects a tensor of rank >= 1")
            if x.shape[axis] == 0:
                raise checks.invalid(f"Reduction axis {axis} is empty in shape "
                                     f"{list(x.shape)}")
            inner = int(np.prod(x.shape[axis + 1:], dtype=np.int64))
            out = memory.allocate(x.shape[:axis] + x.shape[axis + 1:], out_dtype)
            fill = -sign * np.inf if x.dtype.kind == "f" else 0
            launch(_arg_reduce, out.size, flat(out), flat(x), max(inner, 1), x.shape[axis],
                   sign, x.dtype.type(fill))
            return (out,)
        return run
    return factory


registry.register("ArgMax", "GPU")(_arg_factory(1))
registry.register("ArgMin", "GPU")(_arg_factory(-1))


def _half_square(x):
    return x * x / 2


@registry.register("L2Loss", "GPU")
def _l2_loss(node, state):
    def run(t):
        halves = elementwise.apply(_half_square, t.shape, t.dtype, t)
        return (reduction.reduce(halves, tuple(range(t.ndim)), False, scalar.add, 0),)
    return run


def _leaky_relu(x, alpha):
    return x if x > 0 else x * alpha


def _leaky_relu_grad(g, x, alpha):
    return g if x > 0 else g * alpha


def _alpha(node, dtype):
    return memory.to_device(np.asarray(node.get_attr("alpha"), dtype=dtype))


@registry.register("LeakyRelu", "GPU")
def _leaky_relu_kernel(node, state):
    dtype = elementwise.input_dtype(node)
    alpha = _alpha(node, dtype)

    def run(x):
        return (elementwise.apply(_leaky_relu, x.shape, dtype, x, alpha),)
    return run


@registry.register("LeakyReluGrad", "GPU")
def _leaky_relu_grad_kernel(node, state):
    dtype = elementwise.input_dtype(node)
    alpha = _alpha(node, dtype)

    def run(g, x):
        checks.same_shapes([g, x], "LeakyReluGrad")
        return (elementwise.apply(_leaky_relu_grad, g.shape, dtype, g, x, alpha),)
    return run
