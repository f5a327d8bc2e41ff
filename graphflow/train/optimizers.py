"""The TF1 optimizers: update rules as TF's `Apply*` ops (see graphflow/ops/training_ops.py)."""

from graphflow import graph as graph_lib
from graphflow.ops import training_ops
from graphflow.train.optimizer import Optimizer


class GradientDescentOptimizer(Optimizer):
    """var -= learning_rate * grad."""

    def __init__(self, learning_rate, use_locking=False, name="GradientDescent"):
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate

    def _prepare(self):
        self._lr_t = self._hyper(self._learning_rate, "learning_rate")

    def _apply_dense(self, grad, var):
        return training_ops.apply_gradient_descent(
            var._ref(), self._cast(self._lr_t, var), grad, use_locking=self._use_locking).op


class MomentumOptimizer(Optimizer):
    """accum = momentum * accum + grad; var -= lr * accum (Nesterov: see ApplyMomentum)."""

    def __init__(self, learning_rate, momentum, use_locking=False, name="Momentum",
                 use_nesterov=False):
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate
        self._momentum = momentum
        self._use_nesterov = use_nesterov

    def _create_slots(self, var_list):
        for v in var_list:
            self._zeros_slot(v, "momentum", self._name)

    def _prepare(self):
        self._lr_t = self._hyper(self._learning_rate, "learning_rate")
        self._momentum_t = self._hyper(self._momentum, "momentum")

    def _apply_dense(self, grad, var):
        accum = self.get_slot(var, "momentum")
        return training_ops.apply_momentum(
            var._ref(), accum._ref(), self._cast(self._lr_t, var), grad,
            self._cast(self._momentum_t, var), use_locking=self._use_locking,
            use_nesterov=self._use_nesterov).op


class AdagradOptimizer(Optimizer):
    """accum += grad^2; var -= lr * grad / sqrt(accum); accum starts at 0.1."""

    def __init__(self, learning_rate, initial_accumulator_value=0.1, use_locking=False,
                 name="Adagrad"):
        if initial_accumulator_value <= 0.0:
            raise ValueError(f"initial_accumulator_value must be positive: "
                             f"{initial_accumulator_value}")
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate
        self._initial = initial_accumulator_value

    def _create_slots(self, var_list):
        for v in var_list:
            self._slot_with_value(v, "accumulator", self._name, self._initial)

    def _prepare(self):
        self._lr_t = self._hyper(self._learning_rate, "learning_rate")

    def _apply_dense(self, grad, var):
        acc = self.get_slot(var, "accumulator")
        return training_ops.apply_adagrad(var._ref(), acc._ref(), self._cast(self._lr_t, var),
                                          grad, use_locking=self._use_locking).op


class AdadeltaOptimizer(Optimizer):
    """Adadelta (Zeiler 2012) with TF1's defaults lr=0.001, rho=0.95, epsilon=1e-8."""

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-8, use_locking=False,
                 name="Adadelta"):
        super().__init__(use_locking, name)
        self._lr, self._rho, self._epsilon = learning_rate, rho, epsilon

    def _create_slots(self, var_list):
        for v in var_list:
            self._zeros_slot(v, "accum", self._name)
            self._zeros_slot(v, "accum_update", self._name)

    def _prepare(self):
        self._lr_t = self._hyper(self._lr, "lr")
        self._rho_t = self._hyper(self._rho, "rho")
        self._epsilon_t = self._hyper(self._epsilon, "epsilon")

    def _apply_dense(self, grad, var):
        return training_ops.apply_adadelta(
            var._ref(), self.get_slot(var, "accum")._ref(),
            self.get_slot(var, "accum_update")._ref(), self._cast(self._lr_t, var),
            self._cast(self._rho_t, var), self._cast(self._epsilon_t, var), grad,
            use_locking=self._use_locking).op


