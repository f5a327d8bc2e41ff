"""Elementwise fusion for CPU plans.

`fuse(steps, keep)` (called by plan.py after constant folding) replaces each maximal group of
fusible elementwise float steps by one step. A group has one result (its root, the latest step);
every other member's value is consumed only inside the group and is not fetched, so it never
needs to exist as an array. Groups are grown backwards from the root, taking producers in
reverse execution order, so a producer is examined only after all its possible consumers.

The fused step decides per call, by the size of its largest input:
- below `FUSE_MIN_SIZE` elements it runs the original steps (numpy kernels: no JIT on the cold
  path, and the many small graphs of tests and courses never compile a fused kernel);
- above it, when every input has the result's shape or is a single element, it runs one
  generated numba kernel (`fused_codegen`; `prange` from `PARALLEL_THRESHOLD` elements)
  writing one new output. The kernel compiles in a background thread (or loads from numba's
  disk cache) while the original steps keep serving calls.
Anything unusual (broadcasting, a failed compile, an error) runs the original steps, so errors
are raised by, and name, the member node that fails. A failed compile warns once.
"""

import heapq
import threading
import warnings

import numpy as np

from graphflow.kernels.cpu import fused_codegen
from graphflow.kernels.cpu import recycle

ENABLED = True              # False: plans keep every step (for comparisons and debugging)
FUSE_MIN_SIZE = 1 << 15     # elements; smaller calls run the unfused steps
PARALLEL_THRESHOLD = 1 << 18
BACKGROUND_COMPILE = True   # False: the first large call waits for the compile

_PENDING = object()
_FAILED = object()
_KERNELS = {}               # (source key, parallel) -> numba dispatcher, _PENDING or _FAILED
_LOCK = threading.Lock()
_THREADS = []


def fuse(steps, keep):
    """Returns `steps` with fusible elementwise groups replaced by fused steps.

    Args:
        steps: the plan's Steps in execution order.
        keep: slots that must stay materialised (fetched values).

    Returns:
        The new list of Steps (the input list is not modified).
    """
    if not ENABLED:
        return steps
    dtypes = [_fusible_dtype(step) for step in steps]
    if sum(d is not None for d in dtypes) < 2:
        return steps
    producer = {}
    consumers = {}
    for index, step in enumerate(steps):
        for slot in step.outs:
            producer[slot] = index
        for slot in step.ins:
            consumers.setdefault(slot, set()).add(index)
    keep = keep | _control_inputs(steps)
    taken = set()
    replaced = {}
    for root in range(len(steps) - 1, -1, -1):
        if dtypes[root] is None or root in taken:
            continue
        members = _grow(root, steps, dtypes, producer, consumers, keep, taken)
        if len(members) > 1 and _worth_fusing(steps[root]):
            group = [steps[i] for i in sorted(members)]
            fused = FusedGroup(group, dtypes[root]).step()
            if fused is not None:
                taken.update(members)
                replaced[root] = fused
    if not replaced:
        return steps
    return [replaced.get(i, step) for i, step in enumerate(steps)
            if i in replaced or i not in taken]


def _fusible_dtype(step):
    """The numpy dtype of a fusible step (one float output, inputs of that dtype), else None."""
    op = step.op
    if op.type not in fused_codegen.FUSIBLE or len(op._outputs) != 1:
        return None
    dtype = op._outputs[0].dtype.base_dtype
    if dtype.is_ref_dtype or any(t.dtype.base_dtype != dtype for t in op._inputs):
        return None
    dtype = np.dtype(dtype.as_numpy_dtype)
    return dtype if dtype in fused_codegen.DTYPES else None


def _control_inputs(steps):
    """Output slots of ops that other ops wait for: they must run where they are."""
    outs = {step.op: step.outs for step in steps}
    pinned = set()
    for step in steps:
        for waited in step.op._control_inputs:
            pinned.update(outs.get(waited, ()))
    return pinned


def _grow(root, steps, dtypes, producer, consumers, keep, taken):
    """The member indices of the group rooted at `root`."""
    members = {root}
    heap = []
    seen = set()

    def push_producers(index):
        for slot in steps[index].ins:
            p = producer.get(slot)
            if p is not None and p not in seen:
                seen.add(p)
                heapq.heappush(heap, -p)

    push_producers(root)
    while heap:
        index = -heapq.heappop(heap)
        out = steps[index].outs[0]
        if (dtypes[index] is None or dtypes[index] != dtypes[root] or index in taken
                or out in keep or not consumers[out] <= members):
            continue
        members.add(index)
        push_producers(index)
    return members


def _worth_fusing(root):
    """False when the root's static shape says it is always below FUSE_MIN_SIZE."""
    shape = root.op._outputs[0].shape
    if not shape.is_fully_defined():
        return True
    return shape.num_elements() >= FUSE_MIN_SIZE


class _SubPlan:
    """The group's original steps as a plan, for executor.compile_plan (the unfused path)."""

    def __init__(self, steps, ins, out):
        from graphflow import plan
        self.steps = steps
        self.feed_slots = list(ins)
        self.fetch_slots = [out]
        self.num_slots = 1 + max(max(s.ins + s.outs) for s in steps)
        self.initial_values = [None] * self.num_slots
        plan._assign_frees(steps, {out})


