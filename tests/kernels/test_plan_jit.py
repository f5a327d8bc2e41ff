"""Whole-plan compilation (kernels/cpu/plan_jit.py): a hot small plan runs as one numba
function and gives bit-identical results to the op-by-op plan, for every emitted op family;
guards send other runs back op by op."""

import numpy as np
import pytest

import graphflow as tf
from graphflow import executor
from graphflow.kernels.cpu import plan_jit


@pytest.fixture(autouse=True)
def _synchronous(monkeypatch, tmp_path):
    _configure(monkeypatch, tmp_path)


def _configure(monkeypatch, tmp_path):
    monkeypatch.setattr(plan_jit, "BACKGROUND_COMPILE", False)
    monkeypatch.setattr(plan_jit, "TRIGGER_RUNS", 2)
    monkeypatch.setenv("GRAPHFLOW_CACHE_DIR", str(tmp_path))


def _plans(sess):
    return list(sess._plans.values())


def _op_by_op_only(monkeypatch):
    """Makes any op-by-op run fail: what runs afterwards must take the compiled path."""
    def refuse(plan, feeds):
        raise AssertionError("ran op by op")
    monkeypatch.setattr(executor, "execute", refuse)


def _same(a, b):
    a, b = np.asarray(a), np.asarray(b)
    assert a.dtype == b.dtype and a.shape == b.shape
    np.testing.assert_array_equal(a, b)  # NaNs compare equal, every other bit must match


def _run_both(fetches, feeds_list, monkeypatch, setup=None):
    """Runs `fetches` for each feed dict in one session with whole-plan compilation off and in
    another with it on; returns both result lists and the compiled session's plans."""
    results = []
    plans = None
    for enabled in (False, True):
        monkeypatch.setattr(plan_jit, "ENABLED", enabled)
        with tf.Session() as sess:
            if setup is not None:
                setup(sess)
            out = [sess.run(fetches, feeds) for feeds in feeds_list]
            if enabled:
                plans = _plans(sess)
        results.append(out)
    return results[0], results[1], plans


def _check(fetches, feeds, monkeypatch, runs=4, setup=None):
    unjitted, jitted, plans = _run_both(fetches, [feeds] * runs, monkeypatch, setup)
    assert any(p.fast is not None for p in plans), "the plan was not compiled"
    for a, b in zip(unjitted, jitted):
        for x, y in zip(a, b):
            _same(x, y)
    return jitted[-1]


