"""A fresh process that imports graphflow and runs a small graph loads neither TensorFlow
nor SciPy's linear algebra (numba would import scipy.linalg at its first cache load), nor
numba.cuda where no NVIDIA driver exists."""

import os
import subprocess
import sys
import textwrap

import pytest


def test_a_first_run_imports_no_scipy_linalg_and_no_tensorflow():
    script = textwrap.dedent("""
        import sys
        import numpy as np
        import graphflow as tf
        a = tf.placeholder(tf.float32, None)
        f = (tf.reduce_prod(a) + tf.reduce_mean(a)) * tf.reduce_sum(a)
        with tf.Session() as s:
            value = s.run(f, {a: np.ones((2, 100))})
        from graphflow import devices
        cuda = "numba.cuda" in sys.modules
        print(float(value), "scipy.linalg" in sys.modules, "tensorflow" in sys.modules,
              cuda if not devices._may_have_cuda() else False, "google.protobuf" in sys.modules)
        print(type(tf.GraphDef()).__name__, tf.train.Saver.__name__, "google.protobuf" in sys.modules)
    """)
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_ENABLE_CUDASIM"}
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True, env=env).stdout.split()
    # (prod 1 + mean 1) * sum 200; protobuf loads with the first proto class asked for
    assert out == ["400.0", "False", "False", "False", "False", "GraphDef", "Saver", "True"]


def test_lazy_exports_behave_like_attributes():
    import graphflow as tf
    from graphflow.proto import graph_pb2
    assert tf.GraphDef is graph_pb2.GraphDef
    assert "GraphDef" in dir(tf) and "Saver" in dir(tf.train) and "summary" in dir(tf)
    assert tf.summary.FileWriter is __import__("graphflow.summary").summary.FileWriter
    assert tf.RunOptions is tf.config.RunOptions
    with pytest.raises(AttributeError, match="no attribute 'NoSuchThing'"):
        tf.NoSuchThing  # noqa: B018
    with pytest.raises(AttributeError, match="graphflow.train"):
        tf.train.NoSuchOptimizer  # noqa: B018


def test_no_driver_means_no_gpu_without_importing_numba_cuda(monkeypatch):
    import numba
    from graphflow import devices
    monkeypatch.setattr(devices, "_DRIVER_FILES", ("/nonexistent/nvidiactl",))
    monkeypatch.setattr(numba.config, "ENABLE_CUDASIM", 0)
    monkeypatch.setattr(sys, "platform", "linux")
    devices._cuda_device.cache_clear()
    try:
        assert devices.get("GPU") is None
        assert devices._may_have_cuda() is False
        monkeypatch.setattr(devices, "_DRIVER_FILES", (__file__,))  # "a driver file exists"
        assert devices._may_have_cuda() is True
    finally:
        devices._cuda_device.cache_clear()


def test_numba_linear_algebra_still_works_after_import():
    script = textwrap.dedent("""
        import numpy as np
        import graphflow  # noqa: F401
        import numba

        @numba.njit
        def f(a, b):
            return np.dot(a, b), np.convolve(a, b)
        d, c = f(np.arange(3.0), np.ones(3))
        print(d, [float(v) for v in c])
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "3.0 [0.0, 1.0, 3.0, 3.0, 2.0]"



_EXIT_SCRIPT = """
    import atexit
    import gc

    # Registered before graphflow's handler, so it runs after it (last in, first out).
    atexit.register(lambda: print("frozen" if gc.get_freeze_count() else "not-frozen"))

    import graphflow as tf

    class Holder:
        def __del__(self):
            with open("garbage.txt", "w") as f:
                f.write("finalised")

    # Garbage at exit: a cycle whose finaliser writes a file, run as usual.
    gc.disable()
    garbage = Holder()
    garbage.me = garbage
    del garbage
    with tf.Session() as sess:
        print(sess.run(tf.reduce_sum(tf.constant([1.0, 2.0]))))
"""


@pytest.mark.parametrize("setting, state", [("1", "frozen"), ("0", "not-frozen")])
def test_exit_finalises_garbage_then_freezes_the_survivors(tmp_path, setting, state):
    env = dict(os.environ, GRAPHFLOW_FAST_EXIT=setting)
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(_EXIT_SCRIPT)],
                         capture_output=True, text=True, check=True, env=env,
                         cwd=tmp_path).stdout.split()
    assert out == ["3.0", state]
    if setting == "1":  # (plain Python skips collections at exit while gc is disabled)
        assert (tmp_path / "garbage.txt").read_text() == "finalised"
