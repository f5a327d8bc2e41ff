"""Running a compiled Plan: a tight loop over steps with a flat value table.

Errors raised by a kernel are re-raised as the matching `OpError` naming the node, its op type,
input shapes and dtypes, and the user's line that created the node.
"""

import numpy as np

from graphflow import errors


def execute(plan, feed_values):
    """Runs `plan` with `feed_values` (aligned with plan.feed_slots); returns fetched values."""
    values = list(plan.initial_values)
    for slot, value in zip(plan.feed_slots, feed_values):
        values[slot] = value
    step = None
    try:
        with np.errstate(all="ignore"):
            for step in plan.steps:
                results = step.run(*[values[i] for i in step.ins])
                for slot, value in zip(step.outs, results):
                    values[slot] = value
                for slot in step.frees:
                    values[slot] = None
    except Exception as err:  # noqa: BLE001 - every kernel failure becomes an OpError
        raise annotate(err, step, values) from err
    return [values[s] for s in plan.fetch_slots]


_ERROR_CLASSES = {
    ValueError: errors.InvalidArgumentError,
    IndexError: errors.InvalidArgumentError,
    TypeError: errors.InvalidArgumentError,
    ZeroDivisionError: errors.InvalidArgumentError,
    OverflowError: errors.InvalidArgumentError,
    MemoryError: errors.ResourceExhaustedError,
}


def annotate(err, step, values):
    """An OpError of the right class whose message names the failing node."""
    op = step.op
    if isinstance(err, errors.OpError):
        cls, message = type(err), err.message
    else:
        cls = next((c for t, c in _ERROR_CLASSES.items() if isinstance(err, t)),
                   errors.InternalError)
        message = f"{type(err).__name__}: {err}"
    return cls(None, op, message + describe_node(op, step, values))


def describe_node(op, step=None, values=None):
    """The node's name, op type, input shapes/dtypes and creation site, for error messages."""
    parts = [f"\n\t [[node {op.name} (op {op.type})"]
    if op.traceback is not None:
        filename, line, func = op.traceback
        parts.append(f" defined at {filename}:{line} in {func}")
    parts.append("]]")
    if step is not None and values is not None:
        shapes = []
        for slot, t in zip(step.ins, op._inputs):
            v = values[slot]
            shape = getattr(v, "shape", None)
            dtype = getattr(v, "dtype", None)
            if shape is None and hasattr(v, "value"):  # a variable slot
                shape = getattr(v.value, "shape", "uninitialized")
                dtype = t.dtype.base_dtype.name
            shapes.append(f"{t.name}: shape={list(shape) if shape is not None else '?'} "
                          f"dtype={getattr(dtype, 'name', dtype)}")
        if shapes:
            parts.append("\n\t inputs: " + "; ".join(shapes))
    return "".join(parts)
