"""Exporting a Graph as a GraphDef that TensorFlow imports and TensorBoard draws.

NodeDefs are minimal and portable: TF's op type names, every attr without a default, attrs
with defaults only where they differ from the default (TensorFlow fills defaults in on import,
and graphflow's defaults equal TF's: tests/io/test_tf_compat.py checks it), inputs written as
TF writes them (`op` for output 0, `op:i` otherwise, `^op` for control inputs), the device
when one is set, and `_output_shapes` with `add_shapes=True`.
"""

from graphflow import registry
from graphflow.io import protos
from graphflow.proto import graph_pb2
from graphflow.proto import node_def_pb2

# GraphDef versions (TF's VersionDef semantics). Graphs from producer 22 on enforce scalar and
# partially known Placeholder shapes; 27 is the first version without the V1 save/restore ops.
GRAPH_DEF_VERSION = 27
GRAPH_DEF_VERSION_MIN_CONSUMER = 0
GRAPH_DEF_VERSION_MIN_PRODUCER = 0

_DEFAULT_ATTR_VALUES = {}


def versions():
    """The VersionDef written into every exported GraphDef."""
    return graph_pb2.VersionDef(producer=GRAPH_DEF_VERSION,
                                min_consumer=GRAPH_DEF_VERSION_MIN_CONSUMER)


def graph_to_graph_def(graph, add_shapes=False):
    """The GraphDef of `graph`: one NodeDef per operation, in creation order.

    Args:
        graph: a `graphflow.Graph`.
        add_shapes: if True, every NodeDef gets the `_output_shapes` attr (a list of the
            static shapes of its outputs, -1 for unknown dimensions).

    Returns:
        A `graphflow.proto.graph_pb2.GraphDef`.
    """
    graph_def = graph_pb2.GraphDef()
    graph_def.versions.CopyFrom(versions())
    for op in graph.get_operations():
        graph_def.node.append(node_def_of(op, add_shapes=add_shapes))
    return graph_def


def node_def_of(op, add_shapes=False):
    """The NodeDef of Operation `op` (see the module docstring for what it holds)."""
    node = node_def_pb2.NodeDef(name=op.name, op=op.type)
    node.input.extend(t._as_node_def_input() for t in op._inputs)
    node.input.extend("^" + c.name for c in op._control_inputs)
    if op.device:
        node.device = op.device
    for name, spec in op._op_def.attrs.items():
        value = protos.attr_value_of(spec.kind, op._attrs[name])
        if spec.default is registry.REQUIRED or value != default_attr_value(op.type, spec):
            node.attr[name].CopyFrom(value)
    if add_shapes:
        shapes = node.attr["_output_shapes"]
        shapes.list.SetInParent()
        shapes.list.shape.extend(protos.shape_to_proto(t.shape) for t in op._outputs)
    return node


def default_attr_value(op_type, spec):
    """The AttrValue of attr `spec`'s default (cached), or None for a required attr."""
    if spec.default is registry.REQUIRED:
        return None
    key = (op_type, spec.name)
    value = _DEFAULT_ATTR_VALUES.get(key)
    if value is None:
        value = _DEFAULT_ATTR_VALUES[key] = protos.attr_value_of(spec.kind, spec.default)
    return value
