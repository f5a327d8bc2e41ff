"""Inputs that TF's GPU kernels declare `HostMemory`: shapes, axes, sizes, counts and seeds.

Plans keep integer tensors feeding these positions on the host whatever the op's device (a
device kernel reads them with `memory.host_array`, which passes numpy arrays through), so an
axis or a shape never makes a round trip through the device. Positions may be negative
(counted from the last input, for ops with a list input first).
"""

HOST_MEMORY_INPUTS = {
    "Sum": (1,), "Mean": (1,), "Max": (1,), "Min": (1,), "Prod": (1,), "Any": (1,),
    "All": (1,), "ArgMax": (1,), "ArgMin": (1,), "Cumsum": (1,), "Cumprod": (1,),
    "Reshape": (1,), "Transpose": (1,), "ExpandDims": (1,), "Fill": (0,),
    "Slice": (1, 2), "StridedSlice": (1, 2, 3), "StridedSliceGrad": (0, 1, 2, 3),
    "Tile": (1,), "Pad": (1,), "PadV2": (1,), "ReverseV2": (1,), "BroadcastTo": (1,),
    "GatherV2": (2,), "OneHot": (1,), "ConcatV2": (-1,),
    "Conv2DBackpropInput": (0,), "Conv2DBackpropFilter": (1,), "AvgPoolGrad": (0,),
    "RandomUniform": (0,), "RandomStandardNormal": (0,), "TruncatedNormal": (0,),
    "RandomUniformInt": (0, 1, 2), "Range": (0, 1, 2), "UnsortedSegmentSum": (2,),
    "Split": (0,), "SplitV": (1, 2),
}


def is_host_memory(op_type, position, num_inputs):
    """Whether input `position` of an `op_type` node with `num_inputs` inputs is HostMemory."""
    positions = HOST_MEMORY_INPUTS.get(op_type, ())
    return position in positions or position - num_inputs in positions
