"""Learning-rate schedules as graph ops (TF1's `tf.train.*_decay`)."""

from graphflow import graph as graph_lib
from graphflow.ops import constant_op
from graphflow.ops import math_ops


def exponential_decay(learning_rate, global_step, decay_steps, decay_rate, staircase=False,
                      name=None):
    """learning_rate * decay_rate ^ (global_step / decay_steps), floored exponent if
    `staircase`.

    Raises:
        ValueError: global_step is None.
    """
    if global_step is None:
        raise ValueError("global_step is required for exponential_decay.")
    with graph_lib.name_scope(name, "ExponentialDecay",
                              [learning_rate, global_step, decay_steps, decay_rate]) as scope:
        learning_rate = constant_op.convert_to_tensor(learning_rate, name="learning_rate")
        dtype = learning_rate.dtype
        decay_steps = math_ops.cast(decay_steps, dtype)
        decay_rate = math_ops.cast(decay_rate, dtype)
        p = math_ops.cast(global_step, dtype) / decay_steps
        if staircase:
            p = math_ops.floor(p)
        return math_ops.multiply(learning_rate, math_ops.pow(decay_rate, p), name=scope)


def inverse_time_decay(learning_rate, global_step, decay_steps, decay_rate, staircase=False,
                       name=None):
    """learning_rate / (1 + decay_rate * global_step / decay_steps)."""
    with graph_lib.name_scope(name, "InverseTimeDecay",
                              [learning_rate, global_step, decay_rate]) as scope:
        learning_rate = constant_op.convert_to_tensor(learning_rate, name="learning_rate")
        dtype = learning_rate.dtype
        p = math_ops.cast(global_step, dtype) / math_ops.cast(decay_steps, dtype)
        if staircase:
            p = math_ops.floor(p)
        denom = 1.0 + math_ops.cast(decay_rate, dtype) * p
        return math_ops.truediv(learning_rate, denom, name=scope)


def piecewise_constant(x, boundaries, values, name=None):
    """values[0] while x <= boundaries[0], values[i] while boundaries[i-1] < x <=
    boundaries[i], values[-1] after the last boundary.

    Raises:
        ValueError: len(values) != len(boundaries) + 1.
    """
    if len(values) != len(boundaries) + 1:
        raise ValueError("The length of boundaries should be 1 less than the length of values")
    with graph_lib.name_scope(name, "PiecewiseConstant", [x]) as scope:
        x = constant_op.convert_to_tensor(x)
        values = [constant_op.convert_to_tensor(v) for v in values]
        result = values[-1]
        for boundary, value in zip(reversed(boundaries), reversed(values[:-1])):
            b = constant_op.convert_to_tensor(boundary, dtype=x.dtype.base_dtype)
            result = math_ops.where_v2(math_ops.less_equal(x, b), value, result)
        from graphflow.ops import array_ops
        return array_ops.identity(result, name=scope)
