"""Running a compiled Plan.

Each plan gets a generated straight-line Python function (`compile_plan`): slots become local
variables, kernels and folded constants are bound once, and dead values are dropped right after
their last use. The generic loop `execute_steps` runs the same steps one by one; it serves
traced runs and is the reference the generated code is tested against.

Errors raised by a kernel are re-raised as the matching `OpError` naming the node, its op type,
input shapes and dtypes, and the user's line that created the node.
"""

import numpy as np

from graphflow import errors
from graphflow.kernels.cpu import plan_jit


def execute(plan, feed_values):
    """Runs `plan` with `feed_values` (aligned with plan.feed_slots); returns fetched values.
    The plan's `plan_jit.TRIGGER_RUNS`-th run is profiled (and the next one maybe traced) for
    whole-plan compilation and inter-op parallelism."""
    plan.runs += 1
    if plan.runs == plan_jit.TRIGGER_RUNS:
        return plan_jit.profile(plan, feed_values)
    if plan.trace_next:
        plan.trace_next = False
        return plan_jit.trace(plan, feed_values)
    if plan.jit_pending is not None:
        plan.jit_pending.poll()
    for _ in range(len(plan.steps) + 1):
        run = plan.compiled
        if run is None:
            run = plan.compiled = compile_plan(plan)
        try:
            with np.errstate(all="ignore"):
                return run(*feed_values)
        except _RetryRun:
            continue  # a kernel failed to compile and was replaced by its reference kernel
    raise AssertionError("unreachable: every step can be replaced only once")


class _RetryRun(Exception):
    """Raised when a step's JIT compilation failed before any state was changed in this run."""


# Ops whose kernels change session state (a run that executed them must not be repeated).
_MUTATING_PREFIXES = ("Assign", "Apply", "Random", "TruncatedNormal", "Multinomial",
                      "SaveV2", "RestoreV2")


def _jit_fallback(plan, index, err):
    """On a numba compile error, swaps step `index` to the numpy reference kernel (warning
    once). Returns True when the run can simply be repeated (no state changed yet)."""
    try:
        from numba.core.errors import NumbaError
    except ImportError:  # pragma: no cover - numba is a dependency
        return False
    if not isinstance(err, NumbaError):
        return False
    from graphflow.kernels import reference
    step = plan.steps[index]
    if step.op.type not in reference.REFERENCE or getattr(step, "jit_failed", False):
        return False
    import warnings
    warnings.warn(f"graphflow: compiling the CPU kernel of {step.op.name} ({step.op.type}) "
                  f"failed ({type(err).__name__}); using the numpy reference kernel instead",
                  RuntimeWarning, stacklevel=4)
    run = reference.factory(step.op, None)
    if any(t.dtype.is_ref_dtype for t in step.op._inputs):
        from graphflow.plan import deref_positions, with_deref
        run = with_deref(run, deref_positions(step.op))
    step.run = run
    step.jit_failed = True
    plan.compiled = None
    return not any(s.op.type.startswith(_MUTATING_PREFIXES) for s in plan.steps[:index])


def execute_steps(plan, feed_values, on_step=None, steps=None):
    """The generic interpreter: runs the steps in order; `on_step(step, outputs)` (if given)
    is called after each step, e.g. to record timings. `steps` runs another step list of the
    plan (its unfused steps) instead of `plan.steps`, keeping every value."""
    values = list(plan.initial_values)
    for slot, value in zip(plan.feed_slots, feed_values):
        values[slot] = value
    free = steps is None
    step = None
    try:
        with np.errstate(all="ignore"):
            for step in plan.steps if free else steps:
                results = step.run(*[values[i] for i in step.ins])
                for slot, value in zip(step.outs, results):
                    values[slot] = value
                if on_step is not None:
                    on_step(step, results)
                for slot in step.frees if free else ():
                    values[slot] = None
    except Exception as err:  # noqa: BLE001 - every kernel failure becomes an OpError
        raise annotate(err, step, values) from err
    return [values[s] for s in plan.fetch_slots]


