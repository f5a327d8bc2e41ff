"""Inter-op parallelism (graphflow/inter_op.py): independent heavy steps run at the same time
on the session's pool, with the serial plan's results; state-changing steps are never crossed."""

import threading
import time

import numpy as np
import pytest

import graphflow as tf
from graphflow import errors
from graphflow import inter_op
from graphflow import registry
from graphflow.kernels import reference
from graphflow.kernels import registry as kernel_registry
from graphflow.op_builder import apply_op
from graphflow.ops import shape_fns

OP = "GfTestSlowIncrement"
needs_thread_safe_numba = pytest.mark.skipif(
    not inter_op.numba_is_thread_safe(), reason="numba's workqueue layer: no inter-op groups")
DELAY = 0.03
CALLS = []          # (thread id, start, end) of every kernel call
FAIL = {"node": None}


def _setup():
    if OP in registry.registered_ops():
        return
    registry.register_op(OP, inputs=["x: T"], outputs=["y: T"], attrs=["T: {float, double}"],
                         shape_fn=shape_fns.unchanged, grad=registry.NOT_DIFFERENTIABLE)
    reference.reference(OP)(lambda attrs, x: (x + 1,))

    @kernel_registry.register(OP)
    def _factory(node, state):
        name = node.name

        def run(x):
            start = time.perf_counter()
            time.sleep(DELAY)  # releases the GIL, as BLAS and nogil numba kernels do
            if FAIL["node"] == name:
                raise ValueError("injected failure")
            CALLS.append((threading.get_ident(), start, time.perf_counter()))
            return (x + 1,)
        return run


@pytest.fixture(autouse=True)
def _fresh():
    _setup()
    CALLS.clear()
    FAIL["node"] = None


def _branches(n=2):
    x = tf.placeholder(tf.float64, [3])
    outs = [apply_op(OP, x=x * float(i + 1), name=f"slow{i}") for i in range(n)]
    return x, tf.add_n(outs), outs


def _run(sess, y, x, times):
    return [sess.run(y, {x: np.arange(3.0)}) for _ in range(times)]


def _groups(sess):
    return [s for p in sess._plans.values() for s in p.steps if s.members is not None]


@needs_thread_safe_numba
def test_independent_heavy_steps_run_concurrently():
    x, y, _ = _branches(2)
    config = tf.ConfigProto(inter_op_parallelism_threads=2)
    with tf.Session(config=config) as sess:
        results = _run(sess, y, x, 6)
        groups = _groups(sess)
        assert len(groups) == 1 and [m.op.name for m in groups[0].members] == ["slow0", "slow1"]
        CALLS.clear()
        start = time.perf_counter()
        last = sess.run(y, {x: np.arange(3.0)})
        elapsed = time.perf_counter() - start
    want = np.arange(3.0) * 1 + 1 + np.arange(3.0) * 2 + 1
    for r in results + [last]:
        np.testing.assert_array_equal(r, want)
    (t0, s0, e0), (t1, s1, e1) = CALLS
    assert t0 != t1 and s1 < e0 and s0 < e1  # two threads, overlapping in time
    assert elapsed < 1.8 * DELAY


def test_one_thread_or_one_heavy_step_stays_serial():
    x, y, _ = _branches(2)
    with tf.Session(config=tf.ConfigProto(inter_op_parallelism_threads=1)) as sess:
        _run(sess, y, x, 6)
        assert not _groups(sess)
    x1, y1, _ = _branches(1)
    with tf.Session() as sess:
        _run(sess, y1, x1, 6)
        assert not _groups(sess)


@needs_thread_safe_numba
def test_pool_size_caps_group_size():
    x, y, _ = _branches(3)
    with tf.Session(config=tf.ConfigProto(inter_op_parallelism_threads=2)) as sess:
        _run(sess, y, x, 6)
        assert [len(g.members) for g in _groups(sess)] == [2]
    with tf.Session(config=tf.ConfigProto(inter_op_parallelism_threads=3)) as sess:
        results = _run(sess, y, x, 6)
        assert [len(g.members) for g in _groups(sess)] == [3]
    np.testing.assert_array_equal(results[-1], np.arange(3.0) * 6 + 3)


@needs_thread_safe_numba
def test_matmuls_are_never_grouped():
    """BLAS already uses every core: two GEMMs at once would only fight over them."""
    rng = np.random.RandomState(0)
    a, b = rng.normal(size=(2, 40, 40))
    x = tf.placeholder(tf.float64, [40, 40])
    y = tf.matmul(x, a) + tf.matmul(x, b)
    z = apply_op(OP, x=x, name="slow_a") + apply_op(OP, x=x * 2.0, name="slow_b")
    with tf.Session(config=tf.ConfigProto(inter_op_parallelism_threads=2)) as sess:
        np.testing.assert_allclose(sess.run(y, {x: np.eye(40)}), a + b)
        sess.run(z, {x: np.eye(40)})
        plan_y, plan_z = sess._plans.values()
        heavy = {s: 1.0 for p in (plan_y, plan_z) for s in p.steps
                 if s.op.type in ("MatMul", OP)}  # as a profiling run would time them
        assert inter_op.parallelise(plan_y, heavy, 2) == 0
        assert inter_op.parallelise(plan_z, heavy, 2) == 1
        np.testing.assert_allclose(sess.run(y, {x: np.eye(40)}), a + b)


def test_no_step_moves_across_a_state_change():
    v = tf.Variable(np.zeros(3))
    x = tf.placeholder(tf.float64, [3])
    first = apply_op(OP, x=x, name="before")
    with tf.control_dependencies([first]):
        bump = tf.assign_add(v, np.ones(3))
    with tf.control_dependencies([bump]):
        second = apply_op(OP, x=v.read_value() + x, name="after")
    y = first + second
    config = tf.ConfigProto(inter_op_parallelism_threads=2)
    with tf.Session(config=config) as sess:
        sess.run(v.initializer)
        results = _run(sess, y, x, 6)
        assert not _groups(sess)
    for i, r in enumerate(results):
        np.testing.assert_array_equal(r, np.arange(3.0) + 1 + (i + 1) + np.arange(3.0) + 1)


@needs_thread_safe_numba
def test_a_failing_member_is_named_and_traced_runs_list_every_node():
    x, y, _ = _branches(2)
    with tf.Session(config=tf.ConfigProto(inter_op_parallelism_threads=2)) as sess:
        _run(sess, y, x, 6)
        assert _groups(sess)
        metadata = tf.RunMetadata()
        sess.run(y, {x: np.arange(3.0)}, options=tf.RunOptions(
            trace_level=tf.RunOptions.FULL_TRACE), run_metadata=metadata)
        names = {n.node_name for n in metadata.step_stats.dev_stats[0].node_stats}
        assert {"slow0", "slow1"} <= names
        FAIL["node"] = "slow1"
        with pytest.raises(errors.InvalidArgumentError, match="slow1"):
            sess.run(y, {x: np.arange(3.0)})


def test_no_groups_when_numbas_threading_layer_is_not_thread_safe(monkeypatch):
    assert inter_op.numba_is_thread_safe() in (True, False)
    monkeypatch.setattr(inter_op, "numba_is_thread_safe", lambda: False)
    x, y, _ = _branches(2)
    with tf.Session(config=tf.ConfigProto(inter_op_parallelism_threads=2)) as sess:
        results = _run(sess, y, x, 6)
        assert not _groups(sess)
    np.testing.assert_array_equal(results[-1], np.arange(3.0) * 3 + 2)