def _sample(shape, seed=0, dtype=np.float32):
    return np.random.RandomState(seed).uniform(-2, 2, shape).astype(dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_elementwise_with_broadcasting(monkeypatch, dtype):
    x = tf.placeholder(dtype, [3, 4])
    row = tf.placeholder(dtype, [4])
    col = tf.placeholder(dtype, [3, 1])
    s = tf.placeholder(dtype, [])
    fetches = [x + row, x - col, x * s, x / row, tf.maximum(x, col), tf.minimum(row, x),
               tf.squared_difference(x, s), -x, tf.abs(x), tf.square(x), tf.sqrt(tf.abs(x)),
               tf.nn.relu(x), s * s + s, tf.nn.bias_add(x, row)]
    feeds = {x: _sample((3, 4), 1, dtype), row: _sample(4, 2, dtype),
             col: _sample((3, 1), 3, dtype), s: dtype(0.7)}
    feeds[x][0, 0] = np.nan
    out = _check(fetches, feeds, monkeypatch)
    xv, rv, cv, sv = feeds[x], feeds[row], feeds[col], feeds[s]
    for got, want in zip(out, [xv + rv, xv - cv, xv * sv, xv / rv, np.maximum(xv, cv),
                               np.minimum(rv, xv), (xv - sv) ** 2, -xv, np.abs(xv), xv * xv,
                               np.sqrt(np.abs(xv)), np.maximum(xv, 0), sv * sv + sv, xv + rv]):
        np.testing.assert_allclose(got, want, rtol=1e-6)
    assert type(out[12]) is np.dtype(dtype).type  # a 0-d fetch is a numpy scalar


def test_float32_transcendentals_and_their_gradients(monkeypatch):
    x = tf.placeholder(tf.float32, [5, 7])
    fetches = [tf.exp(x), tf.log(tf.abs(x)), tf.tanh(x), tf.sigmoid(x), tf.reciprocal(x)]
    fetches += tf.gradients(tf.reduce_sum(tf.sigmoid(x) * tf.tanh(x) + tf.log(x * x)), x)
    value = _sample((5, 7), 9)
    value[0, :4] = [np.inf, -np.inf, np.nan, 0.0]
    out = _check(fetches, {x: value}, monkeypatch)
    with np.errstate(all="ignore"):
        v = value.astype(np.float64)
        for got, want in zip(out, [np.exp(v), np.log(np.abs(v)), np.tanh(v),
                                   1 / (1 + np.exp(-v)), 1 / v]):
            np.testing.assert_allclose(got[1:], want[1:], rtol=1e-6)
            np.testing.assert_array_equal(np.isnan(got[0]), np.isnan(want[0]))


def test_per_op_float32_transcendentals_use_fast_math():
    from graphflow.kernels.cpu import fast_math
    x = tf.placeholder(tf.float32, [64])
    value = _sample(64, 10)
    ys = [tf.exp(x), tf.tanh(x), tf.sigmoid(x)]
    with tf.Session() as sess:
        got = sess.run(ys, {x: value})
    for y, g in zip(ys, got):
        want = np.empty_like(value)
        fast_math.map_serial(fast_math.KINDS[y.op.type], value, want)
        np.testing.assert_array_equal(g, want)


def _strided_grad(v):
    g = np.zeros_like(v)
    g[1:, ::2] = 3.0
    return g


@pytest.mark.parametrize("build,oracle", [
    (lambda x: x[1:, ::-2], lambda v: v[1:, ::-2]),
    (lambda x: x[:, 0], lambda v: v[:, 0]),
    (lambda x: tf.slice(x, [1, 2], [2, -1]), lambda v: v[1:3, 2:]),
    (lambda x: tf.tile(x, [2, 1]), lambda v: np.tile(v, [2, 1])),
    (lambda x: tf.reverse(x, [0, 1]), lambda v: v[::-1, ::-1]),
    (lambda x: tf.broadcast_to(x[:1], [3, 4, 6]), lambda v: np.broadcast_to(v[:1], [3, 4, 6])),
    (lambda x: tf.pad(x, [[1, 0], [0, 2]]), lambda v: np.pad(v, [[1, 0], [0, 2]])),
    (lambda x: tf.gradients(tf.reduce_sum(x[1:, ::2] * 3.0), x)[0], _strided_grad),
    (lambda x: tf.reduce_sum(x, axis=[]), lambda v: v),
    (lambda x: tf.reduce_mean(x, axis=[]), lambda v: v)])
def test_copies_through_index_maps(monkeypatch, build, oracle):
    x = tf.placeholder(tf.float32, [4, 6])
    value = _sample((4, 6), 11)
    out = _check([build(x)], {x: value}, monkeypatch)[0]
    np.testing.assert_array_equal(out, oracle(value))


@pytest.mark.parametrize("op", ["reduce_sum", "reduce_mean", "reduce_prod", "reduce_max",
                                "reduce_min"])
@pytest.mark.parametrize("axis,keep", [(None, False), (0, False), (1, True), (2, False),
                                       ([0, 2], False), ([1, 2], True), (-1, False)])
def test_reductions(monkeypatch, op, axis, keep):
    x = tf.placeholder(tf.float32, [3, 5, 37])
    value = _sample((3, 5, 37), 4) * 0.6
    y = getattr(tf, op)(x, axis=axis, keepdims=keep)
    out = _check([y], {x: value}, monkeypatch)[0]
    want = {"reduce_sum": np.sum, "reduce_mean": np.mean, "reduce_prod": np.prod,
            "reduce_max": np.max, "reduce_min": np.min}[op](
        value.astype(np.float64), axis=None if axis is None else tuple(np.atleast_1d(axis)),
        keepdims=keep)
    np.testing.assert_allclose(out, want, rtol=1e-4, atol=1e-30)


def test_max_propagates_nan(monkeypatch):
    x = tf.placeholder(tf.float64, [40])
    value = _sample(40, 5, np.float64)
    value[17] = np.nan
    out = _check([tf.reduce_max(x), tf.reduce_min(x), tf.reduce_sum(x)], {x: value},
                 monkeypatch)
    assert all(np.isnan(v) for v in out)


@pytest.mark.parametrize("ta,tb", [(False, False), (True, False), (False, True),
                                   (True, True)])
def test_matmul_transpose_reshape_cast(monkeypatch, ta, tb):
    a = tf.placeholder(tf.float32, [4, 6] if ta else [6, 4])
    b = tf.placeholder(tf.float32, [5, 4] if tb else [4, 5])
    m = tf.matmul(a, b, transpose_a=ta, transpose_b=tb)
    fetches = [m, tf.transpose(m), tf.reshape(m, [-1]), tf.expand_dims(m, 1),
               tf.squeeze(tf.reshape(m, [1, 30, 1])), tf.cast(m, tf.float64),
               tf.add_n([m, m, m * 2.0])]
    av = _sample([4, 6] if ta else [6, 4], 6)
    bv = _sample([5, 4] if tb else [4, 5], 7)
    out = _check(fetches, {a: av, b: bv}, monkeypatch)
    want = (av.T if ta else av).astype(np.float64) @ (bv.T if tb else bv).astype(np.float64)
    np.testing.assert_allclose(out[0], want, rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(out[1], out[0].T)
    np.testing.assert_array_equal(out[2], out[0].reshape(-1))
    assert out[3].shape == (6, 1, 5) and out[4].shape == (30,) and out[5].dtype == np.float64
    np.testing.assert_allclose(out[6], 4 * want, rtol=1e-5, atol=1e-4)


def _blood_fat_like():
    rng = np.random.RandomState(0)
    x = rng.uniform(20, 60, (25, 2)).astype(np.float32)
    y = rng.uniform(200, 400, (1, 25)).astype(np.float32)
    W = tf.Variable(tf.zeros([2, 1]))
    b = tf.Variable(0.)
    loss = tf.reduce_sum(tf.squared_difference(
        tf.constant(y), tf.transpose(tf.matmul(tf.constant(x), W) + b)))
    return W, b, loss


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "nesterov"])
def test_training_is_bit_identical(monkeypatch, optimizer):
    W, b, loss = _blood_fat_like()
    opt = {"sgd": tf.train.GradientDescentOptimizer(1e-6),
           "momentum": tf.train.MomentumOptimizer(1e-6, 0.9),
           "nesterov": tf.train.MomentumOptimizer(1e-6, 0.9, use_nesterov=True)}[optimizer]
    train = opt.minimize(loss)

    def run(sess):
        return [sess.run([train, loss])[1] for _ in range(30)] + sess.run([W, b])
    history, compiled = _both_ways(monkeypatch, run)
    assert compiled >= 1
    assert history[-3] < history[0]  # it trains


