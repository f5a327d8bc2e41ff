"""Per-node memos keyed by input shapes: validation and index arithmetic run once per shape.

Shapes repeat run after run (a training loop feeds batches of one shape), so kernels whose
checks depend only on shapes and on constant inputs validate through the reference once per
shape and then take a direct numpy path.
"""

import numpy as np

MAX_ENTRIES = 64


class ShapeMemo:
    """A small dict from a shape key to whatever `compute(key)` returns; errors propagate and
    are not memoised (so they are raised again, with the executor's annotation, each run)."""

    __slots__ = ("_compute", "_entries")

    def __init__(self, compute):
        self._compute = compute
        self._entries = {}

    def __call__(self, key):
        entry = self._entries.get(key)
        if entry is None:
            entry = self._compute(key)
            if len(self._entries) < MAX_ENTRIES:
                self._entries[key] = entry
        return entry


def constant_input(node, index):
    """The plan-time value of input `index` (None unless constant folding computed it)."""
    constants = getattr(node, "constant_inputs", None)
    return None if constants is None else constants[index]


def array_key(array):
    """A hashable key for a small (shape-like) array's value."""
    return (array.tobytes(), array.dtype.str, array.shape)


def from_array_key(key):
    """The array an `array_key` was made from."""
    data, dtype, shape = key
    return np.frombuffer(data, dtype=dtype).reshape(shape)
