"""The code of a whole-plan function (see `plan_jit`): `Context` is what the emitters of
`plan_jit_ops` write with - names, traced shapes and dtypes, known values, loops - and it
assembles the module text, constants included (so the text alone keys numba's disk cache).
"""

import hashlib
import os

import numpy as np

_HELPERS = ("small.py", "training.py", "fast_math.py", "nn.py", "plan_jit_ops.py")


class Context:
    """What emitters write with: names, traced shapes/dtypes, known values, code lines."""

    def __init__(self, specialised, body, fetch_slots):
        self.s = specialised
        self.uses = {}
        for slot in [s for step in body for s in step.ins] + list(fetch_slots):
            self.uses[slot] = self.uses.get(slot, 0) + 1
        self.fetched = set(fetch_slots)
        self.lazy = {}          # slot -> (elementwise expression, shape) not written yet
        self.names = {}
        self.fresh = set()      # slots holding arrays allocated by the function itself
        self.params = []
        self.constants = []
        self.lines = []
        self.prologue = []
        self.temps = 0

    # -- what is known about a slot
    def _value(self, slot):
        return self.s.arg_value(slot)

    def shape(self, slot):
        return tuple(self._value(slot).shape)

    def dtype(self, slot):
        return self._value(slot).dtype

    def const(self, slot):
        return np.asarray(self.s.values[slot]) if slot in self.s.det else None

    def is_parameter(self, slot):
        """Whether `slot` is a feed (a parameter whose value exists when the function starts)."""
        return slot in self.s.plan.feed_slots

    def is_variable(self, slot):
        return slot in self.s.variables

    # -- names
    def name(self, slot):
        if slot in self.lazy:
            self._materialise(slot)
        name = self.names.get(slot)
        if name is None:
            if slot in self.s.det:
                name = f"_k{slot}"
                self.constants.append((name, np.asarray(self.s.values[slot]).copy(order="C")))
            else:  # a feed or a variable's buffer: a parameter
                name = f"s{slot}"
                self.params.append(slot)
            self.names[slot] = name
        return name

    def constant(self, value):
        """The name of a new module-level constant holding `value`."""
        name = f"_m{len(self.constants)}"
        self.constants.append((name, np.asarray(value).copy(order="C")))
        return name

    def check(self, condition):
        """A guard at the top of the function (before any state changes): where `condition`
        holds, the function raises IndexError and the run goes op by op (which reports the
        error). `condition` may use only parameters and constants."""
        self.prologue.append(f"    if {condition}:")
        self.prologue.append("        raise IndexError('graphflow: run this plan op by op')")

    def temp(self):
        self.temps += 1
        return f"t{self.temps}"

    # -- code
    def line(self, text):
        self.lines.append(f"    {text}")

    def bind(self, slot, expr, fresh=True):
        """`s<slot> = expr`; `fresh`: the array is the function's own (not a view of a
        parameter, a constant or another slot)."""
        self.names[slot] = f"s{slot}"
        self.line(f"s{slot} = {expr}")
        if fresh:
            self.fresh.add(slot)

    def allocate(self, slot):
        self.bind(slot, f"np.empty({self.shape(slot)}, np.{self.dtype(slot).name})")
        return self.names[slot]

    @staticmethod
    def index(shape):
        return ", ".join(f"i{k}" for k in range(len(shape))) if shape else "()"

    def define(self, slot, expression):
        """`slot` is the elementwise `expression` (over the loop indices of its shape): when
        its one consumer is elementwise over the same shape, the expression is inlined there
        (no array, no second loop); otherwise it is written to an array when first needed.
        Each operation still rounds to its dtype, so results are unchanged."""
        self.lazy[slot] = (expression, self.shape(slot))
        if self.uses.get(slot, 0) != 1 or slot in self.fetched:
            self._materialise(slot)

    def _materialise(self, slot):
        expression, shape = self.lazy.pop(slot)
        name = self.allocate(slot)
        self.loop(shape, f"{name}[{self.index(shape)}] = {expression}")

    def flush(self):
        for slot in list(self.lazy):
            self._materialise(slot)

    def element(self, slot, out_shape, inline=True):
        """The element of `slot` at the loop index over `out_shape` (numpy broadcasting);
        `inline`: a pending expression of the same shape may be used in place."""
        lazy = self.lazy.get(slot)
        if lazy is not None and inline and lazy[1] == tuple(out_shape):
            del self.lazy[slot]
            return f"({lazy[0]})"
        shape = self.shape(slot)
        if not shape:
            return f"{self.name(slot)}[()]"
        offset = len(out_shape) - len(shape)
        index = ["0" if d == 1 and out_shape[offset + k] != 1 else f"i{offset + k}"
                 for k, d in enumerate(shape)]
        return f"{self.name(slot)}[{', '.join(index)}]"

    def loop(self, shape, statement):
        for k, d in enumerate(shape):
            self.line("    " * k + f"for i{k} in range({d}):")
        self.line("    " * len(shape) + statement)

    def source(self, fetch_slots, signature):
        """(module text, {fetched slot: index in the returned tuple})."""
        returned = {}
        results = []
        for slot in fetch_slots:
            if slot in returned or slot in self.s.det or slot in self.s.variables:
                continue
            if slot not in self.names:  # a feed fetched back: the wrapper returns it
                continue
            returned[slot] = len(results)
            name = self.names[slot]
            if not self.shape(slot):
                # A scalar leaves as a number: boxing a 0-d array costs numba an unpickled
                # dtype and an array object (~1 us of a 3 us W1 run); the wrapper rebuilds
                # the numpy scalar exactly.
                results.append(f"{name}[()]")
            else:
                results.append(name if slot in self.fresh else f"{name}.copy()")
        header = ["# generated by graphflow.kernels.cpu.plan_jit; do not edit",
                  f"# helpers {_helpers_stamp()}", f"# signature {signature}", "import numba",
                  "import numpy as np", "from graphflow.kernels.cpu import fast_math as _fm",
                  "from graphflow.kernels.cpu import nn as _nn",
                  "from graphflow.kernels.cpu import small as _small",
                  "from graphflow.kernels.cpu import training as _training", ""]
        for name, value in self.constants:
            header.append(f"{name} = np.frombuffer(bytes.fromhex('{value.tobytes().hex()}'), "
                          f"np.{value.dtype.name}).reshape({value.shape})")
        params = ", ".join(f"s{s}" for s in self.params)
        body = self.prologue + self.lines + [
            f"    return ({''.join(r + ', ' for r in results)})"]
        text = header + ["", "", '@numba.njit(cache=True, nogil=True, error_model="numpy")',
                         f"def plan({params}):", *body, ""]
        return "\n".join(text), returned


_STAMP = None


def _helpers_stamp():
    """A digest of the modules the generated code calls: numba's cache of a generated module
    does not see their changes, so they are part of the source (and of its file name)."""
    global _STAMP
    if _STAMP is None:
        digest = hashlib.sha256()
        directory = os.path.dirname(__file__)
        for name in _HELPERS:
            with open(os.path.join(directory, name), "rb") as f:
                digest.update(f.read())
        _STAMP = digest.hexdigest()[:16]
    return _STAMP
