"""The performance workloads W1-W8 of the performance issue, each for several libraries.

A workload is a function `(lib_name) -> Case | None` (None: the library cannot run it). A Case
has `setup()` (untimed), `run()` (one timed repetition) and `unit`/`scale` to report the time as
a per-call figure. graphflow and TensorFlow share one builder (`tf`-style API); numpy has its own.
"""

import dataclasses
import os
import subprocess
import sys
import tempfile
import textwrap

import numpy as np


@dataclasses.dataclass
class Case:
    run: object
    calls: int = 1          # sess.run calls per timed repetition (figures are per call)
    setup: object = None


def _lib(name):
    if name == "graphflow":
        import graphflow
        return graphflow
    if name == "tensorflow":
        import tensorflow.compat.v1 as tf1
        tf1.disable_v2_behavior()
        return tf1
    return None


WARM_UP_CALLS = 8
# Calls per timed repetition of the big-array workloads: the runner pauses before each
# repetition (other libraries' spinning thread pools settle), and the first call after a
# pause pays for waking the threads; several calls per repetition measure steady state.
BIG_CALLS = 5
# Training steps per timed repetition: throughput (steps/s) as in the table, the
# first steps after the pause (threads waking, caches cold) amortised as in a training loop.
MLP_STEPS = 50
CNN_STEPS = 5


