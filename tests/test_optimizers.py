"""Every optimizer for 20 steps on a least-squares problem against an independent numpy
implementation of TF1's update formulas (and against TF itself where installed)."""

import numpy as np
import pytest

import graphflow as tf

RNG = np.random.RandomState(42)
X = RNG.normal(size=(16, 3))
Y = X @ np.array([[1.5], [-2.0], [0.5]]) + 0.3
W0 = RNG.normal(size=(3, 1)) * 0.1


def f32(value):
    """TF converts Python hyper-parameters to float32 constants, then casts to the
    variable's dtype: the numpy formulas use the same rounded values."""
    return float(np.float32(value))


def _grad(w):
    # loss = mean((X w - Y)^2)  ->  dL/dw = 2/n X^T (X w - Y)
    return 2.0 / len(X) * X.T @ (X @ w - Y)


def numpy_sgd(lr, steps):
    lr = f32(lr)
    w = W0.copy()
    for _ in range(steps):
        w -= lr * _grad(w)
    return w


def numpy_momentum(lr, momentum, steps, nesterov=False):
    lr, momentum = f32(lr), f32(momentum)
    w, accum = W0.copy(), np.zeros_like(W0)
    for _ in range(steps):
        g = _grad(w)
        accum = accum * momentum + g
        w -= (g * lr + accum * momentum * lr) if nesterov else accum * lr
    return w


def numpy_adagrad(lr, steps, init=0.1):
    lr, init = f32(lr), f32(init)
    w, accum = W0.copy(), np.full_like(W0, init)
    for _ in range(steps):
        g = _grad(w)
        accum += g * g
        w -= lr * g / np.sqrt(accum)
    return w


def numpy_adadelta(lr, rho, eps, steps):
    lr, rho, eps = f32(lr), f32(rho), f32(eps)
    w, accum, accum_update = W0.copy(), np.zeros_like(W0), np.zeros_like(W0)
    for _ in range(steps):
        g = _grad(w)
        accum = rho * accum + (1 - rho) * g * g
        update = np.sqrt(accum_update + eps) / np.sqrt(accum + eps) * g
        w -= lr * update
        accum_update = rho * accum_update + (1 - rho) * update * update
    return w


def numpy_rmsprop(lr, decay, momentum, eps, steps, centered=False):
    lr, decay, momentum, eps = f32(lr), f32(decay), f32(momentum), f32(eps)
    w, ms, mom, mg = W0.copy(), np.ones_like(W0), np.zeros_like(W0), np.zeros_like(W0)
    for _ in range(steps):
        g = _grad(w)
        ms = decay * ms + (1 - decay) * g * g
        if centered:
            mg = decay * mg + (1 - decay) * g
            denom = ms - mg * mg + eps
        else:
            denom = ms + eps
        mom = momentum * mom + lr * g / np.sqrt(denom)
        w -= mom
    return w


def numpy_adam(lr, beta1, beta2, eps, steps):
    lr, eps = f32(lr), f32(eps)
    # TF keeps beta1^t and beta2^t in float32 variables updated by float32 multiplication.
    b1p, b2p = np.float32(beta1), np.float32(beta2)
    beta1, beta2 = f32(beta1), f32(beta2)
    w, m, v = W0.copy(), np.zeros_like(W0), np.zeros_like(W0)
    for _ in range(steps):
        g = _grad(w)
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        alpha = lr * np.sqrt(1 - float(b2p)) / (1 - float(b1p))
        w -= alpha * m / (np.sqrt(v) + eps)
        b1p, b2p = b1p * np.float32(beta1), b2p * np.float32(beta2)
    return w


def run_graphflow(make_optimizer, steps=20):
    w = tf.Variable(W0, name="w")
    loss = tf.reduce_mean(tf.square(tf.matmul(tf.constant(X), w) - tf.constant(Y)))
    opt = make_optimizer(tf)
    train = opt.minimize(loss)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for _ in range(steps):
            sess.run(train)
        return sess.run(w), opt