class FusedGroup:
    """A group of elementwise steps run as one (see the module docstring).

    Attributes:
        members: the original Steps, in execution order.
        ins: the group's input slots; out: its result slot.
        kernel_calls: how many calls ran the fused kernel (the others ran the members).
    """

    def __init__(self, members, dtype):
        self.members = members
        self.dtype = dtype
        self.out = members[-1].outs[0]
        self.kernel_calls = 0
        ins = []
        tensors = []
        names = {}
        self.lines = []
        for step in members:
            operands = []
            for slot, tensor in zip(step.ins, step.op._inputs):
                if slot not in names:
                    names[slot] = f"v{len(ins)}"
                    ins.append(slot)
                    tensors.append(tensor)
                operands.append(names[slot])
            self.lines.append(fused_codegen.expression_line(
                step.op.type, dtype, operands, step.op._attrs))
            names[step.outs[0]] = f"t{len(self.lines) - 1}"
        self.ins = tuple(ins)
        self.deref = tuple(j for j, t in enumerate(tensors) if t.dtype.is_ref_dtype)
        self.probe = _probe(tensors)
        self.unfused = None
        self._keys = {}
        self._outputs = recycle.Outputs(keep=1)

    def step(self):
        """The Step replacing the group, or None when no input can tell the size."""
        if self.probe is None:
            return None
        from graphflow import executor
        from graphflow import plan
        self.unfused = executor.compile_plan(_SubPlan(self.members, self.ins, self.out))
        root = self.members[-1]
        return plan.Step(root.op, self._make_run(), self.ins, (self.out,))

    def _make_run(self):
        unfused = self.unfused
        probe = self.probe
        large = self.run_large

        def run(*args):
            if args[probe].size < FUSE_MIN_SIZE:
                return unfused(*args)
            return large(args)
        return run

    def run_large(self, args):
        """One call on large inputs: the fused kernel when it applies and is ready."""
        arrays = list(args)
        for j in self.deref:
            arrays[j] = arrays[j].deref()
        shape = arrays[self.probe].shape
        kinds = _input_kinds(arrays, shape, self.dtype)
        size = arrays[self.probe].size
        kernel = None if kinds is None else self._kernel(kinds, size >= PARALLEL_THRESHOLD)
        if kernel is None:
            return self.unfused(*args)
        flat = [np.ascontiguousarray(a).reshape(-1) if array else a.reshape(-1)[0]
                for a, array in zip(arrays, kinds)]
        out = self._output(shape)
        try:
            kernel(out.reshape(-1), *flat)
        except Exception as err:  # noqa: BLE001 - never a wrong answer: run the members
            _warn_failed(self, err)
            return self.unfused(*args)
        self.kernel_calls += 1
        return (out,)

    def _output(self, shape):
        """A new output array, or the previous call's when nothing but this group holds it
        any more (the user dropped it): reusing it saves the page faults of a fresh one."""
        return self._outputs.empty(shape, self.dtype)

    def source(self, kinds):
        return fused_codegen.kernel_source(self.lines, self.dtype, kinds)

    def _kernel(self, kinds, parallel):
        """The compiled kernel for these input kinds, or None while compiling or failed."""
        key = self._keys.get((kinds, parallel))
        if key is None:
            key = self._keys[kinds, parallel] = (
                fused_codegen.source_key(self.source(kinds)), parallel)
        kernel = _KERNELS.get(key)
        if kernel is None:
            with _LOCK:
                if key in _KERNELS:
                    return None
                _KERNELS[key] = _PENDING
            args = (key, self.source(kinds), kinds, parallel)
            if BACKGROUND_COMPILE:
                thread = threading.Thread(target=self._compile, args=args,
                                          name="graphflow-fuse")
                _THREADS.append(thread)
                thread.start()
                return None
            self._compile(*args)
            kernel = _KERNELS[key]
        return None if kernel is _PENDING or kernel is _FAILED else kernel

    def _compile(self, key, source, kinds, parallel):
        try:
            module = fused_codegen.load_module(source)
            kernel = module.parallel if parallel else module.serial
            empty = np.empty(0, self.dtype)
            kernel(empty, *[empty if array else self.dtype.type(0) for array in kinds])
        except Exception as err:  # noqa: BLE001 - a JIT failure falls back to the members
            _warn_failed(self, err)
            kernel = _FAILED
        _KERNELS[key] = kernel


def _probe(tensors):
    """Index of the input whose run-time size decides the path: the highest known static
    rank (an unknown rank only when no input has a known positive rank), never a variable
    reference; None if all are scalars."""
    best, best_rank = None, 0
    for j, t in enumerate(tensors):
        if t.dtype.is_ref_dtype:
            continue
        rank = t.shape.rank
        rank = 0.5 if rank is None else rank
        if rank > best_rank:
            best, best_rank = j, rank
    return best


def _input_kinds(arrays, shape, dtype):
    """Per input: True (same shape: a flat array), False (one element: a scalar); None when
    any input broadcasts otherwise or has another dtype (the members handle those)."""
    kinds = []
    ndim = len(shape)
    for a in arrays:
        if type(a) is not np.ndarray or a.dtype != dtype:
            return None
        if a.shape == shape:
            kinds.append(True)
        elif a.size == 1 and a.ndim <= ndim:
            kinds.append(False)
        else:
            return None
    return tuple(kinds)


_WARNED = set()


def _warn_failed(group, err):
    root = group.members[-1].op
    if root.type not in _WARNED:
        _WARNED.add(root.type)
        warnings.warn(f"graphflow: fused elementwise kernel ending in {root.type} (node "
                      f"'{root.name}') failed ({type(err).__name__}: {err}); running the "
                      "ops unfused", RuntimeWarning, stacklevel=2)


def wait():
    """Blocks until every background compile started so far has finished."""
    while _THREADS:
        _THREADS.pop().join()
