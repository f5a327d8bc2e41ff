"""CPU kernels of the optimizer updates: numba loops updating the variable buffer and its
slots in place, one pass over the elements, in the operation order of TF's Eigen functors.

Hyper-parameters are converted to the variable's dtype before the call so numba keeps the
arithmetic in float32 for float32 variables, in TF's operation order.
"""

import numba
import numpy as np

from graphflow.kernels import registry
from graphflow.kernels.reference import training as ref


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


@numba.njit(cache=True, nogil=True)
def _adagrad(var, accum, grad, lr, one, update_slots):
    w = var.reshape(-1)
    a = accum.reshape(-1)
    g = grad.reshape(-1)
    for i in range(w.size):
        if update_slots:
            a[i] += g[i] * g[i]
        w[i] -= g[i] * lr * (one / np.sqrt(a[i]))


@numba.njit(cache=True, nogil=True)
def _adadelta(var, accum, accum_update, grad, lr, rho, one, eps):
    w = var.reshape(-1)
    a = accum.reshape(-1)
    u = accum_update.reshape(-1)
    g = grad.reshape(-1)
    for i in range(w.size):
        a[i] = a[i] * rho + g[i] * g[i] * (one - rho)
        update = np.sqrt(u[i] + eps) * (one / np.sqrt(a[i] + eps)) * g[i]
        w[i] -= update * lr
        u[i] = u[i] * rho + update * update * (one - rho)


@numba.njit(cache=True, nogil=True)
def _rms_prop(var, mg, ms, mom, grad, lr, one_minus_rho, momentum, eps, centered):
    w = var.reshape(-1)
    s = ms.reshape(-1)
    m = mom.reshape(-1)
    c = mg.reshape(-1)
    g = grad.reshape(-1)
    for i in range(w.size):
        s[i] += (g[i] * g[i] - s[i]) * one_minus_rho
        denom = s[i] + eps
        if centered:
            c[i] += (g[i] - c[i]) * one_minus_rho
            denom = (s[i] - c[i] * c[i]) + eps
        m[i] = m[i] * momentum + (g[i] * lr) / np.sqrt(denom)
        w[i] -= m[i]


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


@registry.register("ApplyAdagrad")
def _apply_adagrad(node, state):
    update_slots = node.get_attr("update_slots")

    def run(var_slot, accum_slot, lr, grad):
        var, (accum,) = ref.buffers(var_slot, [accum_slot], grad)
        (lr,) = ref.scalars(lr)
        _adagrad(var, accum, _contiguous(grad, var.dtype), lr, var.dtype.type(1), update_slots)
        return (var_slot,)
    return run


@registry.register("ApplyAdadelta")
def _apply_adadelta(node, state):
    def run(var_slot, accum_slot, update_slot, lr, rho, eps, grad):
        var, (accum, accum_update) = ref.buffers(var_slot, [accum_slot, update_slot], grad)
        lr, rho, eps = ref.scalars(lr, rho, eps)
        _adadelta(var, accum, accum_update, _contiguous(grad, var.dtype), lr, rho,
                  var.dtype.type(1), eps)
        return (var_slot,)
    return run


def _rms_factory(centered):
    def factory(node, state):
        def run(var_slot, *args):
            slots, layout, hyper, grad = ref.rms_prop_args(centered, args)
            var, arrays = ref.buffers(var_slot, slots, grad)
            mg, ms, mom = ref.pick(arrays, layout)
            lr, rho, momentum, eps = ref.scalars(*hyper)
            _rms_prop(var, mg, ms, mom, _contiguous(grad, var.dtype), lr,
                      var.dtype.type(1) - rho, momentum, eps, centered)
            return (var_slot,)
        return run
    return factory


registry.register("ApplyRMSProp")(_rms_factory(False))
registry.register("ApplyCenteredRMSProp")(_rms_factory(True))
