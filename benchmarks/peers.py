"""The performance workloads for the issue's other peers, JAX and PyTensor (numba backend),
when they are installed (`pip install jax jaxlib pytensor`; neither is a graphflow dependency).

Each is written in the library's own style - a jit-compiled function (JAX) or a compiled
`pytensor.function` with shared variables and updates (PyTensor) - computing what
workloads.py computes, inputs arriving as numpy arrays as they do for graphflow. W7 (the CNN)
is not written for them.
"""

import numpy as np

import workloads
from workloads import Case, _blood_fat_data

LIBS = ("jax", "pytensor")
PYTENSOR_MODE = "NUMBA"


def available():
    libs = []
    for name in LIBS:
        try:
            __import__(name)
            libs.append(name)
        except ImportError:
            pass
    return libs


def _jax():
    import jax
    import jax.numpy as jnp
    return jax, jnp


def _pt():
    import pytensor
    import pytensor.tensor as pt
    return pytensor, pt


def _function(inputs, outputs, **kwargs):
    pytensor, _ = _pt()
    return pytensor.function(inputs, outputs, mode=PYTENSOR_MODE, allow_input_downcast=True,
                             **kwargs)


def _repeated(call, calls):
    def run():
        for _ in range(calls):
            call()
    run()  # compile and warm up outside the timing
    return Case(run=run, calls=calls)


def w1(lib):
    data = np.random.RandomState(0).normal(1, 2, (2, 100))
    if lib == "jax":
        jax, jnp = _jax()
        f = jax.jit(lambda a: (jnp.prod(a) + jnp.mean(a)) * jnp.sum(a))
        return _repeated(lambda: f(data.astype(np.float32)).block_until_ready(), 1000)
    _, pt = _pt()
    a = pt.matrix("a", dtype="float32")
    fn = _function([a], (pt.prod(a) + pt.mean(a)) * pt.sum(a))
    return _repeated(lambda: fn(data), 1000)


def w2(lib):
    x, y = _blood_fat_data()
    lr = np.float32(1e-6)
    if lib == "jax":
        jax, jnp = _jax()

        def loss(w, b):
            return jnp.sum((y - (x @ w + b).T) ** 2)

        @jax.jit
        def step(w, b):
            gw, gb = jax.grad(loss, argnums=(0, 1))(w, b)
            return w - lr * gw, b - lr * gb
        state = [jnp.zeros((2, 1), jnp.float32), jnp.float32(0)]

        def call():
            state[:] = step(*state)
            state[0].block_until_ready()
        return _repeated(call, 1000)
    pytensor, pt = _pt()
    w = pytensor.shared(np.zeros((2, 1), np.float32))
    b = pytensor.shared(np.float32(0))
    loss = pt.sum((y - (pt.dot(x, w) + b).T) ** 2)
    gw, gb = pytensor.grad(loss, [w, b])
    fn = _function([], [], updates=[(w, w - lr * gw), (b, b - lr * gb)])
    return _repeated(fn, 1000)


def w3(lib):
    x = np.random.RandomState(0).uniform(-2, 2, 10 ** 7).astype(np.float32)
    a, b = np.float32(1.5), np.float32(-0.3)
    if lib == "jax":
        jax, jnp = _jax()
        f = jax.jit(lambda v: jax.nn.sigmoid(v * a + b) * jnp.tanh(v) - np.float32(0.5) * v * v)
        return _repeated(lambda: f(x).block_until_ready(), workloads.BIG_CALLS)
    _, pt = _pt()
    v = pt.vector("v", dtype="float32")
    fn = _function([v], pt.sigmoid(v * a + b) * pt.tanh(v) - np.float32(0.5) * v * v)
    return _repeated(lambda: fn(x), workloads.BIG_CALLS)


def _reduction(rows):
    def workload(lib):
        data = (np.random.RandomState(0).uniform(size=(4096, 2048)).astype(np.float32) if rows
                else np.random.RandomState(0).uniform(size=10 ** 7).astype(np.float32))
        axis = 1 if rows else None
        if lib == "jax":
            jax, jnp = _jax()
            f = jax.jit(lambda d: jnp.sum(d, axis=axis))
            return _repeated(lambda: f(data).block_until_ready(), workloads.BIG_CALLS)
        _, pt = _pt()
        d = pt.tensor("d", dtype="float32", shape=(None,) * data.ndim)
        fn = _function([d], pt.sum(d, axis=axis))
        return _repeated(lambda: fn(data), workloads.BIG_CALLS)
    return workload


