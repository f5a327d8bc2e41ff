"""Runs the CUDA kernel tests (tests/cuda/test_*.py) in a subprocess under the simulator."""

import os
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_cuda_kernels_under_simulator(request):
    env = dict(os.environ, NUMBA_ENABLE_CUDASIM="1")
    command = [sys.executable, "-m", "pytest", "tests/cuda", "-q", "-x", "-p", "no:cacheprovider"]
    markexpr = request.config.getoption("markexpr")
    if markexpr:
        command += ["-m", markexpr]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=900)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