CASES = {
    "sgd": (lambda lib: lib.train.GradientDescentOptimizer(0.1), lambda: numpy_sgd(0.1, 20)),
    "momentum": (lambda lib: lib.train.MomentumOptimizer(0.05, 0.9),
                 lambda: numpy_momentum(0.05, 0.9, 20)),
    "nesterov": (lambda lib: lib.train.MomentumOptimizer(0.05, 0.9, use_nesterov=True),
                 lambda: numpy_momentum(0.05, 0.9, 20, nesterov=True)),
    "adagrad": (lambda lib: lib.train.AdagradOptimizer(0.3), lambda: numpy_adagrad(0.3, 20)),
    "adadelta": (lambda lib: lib.train.AdadeltaOptimizer(1.0, 0.95, 1e-6),
                 lambda: numpy_adadelta(1.0, 0.95, 1e-6, 20)),
    "rmsprop": (lambda lib: lib.train.RMSPropOptimizer(0.01, momentum=0.5),
                lambda: numpy_rmsprop(0.01, 0.9, 0.5, 1e-10, 20)),
    "rmsprop_centered": (lambda lib: lib.train.RMSPropOptimizer(0.01, centered=True),
                         lambda: numpy_rmsprop(0.01, 0.9, 0.0, 1e-10, 20, centered=True)),
    "adam": (lambda lib: lib.train.AdamOptimizer(0.1), lambda: numpy_adam(0.1, 0.9, 0.999,
                                                                           1e-8, 20)),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_optimizer_matches_numpy_formulas(case):
    make, expected = CASES[case]
    got, _ = run_graphflow(make)
    np.testing.assert_allclose(got, expected(), rtol=1e-9, atol=1e-11)


@pytest.mark.tf
@pytest.mark.parametrize("case", sorted(CASES))
def test_optimizer_matches_tensorflow(case, tf1):
    make, _ = CASES[case]
    got, _ = run_graphflow(make)
    g = tf1.Graph()
    with g.as_default():
        w = tf1.Variable(W0, name="w")
        loss = tf1.reduce_mean(tf1.square(tf1.matmul(tf1.constant(X), w) - tf1.constant(Y)))
        train = make(tf1).minimize(loss)
        with tf1.Session() as sess:
            sess.run(tf1.global_variables_initializer())
            for _ in range(20):
                sess.run(train)
            expected = sess.run(w)
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-11)


def test_slot_names_and_accessors():
    _, opt = run_graphflow(lambda lib: lib.train.AdamOptimizer(0.1), steps=1)
    w = tf.trainable_variables()[0]
    assert opt.get_slot_names() == ["m", "v"]
    assert opt.get_slot(w, "m").op.name == "w/Adam"
    assert opt.get_slot(w, "v").op.name == "w/Adam_1"
    names = {v.op.name for v in opt.variables()}
    assert names == {"w/Adam", "w/Adam_1", "beta1_power", "beta2_power"}
    graph = tf.get_default_graph()
    assert graph.get_operation_by_name("Adam/update_w/ApplyAdam").type == "ApplyAdam"
    assert graph.get_operation_by_name("Adam").type == "NoOp"


def test_minimize_names_like_tf():
    run_graphflow(lambda lib: lib.train.GradientDescentOptimizer(0.1), steps=1)
    op = tf.get_default_graph().get_operation_by_name(
        "GradientDescent/update_w/ApplyGradientDescent")
    assert op.type == "ApplyGradientDescent"
    assert tf.get_collection(tf.GraphKeys.TRAIN_OP)[0].name == "GradientDescent"