def compile_plan(plan):
    """Generates `run(*feeds) -> list of fetched values` for `plan` as straight-line code."""
    namespace = {"_plan": plan, "_failed": _failed}
    lines = [f"def run({', '.join(f's{s}' for s in plan.feed_slots)}):"]
    for slot, value in enumerate(plan.initial_values):
        if value is not None:
            namespace[f"c{slot}"] = value
            lines.append(f"    s{slot} = c{slot}")
    lines.append("    i = -1")
    lines.append("    try:")
    for index, step in enumerate(plan.steps):
        namespace[f"k{index}"] = step.run
        args = ", ".join(f"s{s}" for s in step.ins)
        lines.append(f"        i = {index}")
        trivial = _trivial(step)
        if trivial == "noop":
            pass
        elif trivial == "identity":
            lines.append(f"        s{step.outs[0]} = s{step.ins[0]}")
        elif trivial == "read":
            lines.append(f"        s{step.outs[0]} = s{step.ins[0]}.deref()")
        elif len(step.outs) == 1:
            lines.append(f"        s{step.outs[0]}, = k{index}({args})")
        elif step.outs:
            targets = ", ".join(f"s{s}" for s in step.outs)
            lines.append(f"        {targets}, = k{index}({args})")
        else:
            lines.append(f"        k{index}({args})")
        dead = [f"s{s}" for s in step.frees]
        if dead:
            lines.append(f"        del {', '.join(dead)}")
    fetched = ", ".join(f"s{s}" for s in plan.fetch_slots)
    lines.append(f"        return [{fetched}]")
    lines.append("    except Exception as err:")
    lines.append("        raise _failed(_plan, i, err, locals()) from err")
    source = "\n".join(lines) + "\n"
    exec(compile(source, f"<graphflow plan {id(plan):#x}>", "exec"), namespace)  # noqa: S102
    return namespace["run"]


_IDENTITY_TYPES = frozenset({"Identity", "StopGradient", "PlaceholderWithDefault"})


def _trivial(step):
    """'noop' / 'identity' / 'read' for steps the generated code does inline, else None."""
    op = step.op
    if op.type == "NoOp":
        return "noop"
    if op.type in _IDENTITY_TYPES:
        if not op._inputs[0].dtype.is_ref_dtype:
            return "identity"
        if op.type == "Identity" and not step.jit_failed:
            return "read"  # a variable's value: the (checked) buffer of its slot
    return None


def _failed(plan, index, err, local_values):
    """The annotated OpError for a failure in step `index` of a generated plan function (or
    `_RetryRun` when a JIT failure was handled by switching to the reference kernel)."""
    if index < 0:
        return err
    if _jit_fallback(plan, index, err):
        return _RetryRun()
    values = [local_values.get(f"s{s}") for s in range(plan.num_slots)]
    return annotate(err, plan.steps[index], values)


_ERROR_CLASSES = {
    ValueError: errors.InvalidArgumentError,
    IndexError: errors.InvalidArgumentError,
    TypeError: errors.InvalidArgumentError,
    ZeroDivisionError: errors.InvalidArgumentError,
    OverflowError: errors.InvalidArgumentError,
    MemoryError: errors.ResourceExhaustedError,
}


def annotate(err, step, values):
    """An OpError of the right class whose message names the failing node."""
    op = step.op
    if getattr(err, "names_node", False):  # raised by a step inside a fused step
        annotated = type(err)(None, err.op, err.message)
    elif isinstance(err, errors.OpError):
        annotated = type(err)(None, op, err.message + describe_node(op, step, values))
    else:
        cls = next((c for t, c in _ERROR_CLASSES.items() if isinstance(err, t)),
                   errors.InternalError)
        message = f"{type(err).__name__}: {err}"
        annotated = cls(None, op, message + describe_node(op, step, values))
    annotated.names_node = True
    return annotated


def describe_node(op, step=None, values=None):
    """The node's name, op type, input shapes/dtypes and creation site, for error messages."""
    parts = [f"\n\t [[node {op.name} (op {op.type})"]
    if op.traceback is not None:
        filename, line, func = op.traceback
        parts.append(f" defined at {filename}:{line} in {func}")
    parts.append("]]")
    if step is not None and values is not None:
        shapes = []
        for slot, t in zip(step.ins, op._inputs):
            v = values[slot]
            shape = getattr(v, "shape", None)
            dtype = getattr(v, "dtype", None)
            if hasattr(v, "deref"):  # a variable slot
                shape = getattr(v.value, "shape", "uninitialized")
                dtype = t.dtype.base_dtype.name
            shape = shape if isinstance(shape, str) else "?" if shape is None else list(shape)
            shapes.append(f"{t.name}: shape={shape} "
                          f"dtype={getattr(dtype, 'name', dtype)}")
        if shapes:
            parts.append("\n\t inputs: " + "; ".join(shapes))
    return "".join(parts)