def w5(lib):
    rng = np.random.RandomState(0)
    a, b = (rng.uniform(size=(1024, 1024)).astype(np.float32) for _ in range(2))
    if lib == "jax":
        jax, jnp = _jax()
        f = jax.jit(jnp.matmul)
        return _repeated(lambda: f(a, b).block_until_ready(), workloads.BIG_CALLS)
    _, pt = _pt()
    pa, pb = pt.matrix("a", dtype="float32"), pt.matrix("b", dtype="float32")
    fn = _function([pa, pb], pt.dot(pa, pb))
    return _repeated(lambda: fn(a, b), workloads.BIG_CALLS)


def _mlp_params():
    rng = np.random.RandomState(1)
    return [(rng.normal(0, 0.05, (n_in, n_out)).astype(np.float32),
             np.zeros(n_out, np.float32)) for n_in, n_out in [(784, 256), (256, 256), (256, 10)]]


def w6(lib):
    rng = np.random.RandomState(0)
    xs = rng.uniform(size=(128, 784)).astype(np.float32)
    ys = rng.randint(0, 10, 128)
    lr = np.float32(0.1)
    if lib == "jax":
        jax, jnp = _jax()

        def loss(params, x, y):
            h = x
            for i, (w, b) in enumerate(params):
                h = h @ w + b
                if i < 2:
                    h = jax.nn.relu(h)
            return -jnp.mean(jax.nn.log_softmax(h)[jnp.arange(x.shape[0]), y])

        @jax.jit
        def step(params, x, y):
            grads = jax.grad(loss)(params, x, y)
            return jax.tree_util.tree_map(lambda p, g: p - lr * g, params, grads)
        state = [_mlp_params()]

        def call():
            state[0] = step(state[0], xs, ys)
            jax.tree_util.tree_leaves(state[0])[0].block_until_ready()
        return _repeated(call, workloads.MLP_STEPS)
    pytensor, pt = _pt()
    x, y = pt.matrix("x", dtype="float32"), pt.vector("y", dtype="int64")
    shared = [(pytensor.shared(w), pytensor.shared(b)) for w, b in _mlp_params()]
    h = x
    for i, (w, b) in enumerate(shared):
        h = pt.dot(h, w) + b
        if i < 2:
            h = pt.maximum(h, 0)
    from pytensor.tensor.special import log_softmax
    loss = -pt.mean(log_softmax(h, axis=-1)[pt.arange(x.shape[0]), y])
    params = [p for pair in shared for p in pair]
    grads = pytensor.grad(loss, params)
    fn = _function([x, y], [], updates=[(p, p - lr * g) for p, g in zip(params, grads)])
    return _repeated(lambda: fn(xs, ys), workloads.MLP_STEPS)


W8_SCRIPT = {
    "jax": """
        import numpy as np
        import jax, jax.numpy as jnp
        f = jax.jit(lambda a: (jnp.prod(a) + jnp.mean(a)) * jnp.sum(a))
        f(np.ones((2, 100), np.float32)).block_until_ready()
    """,
    "pytensor": f"""
        import numpy as np
        import pytensor, pytensor.tensor as pt
        a = pt.matrix("a", dtype="float32")
        fn = pytensor.function([a], (pt.prod(a) + pt.mean(a)) * pt.sum(a),
                               mode="{PYTENSOR_MODE}", allow_input_downcast=True)
        fn(np.ones((2, 100)))
    """,
}

WORKLOADS = {"W1": w1, "W2": w2, "W3": w3, "W4 sum": _reduction(False),
             "W4 row": _reduction(True), "W5": w5, "W6": w6}


def factory(name):
    """The peer version of the workload called `name` in workloads.WORKLOADS, or None."""
    for prefix, function in WORKLOADS.items():
        if name.startswith(prefix + " "):
            return function
    return None
