"""`tf.graph_util`: GraphDef surgery for deployment (freezing, pruning, removing training nodes).

These functions work on GraphDef protos, as TF1's do: `extract_sub_graph` keeps what some
nodes need, `convert_variables_to_constants` freezes a trained graph (variables become Consts
holding their values in a session), `remove_training_nodes` splices out Identity and
CheckNumerics nodes that inference does not need.
"""

import logging

from graphflow.io import graph_io
from graphflow.io import protos
from graphflow.io.importer import import_graph_def
from graphflow.proto import graph_pb2
from graphflow.proto import node_def_pb2

_VARIABLE_OPS = ("VariableV2", "Variable")

__all__ = ["convert_variables_to_constants", "extract_sub_graph", "import_graph_def",
           "remove_training_nodes", "tensor_shape_from_node_def_name"]


def _node_name(input_name):
    """The node an input refers to: "^x" and "x:1" both name node "x"."""
    name = input_name.removeprefix("^")
    return name.split(":")[0]


def _checked_graph_def(graph_def):
    return graph_io.as_graphflow_message(graph_def, graph_pb2.GraphDef, "graph_def")


def extract_sub_graph(graph_def, dest_nodes):
    """The part of `graph_def` that `dest_nodes` depend on (through data and control inputs).

    Args:
        graph_def: a GraphDef.
        dest_nodes: an iterable of node names to keep, with everything they need.

    Returns:
        A new GraphDef with the needed nodes in their original order.

    Raises:
        TypeError: `graph_def` is not a GraphDef or `dest_nodes` is a single string.
        AssertionError: a destination node is not in the graph (as TF raises).
    """
    if isinstance(dest_nodes, str):
        raise TypeError("dest_nodes must be an iterable of strings.")
    graph_def = _checked_graph_def(graph_def)
    nodes = {node.name: node for node in graph_def.node}
    for name in dest_nodes:
        if name not in nodes:
            raise AssertionError(f"{name} is not in graph")
    keep = set()
    stack = list(dest_nodes)
    while stack:
        name = stack.pop()
        if name in keep:
            continue
        keep.add(name)
        stack.extend(_node_name(i) for i in nodes[name].input if _node_name(i) in nodes)
    out = graph_pb2.GraphDef()
    out.versions.CopyFrom(graph_def.versions)
    out.node.extend(node for node in graph_def.node if node.name in keep)
    return out


def convert_variables_to_constants(sess, input_graph_def, output_node_names,
                                   variable_names_whitelist=None,
                                   variable_names_blacklist=None):
    """Freezes a graph: variables the outputs need become Consts holding their current values.

    Args:
        sess: a Session in which the variables are initialized.
        input_graph_def: the GraphDef to freeze (e.g. `sess.graph_def`).
        output_node_names: names of the nodes the frozen graph must compute.
        variable_names_whitelist: if given, only these variables are converted.
        variable_names_blacklist: variables not to convert.

    Returns:
        A GraphDef of the subgraph `output_node_names` need, with no variables left (except
        those excluded by the lists).

    Raises:
        FailedPreconditionError: a variable is not initialized in `sess`.
    """
    inference = extract_sub_graph(input_graph_def, output_node_names)
    names = [node.name for node in inference.node if node.op in _VARIABLE_OPS and
             (variable_names_whitelist is None or node.name in variable_names_whitelist) and
             (variable_names_blacklist is None or node.name not in variable_names_blacklist)]
    values = dict(zip(names, sess.run([name + ":0" for name in names]))) if names else {}
    out = graph_pb2.GraphDef()
    out.versions.CopyFrom(inference.versions)
    for node in inference.node:
        if node.name in values:
            out.node.append(_const_node(node, values[node.name]))
        else:
            out.node.add().CopyFrom(node)
    logging.getLogger("graphflow").info("Froze %d variables.", len(values))
    return out


def _const_node(variable_node, value):
    node = node_def_pb2.NodeDef(name=variable_node.name, op="Const",
                                device=variable_node.device)
    node.attr["dtype"].CopyFrom(variable_node.attr["dtype"])
    dtype = protos.dtype_from_enum(variable_node.attr["dtype"].type)
    node.attr["value"].tensor.CopyFrom(
        protos.ndarray_to_proto(value.astype(dtype.as_numpy_dtype, copy=False)))
    return node


def remove_training_nodes(input_graph, protected_nodes=None):
    """Removes CheckNumerics nodes and splices out Identity nodes, as TF1 does for inference.

    Identity nodes are kept when they are protected, take control inputs, or are themselves
    control inputs of another node.

    Args:
        input_graph: a GraphDef.
        protected_nodes: names of nodes to keep whatever their type.

    Returns:
        A new GraphDef.
    """
    input_graph = _checked_graph_def(input_graph)
    protected = set(protected_nodes or ())
    removed = {node.name for node in input_graph.node
               if node.op == "CheckNumerics" and node.name not in protected}
    nodes = []
    for node in input_graph.node:
        if node.name not in removed:
            copy = node_def_pb2.NodeDef()
            copy.CopyFrom(node)
            del copy.input[:]
            copy.input.extend(i for i in node.input if _node_name(i) not in removed)
            nodes.append(copy)
    splice = _identities_to_splice(nodes, protected)
    out = graph_pb2.GraphDef()
    out.versions.CopyFrom(input_graph.versions)
    for node in nodes:
        if node.name in splice:
            continue
        new_inputs = [_follow(i, splice) for i in node.input]
        del node.input[:]
        node.input.extend(new_inputs)
        out.node.append(node)
    return out


def _identities_to_splice(nodes, protected):
    """{identity name: its input} for the Identity nodes that can be bypassed."""
    control_sources, with_controls = set(), set()
    for node in nodes:
        for i in node.input:
            if i.startswith("^"):
                control_sources.add(i[1:])
                with_controls.add(node.name)
    return {node.name: node.input[0] for node in nodes
            if node.op == "Identity" and node.name not in protected and
            node.name not in with_controls and node.name not in control_sources}


def _follow(input_name, splice):
    """The input that replaces `input_name` once the spliced Identity nodes are gone."""
    control = input_name.startswith("^")
    while _node_name(input_name) in splice and (":" not in input_name or
                                                input_name.endswith(":0")):
        input_name = splice[_node_name(input_name)]
        if control:
            input_name = "^" + _node_name(input_name)
    return input_name


def tensor_shape_from_node_def_name(graph, input_name):
    """The static shape of the tensor `input_name` ("x" meaning "x:0") of `graph`."""
    if ":" not in input_name:
        input_name += ":0"
    return graph.get_tensor_by_name(input_name).shape
