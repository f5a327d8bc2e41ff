"""`tf.train.Optimizer`: the base class of the TF1 optimizers.

`minimize` = `compute_gradients` (symbolic gradients w.r.t. the variables) + `apply_gradients`
(one `Apply*` update op per variable under `<Name>/update_<var>/`, grouped into the op `<Name>`).
Slot variables are named `<var>/<Name>`, `<var>/<Name>_1`, ... as in TF1.
"""

from graphflow import gradients_impl as gradients_lib
from graphflow import graph as graph_lib
from graphflow import variables
from graphflow.ops import array_ops
from graphflow.ops import constant_op
from graphflow.ops import math_ops
from graphflow.ops import state_ops


class Optimizer:
    """Base class: subclasses define `_create_slots`, `_prepare`, `_apply_dense`, `_finish`."""

    GATE_NONE = 0
    GATE_OP = 1
    GATE_GRAPH = 2

    def __init__(self, use_locking, name):
        if not name:
            raise ValueError("Must specify the optimizer name")
        self._use_locking = use_locking
        self._name = name
        self._slots = {}
        self._non_slot_variables = {}

    def get_name(self):
        return self._name

    # ------------------------------------------------------------ public API
    def minimize(self, loss, global_step=None, var_list=None, gate_gradients=GATE_OP,
                 aggregation_method=None, colocate_gradients_with_ops=False, name=None,
                 grad_loss=None):
        """Adds ops that update `var_list` (default: trainable variables) to minimize `loss`.

        Returns:
            The update Operation (also added to the `train_op` collection).
        Raises:
            ValueError: no variable receives a gradient from `loss`.
        """
        grads_and_vars = self.compute_gradients(loss, var_list=var_list,
                                                gate_gradients=gate_gradients,
                                                grad_loss=grad_loss)
        usable = [v for g, v in grads_and_vars if g is not None]
        if not usable:
            raise ValueError(
                "No gradients provided for any variable, check your graph for ops that do not "
                f"support gradients, between variables {[str(v) for _, v in grads_and_vars]} "
                f"and loss {loss}.")
        return self.apply_gradients(grads_and_vars, global_step=global_step, name=name)

    def compute_gradients(self, loss, var_list=None, gate_gradients=GATE_OP,
                          aggregation_method=None, colocate_gradients_with_ops=False,
                          grad_loss=None):
        """A list of (gradient, variable) pairs; the gradient is None for unconnected ones."""
        if callable(loss):
            loss = loss()
        if var_list is None:
            var_list = variables.trainable_variables()
        var_list = list(var_list)
        if not var_list:
            raise ValueError("No variables to optimize.")
        for v in var_list:
            if not v.dtype.base_dtype.is_floating:
                raise ValueError(f"Invalid type {v.dtype.base_dtype.name} for {v.name}, "
                                 "expected: [float16, float32, float64].")
        grads = gradients_lib.gradients(loss, var_list, grad_ys=grad_loss,
                                        gate_gradients=gate_gradients == Optimizer.GATE_OP)
        if gate_gradients == Optimizer.GATE_GRAPH:
            grads = array_ops.tuple_(grads)
        return list(zip(grads, var_list))

    def apply_gradients(self, grads_and_vars, global_step=None, name=None):
        """An op applying the gradients; increments `global_step` by one if given."""
        grads_and_vars = tuple(grads_and_vars)
        if not grads_and_vars:
            raise ValueError("No variables provided.")
        var_list = [v for g, v in grads_and_vars if g is not None]
        if not var_list:
            raise ValueError(f"No gradients provided for any variable: "
                             f"{[str(v) for _, v in grads_and_vars]}.")
        with graph_lib.name_scope(name, self._name) as scope:
            with graph_lib.control_dependencies(None), graph_lib.name_scope(None):
                self._create_slots(var_list)
            self._prepare()
            update_ops = []
            for grad, var in grads_and_vars:
                if grad is None:
                    continue
                with graph_lib.name_scope("update_" + var.op.name):
                    grad = constant_op.convert_to_tensor(grad)
                    update_ops.append(self._apply_dense(grad, var))
            if global_step is None:
                apply_updates = self._finish(update_ops, scope)
            else:
                with graph_lib.control_dependencies([self._finish(update_ops, "update")]):
                    ref = global_step._ref() if hasattr(global_step, "_ref") else global_step
                    apply_updates = state_ops.assign_add(ref, 1, name=scope).op
            graph = graph_lib.get_default_graph()
            train_ops = graph.get_collection_ref(graph_lib.GraphKeys.TRAIN_OP)
            if apply_updates not in train_ops:
                train_ops.append(apply_updates)
            return apply_updates

    def get_slot(self, var, name):
        """The slot variable `name` of `var`, or None."""
        return self._slots.get(name, {}).get(var)

    def get_slot_names(self):
        return sorted(self._slots)

    def variables(self):
        """The optimizer's own variables (slots and accumulators), in creation order."""
        result = list(self._non_slot_variables.values())
        for name in sorted(self._slots):
            result.extend(self._slots[name].values())
        return result

    # ------------------------------------------------------------ subclass hooks
    def _create_slots(self, var_list):
        pass

    def _prepare(self):
        pass

    def _apply_dense(self, grad, var):
        raise NotImplementedError

    def _finish(self, update_ops, name_scope):
        return array_ops.group(*update_ops, name=name_scope)

    # ------------------------------------------------------------ helpers
    def _zeros_slot(self, var, slot_name, op_name):
        return self._slot_with_value(var, slot_name, op_name, 0.0)

    def _slot_with_value(self, var, slot_name, op_name, value):
        slots = self._slots.setdefault(slot_name, {})
        if var not in slots:
            shape = var.shape.as_list()
            dtype = var.dtype.base_dtype

            def initial():
                from graphflow.ops import manip_ops
                if value == 0.0:
                    return manip_ops.zeros(shape, dtype=dtype, name="zeros")
                return manip_ops.fill(shape, constant_op.constant(value, dtype=dtype),
                                      name="Const")
            slots[var] = variables.Variable(initial, name=f"{var.op.name}/{op_name}",
                                            trainable=False)
        return slots[var]

    def _non_slot_variable(self, initial_value, name):
        if name not in self._non_slot_variables:
            self._non_slot_variables[name] = variables.Variable(
                initial_value, name=name, trainable=False)
        return self._non_slot_variables[name]

    def _hyper(self, value, name, dtype=None):
        if callable(value):
            value = value()
        return constant_op.convert_to_tensor(value, name=name, dtype=dtype)

    @staticmethod
    def _cast(t, var):
        return math_ops.cast(t, var.dtype.base_dtype)

