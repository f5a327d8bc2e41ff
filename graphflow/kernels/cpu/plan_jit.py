"""Whole-plan compilation: a small, hot CPU plan becomes one numba function.

Students run tiny graphs thousands of times; op by op, each run pays a Python call per kernel.
On its `TRIGGER_RUNS`-th run a plan is traced instead (run step by step, unfused, recording
every value), and if it qualifies it is specialised to the traced signature - the shapes and
dtypes of its feeds and variables:

- values that depend only on shapes and constants (Shape, Rank, BroadcastGradientArgs, Range
  over a rank, ...) become constants, so the gradient graph's shape arithmetic disappears;
- every other step is written by its emitter (`plan_jit_ops`) into one `@njit` function of the
  feeds and the variables' buffers, which returns the fetched values.

The source depends only on the specialised computation (never on node names) and is cached on
disk (`$GRAPHFLOW_CACHE_DIR/plans`), so numba compiles it once per machine; compiling happens
in a background thread while the op-by-op plan keeps serving runs. Once ready, a run whose
feeds and variables have the traced shapes calls the function (no errstate, no per-op calls);
any other run (new shapes, an uninitialised variable, a non-contiguous feed) takes the op-by-op
plan, which raises the usual errors. A plan qualifies when every value has at most
`MAX_ELEMENTS` elements, every step runs on the CPU and every step has an emitter; emitted code
uses the same strict kernels (`small.py`, the optimizer loops) as the per-op kernels, so results
are bit-identical whichever path a run takes.
"""

import hashlib
import threading
import warnings

import numba
import numpy as np

from graphflow.kernels.cpu import fused_codegen
from graphflow.kernels.cpu import plan_jit_ops
from graphflow.kernels.cpu.plan_jit_ops import Ineligible

ENABLED = True
TRIGGER_RUNS = 5            # a plan is traced on this run (earlier runs go op by op)
MAX_ELEMENTS = 1 << 14      # larger values: the op-by-op kernels (parallel, BLAS) are better
BACKGROUND_COMPILE = True   # False: the traced run waits for the compile (tests)

# Ops whose outputs depend only on their inputs' shapes.
SHAPE_ONLY = frozenset({"Shape", "ShapeN", "Rank", "Size", "ZerosLike", "OnesLike"})
VARIABLE_OPS = frozenset({"VariableV2"})

_THREADS = []
_LOCK = threading.Lock()
_HELPERS = ("small.py", "training.py", "fast_math.py", "plan_jit_ops.py")


def trace(plan, feed_values):
    """Runs `plan` step by step (the run's real execution) and, when the plan qualifies,
    starts compiling its whole-plan function. Returns the fetched values."""
    from graphflow import executor
    values = list(plan.initial_values)
    for slot, value in zip(plan.feed_slots, feed_values):
        values[slot] = value

    def record(step, results):
        for slot, value in zip(step.outs, results):
            values[slot] = value
    fetched = executor.execute_steps(plan, feed_values, record, plan.unfused_steps)
    try:
        specialised = _Specialised(plan, values)
    except Ineligible:
        return fetched
    except Exception as err:  # noqa: BLE001 - an optimisation must never fail a run
        _warn(plan, err)
        return fetched
    if BACKGROUND_COMPILE:
        thread = threading.Thread(target=specialised.install, name="graphflow-plan-jit",
                                  daemon=True)
        _THREADS.append(thread)
        thread.start()
    else:
        specialised.install()
    return fetched


def wait():
    """Blocks until every background plan compile started so far has finished."""
    while _THREADS:
        _THREADS.pop().join()


def _warn(plan, err):
    warnings.warn(f"graphflow: compiling a plan as one function failed ({type(err).__name__}: "
                  f"{err}); it keeps running op by op", RuntimeWarning, stacklevel=3)