class RMSPropOptimizer(Optimizer):
    """RMSProp as TF1: the mean-square slot starts at one; optional momentum and centering."""

    def __init__(self, learning_rate, decay=0.9, momentum=0.0, epsilon=1e-10, use_locking=False,
                 centered=False, name="RMSProp"):
        super().__init__(use_locking, name)
        self._learning_rate, self._decay = learning_rate, decay
        self._momentum, self._epsilon, self._centered = momentum, epsilon, centered

    def _create_slots(self, var_list):
        for v in var_list:
            self._slot_with_value(v, "rms", self._name, 1.0)
            if self._centered:
                self._zeros_slot(v, "mg", self._name)
            self._zeros_slot(v, "momentum", self._name)

    def _prepare(self):
        self._lr_t = self._hyper(self._learning_rate, "learning_rate")
        self._decay_t = self._hyper(self._decay, "decay")
        self._momentum_t = self._hyper(self._momentum, "momentum")
        self._epsilon_t = self._hyper(self._epsilon, "epsilon")

    def _apply_dense(self, grad, var):
        args = (self._cast(self._lr_t, var), self._cast(self._decay_t, var),
                self._cast(self._momentum_t, var), self._cast(self._epsilon_t, var), grad)
        rms = self.get_slot(var, "rms")._ref()
        mom = self.get_slot(var, "momentum")._ref()
        if self._centered:
            mg = self.get_slot(var, "mg")._ref()
            return training_ops.apply_centered_rms_prop(
                var._ref(), mg, rms, mom, *args, use_locking=self._use_locking).op
        return training_ops.apply_rms_prop(var._ref(), rms, mom, *args,
                                           use_locking=self._use_locking).op


class AdamOptimizer(Optimizer):
    """Adam (Kingma & Ba) as TF1: bias correction through `beta1_power`/`beta2_power`
    variables, epsilon added to sqrt(v) ("epsilon hat")."""

    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8,
                 use_locking=False, name="Adam"):
        super().__init__(use_locking, name)
        self._lr, self._beta1, self._beta2, self._epsilon = learning_rate, beta1, beta2, epsilon

    def _create_slots(self, var_list):
        first = min(var_list, key=lambda v: v.name)
        with graph_lib.device(first.device or None):
            self._non_slot_variable(float(self._beta1), "beta1_power")
            self._non_slot_variable(float(self._beta2), "beta2_power")
        for v in var_list:
            self._zeros_slot(v, "m", self._name)
            self._zeros_slot(v, "v", self._name)

    def _prepare(self):
        self._lr_t = self._hyper(self._lr, "learning_rate")
        self._beta1_t = self._hyper(self._beta1, "beta1")
        self._beta2_t = self._hyper(self._beta2, "beta2")
        self._epsilon_t = self._hyper(self._epsilon, "epsilon")

    def _apply_dense(self, grad, var):
        beta1_power = self._non_slot_variables["beta1_power"]
        beta2_power = self._non_slot_variables["beta2_power"]
        return training_ops.apply_adam(
            var._ref(), self.get_slot(var, "m")._ref(), self.get_slot(var, "v")._ref(),
            self._cast(beta1_power, var), self._cast(beta2_power, var),
            self._cast(self._lr_t, var), self._cast(self._beta1_t, var),
            self._cast(self._beta2_t, var), self._cast(self._epsilon_t, var), grad,
            use_locking=self._use_locking).op

    def _finish(self, update_ops, name_scope):
        from graphflow.ops import array_ops
        with graph_lib.control_dependencies(update_ops):
            beta1_power = self._non_slot_variables["beta1_power"]
            beta2_power = self._non_slot_variables["beta2_power"]
            update_beta1 = beta1_power.assign(beta1_power * self._beta1_t,
                                              use_locking=self._use_locking)
            update_beta2 = beta2_power.assign(beta2_power * self._beta2_t,
                                              use_locking=self._use_locking)
        return array_ops.group(*update_ops, update_beta1, update_beta2, name=name_scope)
