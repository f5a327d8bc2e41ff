"""Whole-plan compilation: a small, hot CPU plan becomes one numba function.

Students run tiny graphs thousands of times; op by op, each run pays a Python call per kernel.
On its `TRIGGER_RUNS`-th run a plan is profiled (`profile`: step times, value sizes); if it
may qualify, its next run is traced (run step by step, unfused, recording every value), and
if it qualifies it is specialised to the traced signature - the shapes and
dtypes of its feeds and variables:

- values that depend only on shapes and constants (Shape, Rank, BroadcastGradientArgs, Range
  over a rank, ...) become constants, so the gradient graph's shape arithmetic disappears;
- every other step is written by its emitter (`plan_jit_ops`) into one `@njit` function of the
  feeds and the variables' buffers, which returns the fetched values.

The source depends only on the specialised computation (never on node names) and is cached on
disk (`$GRAPHFLOW_CACHE_DIR/plans`), so numba compiles it once per machine: a first compile
runs in a subprocess while the op-by-op plan keeps serving runs (each run polls it), then the
plan loads the result from the cache; a cached function (~10 ms to load) is loaded by the
traced run itself. Once ready, a run whose
feeds and variables have the traced shapes calls the function (no errstate, no per-op calls);
any other run (new shapes, an uninitialised variable, a non-contiguous feed) takes the op-by-op
plan, which raises the usual errors. A plan qualifies when every value has at most
`MAX_ELEMENTS` elements, every step runs on the CPU and every step has an emitter; emitted code
uses the same strict kernels (`small.py`, the optimizer loops) as the per-op kernels, so results
are bit-identical whichever path a run takes.
"""

import contextlib
import json
import os
import subprocess
import sys
import threading
import time
import warnings

import numba
import numpy as np

from graphflow import inter_op
from graphflow.kernels.cpu import fused_codegen
from graphflow.kernels.cpu import plan_jit_codegen
from graphflow.kernels.cpu import plan_jit_ops
from graphflow.kernels.cpu.plan_jit_ops import Ineligible

ENABLED = True
TRIGGER_RUNS = 5            # a plan is traced on this run (earlier runs go op by op)
MAX_ELEMENTS = 1 << 14      # larger values: the op-by-op kernels (parallel, BLAS) are better
BACKGROUND_COMPILE = True   # False: the traced run compiles in-process and waits (tests)

# Ops whose outputs depend only on their inputs' shapes.
SHAPE_ONLY = frozenset({"Shape", "ShapeN", "Rank", "Size", "ZerosLike", "OnesLike"})
VARIABLE_OPS = frozenset({"VariableV2"})

MAX_COMPILERS = 1           # compiling subprocesses at a time (each holds ~200 MB)

_PENDING = []               # _Specialised waiting for (or in) a compiling subprocess
_LOCK = threading.Lock()


def profile(plan, feed_values):
    """The plan's `TRIGGER_RUNS`-th run: runs it as usual, timing each step and watching the
    sizes of values. A plan that may qualify (small values, an emitter for every step) is
    traced on its next run; any other plan gets inter-op parallel groups from the timings.
    Returns the fetched values."""
    from graphflow import executor
    durations = {}
    clock = [time.perf_counter()]
    small = [all(getattr(v, "size", 0) <= MAX_ELEMENTS for v in feed_values)]

    def record(step, results):
        now = time.perf_counter()
        durations[step] = now - clock[0]
        clock[0] = now
        if small[0] and any(getattr(r, "size", 0) > MAX_ELEMENTS for r in results):
            small[0] = False
    fetched = executor.execute_steps(plan, feed_values, record)
    if small[0] and ENABLED and _structure(plan) is not None:
        plan.trace_next = True
    else:
        inter_op.parallelise(plan, durations, plan.inter_op_threads)
    return fetched


