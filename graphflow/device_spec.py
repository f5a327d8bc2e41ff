"""Device strings: parsing `/job:x/task:0/device:GPU:0`, `/gpu:0`, `/cpu:0` and merging scopes."""

import re

_FULL = re.compile(r"^/?(?:job:[^/]*/?)?(?:replica:\d+/?)?(?:task:\d+/?)?"
                   r"(?:(?:device:)?([A-Za-z]+):(\d+|\*))?$")


class DeviceSpec:
    """A parsed device: job/replica/task (kept, not used for placement) and type + index."""

    __slots__ = ("job", "replica", "task", "device_type", "device_index")

    def __init__(self, job=None, replica=None, task=None, device_type=None, device_index=None):
        self.job, self.replica, self.task = job, replica, task
        self.device_type = device_type.upper() if device_type else None
        self.device_index = device_index

    @classmethod
    def from_string(cls, spec):
        """Parses a device string; ValueError for malformed ones."""
        spec = spec or ""
        result = cls()
        for part in (p for p in spec.split("/") if p):
            fields = part.split(":")
            key = fields[0].lower()
            if key in ("job", "replica", "task") and len(fields) == 2:
                setattr(result, key, fields[1] if key == "job" else int(fields[1]))
            elif key == "device" and len(fields) == 3:
                result.device_type = fields[1].upper()
                result.device_index = None if fields[2] == "*" else int(fields[2])
            elif len(fields) == 2 and key in ("cpu", "gpu"):
                result.device_type = key.upper()
                result.device_index = None if fields[1] == "*" else int(fields[1])
            else:
                raise ValueError(f"Unknown attribute: '{part}' in '{spec}'")
        return result

    def merge_from(self, other):
        for field in self.__slots__:
            value = getattr(other, field)
            if value is not None:
                setattr(self, field, value)

    def to_string(self):
        parts = []
        if self.job is not None:
            parts.append(f"/job:{self.job}")
        if self.replica is not None:
            parts.append(f"/replica:{self.replica}")
        if self.task is not None:
            parts.append(f"/task:{self.task}")
        if self.device_type is not None:
            index = "*" if self.device_index is None else self.device_index
            parts.append(f"/device:{self.device_type}:{index}")
        return "".join(parts)

    def __repr__(self):
        return f"DeviceSpec({self.to_string()!r})"


def canonical(spec):
    """The canonical form of a device string (`/gpu:0` -> `/device:GPU:0`)."""
    return DeviceSpec.from_string(spec).to_string()


def merger(device_name_or_function):
    """A function `(outer_device, (name, type)) -> device` for one `tf.device` scope."""
    if device_name_or_function is None:
        return lambda outer, node: ""
    if callable(device_name_or_function):
        fn = device_name_or_function
        return lambda outer, node: canonical(fn(_NodeInfo(*node)) or "")
    inner = DeviceSpec.from_string(device_name_or_function)

    def merge(outer, node):
        spec = DeviceSpec.from_string(outer)
        spec.merge_from(inner)
        return spec.to_string()
    return merge


class _NodeInfo:
    """What a device function sees of a node being created: its name and type."""

    def __init__(self, name, type_name):
        self.name = name
        self.type = type_name
        self.device = ""
