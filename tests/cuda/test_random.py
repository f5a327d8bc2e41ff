"""GPU random ops (Philox4x32-10): distributions, bounds, determinism (simulator)."""

import numpy as np
import pytest

import graphflow as gf
from graphflow import errors
from graphflow.kernels import registry
from graphflow.kernels.cuda import memory
from graphflow.kernels.cuda import random as cuda_random
from graphflow.runtime_state import SessionState

N = 3000


def _sampler_op(tensor):
    """The Random* op under `tensor` (random_normal & co scale and shift its output)."""
    op = tensor.op
    while op.type not in ("RandomUniform", "RandomStandardNormal", "TruncatedNormal"):
        op = op.inputs[0].op
    return op


def _runner(tensor, state=None):
    op = _sampler_op(tensor)
    run = registry.lookup(op.type, "GPU")(op, state or SessionState())
    return lambda shape: memory.to_host(run(np.array(shape, np.int32))[0])


def test_philox_known_answer():
    """Random123's published Philox4x32-10 test vectors."""
    u = np.uint64
    assert cuda_random.philox.py_func(u(0), u(0), u(0), u(0), u(0), u(0)) == (
        0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8)
    f = u(0xFFFFFFFF)
    assert cuda_random.philox.py_func(f, f, f, f, f, f) == (
        0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD)


@pytest.mark.parametrize("dtype", [gf.float16, gf.float32, gf.float64])
def test_uniform_bounds_and_moments(dtype):
    out = _runner(gf.random_uniform([N], dtype=dtype, seed=1))([N])
    assert out.dtype == dtype.as_numpy_dtype and out.shape == (N,)
    assert out.min() >= 0 and out.max() < 1
    x = out.astype(np.float64)
    assert abs(x.mean() - 0.5) < 0.03 and abs(x.var() - 1 / 12) < 0.01
    assert len(np.unique(out)) > (900 if dtype == gf.float16 else N - 5)


@pytest.mark.parametrize("dtype", [gf.float32, gf.float64])
def test_normal_moments(dtype):
    x = _runner(gf.random_normal([N], dtype=dtype, seed=2))([N]).astype(np.float64)
    assert abs(x.mean()) < 0.08 and abs(x.std() - 1) < 0.06
    assert abs(np.mean(x ** 3)) < 0.2 and abs(np.mean(x ** 4) - 3) < 0.4
    assert 0.6 < np.mean(np.abs(x) < 1) < 0.76


def test_truncated_normal():
    x = _runner(gf.truncated_normal([N], seed=3))([60, 50]).astype(np.float64)
    assert x.shape == (60, 50) and np.abs(x).max() < 2
    assert abs(x.mean()) < 0.06 and abs(x.std() - 0.8796) < 0.05


def test_determinism_runs_and_seeds():
    t = gf.random_uniform([64], seed=5)
    first, second = SessionState(), SessionState()
    a = _runner(t, first)
    b = _runner(t, second)
    run1, run2 = a([64]), a([64])
    assert not np.array_equal(run1, run2)  # each run draws new values
    np.testing.assert_array_equal(b([64]), run1)  # same seeds: same sequence per session
    np.testing.assert_array_equal(b([64]), run2)
    np.testing.assert_array_equal(b([8, 8]).reshape(-1), a([64]))  # element index, not shape
    other = _runner(gf.random_uniform([64], seed=6), SessionState())([64])
    assert not np.array_equal(other, run1)
    unseeded = gf.random_uniform([64])
    assert not np.array_equal(_runner(unseeded)([64]), _runner(unseeded)([64]))


def test_launch_configuration_does_not_matter(monkeypatch):
    from graphflow.kernels.cuda import launch
    stream = cuda_random.PhiloxStream(7, 8)
    small = memory.to_host(cuda_random.sample((100,), np.float32, stream, 1))
    monkeypatch.setattr(launch, "MAX_BLOCKS", 1)
    monkeypatch.setattr(launch, "BLOCK", 8)
    stream.runs = 0
    np.testing.assert_array_equal(memory.to_host(cuda_random.sample((100,), np.float32, stream,
                                                                    1)), small)


def test_shape_errors_and_empty():
    run = _runner(gf.random_normal([2], seed=1))
    assert run([0, 3]).shape == (0, 3)
    with pytest.raises(errors.InvalidArgumentError, match="Dimension -1 must be >= 0"):
        run([2, -1])