def _structure(plan):
    """(known slots, variable slots, body steps) of a CPU plan whose every step has an
    emitter or a value known from shapes and constants alone; None for any other plan.
    Known slots: folded constants and outputs of shape-only ops, and of stateless ops of
    known inputs; the body: every other step but variables and NoOps."""
    placement = getattr(plan, "placement", None) or {}
    if any(d.kernel_device != "CPU" for d in placement.values()):
        return None
    det = set()
    variables = []
    for slot, value in enumerate(plan.initial_values):
        if value is not None:
            (variables.append(slot) if hasattr(value, "deref") else det.add(slot))
    body = []
    for step in plan.unfused_steps:
        op = step.op
        if op.type in VARIABLE_OPS:
            variables.append(step.outs[0])
        elif op.type == "NoOp" or not step.outs:
            continue
        elif op.type in SHAPE_ONLY or (not op._op_def.stateful and
                                       all(s in det for s in step.ins)):
            det.update(step.outs)
        elif op.type not in plan_jit_ops.EMITTERS:
            return None
        else:
            body.append(step)
    return det, variables, body


def trace(plan, feed_values):
    """Runs `plan` step by step, unfused, keeping every value (the run's real execution)
    and, when the plan qualifies, starts compiling its whole-plan function. Returns the
    fetched values."""
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
    if BACKGROUND_COMPILE and not _on_disk(specialised.source):
        plan.jit_pending = specialised
        _PENDING.append(specialised)
        specialised.poll()
    else:
        specialised.install()
    return fetched


def _on_disk(source):
    """Whether numba's cache already holds this source's function (then loading it takes
    ~10 ms, and the traced run does it at once)."""
    key = fused_codegen.source_key(source)
    directory = os.path.join(fused_codegen.cache_dir("plans"), "__pycache__")
    try:
        return any(n.startswith(f"{key}.") and n.endswith(".nbi") for n in os.listdir(directory))
    except OSError:
        return False


def wait():
    """Blocks until every plan compile started so far has finished and been installed."""
    while _PENDING:
        _PENDING[0].poll(block=True)


def cancel():
    """Stops every pending compile (its plan keeps running op by op): for test suites, where
    a plan rarely outlives its test."""
    while _PENDING:
        specialised = _PENDING.pop()
        specialised.plan.jit_pending = None
        process = specialised.process
        if process is not None:
            if process.poll() is None:
                process.kill()
            process.wait()
            with contextlib.suppress(OSError):
                os.remove(specialised.log)


def compile_file(path, signature):
    """Entry point of the compiling subprocess: compiles the module at `path` for `signature`
    (JSON [[dtype, ndim], ...]) into numba's disk cache."""
    with open(path, encoding="utf-8") as f:
        source = f.read()
    fused_codegen.load_module(source, "plans").plan.compile(_signature(json.loads(signature)))


def _signature(arguments):
    """numba types of C-contiguous arrays from [[dtype name, ndim], ...]."""
    return tuple(numba.types.Array(numba.from_dtype(np.dtype(d)), n, "C") for d, n in arguments)


def _warn(plan, err):
    warnings.warn(f"graphflow: compiling a plan as one function failed ({type(err).__name__}: "
                  f"{err}); it keeps running op by op", RuntimeWarning, stacklevel=3)


