"""Device memory: host<->device copies and a small caching allocator.

`allocate(shape, dtype)` hands out a device array, reusing one from the pool when a buffer of
the same (shape, dtype) was given back with `release`; `free_all()` drops the pool (the Session
calls it on close). Buffers that are never released are simply garbage collected by numba.

A device out-of-memory error is retried once after emptying the pool, then raised as
`ResourceExhaustedError` with TF's message, naming the shape, dtype and requested bytes; the
executor adds the node name.
"""

import threading

import numpy as np
from numba import cuda

from graphflow import errors

_POOL = {}
_LOCK = threading.Lock()
_STATS = {"allocated": 0, "reused": 0}
CUDA_ERROR_OUT_OF_MEMORY = 2


def _key(shape, dtype):
    return (tuple(int(d) for d in shape), np.dtype(dtype).str)


def is_device_array(value):
    """True for numba device arrays (real or simulated)."""
    return hasattr(value, "copy_to_host") and not isinstance(value, np.ndarray)


def out_of_memory(shape, dtype):
    """The error TF raises when an allocation of `shape`/`dtype` does not fit on the device."""
    dtype = np.dtype(dtype)
    nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    dims = ",".join(str(int(d)) for d in shape)
    return errors.ResourceExhaustedError(
        None, None, f"OOM when allocating tensor with shape[{dims}] and type {dtype.name} on "
        f"/job:localhost/replica:0/task:0/device:GPU:0 by allocator GPU_0_bfc "
        f"(requested {nbytes} bytes)")


def _is_oom(err):
    code = getattr(err, "code", None)
    return code == CUDA_ERROR_OUT_OF_MEMORY or "OUT_OF_MEMORY" in str(err)


def _device_array(shape, dtype):
    try:
        return cuda.device_array(shape, dtype=dtype)
    except Exception as err:  # noqa: BLE001 - driver errors have no common base class
        if not _is_oom(err):
            raise
    free_all()
    try:
        return cuda.device_array(shape, dtype=dtype)
    except Exception as err:  # noqa: BLE001
        if _is_oom(err):
            raise out_of_memory(shape, dtype) from err
        raise


def allocate(shape, dtype):
    """An uninitialized C-contiguous device array of `shape` and `dtype`."""
    key = _key(shape, dtype)
    with _LOCK:
        free = _POOL.get(key)
        if free:
            _STATS["reused"] += 1
            return free.pop()
    _STATS["allocated"] += 1
    return _device_array(key[0], dtype)


def release(array):
    """Gives `array` back to the pool; the caller must hold no other reference to it."""
    if not is_device_array(array):
        return
    with _LOCK:
        _POOL.setdefault(_key(array.shape, array.dtype), []).append(array)


def pooled_bytes():
    with _LOCK:
        return sum(a.nbytes for arrays in _POOL.values() for a in arrays)


def free_all():
    """Drops every pooled buffer (their memory returns to the driver when collected)."""
    with _LOCK:
        _POOL.clear()


def stats():
    """Counts of fresh allocations and pool hits since import (for tests and benchmarks)."""
    return dict(_STATS)


def to_device(value, dtype=None):
    """Copies a host value (array or scalar) to a new device array; 0-d stays 0-d."""
    host = np.require(np.asarray(value, dtype=dtype), requirements="C")  # keeps 0-d
    out = allocate(host.shape, host.dtype)
    if host.size:
        out.copy_to_device(host)
    return out


def to_host(value):
    """A numpy array with the contents of a device array (numpy arrays pass through)."""
    if isinstance(value, np.ndarray):
        return value
    if not is_device_array(value):
        return np.asarray(value)
    if value.size == 0:
        return np.empty(value.shape, dtype=value.dtype)
    return value.copy_to_host()


def host_array(value):
    """A host-memory input (shapes, axes, sizes): copied back when it lives on the device."""
    return to_host(value)


def empty_like(value):
    return allocate(value.shape, value.dtype)
