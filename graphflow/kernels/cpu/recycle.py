"""Output arrays that a kernel reuses once nothing else references them, and per-thread
scratch buffers.

A step's large intermediates (a convolution's output, a pooling gradient) are freed after
their last use, and the allocator hands big blocks back to the system, so the next step's
array of the same shape faults in fresh, zeroed pages (huge pages for numpy's big arrays):
on the W7 LeNet step that costs several milliseconds. An `Outputs` pool, one per kernel
instance, keeps the arrays it handed out and hands one out again when its only remaining
reference is the pool's own: the executor, fetches and views (which reference their base)
all count, so an array still visible anywhere is never reused. Under the GIL a claim cannot
race: another thread's candidate reference raises the count before either can see it free.
`scratch` is the same idea for a temporary that lives only within one kernel call.

`tune_malloc` fixes the same problem for every other array: with glibc's default, adaptive
settings a training step's 128 KB - 1 MB arrays (an MLP's activations and weight gradients)
are mapped and unmapped, or the heap's top is trimmed and regrown, on every step: each array
faults in fresh zeroed pages (0.7 ms of a 2 ms MLP step, W6). Sessions set the thresholds
that glibc's own adaptation reaches once a program has freed a 32 MB block: arrays up to
MMAP_THRESHOLD come from the heap, and up to TRIM_THRESHOLD of free heap stays mapped for the
next step. `GRAPHFLOW_TUNE_MALLOC=0` leaves malloc alone; other C libraries are not touched.
"""

import ctypes
import functools
import os
import sys
import threading

import numpy as np

ENABLED = True
MIN_BYTES = 1 << 18  # smaller arrays come from the allocator's free lists anyway
KEEP = 4  # arrays per pool: a kernel's outputs alive at once (pipelined steps, fetches)
SCRATCH_BYTES = 1 << 24  # the largest scratch buffer a thread keeps between calls

_SCRATCH = threading.local()

MMAP_THRESHOLD = 32 << 20  # glibc's largest adaptive value (DEFAULT_MMAP_THRESHOLD_MAX)
TRIM_THRESHOLD = 2 * MMAP_THRESHOLD  # the trim threshold glibc pairs with it
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # mallopt parameters (malloc.h)


class Outputs:
    """A kernel's pool of recyclable output arrays."""

    __slots__ = ("_arrays", "_keep")

    def __init__(self, keep=KEEP):
        self._arrays = []
        self._keep = keep

    def empty(self, shape, dtype):
        """An uninitialised array like np.empty(shape, dtype)."""
        return self._get(shape, dtype, np.empty, False)

    def zeros(self, shape, dtype):
        """A zeroed array like np.zeros(shape, dtype)."""
        return self._get(shape, dtype, np.zeros, True)

    def _get(self, shape, dtype, make, zero):
        dtype = np.dtype(dtype)
        shape = tuple(shape)
        if not (ENABLED and self._keep) or int(np.prod(shape)) * dtype.itemsize < MIN_BYTES:
            return make(shape, dtype)
        for array in self._arrays:
            # references: the list, `array` and getrefcount's argument
            if sys.getrefcount(array) == 3 and array.shape == shape and array.dtype == dtype:
                if zero:
                    array.fill(0)
                return array
        array = make(shape, dtype)
        if len(self._arrays) >= self._keep:
            del self._arrays[0]
        self._arrays.append(array)
        return array


FRESH = Outputs(keep=0)  # plain np.empty / np.zeros, for callers without a pool


def scratch(size, dtype):
    """An uninitialised [size] array for use within one kernel call (no nesting): this
    thread's buffer of up to SCRATCH_BYTES, kept for its next call."""
    dtype = np.dtype(dtype)
    if size * dtype.itemsize > SCRATCH_BYTES:
        return np.empty(size, dtype)
    buffers = _SCRATCH.__dict__.setdefault("buffers", {})
    buffer = buffers.get(dtype)
    if buffer is None or buffer.size < size:
        buffer = buffers[dtype] = np.empty(size, dtype)
    return buffer[:size]


@functools.cache
def tune_malloc():
    """Sets glibc's mmap and trim thresholds once per process (see the module docstring).
    Returns whether malloc is tuned (False: not glibc, or GRAPHFLOW_TUNE_MALLOC=0)."""
    if os.environ.get("GRAPHFLOW_TUNE_MALLOC", "1") == "0" or not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None)
        if not hasattr(libc, "gnu_get_libc_version"):
            return False  # musl and others: their own allocators
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    return bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD) and
                mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD))
