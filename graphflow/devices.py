"""Devices a Session can place nodes on: the CPU, and CUDA GPUs through numba.cuda.

A `Device` moves arrays to and from itself (`to_device`, `to_host`) and names the kernel set it
runs (`kernel_device`, "CPU" or "GPU" in graphflow.kernels.registry). numba.cuda is imported
only when a GPU is asked about, never by `import graphflow`. Tests can `register` a fake device.
"""

import functools
import os
import sys


LOCAL = "/job:localhost/replica:0/task:0"


class Device:
    """A place where kernels run; CPU arrays are numpy arrays."""

    device_type = "CPU"
    kernel_device = "CPU"
    memory_limit_bytes = 268435456

    def __init__(self, index=0):
        self.index = index

    @property
    def name(self):
        return f"{LOCAL}/device:{self.device_type}:{self.index}"

    def to_device(self, array):
        return array

    def to_host(self, array):
        return array

    def release(self):
        """Frees cached device memory (Session.close)."""

    def __repr__(self):
        return f"<Device {self.name}>"


class CudaDevice(Device):
    """A CUDA GPU driven by numba.cuda; arrays are numba device arrays."""

    device_type = "GPU"
    kernel_device = "GPU"

    def __init__(self, index=0):
        super().__init__(index)
        from numba import cuda
        self._cuda = cuda

    @property
    def memory_limit_bytes(self):
        try:
            free, total = self._cuda.current_context().get_memory_info()
            return int(total)
        except Exception:  # noqa: BLE001 - the simulator has no memory info
            return 0

    def to_device(self, array):
        from graphflow.kernels.cuda import memory
        return array if memory.is_device_array(array) else memory.to_device(array)

    def to_host(self, array):
        from graphflow.kernels.cuda import memory
        return memory.to_host(array) if memory.is_device_array(array) else array

    def release(self):
        from graphflow.kernels.cuda import memory
        memory.free_all()


_REGISTERED = {}


def register(device):
    """Makes `device` available for placement (tests use this for a fake GPU); returns it."""
    _REGISTERED[device.device_type] = device
    return device


def unregister(device_type):
    _REGISTERED.pop(device_type, None)


# Files an NVIDIA driver creates (Linux; /dev/dxg: WSL2). Without one, importing numba.cuda
# just to learn that there is no GPU costs ~50 ms of every fresh process's first run.
_DRIVER_FILES = ("/dev/nvidiactl", "/proc/driver/nvidia", "/dev/dxg")


def _may_have_cuda():
    """False only when surely no CUDA device exists (Linux, no driver, no simulator)."""
    import numba
    if numba.config.ENABLE_CUDASIM or not sys.platform.startswith("linux"):
        return True
    return any(os.path.exists(path) for path in _DRIVER_FILES)


@functools.lru_cache(maxsize=1)
def _cuda_device():
    if not _may_have_cuda():
        return None
    try:
        from numba import cuda
        if not cuda.is_available():
            return None
        return CudaDevice(0)
    except Exception:  # noqa: BLE001 - no driver, no toolkit: no GPU
        return None


def get(device_type, config=None):
    """The Device of `device_type` ("CPU"/"GPU") usable under `config`, or None."""
    if device_type in _REGISTERED:
        return _REGISTERED[device_type]
    if device_type == "CPU":
        return _CPU
    if device_type == "GPU":
        count = getattr(config, "device_count", {}) or {}
        if count.get("GPU", 1) == 0:
            return None
        return _cuda_device()
    return None


def list_devices(config=None):
    """The devices a session can use, as TF's `Session.list_devices()` describes them."""
    result = [_CPU]
    gpu = get("GPU", config)
    if gpu is not None:
        result.append(gpu)
    return [DeviceAttributes(d.name, d.device_type, d.memory_limit_bytes) for d in result]


class DeviceAttributes:
    """What `Session.list_devices()` returns for each device (TF's `_DeviceAttributes`)."""

    def __init__(self, name, device_type, memory_limit_bytes, incarnation=0):
        self.name = name
        self.device_type = device_type
        self.memory_limit_bytes = memory_limit_bytes
        self.incarnation = incarnation

    def __repr__(self):
        return (f"_DeviceAttributes({self.name}, {self.device_type}, "
                f"{self.memory_limit_bytes}, {self.incarnation})")


_CPU = Device(0)
