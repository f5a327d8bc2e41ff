"""CUDA kernels of the variable ops. A variable's `VariableSlot.value` is a device array; the
slot itself is what VariableV2 outputs (TF's ref), exactly as on the CPU."""

import numpy as np
from numba import cuda

from graphflow.kernels import checks
from graphflow.kernels import registry
from graphflow.kernels import scalar
from graphflow.kernels.cuda import elementwise
from graphflow.kernels.cuda import memory
from graphflow.kernels.cuda.launch import flat, launch


@cuda.jit
def _copy(out, x):
    for i in range(cuda.grid(1), out.size, cuda.gridsize(1)):
        out[i] = x[i]


def device_copy(value, dtype=None):
    """A new device array holding `value` (a host or device array), cast to `dtype`."""
    dtype = np.dtype(dtype or value.dtype)
    if not memory.is_device_array(value):
        return memory.to_device(value, dtype)
    out = memory.allocate(value.shape, dtype)
    launch(_copy, out.size, flat(out), flat(value))
    return out


@registry.register("VariableV2", "GPU")
def _variable(node, state):
    dtype = node.get_attr("dtype").as_numpy_dtype
    result = (state.variable_slot(node.name, dtype, node.get_attr("shape")),)

    def run():
        return result
    return run


@registry.register("Assign", "GPU")
def _assign(node, state):
    validate = node.get_attr("validate_shape")

    def run(slot, value):
        current = slot.value
        if current is not None and current.shape == value.shape and \
                memory.is_device_array(current):
            if not memory.is_device_array(value):
                value = memory.to_device(value, slot.dtype)
            launch(_copy, current.size, flat(current), flat(value))
            return (slot,)
        if validate and not slot.shape.is_compatible_with(value.shape):
            raise checks.invalid(f"Assign requires shapes of both tensors to match. lhs shape= "
                                 f"{slot.shape.as_list() if slot.shape.rank is not None else '?'}"
                                 f" rhs shape= {list(value.shape)}")
        slot.value = device_copy(value, slot.dtype)
        return (slot,)
    return run


def _update(body):
    def factory(node, state):
        dense, _ = elementwise.kernels(body, 2)

        def run(slot, value):
            current = slot.deref()
            checks.same_variable_shape(slot, current, value)
            launch(dense, current.size, flat(current), flat(current), flat(value))
            return (slot,)
        return run
    return factory


registry.register("AssignAdd", "GPU")(_update(scalar.add))
registry.register("AssignSub", "GPU")(_update(scalar.sub))


@registry.register("IsVariableInitialized", "GPU")
def _is_initialized(node, state):
    def run(slot):
        return (memory.to_device(np.array(slot.value is not None)),)
    return run