def _both_ways(monkeypatch, run):
    """`run(sess)` -> values, in a fresh initialised session with whole-plan compilation off,
    then on; asserts both give the same bits. Returns the values and the number of plans the
    second session compiled."""
    init = tf.global_variables_initializer()
    results = []
    for enabled in (False, True):
        monkeypatch.setattr(plan_jit, "ENABLED", enabled)
        with tf.Session() as sess:
            sess.run(init)
            results.append(run(sess))
            compiled = sum(p.fast is not None for p in _plans(sess))
    for a, b in zip(*results):
        _same(a, b)
    return results[1], compiled


def test_compiled_runs_do_not_go_op_by_op(monkeypatch):
    W, b, loss = _blood_fat_like()
    train = tf.train.GradientDescentOptimizer(1e-6).minimize(loss)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for _ in range(3):
            sess.run(train)
            w_before = sess.run(W)  # a plan of its own, compiled too
        _op_by_op_only(monkeypatch)
        sess.run(train)
        fetched = sess.run(W)
        assert not np.array_equal(fetched, w_before)
        sess.run(train)
        sess.run(train)
        later = sess.run(W)
        assert not np.array_equal(later, fetched)  # the fetched value is a copy


def test_guards_send_other_shapes_op_by_op(monkeypatch):
    x = tf.placeholder(tf.float32, [None, 3])
    y = tf.reduce_sum(x * 2.0, axis=1)
    with tf.Session() as sess:
        small = _sample((4, 3))
        for _ in range(3):
            sess.run(y, {x: small})
        assert _plans(sess)[0].fast is not None
        other = _sample((6, 3), 1)
        np.testing.assert_allclose(sess.run(y, {x: other}), (other * 2).sum(1), rtol=1e-6)
        strided = _sample((4, 6), 2)[:, ::2]  # not C-contiguous: numba cannot take it
        np.testing.assert_allclose(sess.run(y, {x: strided}), (strided * 2).sum(1), rtol=1e-6)
        with pytest.raises(ValueError):
            sess.run(y, {x: np.zeros((2, 4), np.float32)})
        np.testing.assert_allclose(sess.run(y, {x: small}), (small * 2).sum(1), rtol=1e-6)


