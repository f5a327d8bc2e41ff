"""Compiling a run: prune, order, resolve kernels, assign slots, compute last uses.

Everything that depends only on (fetches, fed tensors, targets) is decided here once and cached
by the Session, so `Session.run` does no graph walks or name lookups.
"""

import numpy as np

from graphflow import devices
from graphflow import errors
from graphflow import inter_op
from graphflow import placement as placement_lib
from graphflow import transfers
from graphflow.kernels import host_memory
from graphflow.kernels import registry as kernel_registry
from graphflow.kernels.cpu import fusion


class Step:
    """One node's execution: `outs = run(*[values[i] for i in ins])`, then free `frees`."""

    __slots__ = ("op", "run", "ins", "outs", "frees", "jit_failed", "members")

    def __init__(self, op, run, ins, outs):
        self.op = op
        self.run = run
        self.ins = ins
        self.outs = outs
        self.frees = ()
        self.jit_failed = False
        self.members = None  # the steps a parallel group runs (inter_op.py)


class Plan:
    """The compiled form of one `Session.run` signature.

    Attributes:
        feed_slots: slot of each fed tensor, in `feeds` order.
        fetch_slots: slot of each fetched tensor, in `fetches` order.
        steps: the Steps in execution order.
        num_slots: size of the value table.
    """

    def __init__(self, graph, fetches, targets, feeds, state, config=None):
        self.graph = graph
        fed = set(feeds)
        ops = _needed_ops(fetches, targets, fed)
        order = _toposort(ops)
        self.placement = _place(order, config)
        slot_of = {}
        counter = [0]

        def new_slot():
            counter[0] += 1
            return counter[0] - 1

        for t in feeds:
            slot_of[t] = new_slot()
        self.feed_slots = [slot_of[t] for t in feeds]
        steps = []
        folded = {}

        def emit(step):
            if not _fold(step, folded):
                steps.append(step)

        moves = transfers.Transfers(new_slot, Step)
        for op in order:
            device = self.placement.get(op, _CPU) if self.placement else _CPU
            if device is not _CPU and _foldable(op, slot_of, folded):
                device = _CPU  # computed once on the host at plan time, then copied once
            ins = tuple(slot_of[t] if _stays(op, i) else moves.slot_on(slot_of[t], device, emit)
                        for i, t in enumerate(op._inputs))
            step = _make_step(op, ins, slot_of, new_slot, state, folded, device)
            moves.produced(step.outs, device, op.name)
            emit(step)
        self.fetch_slots = [moves.slot_on(slot_of[t], _CPU, emit) for t in fetches]
        self.num_slots = counter[0]
        self.unfused_steps = steps
        steps = fusion.fuse(steps, set(self.fetch_slots))
        self.steps = steps
        _assign_frees(steps, set(self.fetch_slots) | set(folded))
        self.initial_values = [None] * self.num_slots
        for slot, value in folded.items():
            self.initial_values[slot] = value
        self.ops = order
        self.folded_ops = len(order) - len(steps)
        self.compiled = None  # the generated run function (executor.compile_plan), lazily
        self.runs = 0
        self.fast = None      # the whole-plan function's wrapper (kernels/cpu/plan_jit)
        self.jit_pending = None  # its compile, while in progress
        self.trace_next = False  # set by plan_jit.profile: trace the next run
        self.serial_steps = None  # `steps` before inter-op grouping (inter_op.py), if grouped
        self.inter_op_threads = inter_op.pool_size(config)
        self.fetch_may_alias = [_may_alias_state(t) for t in fetches]


_CPU = devices.get("CPU")


_METADATA_OPS = frozenset({"Shape", "Size", "Rank", "ShapeN"})


def _stays(op, position):
    """Inputs read where they are: metadata-only ops read a device array's shape without a
    copy; int32 tensors (shapes, axes, sizes) live in host memory for every device, and so do
    the other integer inputs that TF's GPU kernels declare HostMemory (kernels/host_memory)."""
    from graphflow import dtypes
    dtype = op._inputs[position].dtype.base_dtype
    if op.type in _METADATA_OPS or dtype == dtypes.int32:
        return True
    return dtype.is_integer and host_memory.is_host_memory(op.type, position, len(op._inputs))


def _foldable(op, slot_of, folded):
    """Whether constant folding can compute `op` at plan time (stateless, inputs known)."""
    if op._op_def.stateful or not op._outputs or op._control_inputs:
        return False
    return _static_value(op) is not None or _all_constant(
        [slot_of[t] for t in op._inputs], folded)


