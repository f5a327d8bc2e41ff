"""CPU kernels of the variable ops; they operate on the session's `VariableSlot`s."""

import numpy as np

from graphflow.kernels import checks
from graphflow.kernels import registry


@registry.register("VariableV2")
def _variable(node, state):
    attr_dtype = node.get_attr("dtype")
    slot = state.variable_slot(node.name, attr_dtype.as_numpy_dtype, node.get_attr("shape"))
    result = (slot,)

    def run():
        return result
    return run


@registry.register("Assign")
def _assign(node, state):
    validate = node.get_attr("validate_shape")

    def run(slot, value):
        current = slot.value
        if current is not None and current.shape == value.shape:
            np.copyto(current, value)
            return (slot,)
        if validate and not slot.shape.is_compatible_with(value.shape):
            raise checks.invalid(f"Assign requires shapes of both tensors to match. lhs shape= "
                                 f"{slot.shape.as_list() if slot.shape.rank is not None else '?'}"
                                 f" rhs shape= {list(value.shape)}")
        slot.value = np.array(value, dtype=slot.dtype, copy=True, order="C")
        return (slot,)
    return run


def _update(ufunc):
    def factory(node, state):
        def run(slot, value):
            current = slot.deref()
            checks.same_variable_shape(slot, current, value)
            ufunc(current, value, out=current)
            return (slot,)
        return run
    return factory


registry.register("AssignAdd")(_update(np.add))
registry.register("AssignSub")(_update(np.subtract))


@registry.register("IsVariableInitialized")
def _is_initialized(node, state):
    def run(slot):
        return (np.array(slot.value is not None),)
    return run
