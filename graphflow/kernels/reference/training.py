"""Numpy reference kernels of the optimizer `Apply*` ops (graphflow/ops/training_ops.py).

Ref inputs arrive as variable slots (`.deref()` gives the buffer, updated in place); scalars
are 0-d arrays of the variable's dtype, so all arithmetic stays in that precision, in the
operation order of TF's Eigen functors.
"""

import numpy as np

from graphflow.kernels import checks
from graphflow.kernels.reference import reference


def buffers(var_slot, slots, grad):
    """The variable's and slots' arrays, checked against the gradient's shape."""
    var = var_slot.deref()
    arrays = [s.deref() for s in slots]
    if grad.shape != var.shape:
        raise checks.invalid(f"var and grad do not have the same shape: {list(var.shape)} "
                             f"{list(grad.shape)}")
    for slot, arr in zip(slots, arrays):
        if arr.shape != var.shape:
            raise checks.invalid(f"var and {slot.name} do not have the same shape: "
                                 f"{list(var.shape)} {list(arr.shape)}")
    return var, arrays


def scalars(*values):
    for v in values:
        if v.ndim != 0:
            raise checks.invalid(f"hyper-parameters must be scalars, got shape {list(v.shape)}")
    return [v[()] for v in values]


@reference("ApplyGradientDescent")
def gradient_descent(attrs, var_slot, alpha, delta):
    var, _ = buffers(var_slot, [], delta)
    (alpha,) = scalars(alpha)
    var -= delta * alpha
    return (var_slot,)


@reference("ApplyMomentum")
def momentum(attrs, var_slot, accum_slot, lr, grad, mom):
    var, (accum,) = buffers(var_slot, [accum_slot], grad)
    lr, mom = scalars(lr, mom)
    accum *= mom
    accum += grad
    if attrs["use_nesterov"]:
        var -= grad * lr + accum * mom * lr
    else:
        var -= accum * lr
    return (var_slot,)


@reference("ApplyAdagrad")
def adagrad(attrs, var_slot, accum_slot, lr, grad):
    var, (accum,) = buffers(var_slot, [accum_slot], grad)
    (lr,) = scalars(lr)
    if attrs["update_slots"]:
        accum += grad * grad
    var -= grad * lr * (1 / np.sqrt(accum)).astype(var.dtype)
    return (var_slot,)


@reference("ApplyAdadelta")
def adadelta(attrs, var_slot, accum_slot, update_slot, lr, rho, eps, grad):
    var, (accum, accum_update) = buffers(var_slot, [accum_slot, update_slot], grad)
    lr, rho, eps = scalars(lr, rho, eps)
    one = var.dtype.type(1)
    accum[...] = accum * rho + grad * grad * (one - rho)
    update = np.sqrt(accum_update + eps) * (1 / np.sqrt(accum + eps)).astype(var.dtype) * grad
    var -= update * lr
    accum_update[...] = accum_update * rho + update * update * (one - rho)
    return (var_slot,)


def rms_prop_args(centered, args):
    """Splits the inputs after `var` of ApplyRMSProp / ApplyCenteredRMSProp into
    ([slot refs], (mg index or None, ms index, mom index), (lr, rho, momentum, eps), grad)."""
    n = 3 if centered else 2
    slots, (lr, rho, momentum, eps, grad) = list(args[:n]), args[n:]
    layout = (0, 1, 2) if centered else (None, 0, 1)
    return slots, layout, (lr, rho, momentum, eps), grad


def pick(arrays, layout):
    """(mg, ms, mom) from the slot arrays; without centering mg is the ms array (unused)."""
    mg, ms, mom = layout
    return arrays[ms if mg is None else mg], arrays[ms], arrays[mom]


@reference("ApplyRMSProp")
def rms_prop(attrs, var_slot, ms_slot, mom_slot, lr, rho, momentum_, eps, grad):
    var, (ms, mom) = buffers(var_slot, [ms_slot, mom_slot], grad)
    lr, rho, momentum_, eps = scalars(lr, rho, momentum_, eps)
    ms += (grad * grad - ms) * (var.dtype.type(1) - rho)
    mom[...] = mom * momentum_ + (grad * lr) / np.sqrt(ms + eps)
    var -= mom
    return (var_slot,)


@reference("ApplyCenteredRMSProp")
def centered_rms_prop(attrs, var_slot, mg_slot, ms_slot, mom_slot, lr, rho, momentum_, eps,
                      grad):
    var, (mg, ms, mom) = buffers(var_slot, [mg_slot, ms_slot, mom_slot], grad)
    lr, rho, momentum_, eps = scalars(lr, rho, momentum_, eps)
    one_minus_rho = var.dtype.type(1) - rho
    ms += (grad * grad - ms) * one_minus_rho
    mg += (grad - mg) * one_minus_rho
    denom = (ms - mg * mg) + eps
    mom[...] = mom * momentum_ + (grad * lr) / np.sqrt(denom)
    var -= mom
    return (var_slot,)


def adam_alpha(lr, beta1_power, beta2_power):
    one = lr.dtype.type(1)
    return lr * np.sqrt(one - beta2_power) / (one - beta1_power)


@reference("ApplyAdam")
def adam(attrs, var_slot, m_slot, v_slot, beta1_power, beta2_power, lr, beta1, beta2, eps,
         grad):
    var, (m, v) = buffers(var_slot, [m_slot, v_slot], grad)
    beta1_power, beta2_power, lr, beta1, beta2, eps = scalars(
        beta1_power, beta2_power, lr, beta1, beta2, eps)
    one = var.dtype.type(1)
    alpha = adam_alpha(lr, beta1_power, beta2_power)
    m += (grad - m) * (one - beta1)
    v += (grad * grad - v) * (one - beta2)
    if attrs["use_nesterov"]:
        var -= ((grad * (one - beta1) + beta1 * m) * alpha) / (np.sqrt(v) + eps)
    else:
        var -= (m * alpha) / (np.sqrt(v) + eps)
    return (var_slot,)