def _place(order, config):
    """op -> Device, or None when every op runs on the CPU (no GPU, no device requests)."""
    if devices.get("GPU", config) is None and not any(op.device for op in order):
        return None
    return placement_lib.place(order, config)


FOLD_LIMIT = 1 << 16  # larger constant results are recomputed each run instead of kept


def _fold(step, folded):
    """Constant folding: runs a stateless step whose inputs are all known once, at plan time.

    Its outputs become read-only constants of the plan. Steps that fail are kept so the error
    surfaces at run time with the usual node annotation.
    """
    op = step.op
    if op._op_def.stateful or not op._outputs or op._control_inputs:
        return False
    static = _static_value(op)
    if static is not None:
        results = (static,)
    elif not _all_constant(step.ins, folded):
        return False
    else:
        results = _run_folded(step, folded)
        if results is None:
            return False
    if getattr(op, "is_transfer", False):
        for slot, value in zip(step.outs, results):
            folded[slot] = value
        return True
    if any(not isinstance(r, np.ndarray) or r.size > FOLD_LIMIT for r in results):
        return False
    for slot, value in zip(step.outs, results):
        if value.flags.writeable:
            value = value.copy()
            value.flags.writeable = False
        folded[slot] = value
    return True


def _all_constant(slots, folded):
    """Whether every slot holds a plan-time constant (never a variable's slot: its value
    changes between runs)."""
    return all(s in folded and not hasattr(folded[s], "deref") for s in slots)


def _static_value(op):
    """Shape/Size/Rank of a tensor whose static shape is fully known (feeds are checked
    against static shapes, so these cannot change)."""
    if op.type in ("Shape", "Size", "Rank"):
        from graphflow.ops import constant_op
        return constant_op.constant_value(op._outputs[0])
    return None


def _run_folded(step, folded):
    try:
        with np.errstate(all="ignore"):
            return step.run(*[folded[s] for s in step.ins])
    except Exception:  # noqa: BLE001 - reported when the step runs
        return None


# Kernels that may return their input object itself (not a view or a new array).
_PASS_THROUGH = frozenset({"Identity", "StopGradient", "PlaceholderWithDefault", "Cast",
                           "Snapshot"})


def _may_alias_state(tensor):
    """Whether a fetched value can be a variable's buffer itself (then the session copies
    it, so later updates of the variable do not change what the user holds)."""
    seen = 0
    while tensor.op.type in _PASS_THROUGH and tensor.op._inputs and seen < 64:
        tensor = tensor.op._inputs[0]
        seen += 1
    return tensor.dtype.is_ref_dtype


def _needed_ops(fetches, targets, fed):
    """The ops to run: backwards from fetches and targets through data and control inputs,
    stopping at fed tensors. Unfed placeholders raise InvalidArgumentError.

    A control input that can have no effect is skipped: one whose op and every op above it
    (through data and control inputs, up to fed tensors) is stateless or only reads a
    variable. Such an op's work could not be observed; the common case is the gradient with
    respect to a fed placeholder, which an optimizer's gated gradients (`tuple`) ask for only
    by a control edge, e.g. a third of an MLP's backward matmuls. What a target asks for by
    name - `sess.run(tf.group(y))`, the control inputs of a target and of the groups
    (NoOps) among them - always runs: that is how people time a computation.
    """
    needed = set()
    effects = {}
    asked = set(targets)  # ops whose control inputs all run
    stack = [t.op for t in fetches if t not in fed] + list(targets)
    while stack:
        op = stack.pop()
        if op in needed:
            continue
        if op.type == "Placeholder":
            raise _unfed_placeholder(op)
        needed.add(op)
        for t in op._inputs:
            if t not in fed and t.op not in needed:
                stack.append(t.op)
        for c in op._control_inputs:
            if c in needed:
                continue
            if op in asked:
                if c.type == "NoOp":
                    asked.add(c)
                stack.append(c)
            elif _may_have_effect(c, fed, effects):
                stack.append(c)
    return needed


# Stateful ops that only read session state: running them changes nothing.
_READ_ONLY_STATEFUL = frozenset({"VariableV2", "VarHandleOp", "ReadVariableOp"})
# Stateless ops that exist for what they raise or print.
_CHECK_OPS = frozenset({"CheckNumerics", "Assert", "Print", "PrintV2"})


