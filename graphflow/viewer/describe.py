"""What the viewer says about one node: its kind (for colors), output dtypes, attrs as text and
run statistics, all read from a NodeDef (graphflow's or TensorFlow's) and optional StepStats.
"""

import numpy as np

from graphflow import dtypes
from graphflow import registry

# Kinds of ops and their fill colors (light enough for black labels).
KIND_COLORS = {
    "input": "#ffd8a8",
    "variable": "#b2f2bb",
    "constant": "#e9ecef",
    "state": "#d8f5a2",
    "training": "#ffc9c9",
    "math": "#d0ebff",
    "linalg": "#a5d8ff",
    "reduction": "#c5f6fa",
    "array": "#e5dbff",
    "nn": "#fcc2d7",
    "random": "#fff3bf",
    "gradient": "#ffe8cc",
    "summary": "#f3d9fa",
    "control": "#f1f3f5",
    "io": "#dee2e6",
    "other": "#ffffff",
}

_KIND_OF = {}
for _kind, _ops in {
    "input": "Placeholder PlaceholderWithDefault _Arg",
    "variable": "VariableV2 Variable VarHandleOp",
    "constant": "Const HostConst",
    "state": "Assign AssignAdd AssignSub AssignVariableOp ReadVariableOp IsVariableInitialized "
             "ScatterUpdate ScatterAdd ScatterSub",
    "linalg": "MatMul BatchMatMul BatchMatMulV2 BatchMatMulV3 SparseMatMul MatrixInverse "
              "MatrixDeterminant Cholesky Einsum",
    "reduction": "Sum Mean Prod Max Min ArgMax ArgMin All Any Cumsum Cumprod",
    "array": "Reshape Transpose ConcatV2 Concat Pack Unpack Slice StridedSlice GatherV2 Gather "
             "Tile Pad PadV2 MirrorPad Squeeze ExpandDims Shape ShapeN Size Rank Fill Range "
             "OneHot Split SplitV ReverseV2 BroadcastTo Where Select SelectV2 ZerosLike OnesLike "
             "DynamicStitch InvertPermutation UnsortedSegmentSum BroadcastGradientArgs",
    "nn": "Conv2D Conv2DBackpropInput Conv2DBackpropFilter MaxPool AvgPool Relu Relu6 Elu Selu "
          "Softplus Softsign Softmax LogSoftmax BiasAdd SoftmaxCrossEntropyWithLogits "
          "SparseSoftmaxCrossEntropyWithLogits L2Loss LRN FusedBatchNorm FusedBatchNormV3",
    "control": "NoOp Identity IdentityN StopGradient Switch Merge Enter Exit NextIteration "
               "LoopCond ControlTrigger PreventGradient",
    "io": "SaveV2 RestoreV2 MergeV2Checkpoints ShardedFilename StringJoin Save Restore "
          "SaveSlices RestoreSlice",
}.items():
    for _op in _ops.split():
        _KIND_OF[_op] = _kind


def kind_of(op_type):
    """The kind of an op type (a key of KIND_COLORS): a table, then naming conventions."""
    kind = _KIND_OF.get(op_type)
    if kind is not None:
        return kind
    if op_type.startswith(("Apply", "ResourceApply", "SparseApply")):
        return "training"
    if "Summary" in op_type:
        return "summary"
    if op_type.startswith(("Random", "TruncatedNormal", "Multinomial", "Stateless")):
        return "random"
    if op_type.endswith("Grad") or op_type.endswith("GradV2"):
        return "gradient"
    if op_type[:1].isupper():
        return "math"  # elementwise arithmetic, comparisons, casts: the bulk of TF's ops
    return "other"


def is_variable(op_type):
    return _KIND_OF.get(op_type) == "variable"


# ------------------------------------------------------------------------ dtypes and shapes
def _dtype_name(enum):
    try:
        return dtypes.as_dtype(int(enum)).base_dtype.name
    except (TypeError, ValueError, KeyError):
        return "?"


def output_dtypes(node, count):
    """The dtype names of a NodeDef's first `count` outputs, from graphflow's OpDef of its
    type (TF's argument specs) or, for ops graphflow does not know, its T/dtype attr."""
    try:
        op_def = registry.get_op_def(node.op)
    except KeyError:
        op_def = None
    names = []
    if op_def is not None:
        for arg in op_def.outputs:
            names.extend(_arg_dtype_names(node, op_def, arg))
    if not names:
        for key in ("T", "dtype", "out_type", "DstT"):
            if key in node.attr and node.attr[key].WhichOneof("value") == "type":
                names = [_dtype_name(node.attr[key].type)]
                break
    if len(names) < count:
        names.extend([names[-1] if len(names) == 1 else "?"] * (count - len(names)))
    return names[:count] if count else names