class _Specialised:
    """A plan specialised to one traced signature: the numba source and the Python wrapper."""

    def __init__(self, plan, values):
        self.plan = plan
        structure = _structure(plan)
        if structure is None:
            raise Ineligible("a step without an emitter")
        self.det, variables, body = structure
        self.values = values
        self.variables = {slot: values[slot] for slot in variables}  # their VariableSlots
        if any(getattr(v, "value", None) is None for v in self.variables.values()):
            raise Ineligible("an uninitialised variable")  # its first Assign creates it
        self._check_sizes()
        body = _live(body, plan.fetch_slots)
        self.ctx = plan_jit_codegen.Context(self, body, plan.fetch_slots)
        for step in body:  # every body step has an emitter (_structure)
            if step.op._op_def.stateful:
                self.ctx.flush()  # pending expressions read buffers this step may update
            plan_jit_ops.EMITTERS[step.op.type](self.ctx, step)
        self.ctx.flush()
        self.arguments = [[self.arg_value(s).dtype.name, self.arg_value(s).ndim]
                          for s in self.ctx.params]
        self.source, self.returned = self.ctx.source(plan.fetch_slots, self.arguments)
        self.process = None

    def _check_sizes(self):
        for slot in range(len(self.values)):
            value = self.arg_value(slot)
            if value is None:
                continue
            if type(value) is not np.ndarray or value.dtype == object:
                raise Ineligible("a value is not a numeric array")
            if value.size > MAX_ELEMENTS:
                raise Ineligible("a value is too large")

    def poll(self, block=False):
        """Starts the compiling subprocess when fewer than MAX_COMPILERS run; when it has
        finished (or `block`: once it finishes), loads its result into the plan."""
        if self.process is None:
            if sum(p.process is not None for p in _PENDING) >= MAX_COMPILERS and not block:
                return
            self._start()
        if self.process.poll() is None and not block:
            return
        returncode = self.process.wait()
        self.plan.jit_pending = None
        _PENDING.remove(self)
        if returncode == 0:
            with contextlib.suppress(OSError):
                os.remove(self.log)
            self.install()
        else:
            _warn(self.plan, RuntimeError(f"the compiling process exited with {returncode}: "
                                          f"{self._log_tail()}"))

    def _start(self):
        """Compiles in another process: a compile in a thread of this one would fight the
        run loop for the GIL and slow both; the subprocess leaves the function in numba's disk
        cache, from which `install` loads it."""
        path = fused_codegen.write_module(self.source, "plans")
        self.log = f"{path}.{os.getpid()}.log"
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
        code = ("import sys; from graphflow.kernels.cpu import plan_jit; "
                "plan_jit.compile_file(sys.argv[1], sys.argv[2])")
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-c", code, path, json.dumps(self.arguments)], env=env,
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log)

    def _log_tail(self):
        try:
            with open(self.log, encoding="utf-8", errors="replace") as f:
                return f.read()[-500:]
        except OSError:
            return "no log"

    def install(self):
        """Compiles (or loads) the function in this process and switches the plan to it."""
        try:
            with _LOCK:  # plans of equal source share the module and its one signature
                function = fused_codegen.load_module(self.source, "plans").plan
                if not function.signatures:
                    function.compile(_signature(self.arguments))
                    function.disable_compile()
            self.plan.fast = self._wrapper(function)
        except Exception as err:
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
        lines += ["    try:", f"        r = _jit({args})",
                  "    except (TypeError, IndexError):",  # a feed or buffer numba cannot take
                  "        return None"]                   # as compiled, a failed guard
        out = []
        for slot, alias in zip(plan.fetch_slots, plan.fetch_may_alias):
            if slot in self.returned:
                k = self.returned[slot]
                value = self.arg_value(slot)
                if value.ndim == 0:  # returned as a Python number (plan_jit_codegen.source)
                    namespace[f"_t{slot}"] = value.dtype.type
                    out.append(f"_t{slot}(r[{k}])")
                else:
                    out.append(f"r[{k}]")
            elif slot in self.variables:
                out.append(f"_to_user(_v{slot}, True)")
            elif slot in plan.feed_slots:
                out.append(f"_to_user(s{slot}, {alias})")
            else:
                namespace[f"_c{slot}"] = self.values[slot]
                out.append(f"_to_user(_c{slot}, True)")
        lines.append(f"    return [{', '.join(out)}]")
        exec(compile("\n".join(lines) + "\n", f"<graphflow plan wrapper {id(plan):#x}>",
                     "exec"), namespace)
        return namespace["fast"]


def _live(body, fetch_slots):
    """The steps of `body` that change state or compute something fetched or used by
    another live step (gradients of constants, for example, are computed for nothing)."""
    needed = set(fetch_slots)
    live = []
    for step in reversed(body):
        if step.op._op_def.stateful or needed.intersection(step.outs):
            live.append(step)
            needed.update(step.ins)
    return live[::-1]
