"""Optimizer update ops (TF's `Apply*`): in-place updates of a variable and its slots.

Each op takes the variable and its slot variables as refs and the hyper-parameters as scalars
of the variable's dtype, and outputs the variable ref. Formulas (as TF's training_ops.cc):

- ApplyGradientDescent: var -= grad * alpha
- ApplyMomentum: accum = accum * momentum + grad;
  var -= accum * lr  (nesterov: var -= grad * lr + accum * momentum * lr)
- ApplyAdagrad: accum += grad^2; var -= grad * lr * rsqrt(accum)
- ApplyAdadelta: accum = accum * rho + grad^2 * (1 - rho);
  update = sqrt(accum_update + eps) * rsqrt(accum + eps) * grad; var -= update * lr;
  accum_update = accum_update * rho + update^2 * (1 - rho)
- ApplyRMSProp: ms += (grad^2 - ms) * (1 - rho); mom = mom * momentum + grad * lr / sqrt(ms + eps);
  var -= mom
- ApplyCenteredRMSProp: as RMSProp with mg += (grad - mg) * (1 - rho), denominator
  sqrt(ms - mg^2 + eps)
- ApplyAdam: alpha = lr * sqrt(1 - beta2_power) / (1 - beta1_power); m += (grad - m) * (1 - beta1);
  v += (grad^2 - v) * (1 - beta2); var -= m * alpha / (sqrt(v) + eps)
  (nesterov: var -= (grad * (1 - beta1) + beta1 * m) * alpha / (sqrt(v) + eps))
"""

from graphflow import registry
from graphflow.op_builder import apply_op


def _var_shape(op):
    return [op.inputs[0].shape]


def _declare(op_type, inputs, extra_attrs=()):
    """Declares an Apply op; `inputs` lists the arguments after `var` ("name" or "name*" for
    a ref)."""
    specs = ["var: Ref(T)"]
    for name in inputs:
        specs.append(f"{name[:-1]}: Ref(T)" if name.endswith("*") else f"{name}: T")
    registry.register_op(
        op_type, inputs=specs, outputs=["out: Ref(T)"],
        attrs=["T: {half, float, double}", "use_locking: bool = false", *extra_attrs],
        shape_fn=_var_shape, grad=registry.NOT_DIFFERENTIABLE, stateful=True,
        doc=f"{op_type}: in-place optimizer update (see module docstring).")


_declare("ApplyGradientDescent", ["alpha", "delta"])
_declare("ApplyMomentum", ["accum*", "lr", "grad", "momentum"], ["use_nesterov: bool = false"])
_declare("ApplyAdagrad", ["accum*", "lr", "grad"], ["update_slots: bool = true"])
_declare("ApplyAdadelta", ["accum*", "accum_update*", "lr", "rho", "epsilon", "grad"])
_declare("ApplyRMSProp", ["ms*", "mom*", "lr", "rho", "momentum", "epsilon", "grad"])
_declare("ApplyCenteredRMSProp", ["mg*", "ms*", "mom*", "lr", "rho", "momentum", "epsilon",
                                  "grad"])
_declare("ApplyAdam", ["m*", "v*", "beta1_power", "beta2_power", "lr", "beta1", "beta2",
                       "epsilon", "grad"], ["use_nesterov: bool = false"])


def apply_gradient_descent(var, alpha, delta, use_locking=False, name=None):
    return apply_op("ApplyGradientDescent", var=var, alpha=alpha, delta=delta,
                    use_locking=use_locking, name=name)


def apply_momentum(var, accum, lr, grad, momentum, use_locking=False, use_nesterov=False,
                   name=None):
    return apply_op("ApplyMomentum", var=var, accum=accum, lr=lr, grad=grad, momentum=momentum,
                    use_locking=use_locking, use_nesterov=use_nesterov, name=name)


def apply_adagrad(var, accum, lr, grad, use_locking=False, update_slots=True, name=None):
    return apply_op("ApplyAdagrad", var=var, accum=accum, lr=lr, grad=grad,
                    use_locking=use_locking, update_slots=update_slots, name=name)


def apply_adadelta(var, accum, accum_update, lr, rho, epsilon, grad, use_locking=False,
                   name=None):
    return apply_op("ApplyAdadelta", var=var, accum=accum, accum_update=accum_update, lr=lr,
                    rho=rho, epsilon=epsilon, grad=grad, use_locking=use_locking, name=name)


def apply_rms_prop(var, ms, mom, lr, rho, momentum, epsilon, grad, use_locking=False,
                   name=None):
    return apply_op("ApplyRMSProp", var=var, ms=ms, mom=mom, lr=lr, rho=rho, momentum=momentum,
                    epsilon=epsilon, grad=grad, use_locking=use_locking, name=name)


def apply_centered_rms_prop(var, mg, ms, mom, lr, rho, momentum, epsilon, grad,
                            use_locking=False, name=None):
    return apply_op("ApplyCenteredRMSProp", var=var, mg=mg, ms=ms, mom=mom, lr=lr, rho=rho,
                    momentum=momentum, epsilon=epsilon, grad=grad, use_locking=use_locking,
                    name=name)


def apply_adam(var, m, v, beta1_power, beta2_power, lr, beta1, beta2, epsilon, grad,
               use_locking=False, use_nesterov=False, name=None):
    return apply_op("ApplyAdam", var=var, m=m, v=v, beta1_power=beta1_power,
                    beta2_power=beta2_power, lr=lr, beta1=beta1, beta2=beta2, epsilon=epsilon,
                    grad=grad, use_locking=use_locking, use_nesterov=use_nesterov, name=name)
