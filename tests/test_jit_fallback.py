"""A numba kernel that fails to compile falls back to the numpy reference kernel with a
warning: the run is repeated when nothing changed state yet, and never gives a wrong answer."""

import numba
import numpy as np
import pytest

import graphflow as tf
from graphflow import errors
from graphflow import registry
from graphflow.kernels import reference
from graphflow.kernels import registry as kernel_registry
from graphflow.op_builder import apply_op
from graphflow.ops import shape_fns

OP = "GfTestJitFallback"


@numba.njit
def _does_not_compile(x):
    return x.no_such_attribute  # a TypingError when numba compiles it


def _setup():
    if OP in registry.registered_ops():
        return
    registry.register_op(OP, inputs=["x: T"], outputs=["y: T"], attrs=["T: {float, double}"],
                         shape_fn=shape_fns.unchanged, grad=registry.NOT_DIFFERENTIABLE)
    reference.reference(OP)(lambda attrs, x: (x * 2,))

    @kernel_registry.register(OP)
    def _factory(node, state):
        return lambda x: (_does_not_compile(x),)


def test_compile_failure_falls_back_and_retries():
    _setup()
    x = tf.placeholder(tf.float32, [3])
    y = apply_op(OP, x=x) + 1.0
    with tf.Session() as sess:
        with pytest.warns(RuntimeWarning, match="using the numpy reference kernel"):
            out = sess.run(y, {x: [1.0, 2.0, 3.0]})
        np.testing.assert_array_equal(out, [3.0, 5.0, 7.0])
        np.testing.assert_array_equal(sess.run(y, {x: [0.0, 1.0, 2.0]}), [1.0, 3.0, 5.0])


def test_no_retry_after_state_changed_but_next_run_works():
    _setup()
    v = tf.Variable(0.0)
    inc = tf.assign_add(v, 1.0)
    x = tf.placeholder(tf.float32, [2])
    with tf.control_dependencies([inc]):
        y = apply_op(OP, x=tf.identity(x))
    with tf.Session() as sess:
        sess.run(v.initializer)
        with pytest.warns(RuntimeWarning, match="reference kernel"):
            with pytest.raises(errors.InternalError, match=OP):
                sess.run(y, {x: [1.0, 2.0]})
        assert sess.run(v) == 1.0  # the increment ran exactly once: the run was not repeated
        np.testing.assert_array_equal(sess.run(y, {x: [1.0, 2.0]}), [2.0, 4.0])
        assert sess.run(v) == 2.0
