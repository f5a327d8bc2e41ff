"""Runs one node's GPU kernel next to its CPU kernel on the same inputs and compares them.

The inputs of the node are computed by a CPU session (so Const axes, shapes etc. come along),
then both kernels get them: the CPU kernel as numpy arrays, the GPU kernel as device arrays
(inputs listed in `host_memory.HOST_MEMORY_INPUTS` are passed as numpy arrays, as a placement pass keeps
them on the host).
"""

import numpy as np
import pytest

import graphflow as gf
from graphflow import errors
from graphflow.kernels import registry
from graphflow.kernels.host_memory import is_host_memory
from graphflow.kernels.cuda import memory
from graphflow.runtime_state import SessionState


def node_inputs(tensor, feed_dict=None):
    op = tensor.op if isinstance(tensor, gf.Tensor) else tensor
    config = gf.ConfigProto(device_count={"GPU": 0})
    with gf.Session(graph=op.graph, config=config) as sess:
        return op, sess.run(list(op.inputs), feed_dict=feed_dict)


def gpu_args(op, values):
    return [v if is_host_memory(op.type, i, len(values)) else memory.to_device(v)
            for i, v in enumerate(values)]


def run_gpu(op, values, state=None):
    run = registry.lookup(op.type, "GPU")(op, state or SessionState())
    return [memory.to_host(v) for v in run(*gpu_args(op, values))]


def run_cpu(op, values, state=None):
    run = registry.lookup(op.type, "CPU")(op, state or SessionState())
    return [np.asarray(v) for v in run(*values)]


def assert_same_as_cpu(tensor, feed_dict=None, rtol=1e-5, atol=1e-6):
    """The GPU kernel of `tensor`'s op gives the CPU kernel's outputs (dtype, shape, values)."""
    op, values = node_inputs(tensor, feed_dict)
    expected = run_cpu(op, values)
    actual = run_gpu(op, values)
    assert len(actual) == len(expected)
    for got, want in zip(actual, expected):
        assert got.dtype == want.dtype, (got.dtype, want.dtype)
        assert got.shape == want.shape, (got.shape, want.shape)
        if want.dtype.kind in "fc":
            np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, equal_nan=True)
        else:
            np.testing.assert_array_equal(got, want)
    return actual


def assert_same_error(tensor, feed_dict=None, error=errors.InvalidArgumentError):
    """Both kernels raise `error` with the same message."""
    op, values = node_inputs(tensor, feed_dict)
    with pytest.raises(error) as cpu_error:
        run_cpu(op, values)
    with pytest.raises(error) as gpu_error:
        run_gpu(op, values)
    assert gpu_error.value.message == cpu_error.value.message
    return gpu_error.value
