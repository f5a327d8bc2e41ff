"""CUDA kernels (numba.cuda), registered with `registry.register(op_type, "GPU")`.

This package is imported only by `graphflow.kernels.registry._load("GPU")`, i.e. when a plan
places a node on the GPU, so `import graphflow` never imports numba.cuda.

Interface (mirrors the CPU one): `factory(node, state) -> run(*args)`, where args are numba
device arrays (0-d device arrays for scalars; ref inputs are the session's `VariableSlot`s whose
`value` is a device array) and `run` returns a tuple of new device arrays from the caching
allocator in `memory`. Inputs are never mutated, except by the stateful variable and `Apply*`
ops, which update the slot's device buffer in place.

Design:
- memory.py: to_device / to_host, a caching allocator keyed by (shape, dtype), device OOM as
  `ResourceExhaustedError` naming the requested bytes.
- launch.py: grid-stride launches (results never depend on the launch configuration) and the
  shape/stride tuples that carry broadcasting to the kernels.
- elementwise.py: the scalar bodies of `graphflow.kernels.scalar`, shared with the CPU, mapped
  over 1-3 broadcast inputs; nn.py: activations, bias_add, softmax and cross-entropies.
- reduction.py: one block per output element, shared-memory tree reduction.
- matmul.py: tiled shared-memory matmul (transposes read through strides, no copies); conv.py
  builds convolutions on it with im2col/col2im; pool.py: direct max/avg pooling kernels.
- indexing.py: gather, one_hot and every shape-only op (slices, transpose, concat, pad, tile,
  reverse, reshape) as a copy through an index map computed on the host.
- random.py: a counter-based Philox4x32-10 generator, so values depend only on the seeds, the
  element index and the run counter, never on the launch configuration.
- training.py / state.py: the optimizer `Apply*` updates and the variable ops, in place on the
  variable's device buffer.

Validation (shapes, axes, indices, label ranges) always happens on the host before a launch:
CUDA kernels cannot bounds-check. Index tensors that live on the device are checked with one
small device->host copy. Host-memory inputs (shapes, axes, sizes, TF's `HostMemory` inputs) may
be passed either as numpy arrays or as device arrays; `HOST_MEMORY_INPUTS`
(graphflow/kernels/host_memory.py) lists them per op type, and plans keep them on the host.
"""

from graphflow.kernels.host_memory import HOST_MEMORY_INPUTS  # noqa: E402,F401

from graphflow.kernels.cuda import elementwise  # noqa: E402,F401
from graphflow.kernels.cuda import reduction  # noqa: E402,F401
from graphflow.kernels.cuda import matmul  # noqa: E402,F401
from graphflow.kernels.cuda import nn  # noqa: E402,F401
from graphflow.kernels.cuda import state  # noqa: E402,F401
from graphflow.kernels.cuda import training  # noqa: E402,F401
from graphflow.kernels.cuda import indexing  # noqa: E402,F401
from graphflow.kernels.cuda import random  # noqa: E402,F401
from graphflow.kernels.cuda import conv  # noqa: E402,F401
from graphflow.kernels.cuda import pool  # noqa: E402,F401
from graphflow.kernels.cuda import nn_extra  # noqa: E402,F401