def _arg_dtype_names(node, op_def, arg):
    """Dtype names of one output argument; attrs missing from the NodeDef (exported without
    their defaults) take the OpDef's default."""
    attr = node.attr
    if getattr(arg, "type_list_attr", None):
        return [_dtype_name(t) for t in attr[arg.type_list_attr].list.type]
    if arg.fixed_dtype is not None:
        name = arg.fixed_dtype.name
    elif arg.type_attr in attr:
        name = _dtype_name(attr[arg.type_attr].type)
    else:
        default = op_def.attrs[arg.type_attr].default
        name = default.name if isinstance(default, dtypes.DType) else "?"
    if arg.is_ref and name != "?":
        name += "_ref"
    count = 1
    if arg.number_attr is not None:
        count = attr[arg.number_attr].i if arg.number_attr in attr else 1
    return [name] * count


def shape_text(shape_proto):
    """`[?,3]`-style text of a TensorShapeProto; `?` for an unknown rank."""
    if shape_proto.unknown_rank:
        return "?"
    return "[" + ",".join("?" if d.size < 0 else str(d.size) for d in shape_proto.dim) + "]"


def output_shapes(node):
    """Shape texts of the `_output_shapes` attr (empty when the GraphDef has none)."""
    if "_output_shapes" not in node.attr:
        return []
    return [shape_text(s) for s in node.attr["_output_shapes"].list.shape]


# ------------------------------------------------------------------------ attrs as text
def _tensor_text(tensor):
    shape = shape_text(tensor.tensor_shape)
    head = f"{_dtype_name(tensor.dtype)} {shape}"
    try:
        from graphflow.io import protos
        value = protos.make_ndarray(tensor, max_elements=1 << 16)
    except Exception:  # noqa: BLE001 - a description, not a conversion: show what we can
        return head
    flat = value.reshape(-1)
    items = [_element_text(v) for v in flat[:6]]
    more = ", ..." if flat.size > 6 else ""
    return f"{head} {{{', '.join(items)}{more}}}"


def _element_text(value):
    if isinstance(value, bytes):
        return repr(value)[1:]
    if isinstance(value, np.floating):
        return np.format_float_positional(value, trim="-")
    return str(value)


def _scalar_text(value, which):
    if which == "s":
        return repr(value)[1:] if isinstance(value, bytes) else repr(value)
    if which == "type":
        return _dtype_name(value)
    if which == "shape":
        return shape_text(value)
    if which == "tensor":
        return _tensor_text(value)
    if which == "f":
        return np.format_float_positional(np.float32(value), trim="-")
    return str(value)


def attr_text(attr):
    """A short, readable text of an AttrValue."""
    which = attr.WhichOneof("value")
    if which is None:
        return ""
    if which == "list":
        parts = []
        for field in ("s", "i", "f", "b", "type", "shape", "tensor"):
            parts.extend(_scalar_text(v, field) for v in getattr(attr.list, field))
        return "[" + ", ".join(parts) + "]"
    if which == "func":
        return attr.func.name
    if which == "placeholder":
        return "$" + attr.placeholder
    return _scalar_text(getattr(attr, which), which)


def attr_items(node):
    """(name, text) of a NodeDef's attrs, sorted, without `_output_shapes`."""
    return [(key, attr_text(node.attr[key])) for key in sorted(node.attr)
            if key != "_output_shapes"]


# ------------------------------------------------------------------------ run statistics
class NodeStats:
    """What a traced run measured for one node (summed over devices and repeated entries)."""

    __slots__ = ("micros", "bytes", "device", "shapes")

    def __init__(self):
        self.micros = 0
        self.bytes = 0
        self.device = ""
        self.shapes = []


def stats_by_node(step_stats):
    """NodeStats per node name from a StepStats proto (None: no statistics)."""
    if step_stats is None:
        return {}
    result = {}
    for dev in step_stats.dev_stats:
        for node_stats in dev.node_stats:
            stats = result.get(node_stats.node_name)
            if stats is None:
                stats = result[node_stats.node_name] = NodeStats()
            stats.device = stats.device or dev.device
            stats.micros += node_stats.all_end_rel_micros
            stats.bytes += sum(m.total_bytes for m in node_stats.memory if m.total_bytes > 0)
            if not stats.shapes:
                stats.shapes = [shape_text(o.tensor_description.shape)
                                for o in node_stats.output]
    return result
