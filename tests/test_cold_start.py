"""A fresh process that imports graphflow and runs a small graph loads neither TensorFlow
nor SciPy's linear algebra (numba would import scipy.linalg at its first cache load)."""

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
        print(float(value), "scipy.linalg" in sys.modules, "tensorflow" in sys.modules)
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["400.0", "False", "False"]  # (prod 1 + mean 1) * sum 200


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