def _may_have_effect(root, fed, memo):
    """Whether running `root` (with what it needs) may change state, raise a check or need an
    unfed placeholder; memoised in `memo`. Iterative: graphs can be deep."""
    stack = [root]
    while stack:
        op = stack[-1]
        if op in memo:
            stack.pop()
            continue
        if (op.type in _CHECK_OPS or op.type == "Placeholder"
                or (op._op_def.stateful and op.type not in _READ_ONLY_STATEFUL)):
            memo[op] = True
            stack.pop()
            continue
        above = [t.op for t in op._inputs if t not in fed] + list(op._control_inputs)
        pending = [a for a in above if a not in memo]
        if pending:
            stack.extend(pending)
            continue
        memo[op] = any(memo[a] for a in above)
        stack.pop()
    return memo[root]


def _unfed_placeholder(op):
    dtype = op.get_attr("dtype").tf_name
    shape = op.get_attr("shape")
    text = f"You must feed a value for placeholder tensor '{op.name}' with dtype {dtype}"
    if shape.rank is not None:
        dims = ",".join("?" if d is None else str(d) for d in shape._values)
        text += f" and shape [{dims}]"
    return errors.InvalidArgumentError(None, op, text)


def _toposort(ops):
    """Kahn's algorithm, ties broken by creation order: deterministic, no recursion."""
    import heapq
    pending = {}
    consumers = {}
    for op in ops:
        deps = {t.op for t in op._inputs if t.op in ops}
        deps.update(c for c in op._control_inputs if c in ops)
        pending[op] = len(deps)
        for d in deps:
            consumers.setdefault(d, []).append(op)
    ready = [(op._id, op) for op, n in pending.items() if n == 0]
    heapq.heapify(ready)
    order = []
    while ready:
        _, op = heapq.heappop(ready)
        order.append(op)
        for c in consumers.get(op, ()):
            pending[c] -= 1
            if pending[c] == 0:
                heapq.heappush(ready, (c._id, c))
    if len(order) != len(ops):
        cyclic = sorted((op for op, n in pending.items() if n > 0), key=lambda o: o._id)
        names = ", ".join(op.name for op in cyclic[:5])
        raise errors.InvalidArgumentError(None, cyclic[0], f"Graph has a cycle through: {names}")
    return order


class KernelNode:
    """What a kernel factory sees of a node: the Operation's API plus `constant_inputs`, the
    plan-time values of inputs that constant folding computed (None for the others), so a
    factory can specialise (e.g. precompute reduction axes)."""

    __slots__ = ("_op", "constant_inputs")

    def __init__(self, op, constant_inputs):
        self._op = op
        self.constant_inputs = constant_inputs

    def __getattr__(self, name):
        return getattr(self._op, name)


def _make_step(op, ins, slot_of, new_slot, state, folded, device=None):
    """The Step running `op` on `device` (default CPU) with input slots `ins`."""
    kernel_device = "CPU" if device is None else device.kernel_device
    try:
        factory = kernel_registry.lookup(op.type, kernel_device)
    except KeyError:
        raise errors.NotFoundError(
            None, op, f"No registered kernel for op '{op.type}' (node '{op.name}') on "
            f"device {kernel_device}") from None
    constants = tuple(folded.get(s) for s in ins)
    run = factory(KernelNode(op, constants), state)
    deref = deref_positions(op)
    if deref:
        run = with_deref(run, deref)
    outs = []
    for t in op._outputs:
        slot_of[t] = new_slot()
        outs.append(slot_of[t])
    return Step(op, run, ins, tuple(outs))


def _ref_args(op):
    flags = []
    for arg in op._op_def.inputs:
        flags.extend([arg.is_ref] * arg.count(op._attrs))
    return flags


def deref_positions(op):
    """Inputs that read a variable's value through a reference edge."""
    return tuple(i for i, (t, arg_is_ref) in enumerate(zip(op._inputs, _ref_args(op)))
                 if t.dtype.is_ref_dtype and not arg_is_ref)


def with_deref(run, positions):
    """Reading a variable's value through a ref edge: the slot becomes its (checked) array."""
    def deref_run(*args):
        args = list(args)
        for i in positions:
            args[i] = args[i].deref()
        return run(*args)
    return deref_run


def _assign_frees(steps, keep):
    last_use = {}
    for i, step in enumerate(steps):
        for s in step.ins:
            last_use[s] = i
        for s in step.outs:
            last_use.setdefault(s, i)
    frees = {}
    for s, i in last_use.items():
        if s not in keep:
            frees.setdefault(i, []).append(s)
    for i, slots in frees.items():
        steps[i].frees = tuple(slots)
