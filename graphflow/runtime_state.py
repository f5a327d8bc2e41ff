"""Per-session resources that stateful kernels use: variable buffers and random streams.

Variables' values live in the Session (TF1 semantics): two sessions on one graph have separate
values. A `VariableSlot` is what a VariableV2 kernel outputs (TF's reference dtype): ref inputs
(Assign, Apply*) receive the slot, value inputs receive its array via `deref`.
"""

import numpy as np

from graphflow import errors


class VariableSlot:
    """The storage of one variable in one session; `value` is None until initialized."""

    __slots__ = ("name", "value", "dtype", "shape")

    def __init__(self, name, dtype, shape):
        self.name = name
        self.value = None
        self.dtype = np.dtype(dtype)
        self.shape = shape  # static TensorShape of the variable

    def deref(self):
        value = self.value
        if value is None:
            raise errors.FailedPreconditionError(
                None, None, f"Attempting to use uninitialized value {self.name}")
        return value

    def __repr__(self):
        state = "uninitialized" if self.value is None else f"shape={self.value.shape}"
        return f"<VariableSlot {self.name} {state}>"


class SessionState:
    """Everything a session owns besides compiled plans."""

    def __init__(self):
        self.variables = {}
        self.random_streams = {}

    def variable_slot(self, name, dtype, shape):
        slot = self.variables.get(name)
        if slot is None:
            slot = self.variables[name] = VariableSlot(name, dtype, shape)
        return slot

    def random_stream(self, key, seed):
        """A numpy Generator for one random op, created from its (graph, op) seed pair."""
        stream = self.random_streams.get(key)
        if stream is None:
            if seed is None:
                bit_gen = np.random.Philox()
            else:
                bit_gen = np.random.Philox(key=np.array(seed, dtype=np.uint64))
            stream = self.random_streams[key] = np.random.Generator(bit_gen)
        return stream

    def is_variable_buffer(self, array):
        for slot in self.variables.values():
            if slot.value is array:
                return True
        return False

    def clear(self):
        self.variables.clear()
        self.random_streams.clear()
