"""CUDA kernel tests run in a process of their own, under Numba's CUDA simulator.

The simulator must be chosen before numba.cuda is first imported, and turning it on in the main
test process would make every other test see a (simulated) GPU. So in an ordinary run only
`test_launcher.py` is collected here: it starts `pytest tests/cuda` in a subprocess with
`NUMBA_ENABLE_CUDASIM=1`, where the kernel tests themselves are collected. On a machine with a
real GPU, `GRAPHFLOW_TEST_GPU=1 pytest tests/cuda` runs them on the device instead.
"""

import os
import pathlib

IN_CUDA_PROCESS = (os.environ.get("NUMBA_ENABLE_CUDASIM") == "1"
                   or os.environ.get("GRAPHFLOW_TEST_GPU") == "1")

_HERE = pathlib.Path(__file__).parent
if IN_CUDA_PROCESS:
    collect_ignore = ["test_launcher.py"]
else:
    collect_ignore = sorted(p.name for p in _HERE.glob("test_*.py") if p.name != "test_launcher.py")
