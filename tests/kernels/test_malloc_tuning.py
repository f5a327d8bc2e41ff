"""Sessions tune glibc's malloc (kernels/cpu/recycle.tune_malloc) so that a training step's
mid-sized arrays reuse heap pages instead of faulting in fresh ones every step. Counted as
minor page faults (deterministic), in fresh processes: the setting is process-wide."""

import os
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc only")

_SCRIPT = textwrap.dedent("""
    import resource
    import numpy as np
    import graphflow as tf
    from graphflow.kernels.cpu import recycle

    tf.Session()

    def faults():
        return resource.getrusage(resource.RUSAGE_SELF).ru_minflt

    # An MLP step's allocation pattern: 128 KB - 800 KB arrays, some alive across others.
    sizes = [32768, 65536, 200704, 32768, 65536, 32768, 32768, 200704, 65536]

    def step():
        live = []
        for i, n in enumerate(sizes):
            live.append(np.ones(n, np.float32))
            if i % 3 == 2:
                del live[0]

    for _ in range(3):
        step()
    before = faults()
    for _ in range(20):
        step()
    print(recycle.tune_malloc(), faults() - before)
""")


def _faults(setting):
    env = dict(os.environ, GRAPHFLOW_TUNE_MALLOC=setting)
    out = subprocess.run([sys.executable, "-c", _SCRIPT], capture_output=True, text=True,
                         check=True, env=env).stdout.split()
    return out[0] == "True", int(out[1])


def test_steps_reuse_heap_pages_once_a_session_exists():
    import ctypes
    if not hasattr(ctypes.CDLL(None), "gnu_get_libc_version"):
        pytest.skip("not glibc")
    tuned, faults = _faults("1")
    untuned, untuned_faults = _faults("0")
    assert tuned and not untuned
    pages = 20 * sum([32768, 65536, 200704, 32768, 65536, 32768, 32768, 200704, 65536]) * 4 // 4096
    assert faults < pages // 20  # pages are reused: (almost) no fresh page per step
    assert untuned_faults > pages // 4  # glibc's adaptive default faults them in again
