"""Kernel factories registered per (op type, device).

A factory is called once per node when a Session compiles a plan:
`factory(node, state) -> run`, where `node` exposes `type`, `get_attr`, `inputs` (with static
`dtype`/`shape`) and `name`, and `state` holds the session's resources (variables, random
streams). `run(*arrays)` returns a tuple of output arrays and never mutates its inputs (except
stateful ops that update a variable's buffer).
"""

import warnings

_FACTORIES = {}
_WARNED = set()


def register(op_type, device="CPU"):
    """Decorator: registers a kernel factory for `op_type` on `device` ("CPU" or "GPU")."""
    def wrap(factory):
        key = (op_type, device)
        if key in _FACTORIES:
            raise KeyError(f"a {device} kernel for {op_type} is already registered")
        _FACTORIES[key] = factory
        return factory
    return wrap


def has_kernel(op_type, device="CPU"):
    _load(device)
    return (op_type, device) in _FACTORIES


def lookup(op_type, device="CPU"):
    """The factory for (op type, device); on CPU falls back to the numpy reference, warning once.

    Raises:
        KeyError: no kernel (and no reference) exists.
    """
    _load(device)
    factory = _FACTORIES.get((op_type, device))
    if factory is not None:
        return factory
    if device == "CPU":
        from graphflow.kernels import reference
        if op_type in reference.REFERENCE:
            if op_type not in _WARNED:
                _WARNED.add(op_type)
                warnings.warn(f"graphflow: no CPU kernel for op type {op_type}; using the numpy "
                              "reference kernel", RuntimeWarning, stacklevel=3)
            return reference.factory
    raise KeyError(f"No {device} kernel registered for op type '{op_type}'")


_LOADED = set()


def _load(device):
    if device in _LOADED:
        return
    _LOADED.add(device)
    if device == "CPU":
        import graphflow.kernels.cpu  # noqa: F401 - registers the CPU kernels
    elif device == "GPU":
        import graphflow.kernels.cuda  # noqa: F401


def registered_kernels(device="CPU"):
    _load(device)
    return sorted(t for t, d in _FACTORIES if d == device)