def test_reinitialised_and_reshaped_variables(monkeypatch):
    v = tf.Variable(np.ones((2, 2), np.float32), validate_shape=False)
    y = tf.reduce_sum(v * 3.0)
    grow = tf.assign(v, np.ones((3, 3), np.float32), validate_shape=False)
    with tf.Session() as sess:
        sess.run(v.initializer)
        for _ in range(3):
            assert sess.run(y) == 12.0
        assert _plans(sess)[-1].fast is not None
        sess.run(grow)
        assert sess.run(y) == 27.0  # another shape: op by op
        sess.run(v.initializer)
        assert sess.run(y) == 12.0
        sess2 = tf.Session()
        with pytest.raises(tf.errors.FailedPreconditionError):
            sess2.run(y)


def test_fetch_kinds(monkeypatch):
    x = tf.placeholder(tf.float32, [2])
    c = tf.constant([5.0, 6.0])
    v = tf.Variable([1.0, 2.0])
    y = x * 2.0
    fetches = [y, y, x, c, v.value(), tf.shape(x)]
    with tf.Session() as sess:
        sess.run(v.initializer)
        for _ in range(3):
            out = sess.run(fetches, {x: np.ones(2, np.float32)})
        assert any(p.fast is not None for p in _plans(sess))
        np.testing.assert_array_equal(out[0], [2, 2])
        np.testing.assert_array_equal(out[1], [2, 2])
        np.testing.assert_array_equal(out[2], [1, 1])
        np.testing.assert_array_equal(out[3], [5, 6])
        np.testing.assert_array_equal(out[5], [2])
        out[3][0] = 99.0
        out[4][0] = 99.0
        np.testing.assert_array_equal(sess.run(c), [5, 6])
        np.testing.assert_array_equal(sess.run(v), [1, 2])


def test_ineligible_plans_stay_op_by_op(monkeypatch):
    big = tf.placeholder(tf.float32, [plan_jit.MAX_ELEMENTS + 1])
    x = tf.placeholder(tf.float32, [3])
    total, e = tf.reduce_sum(big), tf.cos(x)  # cos: no emitter

    def no_trace(plan, feeds):
        raise AssertionError("the profiling run should have ruled the plan out")
    monkeypatch.setattr(plan_jit, "trace", no_trace)
    with tf.Session() as sess:
        for _ in range(3):
            sess.run(total, {big: np.ones(plan_jit.MAX_ELEMENTS + 1, np.float32)})
            out = sess.run(e, {x: np.zeros(3, np.float32)})
        plans = _plans(sess)
        assert len(plans) == 2 and all(p.runs == 3 and p.fast is None for p in plans)
        np.testing.assert_array_equal(out, [1, 1, 1])


