"""Run tracing: `StepStats` for `Session.run(..., options=RunOptions(trace_level=FULL_TRACE),
run_metadata=run_metadata)`.

A traced run goes through the executor's generic step loop with a callback after each step
(untraced runs never see this module: the Session picks the loop once per run). Each executed
node gets a `NodeExecStats` as TensorFlow writes them: absolute start time, relative end
times, the timeline label `name = Op(inputs)`, its outputs' dtype, shape and bytes, and the
bytes it allocated, which TensorBoard's graph dashboard turns into compute-time and memory
colors.
"""

import threading
import time

import numpy as np

from graphflow import executor
from graphflow.proto import step_stats_pb2

CPU_DEVICE = "/job:localhost/replica:0/task:0/device:CPU:0"
ALLOCATOR = "cpu"


def tracer_for(options, run_metadata):
    """A `RunTracer` when `options` ask for a trace and `run_metadata` can receive it."""
    if options is None or run_metadata is None or not getattr(options, "trace_level", 0):
        return None
    return RunTracer(run_metadata, options)


class RunTracer:
    """Runs one plan step by step, recording a `NodeExecStats` per executed node, and fills
    `run_metadata` (its `step_stats`, and `partition_graphs` when the options ask for them).

    Args:
        run_metadata: a `RunMetadata` proto (graphflow's or any wire-compatible one).
        options: the `RunOptions` of the run.
    """

    def __init__(self, run_metadata, options):
        self._run_metadata = run_metadata
        self._partition_graphs = bool(getattr(options, "output_partition_graphs", False))
        self._device = step_stats_pb2.DeviceStepStats(device=CPU_DEVICE)
        self._thread_id = threading.get_native_id() & 0xFFFFFFFF
        self._start_ns = 0
        self._buffers = set()  # data pointers of arrays that exist already (feeds, outputs)

    def run(self, plan, feed_values):
        """Executes `plan` and records its steps; returns the fetched values."""
        self._buffers.update(_data_pointer(v) for v in feed_values if isinstance(v, np.ndarray))
        self._start_ns = time.time_ns()
        try:
            return executor.execute_steps(plan, feed_values, on_step=self._on_step,
                                          steps=plan.serial_steps)
        finally:
            self._finish(plan)

    def _on_step(self, step, results):
        end_ns = time.time_ns()
        stats = self._device.node_stats.add(
            node_name=step.op.name, timeline_label=timeline_label(step.op),
            thread_id=self._thread_id)
        set_times(stats, self._start_ns, end_ns)
        allocated = 0
        for slot, value in enumerate(results):
            description = stats.output.add(slot=slot).tensor_description
            allocated += describe_tensor(description, step.op._outputs[slot], value,
                                         self._buffers)
        if allocated:
            stats.memory.add(allocator_name=ALLOCATOR, total_bytes=allocated,
                             peak_bytes=allocated, live_bytes=allocated)
        self._start_ns = time.time_ns()  # the next step starts after this bookkeeping

    def _finish(self, plan):
        metadata = step_stats_pb2.RunMetadata()
        metadata.step_stats.dev_stats.append(self._device)
        if self._partition_graphs:
            from graphflow.io import graph_def
            partition = metadata.partition_graphs.add()
            partition.versions.CopyFrom(graph_def.versions())
            partition.node.extend(graph_def.node_def_of(step.op)
                                  for step in plan.serial_steps or plan.steps)
        target = self._run_metadata
        if isinstance(target, step_stats_pb2.RunMetadata):
            target.CopyFrom(metadata)
        else:  # e.g. TensorFlow's RunMetadata: same wire format
            target.ParseFromString(metadata.SerializeToString())


def set_times(stats, start_ns, end_ns):
    """Start and end of a node, in TF's absolute and relative micro- and nanosecond fields."""
    duration = max(end_ns - start_ns, 0)
    stats.all_start_micros = start_ns // 1000
    stats.all_start_nanos = start_ns
    stats.scheduled_micros = start_ns // 1000
    stats.scheduled_nanos = start_ns
    stats.op_end_rel_micros = stats.all_end_rel_micros = duration // 1000
    stats.op_end_rel_nanos = stats.all_end_rel_nanos = duration


def timeline_label(op):
    """TF's timeline label: `name = Type(input, input:1, ^control)`."""
    inputs = [t._as_node_def_input() for t in op._inputs]
    inputs.extend("^" + c.name for c in op._control_inputs)
    return f"{op.name} = {op.type}({', '.join(inputs)})"


def _data_pointer(array):
    return array.__array_interface__["data"][0]


def describe_tensor(description, tensor, value, buffers):
    """Fills a TensorDescription from an output value; returns the bytes it newly allocated:
    zero for views, variables (persistent, not allocated by the step) and buffers seen before
    (`buffers`, which this call extends), such as a variable's value read through Identity."""
    description.dtype = tensor.dtype.base_dtype.as_datatype_enum
    array = value if isinstance(value, np.ndarray) else getattr(value, "value", None)
    if not isinstance(array, np.ndarray):
        description.shape.unknown_rank = True
        return 0
    for d in array.shape:
        description.shape.dim.add(size=d)
    allocation = description.allocation_description
    allocation.requested_bytes = array.nbytes
    allocation.allocator_name = ALLOCATOR
    pointer = _data_pointer(array)
    allocation.ptr = pointer
    fresh = array is value and array.base is None and pointer not in buffers
    buffers.add(pointer)
    if not fresh or array.nbytes == 0:
        return 0
    allocation.allocated_bytes = array.nbytes
    return array.nbytes
