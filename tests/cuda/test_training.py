"""GPU optimizer updates and variable ops vs the CPU kernels, in place on device buffers."""

import numpy as np
import pytest

import graphflow as gf
from graphflow import errors
from graphflow.kernels import registry
from graphflow.kernels.cuda import memory
from graphflow.ops import training_ops
from graphflow.runtime_state import SessionState

RNG = np.random.default_rng(2)
SHAPE = (3, 5)


def _states(refs, positive):
    """A CPU and a GPU session state holding the same starting values for `refs`."""
    cpu, gpu = SessionState(), SessionState()
    for ref in refs:
        value = RNG.uniform(0.1, 0.3, SHAPE) if positive else RNG.normal(size=SHAPE)
        value = value.astype(np.float32)
        cpu.variable_slot(ref.op.name, np.float32, ref.shape).value = value.copy()
        gpu.variable_slot(ref.op.name, np.float32, ref.shape).value = memory.to_device(value)
    return cpu, gpu


def _run(op, state, device, hyper, grad):
    run = registry.lookup(op.type, device)(op, state)
    args = []
    for tensor in op.inputs:
        if tensor.op.type == "VariableV2":
            args.append(state.variables[tensor.op.name])
        else:
            value = grad if tensor.op.name == "grad" else np.array(hyper[tensor.op.name],
                                                                   np.float32)
            args.append(memory.to_device(value) if device == "GPU" else value)
    run(*args)


def _variables(count):
    return [gf.Variable(np.zeros(SHAPE, np.float32), name=f"v{i}")._variable for i in
            range(count)]


def _scalar(name):
    return gf.placeholder(gf.float32, [], name=name)


CASES = [
    ("sgd", 1, lambda v, s, g: training_ops.apply_gradient_descent(v[0], s("lr"), g)),
    ("momentum", 2, lambda v, s, g: training_ops.apply_momentum(v[0], v[1], s("lr"), g,
                                                                  s("mom"))),
    ("nesterov", 2, lambda v, s, g: training_ops.apply_momentum(
        v[0], v[1], s("lr"), g, s("mom"), use_nesterov=True)),
    ("adagrad", 2, lambda v, s, g: training_ops.apply_adagrad(v[0], v[1], s("lr"), g)),
    ("adadelta", 3, lambda v, s, g: training_ops.apply_adadelta(
        v[0], v[1], v[2], s("lr"), s("rho"), s("eps"), g)),
    ("rmsprop", 3, lambda v, s, g: training_ops.apply_rms_prop(
        v[0], v[1], v[2], s("lr"), s("rho"), s("mom"), s("eps"), g)),
    ("centered", 4, lambda v, s, g: training_ops.apply_centered_rms_prop(
        v[0], v[1], v[2], v[3], s("lr"), s("rho"), s("mom"), s("eps"), g)),
    ("adam", 3, lambda v, s, g: training_ops.apply_adam(
        v[0], v[1], v[2], s("b1p"), s("b2p"), s("lr"), s("b1"), s("b2"), s("eps"), g)),
]
HYPER = {"lr": 0.1, "mom": 0.9, "rho": 0.95, "eps": 1e-7, "b1p": 0.9, "b2p": 0.999,
         "b1": 0.9, "b2": 0.999}


@pytest.mark.parametrize("name,count,build", CASES, ids=[c[0] for c in CASES])
def test_apply_updates_match_cpu(name, count, build):
    refs = _variables(count)
    grad = gf.placeholder(gf.float32, SHAPE, name="grad")
    op = build(refs, _scalar, grad).op
    cpu, gpu = _states(refs, positive=True)
    for _ in range(3):
        g = RNG.normal(size=SHAPE).astype(np.float32)
        _run(op, cpu, "CPU", HYPER, g)
        _run(op, gpu, "GPU", HYPER, g)
    for ref in refs:
        np.testing.assert_allclose(memory.to_host(gpu.variables[ref.op.name].value),
                                   cpu.variables[ref.op.name].value, rtol=1e-5, atol=1e-6)


def test_apply_rejects_mismatched_gradient():
    refs = _variables(1)
    grad = gf.placeholder(gf.float32, None, name="grad")
    op = training_ops.apply_gradient_descent(refs[0], _scalar("lr"), grad).op
    _, gpu = _states(refs, positive=False)
    with pytest.raises(errors.InvalidArgumentError, match="var and grad do not have the same"):
        _run(op, gpu, "GPU", HYPER, np.zeros((2, 2), np.float32))


def test_variable_assign_and_updates_on_device():
    v = gf.Variable(np.zeros(SHAPE, np.float32), name="w")
    value = gf.placeholder(gf.float32, SHAPE)
    state = SessionState()
    slot, = registry.lookup("VariableV2", "GPU")(v._variable.op, state)()
    initialized = registry.lookup("IsVariableInitialized", "GPU")(
        gf.is_variable_initialized(v).op, state)
    assert not memory.to_host(initialized(slot)[0])
    a = RNG.normal(size=SHAPE).astype(np.float32)
    assign = registry.lookup("Assign", "GPU")(gf.assign(v, value).op, state)
    assign(slot, memory.to_device(a))
    buffer = slot.value
    assert memory.is_device_array(buffer)
    assign(slot, memory.to_device(a * 2))
    assert slot.value is buffer  # same shape: updated in place
    add = registry.lookup("AssignAdd", "GPU")(gf.assign_add(v, value).op, state)
    add(slot, memory.to_device(a))
    sub = registry.lookup("AssignSub", "GPU")(gf.assign_sub(v, value).op, state)
    sub(slot, memory.to_device(a * 0.5))
    np.testing.assert_allclose(memory.to_host(slot.value), a * 2.5, rtol=1e-6)
    assert memory.to_host(initialized(slot)[0])
    with pytest.raises(errors.InvalidArgumentError, match="Must have the same shape"):
        add(slot, memory.to_device(np.zeros(2, np.float32)))


def test_allocator_reuses_released_buffers_and_reports_oom():
    memory.free_all()
    a = memory.allocate((4, 3), np.float32)
    memory.release(a)
    assert memory.pooled_bytes() == 48
    assert memory.allocate((4, 3), np.float32) is a
    assert memory.allocate((4, 3), np.float64) is not a
    memory.free_all()
    assert memory.pooled_bytes() == 0
    err = memory.out_of_memory((1024, 1024), np.float32)
    assert isinstance(err, errors.ResourceExhaustedError)
    assert "OOM when allocating tensor with shape[1024,1024] and type float32" in err.message
    assert "requested 4194304 bytes" in err.message
    np.testing.assert_array_equal(memory.to_host(memory.to_device(np.arange(3))), np.arange(3))
