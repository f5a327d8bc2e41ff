"""Session configuration objects: ConfigProto, GPUOptions, RunOptions, RunMetadata.

ConfigProto and GPUOptions are plain Python stand-ins with TF's field names. RunOptions and
RunMetadata are the wire-compatible protos of graphflow/proto/step_stats.proto (run tracing
fills `RunMetadata.step_stats`; FileWriter.add_run_metadata writes them for TensorBoard).
"""

from graphflow import lazy

lazy.exports(globals(), {"RunMetadata": "graphflow.proto.step_stats_pb2:RunMetadata",
                         "RunOptions": "graphflow.proto.step_stats_pb2:RunOptions"})


class GPUOptions:
    def __init__(self, allow_growth=False, per_process_gpu_memory_fraction=0.0,
                 visible_device_list=""):
        self.allow_growth = allow_growth
        self.per_process_gpu_memory_fraction = per_process_gpu_memory_fraction
        self.visible_device_list = visible_device_list


class GraphOptions:
    def __init__(self, **kwargs):
        self.__dict__.update(kwargs)


class ConfigProto:
    """Session configuration with TF's field names.

    Args:
        intra_op_parallelism_threads: threads a parallel kernel uses (0: all cores).
        inter_op_parallelism_threads: threads for independent nodes (0: default).
        allow_soft_placement: run nodes on CPU when their requested device is unavailable.
        log_device_placement: print where each node runs when a plan is built.
        device_count: e.g. {"GPU": 0} to hide GPUs.
    """

    def __init__(self, intra_op_parallelism_threads=0, inter_op_parallelism_threads=0,
                 allow_soft_placement=False, log_device_placement=False, device_count=None,
                 gpu_options=None, graph_options=None, use_per_session_threads=False,
                 operation_timeout_in_ms=0):
        self.intra_op_parallelism_threads = intra_op_parallelism_threads
        self.inter_op_parallelism_threads = inter_op_parallelism_threads
        self.allow_soft_placement = allow_soft_placement
        self.log_device_placement = log_device_placement
        self.device_count = dict(device_count or {})
        self.gpu_options = gpu_options or GPUOptions()
        self.graph_options = graph_options or GraphOptions()
        self.use_per_session_threads = use_per_session_threads
        self.operation_timeout_in_ms = operation_timeout_in_ms