class _Specialised:
    """A plan specialised to one traced signature: the numba source and the Python wrapper."""

    def __init__(self, plan, values):
        self.plan = plan
        placement = getattr(plan, "placement", None) or {}
        if any(d.kernel_device != "CPU" for d in placement.values()):
            raise Ineligible("a step runs on another device")
        self.values = values
        self.det = set()
        self.variables = {}   # slot -> VariableSlot
        for slot, value in enumerate(plan.initial_values):
            if value is None:
                continue
            if hasattr(value, "deref"):
                self.variables[slot] = value
            else:
                self.det.add(slot)
        body = []
        for step in plan.unfused_steps:
            op = step.op
            if op.type in VARIABLE_OPS:
                self.variables[step.outs[0]] = values[step.outs[0]]
            elif op.type == "NoOp" or not step.outs:
                continue
            elif op.type in SHAPE_ONLY or (not op._op_def.stateful and
                                           all(s in self.det for s in step.ins)):
                self.det.update(step.outs)
            else:
                body.append(step)
        self._check_sizes()
        self.ctx = _Context(self)
        for step in body:
            emit = plan_jit_ops.EMITTERS.get(step.op.type)
            if emit is None:
                raise Ineligible(f"no emitter for {step.op.type}")
            emit(self.ctx, step)
        self.signature = tuple(_arg_type(self.arg_value(s)) for s in self.ctx.params)
        self.source, self.returned = self.ctx.source(plan.fetch_slots, self.signature)

    def _check_sizes(self):
        for slot in range(len(self.values)):
            value = self.arg_value(slot)
            if value is None:
                continue
            if type(value) is not np.ndarray or value.dtype == object:
                raise Ineligible("a value is not a numeric array")
            if value.size > MAX_ELEMENTS:
                raise Ineligible("a value is too large")

    def install(self):
        """Compiles (or loads) the function and switches the plan to it."""
        try:
            with _LOCK:  # plans of equal source share the module and its one signature
                function = fused_codegen.load_module(self.source, "plans").plan
                if not function.signatures:
                    function.compile(self.signature)
                    function.disable_compile()
            self.plan.fast = self._wrapper(function)
        except Exception as err:  # noqa: BLE001 - the plan keeps running op by op
            _warn(self.plan, err)

    def arg_value(self, slot):
        """The traced array of `slot` (a variable's buffer for a variable reference)."""
        value = self.variables[slot] if slot in self.variables else self.values[slot]
        return value.value if hasattr(value, "deref") else value

    def _wrapper(self, function):
        """The Python function a run calls: guards, the call, the user-facing values."""
        from graphflow import session
        plan = self.plan
        namespace = {"_jit": function, "_to_user": session.to_user}
        feeds = [f"s{s}" for s in plan.feed_slots]
        lines = ["def fast(feeds):"]
        if feeds:
            lines.append(f"    {', '.join(feeds)}, = feeds")
        for slot in plan.feed_slots:
            lines.append(f"    if s{slot}.shape != {self.values[slot].shape}:")
            lines.append("        return None")
        for slot, variable in self.variables.items():
            namespace[f"_v{slot}"] = variable
            lines.append(f"    v{slot} = _v{slot}.value")
            lines.append(f"    if v{slot} is None or v{slot}.shape != {variable.value.shape}:")
            lines.append("        return None")
        args = ", ".join(f"v{s}" if s in self.variables else f"s{s}" for s in self.ctx.params)
        lines += ["    try:", f"        r = _jit({args})", "    except TypeError:",
                  "        return None"]  # a feed or buffer numba cannot take as compiled
        out = []
        for slot, alias in zip(plan.fetch_slots, plan.fetch_may_alias):
            if slot in self.returned:
                k = self.returned[slot]
                out.append(f"r[{k}][()]" if self.values[slot].ndim == 0 else f"r[{k}]")
            elif slot in self.variables:
                out.append(f"_to_user(_v{slot}, True)")
            elif slot in plan.feed_slots:
                out.append(f"_to_user(s{slot}, {alias})")
            else:
                namespace[f"_c{slot}"] = self.values[slot]
                out.append(f"_to_user(_c{slot}, True)")
        lines.append(f"    return [{', '.join(out)}]")
        exec(compile("\n".join(lines) + "\n", f"<graphflow plan wrapper {id(plan):#x}>",  # noqa: S102
                     "exec"), namespace)
        return namespace["fast"]


def _arg_type(value):
    return numba.typeof(value).copy(layout="C", readonly=False)


class _Context:
    """What emitters write with: names, traced shapes/dtypes, known values, code lines."""

    def __init__(self, specialised):
        self.s = specialised
        self.names = {}
        self.fresh = set()      # slots holding arrays allocated by the function itself
        self.params = []
        self.constants = []
        self.lines = []
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

    def is_variable(self, slot):
        return slot in self.s.variables

    # -- names
    def name(self, slot):
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

    def element(self, slot, out_shape):
        """The element of `slot` at the loop index over `out_shape` (numpy broadcasting)."""
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
            results.append(name if slot in self.fresh else f"{name}.copy()")
        header = ["# generated by graphflow.kernels.cpu.plan_jit; do not edit",
                  f"# helpers {_helpers_stamp()}", f"# signature {signature}", "import numba", "import numpy as np",
                  "from graphflow.kernels.cpu import fast_math as _fm",
                  "from graphflow.kernels.cpu import small as _small",
                  "from graphflow.kernels.cpu import training as _training", ""]
        for name, value in self.constants:
            header.append(f"{name} = np.frombuffer(bytes.fromhex('{value.tobytes().hex()}'), "
                          f"np.{value.dtype.name}).reshape({value.shape})")
        params = ", ".join(f"s{s}" for s in self.params)
        body = self.lines + [f"    return ({''.join(r + ', ' for r in results)})"]
        text = header + ["", "", '@numba.njit(cache=True, nogil=True, error_model="numpy")',
                         f"def plan({params}):", *body, ""]
        return "\n".join(text), returned


_STAMP = None


def _helpers_stamp():
    """A digest of the modules the generated code calls: numba's cache of a generated module
    does not see their changes, so they are part of the source (and of its file name)."""
    global _STAMP
    if _STAMP is None:
        import os
        digest = hashlib.sha256()
        directory = os.path.dirname(__file__)
        for name in _HELPERS:
            with open(os.path.join(directory, name), "rb") as f:
                digest.update(f.read())
        _STAMP = digest.hexdigest()[:16]
    return _STAMP
