"""CPU kernels of the optimizer updates: numba loops updating the variable buffer in place
for the hot ones (GradientDescent, Momentum, Adam); numpy reference for the rest.

Hyper-parameters are converted to the variable's dtype before the call so numba keeps the
arithmetic in float32 for float32 variables, in TF's operation order.
"""

import numba
import numpy as np

from graphflow.kernels import registry
from graphflow.kernels.cpu import use_reference
from graphflow.kernels.reference import training as ref

use_reference("ApplyAdagrad", "ApplyAdadelta", "ApplyRMSProp", "ApplyCenteredRMSProp")


@numba.njit(cache=True, nogil=True)
def _sgd(var, delta, alpha):
    v = var.reshape(-1)
    d = delta.reshape(-1)
    for i in range(v.size):
        v[i] -= d[i] * alpha


@numba.njit(cache=True, nogil=True)
def _momentum(var, accum, grad, lr, mom, nesterov):
    v = var.reshape(-1)
    a = accum.reshape(-1)
    g = grad.reshape(-1)
    for i in range(v.size):
        a[i] = a[i] * mom + g[i]
        if nesterov:
            v[i] -= g[i] * lr + a[i] * mom * lr
        else:
            v[i] -= a[i] * lr


@numba.njit(cache=True, nogil=True)
def _adam(var, m, v, grad, alpha, one_minus_beta1, one_minus_beta2, beta1, eps, nesterov):
    w = var.reshape(-1)
    mf = m.reshape(-1)
    vf = v.reshape(-1)
    g = grad.reshape(-1)
    for i in range(w.size):
        gi = g[i]
        mf[i] += (gi - mf[i]) * one_minus_beta1
        vf[i] += (gi * gi - vf[i]) * one_minus_beta2
        if nesterov:
            w[i] -= ((gi * one_minus_beta1 + beta1 * mf[i]) * alpha) / (np.sqrt(vf[i]) + eps)
        else:
            w[i] -= (mf[i] * alpha) / (np.sqrt(vf[i]) + eps)


def _contiguous(grad, dtype):
    return np.ascontiguousarray(grad, dtype=dtype)


@registry.register("ApplyGradientDescent")
def _gradient_descent(node, state):
    def run(var_slot, alpha, delta):
        var, _ = ref.buffers(var_slot, [], delta)
        (alpha,) = ref.scalars(alpha)
        _sgd(var, _contiguous(delta, var.dtype), var.dtype.type(alpha))
        return (var_slot,)
    return run


@registry.register("ApplyMomentum")
def _apply_momentum(node, state):
    nesterov = node.get_attr("use_nesterov")

    def run(var_slot, accum_slot, lr, grad, mom):
        var, (accum,) = ref.buffers(var_slot, [accum_slot], grad)
        lr, mom = ref.scalars(lr, mom)
        _momentum(var, accum, _contiguous(grad, var.dtype), lr, mom, nesterov)
        return (var_slot,)
    return run


@registry.register("ApplyAdam")
def _apply_adam(node, state):
    nesterov = node.get_attr("use_nesterov")

    def run(var_slot, m_slot, v_slot, beta1_power, beta2_power, lr, beta1, beta2, eps, grad):
        var, (m, v) = ref.buffers(var_slot, [m_slot, v_slot], grad)
        beta1_power, beta2_power, lr, beta1, beta2, eps = ref.scalars(
            beta1_power, beta2_power, lr, beta1, beta2, eps)
        one = var.dtype.type(1)
        alpha = ref.adam_alpha(lr, beta1_power, beta2_power)
        _adam(var, m, v, _contiguous(grad, var.dtype), alpha, one - beta1, one - beta2, beta1,
              eps, nesterov)
        return (var_slot,)
    return run
