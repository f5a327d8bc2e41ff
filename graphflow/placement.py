"""Device placement for a plan (TF's placer, simplified).

Each op runs on the device its `tf.device` scope asks for when that device exists and has a
kernel for the op; an op with no request goes to the GPU when one exists and has a kernel, as
TF's placer prefers GPUs. A variable and the ops that take it by reference (its initializer,
`read`, assignments, optimizer updates) are colocated. With `allow_soft_placement` an
unsatisfiable request falls back to the CPU with a one-time warning; without it, it is TF's
InvalidArgumentError "Cannot assign a device for operation ...".
"""

import warnings

from graphflow import device_spec
from graphflow import devices
from graphflow import errors
from graphflow.kernels import registry as kernel_registry

_WARNED = set()


def place(ops, config):
    """A dict op -> Device for every op in `ops` (an iterable of Operations)."""
    gpu = devices.get("GPU", config)
    cpu = devices.get("CPU", config)
    soft = bool(getattr(config, "allow_soft_placement", False))
    placement = {}
    for group in _colocation_groups(ops):
        device = _place_group(group, gpu, cpu, soft)
        for op in group:
            placement[op] = device
    if getattr(config, "log_device_placement", False):
        for op in sorted(placement, key=lambda o: o._id):
            print(f"{op.name}: ({op.type}): {placement[op].name}")
    return placement


def _requested(op):
    if not op.device:
        return None
    return device_spec.DeviceSpec.from_string(op.device).device_type


def _place_group(group, gpu, cpu, soft):
    requests = {_requested(op) for op in group} - {None}
    wants_gpu = "GPU" in requests
    gpu_ok = gpu is not None and all(
        kernel_registry.has_kernel(op.type, gpu.kernel_device) or not _runs(op)
        for op in group)
    if wants_gpu and not gpu_ok:
        op = next(o for o in group if _requested(o) == "GPU")
        if not soft:
            raise _cannot_assign(op, gpu)
        _warn_soft(op, gpu)
        return cpu
    if "CPU" in requests or _host_only(group):
        return cpu
    if wants_gpu or gpu_ok:
        return gpu if gpu_ok else cpu
    return cpu


def _host_only(group):
    """int32 arithmetic (shapes, sizes, axes) stays in host memory, as TF keeps int32
    tensors of GPU kernels on the host: moving a few scalars to a GPU costs more than it saves."""
    from graphflow import dtypes
    return all(op._outputs and all(t.dtype == dtypes.int32 for t in op._outputs)
               for op in group)


def _runs(op):
    """Ops that never execute as kernels (placeholders are fed, not run)."""
    return op.type not in ("Placeholder",)


def _cannot_assign(op, gpu):
    if gpu is None:
        message = (f"Cannot assign a device for operation {op.name}: {{{{node {op.name}}}}} was "
                   f"explicitly assigned to {op.device} but available devices are "
                   f"[ {devices.get('CPU').name} ]. Make sure the device specification refers "
                   "to a valid device. The requested device appears to be a GPU, but no CUDA "
                   "device is available (numba.cuda found none).")
    else:
        message = (f"Cannot assign a device for operation {op.name}: Could not satisfy "
                   f"explicit device specification '{op.device}' because no supported kernel "
                   f"for GPU devices is available (op type {op.type}).")
    return errors.InvalidArgumentError(None, op, message)


def _warn_soft(op, gpu):
    key = (op.type, gpu is None)
    if key in _WARNED:
        return
    _WARNED.add(key)
    why = "no GPU is available" if gpu is None else f"{op.type} has no GPU kernel"
    warnings.warn(f"graphflow: {op.name} ({op.type}) asked for {op.device}, but {why}; "
                  "running it on the CPU (allow_soft_placement=True).", RuntimeWarning,
                  stacklevel=4)


def _colocation_groups(ops):
    """Groups of ops that must share a device: a variable with its by-reference consumers."""
    ops = list(ops)
    group_of = {}
    groups = []
    for op in sorted(ops, key=lambda o: o._id):
        if op.type in ("VariableV2", "VarHandleOp"):
            group_of[op] = len(groups)
            groups.append([op])
    in_plan = set(ops)
    for op in sorted(ops, key=lambda o: o._id):
        if op in group_of:
            continue
        owner = _ref_owner(op)
        if owner is not None and owner in group_of and owner in in_plan:
            group_of[op] = group_of[owner]
            groups[group_of[op]].append(op)
        else:
            group_of[op] = len(groups)
            groups.append([op])
    return groups


def _ref_owner(op):
    """The variable op whose reference `op` consumes (Assign, Apply*, read Identity), if any."""
    for t in op._inputs:
        if t.dtype.is_ref_dtype:
            source = t.op
            while source.type not in ("VariableV2", "VarHandleOp") and source._inputs and \
                    source._inputs[0].dtype.is_ref_dtype:
                source = source._inputs[0].op
            return source
    return None
