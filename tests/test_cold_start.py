"""A fresh process that imports graphflow and runs a small graph loads neither TensorFlow
nor SciPy's linear algebra (numba would import scipy.linalg at its first cache load), nor
numba.cuda where no NVIDIA driver exists."""

import os
import subprocess
import sys
import textwrap


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
              cuda if not devices._may_have_cuda() else False)
    """)
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_ENABLE_CUDASIM"}
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True, env=env).stdout.split()
    assert out == ["400.0", "False", "False", "False"]  # (prod 1 + mean 1) * sum 200


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
