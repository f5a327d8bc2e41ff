"""Copies between devices inside a plan: explicit steps, inserted only at device boundaries.

Every slot lives on one device. When an op placed on device D reads a slot living elsewhere, a
transfer step copies it once into a new slot on D, shared by every later consumer on D.
Feeds and folded constants live on the host; a folded constant needed on a device is copied
there once, at plan time (the transfer step is folded like any constant).
"""

from graphflow import devices


class TransferOp:
    """The pseudo-op of a transfer step (for error messages, tracing and the executor)."""

    type = "_Transfer"
    traceback = None
    _control_inputs = ()
    _inputs = ()
    is_transfer = True

    class _OpDef:
        stateful = False

    _op_def = _OpDef()

    def __init__(self, source_name, device):
        self.name = f"{source_name}/_to_{device.device_type}_{device.index}"
        self.device = device.name
        self._outputs = (None,)


def _copier(source, target):
    def run(value):
        if hasattr(value, "deref"):  # a variable's reference: copy its current value
            value = value.deref()
        return (target.to_device(source.to_host(value)),)
    return run


class Transfers:
    """Tracks where each slot lives and emits transfer steps (plan.Step) when needed."""

    def __init__(self, new_slot, step_class):
        self._new_slot = new_slot
        self._step = step_class
        self._location = {}
        self._copies = {}
        self._names = {}

    def produced(self, slots, device, name):
        for slot in slots:
            self._location[slot] = device
            self._names[slot] = name

    def slot_on(self, slot, device, emit):
        """The slot holding `slot`'s value on `device`, emitting a transfer if needed."""
        source = self._location.get(slot, devices.get("CPU"))
        if source is device or (source.kernel_device == device.kernel_device == "CPU"):
            return slot
        key = (slot, device.name)
        copy = self._copies.get(key)
        if copy is None:
            copy = self._copies[key] = self._new_slot()
            op = TransferOp(self._names.get(slot, f"slot{slot}"), device)
            emit(self._step(op, _copier(source, device), (slot,), (copy,)))
            self._location[copy] = device
        return copy