def test_source_is_cached_on_disk(monkeypatch, tmp_path):
    x = tf.placeholder(tf.float32, [3])
    y = tf.reduce_sum(x * x)
    with tf.Session() as sess:
        for _ in range(3):
            sess.run(y, {x: np.ones(3, np.float32)})
    files = list((tmp_path / "plans").glob("*.py"))
    assert len(files) == 1
    text = files[0].read_text()
    assert "def plan(" in text and "reduce_rows" in text


def test_first_compile_runs_in_a_subprocess_then_loads_from_disk(monkeypatch, tmp_path):
    monkeypatch.setattr(plan_jit, "BACKGROUND_COMPILE", True)
    x = tf.placeholder(tf.float32, [4])
    y = tf.reduce_max(x * 3.0 - 1.0)
    value = _sample(4, 8)
    with tf.Session() as sess:
        for _ in range(3):  # profiled on run 2, traced on run 3
            sess.run(y, {x: value})
        plan = _plans(sess)[0]
        assert plan.fast is None and plan.jit_pending is not None  # compiling elsewhere
        assert sess.run(y, {x: value}) == np.max(value * 3 - 1)  # op by op meanwhile
        plan_jit.wait()
        assert plan.fast is not None and plan.jit_pending is None
        _op_by_op_only(monkeypatch)
        assert sess.run(y, {x: value}) == np.max(value * 3 - 1)
    monkeypatch.undo()
    _configure(monkeypatch, tmp_path)
    monkeypatch.setattr(plan_jit, "BACKGROUND_COMPILE", True)
    with tf.Session() as sess:  # another session (or process): the cached function loads
        for _ in range(3):
            sess.run(y, {x: value})
        assert _plans(sess)[0].fast is not None


def test_a_failed_compile_warns_and_keeps_running_op_by_op(monkeypatch):
    import shutil
    import sys
    monkeypatch.setattr(plan_jit, "BACKGROUND_COMPILE", True)
    monkeypatch.setattr(sys, "executable", shutil.which("false"))
    x = tf.placeholder(tf.float32, [4])
    y = tf.reduce_sum(x * 2.0)
    with tf.Session() as sess:
        # The warning comes from whichever run or wait sees the process exit first.
        with pytest.warns(RuntimeWarning, match="compiling process exited"):
            for _ in range(3):
                sess.run(y, {x: np.ones(4, np.float32)})
            plan_jit.wait()
        assert _plans(sess)[0].fast is None
        assert sess.run(y, {x: np.ones(4, np.float32)}) == 8.0


def test_cancel_stops_pending_compiles(monkeypatch):
    monkeypatch.setattr(plan_jit, "BACKGROUND_COMPILE", True)
    x = tf.placeholder(tf.float32, [4])
    y = tf.reduce_min(x + 7.0)
    with tf.Session() as sess:
        for _ in range(3):
            sess.run(y, {x: np.ones(4, np.float32)})
        plan = _plans(sess)[0]
        process = plan.jit_pending.process
        assert process is not None
        plan_jit.cancel()
        assert process.poll() is not None and plan.jit_pending is None and not plan_jit._PENDING
        for _ in range(3):
            assert sess.run(y, {x: np.ones(4, np.float32)}) == 8.0
        assert plan.fast is None


