"""`tf.test`: gradient checking and device queries."""

from graphflow.gradient_checker import compute_gradient, compute_gradient_error  # noqa: F401


def is_gpu_available(cuda_only=False, min_cuda_compute_capability=None):
    """True when numba.cuda sees a usable GPU."""
    try:
        from numba import cuda
        return bool(cuda.is_available())
    except Exception:  # noqa: BLE001 - no CUDA toolkit or driver
        return False


def is_built_with_cuda():
    return True


def gpu_device_name():
    return "/device:GPU:0" if is_gpu_available() else ""