def test_global_step_increments():
    step = tf.train.get_or_create_global_step()
    assert tf.train.get_global_step() is step
    w = tf.Variable(1.0)
    train = tf.train.GradientDescentOptimizer(0.1).minimize(w * w, global_step=step)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for _ in range(3):
            sess.run(train)
        assert sess.run(step) == 3
        np.testing.assert_allclose(sess.run(w), 0.8 ** 3, rtol=1e-6)
    with pytest.raises(ValueError, match="already exists"):
        tf.train.create_global_step()


def test_no_gradients_error_lists_variables():
    w = tf.Variable(1.0, name="w")
    loss = tf.constant(3.0) * 2.0
    with pytest.raises(ValueError, match=r"No gradients provided for any variable.*w:0"):
        tf.train.GradientDescentOptimizer(0.1).minimize(loss, var_list=[w])


def test_non_scalar_loss_is_summed():
    w = tf.Variable([1.0, 2.0])
    train = tf.train.GradientDescentOptimizer(0.5).minimize(w * 3.0)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(train)
        np.testing.assert_allclose(sess.run(w), [1.0 - 1.5, 2.0 - 1.5])


def test_var_list_restricts_updates():
    a = tf.Variable(1.0)
    b = tf.Variable(1.0)
    train = tf.train.GradientDescentOptimizer(0.5).minimize(a * b, var_list=[a])
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(train)
        assert sess.run([a, b]) == [0.5, 1.0]


def test_exponential_decay_and_piecewise_constant():
    step = tf.placeholder(tf.int64, [])
    lr = tf.train.exponential_decay(0.1, step, 10, 0.5)
    stair = tf.train.exponential_decay(0.1, step, 10, 0.5, staircase=True)
    pc = tf.train.piecewise_constant(step, [5, 10], [1.0, 0.5, 0.1])
    with tf.Session() as sess:
        for s in (0, 5, 10, 15):
            got_lr, got_stair, got_pc = sess.run([lr, stair, pc], {step: s})
            np.testing.assert_allclose(got_lr, 0.1 * 0.5 ** (s / 10), rtol=1e-6)
            np.testing.assert_allclose(got_stair, 0.1 * 0.5 ** (s // 10), rtol=1e-6)
            assert got_pc == (1.0 if s <= 5 else 0.5 if s <= 10 else 0.1)


@pytest.mark.parametrize("case", sorted(CASES))
def test_numba_kernels_equal_numpy_reference_in_float32(case):
    """The in-place numba update of each Apply op equals the numpy reference kernel."""
    from graphflow.kernels import reference
    from graphflow.kernels import registry as kernel_registry
    from graphflow.runtime_state import VariableSlot

    make, _ = CASES[case]
    w = tf.Variable(W0.astype(np.float32), name="w")
    loss = tf.reduce_sum(tf.square(w))
    make(tf).minimize(loss)
    op = next(o for o in tf.get_default_graph().get_operations() if o.type.startswith("Apply"))
    rng = np.random.default_rng(0)
    refs = [t for t in op.inputs if t.dtype.is_ref_dtype]
    scalars = [np.float32(v) for v in (0.01, 0.9, 0.99, 0.5, 0.8, 0.7)]
    results = []
    for kernel in (kernel_registry.lookup(op.type, "CPU")(op, None),
                   reference.factory(op, None)):
        slots = []
        for i, _ in enumerate(refs):
            slot = VariableSlot(f"s{i}", np.float32, None)
            slot.value = np.abs(np.random.default_rng(i).normal(size=(3, 1))).astype(np.float32)
            slots.append(slot)
        args, k = [], 0
        for t in op.inputs:
            if t.dtype.is_ref_dtype:
                args.append(slots[len([a for a in args if isinstance(a, VariableSlot)])])
            elif t.shape.rank == 0:
                args.append(np.array(scalars[k], dtype=np.float32))
                k += 1
            else:
                args.append(rng.normal(size=(3, 1)).astype(np.float32))
        rng = np.random.default_rng(0)
        kernel(*args)
        results.append([s.value for s in slots])
    for got, expected in zip(*results):
        np.testing.assert_array_equal(got, expected)