def _session_case(lib, build, feeds_fn, calls):
    graph = lib.Graph()
    with graph.as_default():
        fetches, feeds = build(lib)
        sess = lib.Session(graph=graph)
        init = [op for op in graph.get_operations() if op.type in ("VariableV2", "VarHandleOp")]
        if init:
            sess.run(lib.global_variables_initializer())
    feed_dict = feeds_fn(feeds)

    def run():
        for _ in range(calls):
            sess.run(fetches, feed_dict)
    # Warm-up: plan compilation and JIT happen here, not in the timing; enough calls that
    # graphflow's plan is past its profiling and tracing runs (plan_jit.TRIGGER_RUNS).
    for _ in range(-(-WARM_UP_CALLS // calls)):
        run()
    if lib.__name__ == "graphflow":
        from graphflow.kernels.cpu import fusion
        from graphflow.kernels.cpu import plan_jit
        # Fused kernels and whole-plan functions compile in the background (or load from
        # the disk cache): finish before timing.
        fusion.wait()
        plan_jit.wait()
    return Case(run=run, calls=calls)


# ---------------------------------------------------------------- W1: HW2 graph, one run
def w1(lib_name):
    data = np.random.RandomState(0).normal(1, 2, (2, 100))
    if lib_name == "numpy":
        a = data.astype(np.float32)

        def run():
            for _ in range(1000):
                x = np.asarray(a, dtype=np.float32)
                (np.prod(x) + np.mean(x)) * np.sum(x)
        return Case(run=run, calls=1000)
    lib = _lib(lib_name)

    def build(tf):
        with tf.name_scope("Input_placeholder"):
            a = tf.placeholder(tf.float32, None, name="a")
        with tf.name_scope("Middle_section"):
            e = tf.add(tf.reduce_prod(a, name="prod_b"), tf.reduce_mean(a), name="add_d")
            d = tf.reduce_sum(a, name="sum_a")
        with tf.name_scope("Final_node"):
            f = tf.multiply(e, d, name="final_multiply_node")
        return f, a
    return _session_case(lib, build, lambda a: {a: data}, 1000)


# ---------------------------------------------------------------- W2: blood-fat training loop
def _blood_fat_data():
    sys.path.insert(0, os.path.dirname(__file__))
    import bench_blood_fat
    return bench_blood_fat.load()


def w2(lib_name):
    x, y = _blood_fat_data()
    if lib_name == "numpy":
        def run():
            w, b, lr = np.zeros((2, 1), np.float32), np.float32(0), np.float32(1e-6)
            for _ in range(1000):
                d = (x @ w + b).T - y
                w -= lr * (x.T @ (2 * d.T))
                b -= lr * np.float32(2 * d.sum())
        return Case(run=run, calls=1000)
    lib = _lib(lib_name)

    def build(tf):
        W = tf.Variable(tf.zeros([2, 1]))
        b = tf.Variable(0.)
        loss = tf.reduce_sum(tf.squared_difference(
            tf.constant(y), tf.transpose(tf.matmul(tf.constant(x), W) + b)))
        return [tf.train.GradientDescentOptimizer(1e-6).minimize(loss)], None
    return _session_case(lib, build, lambda _: None, 1000)


# ---------------------------------------------------------------- W3: fused elementwise 1e7
def w3(lib_name):
    x = np.random.RandomState(0).uniform(-2, 2, 10 ** 7).astype(np.float32)
    a, b = np.float32(1.5), np.float32(-0.3)
    if lib_name == "numpy":
        def run():
            (1 / (1 + np.exp(-(x * a + b)))) * np.tanh(x) - np.float32(0.5) * x * x
        return Case(run=lambda: [run() for _ in range(BIG_CALLS)], calls=BIG_CALLS)
    lib = _lib(lib_name)

    def build(tf):
        xp = tf.placeholder(tf.float32, [None])
        return tf.sigmoid(xp * a + b) * tf.tanh(xp) - 0.5 * xp * xp, xp
    return _session_case(lib, build, lambda xp: {xp: x}, BIG_CALLS)


# ---------------------------------------------------------------- W4: reductions
def w4(lib_name, rows=False):
    data = (np.random.RandomState(0).uniform(size=(4096, 2048)).astype(np.float32) if rows
            else np.random.RandomState(0).uniform(size=10 ** 7).astype(np.float32))
    if lib_name == "numpy":
        return Case(run=lambda: [data.sum(axis=1 if rows else None) for _ in range(BIG_CALLS)],
                    calls=BIG_CALLS)
    lib = _lib(lib_name)

    def build(tf):
        xp = tf.placeholder(tf.float32, data.shape)
        return tf.reduce_sum(xp, axis=1 if rows else None), xp
    return _session_case(lib, build, lambda xp: {xp: data}, BIG_CALLS)


def w4_rows(lib_name):
    return w4(lib_name, rows=True)


# ---------------------------------------------------------------- W5: matmul 1024
def w5(lib_name):
    rng = np.random.RandomState(0)
    a, b = (rng.uniform(size=(1024, 1024)).astype(np.float32) for _ in range(2))
    if lib_name == "numpy":
        return Case(run=lambda: [a @ b for _ in range(BIG_CALLS)], calls=BIG_CALLS)
    lib = _lib(lib_name)

    def build(tf):
        pa, pb = tf.placeholder(tf.float32, a.shape), tf.placeholder(tf.float32, b.shape)
        return tf.matmul(pa, pb), (pa, pb)
    return _session_case(lib, build, lambda p: {p[0]: a, p[1]: b}, BIG_CALLS)


# ---------------------------------------------------------------- W6: MLP train step
def w6(lib_name):
    rng = np.random.RandomState(0)
    xs = rng.uniform(size=(128, 784)).astype(np.float32)
    ys = rng.randint(0, 10, 128)
    if lib_name == "numpy":
        return None
    lib = _lib(lib_name)
    if not hasattr(lib, "nn") or not hasattr(lib.nn, "sparse_softmax_cross_entropy_with_logits"):
        return None

    def build(tf):
        x = tf.placeholder(tf.float32, [None, 784])
        y = tf.placeholder(tf.int64, [None])
        h = x
        for i, (n_in, n_out) in enumerate([(784, 256), (256, 256), (256, 10)]):
            w = tf.Variable(tf.random_normal([n_in, n_out], stddev=0.05, seed=i))
            h = tf.matmul(h, w) + tf.Variable(tf.zeros([n_out]))
            if i < 2:
                h = tf.nn.relu(h)
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
            labels=y, logits=h))
        return tf.train.GradientDescentOptimizer(0.1).minimize(loss), (x, y)
    return _session_case(lib, build, lambda p: {p[0]: xs, p[1]: ys}, MLP_STEPS)


