"""CUDA kernels of the optimizer `Apply*` updates, in place on the variable's device buffer and
its slots, one grid-stride pass, in the operation order of TF's Eigen functors (and of the CPU
kernels in graphflow/kernels/cpu/training.py).

Hyper-parameters stay on the device: each kernel reads them from 1-element views of the 0-d
device arrays, so an update step needs no device->host synchronisation. Shapes are checked on
the host with the reference's messages.
"""

import math

from numba import cuda

from graphflow.kernels import checks
from graphflow.kernels import registry
from graphflow.kernels.cuda import memory
from graphflow.kernels.cuda.launch import flat, launch
from graphflow.kernels.reference import training as ref


def _scalars(*values):
    for v in values:
        if v.ndim != 0:
            raise checks.invalid(f"hyper-parameters must be scalars, got shape {list(v.shape)}")
    return [flat(v if memory.is_device_array(v) else memory.to_device(v)) for v in values]


def _buffers(var_slot, slots, grad):
    var, arrays = ref.buffers(var_slot, slots, grad)
    return flat(var), [flat(a) for a in arrays], flat(grad)


@cuda.jit
def _sgd(w, g, alpha):
    a = alpha[0]
    for i in range(cuda.grid(1), w.size, cuda.gridsize(1)):
        w[i] -= g[i] * a


@cuda.jit
def _momentum(w, acc, g, lr, mom, nesterov):
    for i in range(cuda.grid(1), w.size, cuda.gridsize(1)):
        acc[i] = acc[i] * mom[0] + g[i]
        if nesterov:
            w[i] -= g[i] * lr[0] + acc[i] * mom[0] * lr[0]
        else:
            w[i] -= acc[i] * lr[0]


@cuda.jit
def _adam(w, m, v, g, b1p, b2p, lr, b1, b2, eps, nesterov):
    alpha = lr[0] * math.sqrt(1 - b2p[0]) / (1 - b1p[0])
    for i in range(cuda.grid(1), w.size, cuda.gridsize(1)):
        gi = g[i]
        m[i] += (gi - m[i]) * (1 - b1[0])
        v[i] += (gi * gi - v[i]) * (1 - b2[0])
        if nesterov:
            w[i] -= ((gi * (1 - b1[0]) + b1[0] * m[i]) * alpha) / (math.sqrt(v[i]) + eps[0])
        else:
            w[i] -= (m[i] * alpha) / (math.sqrt(v[i]) + eps[0])


@cuda.jit
def _adagrad(w, acc, g, lr, update_slots):
    for i in range(cuda.grid(1), w.size, cuda.gridsize(1)):
        if update_slots:
            acc[i] += g[i] * g[i]
        w[i] -= g[i] * lr[0] * (1 / math.sqrt(acc[i]))


@cuda.jit
def _adadelta(w, acc, acc_update, g, lr, rho, eps):
    for i in range(cuda.grid(1), w.size, cuda.gridsize(1)):
        acc[i] = acc[i] * rho[0] + g[i] * g[i] * (1 - rho[0])
        update = math.sqrt(acc_update[i] + eps[0]) * (1 / math.sqrt(acc[i] + eps[0])) * g[i]
        w[i] -= update * lr[0]
        acc_update[i] = acc_update[i] * rho[0] + update * update * (1 - rho[0])


@cuda.jit
def _rms_prop(w, mg, ms, mom, g, lr, rho, momentum, eps, centered):
    for i in range(cuda.grid(1), w.size, cuda.gridsize(1)):
        ms[i] += (g[i] * g[i] - ms[i]) * (1 - rho[0])
        denom = ms[i] + eps[0]
        if centered:
            mg[i] += (g[i] - mg[i]) * (1 - rho[0])
            denom = (ms[i] - mg[i] * mg[i]) + eps[0]
        mom[i] = mom[i] * momentum[0] + (g[i] * lr[0]) / math.sqrt(denom)
        w[i] -= mom[i]


@registry.register("ApplyGradientDescent", "GPU")
def _apply_gradient_descent(node, state):
    def run(var_slot, alpha, delta):
        w, _, g = _buffers(var_slot, [], delta)
        launch(_sgd, w.size, w, g, *_scalars(alpha))
        return (var_slot,)
    return run


@registry.register("ApplyMomentum", "GPU")
def _apply_momentum(node, state):
    nesterov = node.get_attr("use_nesterov")

    def run(var_slot, accum_slot, lr, grad, mom):
        w, (acc,), g = _buffers(var_slot, [accum_slot], grad)
        launch(_momentum, w.size, w, acc, g, *_scalars(lr, mom), nesterov)
        return (var_slot,)
    return run


@registry.register("ApplyAdam", "GPU")
def _apply_adam(node, state):
    nesterov = node.get_attr("use_nesterov")

    def run(var_slot, m_slot, v_slot, beta1_power, beta2_power, lr, beta1, beta2, eps, grad):
        w, (m, v), g = _buffers(var_slot, [m_slot, v_slot], grad)
        hyper = _scalars(beta1_power, beta2_power, lr, beta1, beta2, eps)
        launch(_adam, w.size, w, m, v, g, *hyper, nesterov)
        return (var_slot,)
    return run


@registry.register("ApplyAdagrad", "GPU")
def _apply_adagrad(node, state):
    update_slots = node.get_attr("update_slots")

    def run(var_slot, accum_slot, lr, grad):
        w, (acc,), g = _buffers(var_slot, [accum_slot], grad)
        launch(_adagrad, w.size, w, acc, g, *_scalars(lr), update_slots)
        return (var_slot,)
    return run


@registry.register("ApplyAdadelta", "GPU")
def _apply_adadelta(node, state):
    def run(var_slot, accum_slot, update_slot, lr, rho, eps, grad):
        w, (acc, upd), g = _buffers(var_slot, [accum_slot, update_slot], grad)
        launch(_adadelta, w.size, w, acc, upd, g, *_scalars(lr, rho, eps))
        return (var_slot,)
    return run


def _rms_factory(centered):
    def factory(node, state):
        def run(var_slot, *args):
            slots, layout, hyper, grad = ref.rms_prop_args(centered, args)
            w, arrays, g = _buffers(var_slot, slots, grad)
            mg, ms, mom = ref.pick(arrays, layout)
            launch(_rms_prop, w.size, w, mg, ms, mom, g, *_scalars(*hyper), centered)
            return (var_slot,)
        return run
    return factory


registry.register("ApplyRMSProp", "GPU")(_rms_factory(False))
registry.register("ApplyCenteredRMSProp", "GPU")(_rms_factory(True))
