"""Inter-op parallelism: independent heavy steps of a plan run at the same time.

A plan's profiling run (its traced run, see kernels/cpu/plan_jit.py) times every step. Steps
that took at least `HEAVY_SECONDS`, change no state, are not a single BLAS call (`ALL_CORES`)
and are independent of each other are then
grouped at the position of the group's last member: an earlier heavy step joins when no step
before that position (the later members included) needs its outputs or waits for it, and no
state-changing step lies between them (so every member reads the values it would read in
order). A group runs as one step: its first member on the calling thread,
the others on the session's pool of `inter_op_parallelism_threads` threads (numba kernels are
`nogil`, BLAS and large numpy loops release the GIL). Only when numba's threading layer is
thread-safe (TBB or OpenMP): its `workqueue` fallback aborts on concurrent parallel kernels. Results are those of the serial plan:
the same kernels run on the same inputs.
"""

import concurrent.futures
import os
import threading

HEAVY_SECONDS = 1e-3
# Ops that are one BLAS call: BLAS already runs on every core, and two at once only fight
# over them (each waits at its own barriers for threads the other one holds).
ALL_CORES = frozenset({"MatMul", "BatchMatMul", "BatchMatMulV2", "BatchMatMulV3"})

_POOLS = {}
_LOCK = threading.Lock()


def pool_size(config):
    """Threads for independent steps: `inter_op_parallelism_threads`, 0 meaning the number
    of cores (TF's default)."""
    n = getattr(config, "inter_op_parallelism_threads", 0) or 0
    return n if n > 0 else (os.cpu_count() or 1)


def numba_is_thread_safe():
    """Whether numba's threading layer takes parallel kernels from several threads at once:
    TBB and OpenMP do; the `workqueue` fallback (no TBB, no libgomp) aborts the process."""
    import numba
    try:
        return numba.threading_layer() in ("tbb", "omp")
    except ValueError:  # no parallel kernel ran yet: the layer numba would pick
        for module in ("tbbpool", "omppool"):
            try:
                __import__(f"numba.np.ufunc.{module}")
                return True
            except ImportError:
                continue
        return False


def _pool(size):
    with _LOCK:
        pool = _POOLS.get(size)
        if pool is None:
            pool = _POOLS[size] = concurrent.futures.ThreadPoolExecutor(
                size - 1, thread_name_prefix="graphflow-inter-op")
        return pool


def parallelise(plan, durations, size):
    """Regroups `plan.steps` into parallel groups where that helps (see the module docstring).

    Args:
        plan: the Plan; its `steps` are replaced and its generated function reset.
        durations: {step: seconds} from the profiling run.
        size: pool size (`pool_size`); 1 disables grouping.

    Returns:
        The number of groups formed.
    """
    steps = plan.steps
    if size < 2 or not numba_is_thread_safe():
        return 0
    heavy = [s for s in steps if durations.get(s, 0.0) >= HEAVY_SECONDS and _movable(s)]
    if len(heavy) < 2:
        return 0
    index = {s: i for i, s in enumerate(steps)}
    step_of = {s.op: s for s in steps}
    users = {}  # slot or step -> indices of the steps that read it or wait for it
    for i, s in enumerate(steps):
        for slot in s.ins:
            users.setdefault(slot, []).append(i)
        for c in s.op._control_inputs:
            if c in step_of:
                users.setdefault(step_of[c], []).append(i)
    stateful = [i for i, s in enumerate(steps) if s.op._op_def.stateful]
    grouped = set()
    groups = {}
    for first in heavy:
        if first in grouped:
            continue
        members = [first]
        for other in heavy:
            p = index[other]
            if p <= index[first] or other in grouped or len(members) == size:
                continue
            if any(index[first] < k < p for k in stateful):
                break  # later steps might read what that step changes
            if all(u > p for m in members for key in (*m.outs, m) for u in users.get(key, ())):
                members.append(other)  # nothing before `other` (nor it) needs the others
        if len(members) > 1:
            grouped.update(members)
            groups[index[members[-1]]] = members
    if not groups:
        return 0
    from graphflow import plan as plan_lib
    new_steps = []
    for i, step in enumerate(steps):
        if i in groups:
            new_steps.append(_group_step(groups[i], size))
        elif step not in grouped:
            new_steps.append(step)
    plan.serial_steps = steps
    keep = set(plan.fetch_slots) | {s for s, v in enumerate(plan.initial_values)
                                    if v is not None}
    plan_lib._assign_frees(new_steps, keep)
    plan.steps = new_steps
    plan.compiled = None
    return len(groups)


def _movable(step):
    op = step.op
    return (not op._op_def.stateful and step.members is None and op.type not in ALL_CORES and
            not any(t.dtype.is_ref_dtype for t in op._inputs))


def _group_step(members, size):
    """One Step running `members` concurrently."""
    from graphflow import executor
    from graphflow import plan as plan_lib
    pool = _pool(size)
    cuts = []
    start = 0
    for member in members:
        cuts.append((member, start, start + len(member.ins)))
        start += len(member.ins)

    def call(member, args):
        try:
            return member.run(*args)
        except Exception as err:  # noqa: BLE001 - named after the member that failed
            values = {slot: value for slot, value in zip(member.ins, args)}
            raise executor.annotate(err, member, _Lookup(values)) from err

    def run(*args):
        futures = [pool.submit(call, m, args[a:b]) for m, a, b in cuts[1:]]
        first, a, b = cuts[0]
        outputs = list(call(first, args[a:b]))
        for future in futures:
            outputs.extend(future.result())
        return tuple(outputs)

    step = plan_lib.Step(members[0].op, run, tuple(s for m in members for s in m.ins),
                         tuple(s for m in members for s in m.outs))
    step.jit_failed = True  # no per-kernel JIT fallback swaps a whole group
    step.members = members
    return step


class _Lookup(dict):
    """Slot -> value for error messages (missing slots read as None)."""

    def __getitem__(self, slot):
        return self.get(slot)