# ---------------------------------------------------------------- W7: LeNet-like CNN step
def w7(lib_name):
    rng = np.random.RandomState(0)
    xs = rng.uniform(size=(64, 28, 28, 1)).astype(np.float32)
    ys = rng.randint(0, 10, 64)
    if lib_name == "numpy":
        return None
    lib = _lib(lib_name)
    if not hasattr(lib, "nn") or not hasattr(lib.nn, "conv2d"):
        return None

    def build(tf):
        x = tf.placeholder(tf.float32, [None, 28, 28, 1])
        y = tf.placeholder(tf.int64, [None])
        w1 = tf.Variable(tf.random_normal([5, 5, 1, 32], stddev=0.1, seed=1))
        h = tf.nn.max_pool(tf.nn.relu(tf.nn.conv2d(x, w1, [1, 1, 1, 1], "SAME")),
                           [1, 2, 2, 1], [1, 2, 2, 1], "SAME")
        w2 = tf.Variable(tf.random_normal([5, 5, 32, 64], stddev=0.1, seed=2))
        h = tf.nn.max_pool(tf.nn.relu(tf.nn.conv2d(h, w2, [1, 1, 1, 1], "SAME")),
                           [1, 2, 2, 1], [1, 2, 2, 1], "SAME")
        h = tf.reshape(h, [-1, 7 * 7 * 64])
        w3 = tf.Variable(tf.random_normal([7 * 7 * 64, 10], stddev=0.01, seed=3))
        logits = tf.matmul(h, w3)
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
            labels=y, logits=logits))
        return tf.train.AdamOptimizer(1e-3).minimize(loss), (x, y)
    return _session_case(lib, build, lambda p: {p[0]: xs, p[1]: ys}, CNN_STEPS)


# ---------------------------------------------------------------- W8: fresh process
_W8_SCRIPT = {
    "graphflow": "import graphflow as tf",
    "tensorflow": "import tensorflow.compat.v1 as tf; tf.disable_v2_behavior()",
}


def w8(lib_name, empty_cache=False):
    import peers
    if lib_name in peers.W8_SCRIPT:
        return _fresh_process(textwrap.dedent(peers.W8_SCRIPT[lib_name]), empty_cache)
    if lib_name not in _W8_SCRIPT:
        return None
    body = textwrap.dedent(f"""
        import numpy as np
        {_W8_SCRIPT[lib_name]}
        g = tf.Graph()
        with g.as_default():
            a = tf.placeholder(tf.float32, None)
            f = (tf.reduce_prod(a) + tf.reduce_mean(a)) * tf.reduce_sum(a)
            with tf.Session() as s:
                s.run(f, {{a: np.ones((2, 100))}})
    """)
    return _fresh_process(body, empty_cache)


def _fresh_process(body, empty_cache):
    """A Case running `body` in a new interpreter (with empty kernel caches if asked)."""
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")

    def run():
        if empty_cache:
            env["NUMBA_CACHE_DIR"] = tempfile.mkdtemp(prefix="gf-numba-")
            env["PYTENSOR_FLAGS"] = "compiledir=" + tempfile.mkdtemp(prefix="gf-pytensor-")
        subprocess.run([sys.executable, "-c", body], check=True, env=env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if not empty_cache:
        run()  # make sure the kernel cache is warm
    return Case(run=run)


def w8_empty_cache(lib_name):
    if lib_name not in ("graphflow", "pytensor"):
        return None
    return w8(lib_name, empty_cache=True)


WORKLOADS = {
    "W1 HW2 graph, one sess.run": w1,
    "W2 blood-fat training sess.run": w2,
    "W3 sigmoid(x*a+b)*tanh(x)-0.5x^2, 1e7 f32": w3,
    "W4 sum of 1e7 f32": w4,
    "W4 row sums 4096x2048": w4_rows,
    "W5 matmul 1024 f32": w5,
    "W6 MLP 784-256-256-10 step, batch 128": w6,
    "W7 LeNet-like CNN step, batch 64": w7,
    "W8 fresh process, warm kernel cache": w8,
    "W8 fresh process, empty kernel cache": w8_empty_cache,
}