def test_softmax_and_cross_entropies(monkeypatch):
    logits = tf.placeholder(tf.float32, [6, 5])
    dense = tf.placeholder(tf.float32, [6, 5])
    sparse = tf.placeholder(tf.int64, [6])
    fetches = [tf.nn.softmax(logits), tf.nn.log_softmax(logits),
               tf.nn.softmax_cross_entropy_with_logits_v2(labels=dense, logits=logits),
               tf.nn.sparse_softmax_cross_entropy_with_logits(labels=sparse, logits=logits)]
    fetches += tf.gradients(tf.reduce_mean(fetches[2]) + tf.reduce_mean(fetches[3]), logits)
    x = _sample((6, 5), 12) * 3
    onehot = np.eye(5, dtype=np.float32)[[0, 4, 2, 2, 1, 3]]
    labels = np.array([1, 0, 4, 3, 3, 2])
    out = _check(fetches, {logits: x, dense: onehot, sparse: labels}, monkeypatch)
    e = np.exp(x.astype(np.float64) - x.max(1, keepdims=True))
    p = e / e.sum(1, keepdims=True)
    np.testing.assert_allclose(out[0], p, rtol=1e-5)
    np.testing.assert_allclose(out[1], np.log(p), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(out[2], -np.log((p * onehot).sum(1)), rtol=1e-5)
    np.testing.assert_allclose(out[3], -np.log(p[np.arange(6), labels]), rtol=1e-5)
    want = (p - onehot) / 6 + (p - np.eye(5)[labels]) / 6
    np.testing.assert_allclose(out[4], want, rtol=1e-4, atol=1e-6)


def test_out_of_range_labels_are_reported_op_by_op(monkeypatch):
    logits = tf.placeholder(tf.float32, [3, 4])
    labels = tf.placeholder(tf.int32, [3])
    loss = tf.reduce_sum(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels,
                                                                        logits=logits))
    x = _sample((3, 4), 13)
    with tf.Session() as sess:
        for _ in range(3):
            sess.run(loss, {logits: x, labels: [0, 1, 3]})
        assert _plans(sess)[0].fast is not None
        with pytest.raises(tf.errors.InvalidArgumentError, match="label|Label"):
            sess.run(loss, {logits: x, labels: [0, 4, 1]})
        with pytest.raises(tf.errors.InvalidArgumentError):
            sess.run(loss, {logits: x, labels: [-1, 0, 1]})
        assert np.isfinite(sess.run(loss, {logits: x, labels: [3, 2, 1]}))


def test_adam_and_assignments_are_bit_identical(monkeypatch):
    x = tf.constant(_sample((8, 3), 14))
    y = tf.constant(np.array([0, 1, 2, 1, 0, 2, 2, 1]))
    w = tf.Variable(_sample((3, 3), 15))
    counter = tf.Variable(0.0)
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
        labels=y, logits=tf.matmul(x, w)))
    train = tf.group(tf.train.AdamOptimizer(0.05).minimize(loss),
                     tf.assign_add(counter, 1.0))
    halve = tf.assign(w, w * 0.5)
    shrink = tf.assign_sub(counter, 0.25)

    def run(sess):
        history = []
        for i in range(16):
            history.append(sess.run([train, loss])[1])
            if i % 2 == 1:
                history.append(sess.run(halve))
                history.append(sess.run(shrink))
        return history + sess.run([w, counter])
    history, compiled = _both_ways(monkeypatch, run)
    assert compiled == 3  # the training step and both assignments ran compiled
    assert history[-1] == 16 - 8 * 0.25


def test_scalar_fetches_are_exact_numpy_scalars(monkeypatch):
    """Scalars leave the compiled function as Python numbers; the wrapper rebuilds the
    numpy scalar of the fetched dtype, bit for bit (-0.0, NaN, denormals)."""
    x = tf.placeholder(tf.float32, [3])
    d = tf.placeholder(tf.float64, [2])
    fetches = [tf.reduce_min(x), tf.reduce_max(x), tf.reduce_sum(x * 0.0 - 0.0),
               tf.reduce_prod(x), tf.reduce_sum(d)]
    for values in ([-0.0, 1e-45, 3.0], [np.nan, 2.5, -1.0], [1e38, 1e-40, -7.0]):
        feeds = {x: np.array(values, np.float32), d: np.array([1e-310, 2 ** 60], np.float64)}
        got = _check(fetches, feeds, monkeypatch)
        for value, fetch in zip(got, fetches):
            assert type(value) is fetch.dtype.as_numpy_dtype  # np.float32, np.float64
