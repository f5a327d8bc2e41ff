"""`tf.import_graph_def`: GraphDefs written by graphflow or TensorFlow become graphflow ops.

Import is all-or-nothing: the GraphDef is validated (`node_specs`), then built once into a
scratch graph, which runs every op's shape and dtype inference, and only then into the target
graph. Imported nodes are ordinary Operations created through the op registry, so they run,
differentiate and train like nodes built in Python.
"""

from graphflow import graph as graph_lib
from graphflow import registry
from graphflow.io import graph_io
from graphflow.io import node_specs
from graphflow.io import protos
from graphflow.io.graph_io import GraphDefError
from graphflow.proto import graph_pb2
from graphflow.proto import op_def_pb2

# The largest tensor-valued attr (e.g. a Const) an import accepts, in elements. Raise it to
# import larger frozen models: `graphflow.io.importer.MAX_CONST_ELEMENTS = 1 << 30`.
MAX_CONST_ELEMENTS = protos.DEFAULT_MAX_ELEMENTS


def import_graph_def(graph_def, input_map=None, return_elements=None, name=None, op_dict=None,
                     producer_op_list=None):
    """Imports the nodes of `graph_def` into the default graph (`tf.import_graph_def`).

    Args:
        graph_def: a GraphDef proto (graphflow's or TensorFlow's), or its serialized bytes.
        input_map: dict mapping names in `graph_def` ("x:0", or "x" for output 0) to Tensors
            of the default graph that replace those outputs.
        return_elements: names in `graph_def` of the Operations ("x") or Tensors ("x:0") to
            return.
        name: prefix for the imported names (default "import"; "" imports the names as they
            are, renaming those already in use with `_1`, `_2`, ... as TF does).
        op_dict: ignored (deprecated in TF).
        producer_op_list: optional OpList of the producer's ops; attrs unknown to graphflow
            holding the producer's default value are then dropped instead of refused.

    Returns:
        The list of Operations/Tensors named by `return_elements`, or None without it.

    Raises:
        TypeError: arguments of the wrong type.
        graphflow.errors.NotFoundError: a node uses an op type graphflow does not have.
        GraphDefError (a ValueError): any other invalid content, naming the node; nothing is
            added to the graph then.
    """
    del op_dict
    graph_def = graph_io.as_graphflow_message(graph_def, graph_pb2.GraphDef, "graph_def")
    if producer_op_list is not None:
        producer_op_list = graph_io.as_graphflow_message(producer_op_list, op_def_pb2.OpList,
                                                         "producer_op_list")
    input_map = _checked_input_map(input_map)
    return_elements = _checked_return_elements(return_elements)
    graph = graph_lib.get_default_graph()
    if graph.finalized:
        raise RuntimeError("Graph is finalized and cannot be modified.")
    specs = node_specs.node_specs(graph_def, producer_op_list, MAX_CONST_ELEMENTS)
    by_name = {spec.name: spec for spec in specs}
    with graph_lib.name_scope(name, "import", list(input_map.values())) as scope:
        mapped = _mapped_tensors(graph, input_map, name, by_name)
    node_specs.check_edges(by_name, {key: t.dtype for key, t in mapped.items()})
    _check_return_names(return_elements, by_name)
    _trial_build(specs, mapped)
    names = _final_names(graph, specs, scope)
    context_controls = graph._current_control_inputs(set())
    with graph.control_dependencies(None):
        created = _create_nodes(graph, specs, names, mapped)
    _add_context_controls(specs, created, context_controls)
    if return_elements is None:
        return None
    return [_return_element(created, text) for text in return_elements]


def _checked_input_map(input_map):
    if input_map is None:
        return {}
    if not isinstance(input_map, dict) or not all(isinstance(k, str) for k in input_map):
        raise TypeError("input_map must be a dictionary mapping strings to Tensor objects.")
    return dict(input_map)


def _checked_return_elements(return_elements):
    if return_elements is None:
        return None
    if isinstance(return_elements, str) or \
            not all(isinstance(x, str) for x in return_elements):
        raise TypeError("return_elements must be a list of strings.")
    return list(return_elements)


def _split_name(text):
    """("x", 0) for "x" and "x:0"; ValueError for a malformed name."""
    if ":" not in text:
        return text, 0
    op_name, _, index = text.rpartition(":")
    if not index.isdigit():
        raise GraphDefError(f"'{text}' is not a valid tensor name (<op_name>:<output_index>)")
    return op_name, int(index)


def _mapped_tensors(graph, input_map, name, by_name):
    """{(node, index): Tensor} for the input_map, converting non-Tensor values to Consts."""
    from graphflow.ops import constant_op
    if name == "" and not all(isinstance(v, graph_lib.Tensor) for v in input_map.values()):
        raise ValueError("tf.import_graph_def() requires a non-empty `name` if `input_map` "
                         "contains non-Tensor values. Try calling tf.convert_to_tensor() on "
                         "`input_map` values before calling tf.import_graph_def().")
    mapped = {}
    missing = []
    for key, value in input_map.items():
        if key.startswith("^"):
            raise GraphDefError(f"input_map key '{key}': control inputs cannot be remapped")
        node, index = _split_name(key)
        spec = by_name.get(node)
        if spec is None or index >= len(spec.output_dtypes):
            missing.append(key)
            continue
        tensor = constant_op.convert_to_tensor(value)
        if tensor.graph is not graph:
            raise ValueError(f"input_map value for '{key}' is not an element of the graph "
                             "being imported into.")
        mapped[(node, index)] = tensor
    if missing:
        raise GraphDefError(f"Attempted to map inputs that were not found in graph_def: "
                            f"[{', '.join(missing)}]")
    return mapped


def _check_return_names(return_elements, by_name):
    for text in return_elements or ():
        if ":" in text:
            node, index = _split_name(text)
            spec = by_name.get(node)
            if spec is None or index >= len(spec.output_dtypes):
                raise GraphDefError(f"Requested return tensor '{text}' not found in graph def")
        elif text not in by_name:
            raise GraphDefError(f"Requested return node '{text}' not found in graph def")


def _return_element(created, text):
    if ":" in text:
        node, index = _split_name(text)
        return created[node]._outputs[index]
    return created[text]


def _trial_build(specs, mapped):
    """Builds the nodes into a throw-away graph: every shape/dtype error surfaces here."""
    scratch = graph_lib.Graph()
    with scratch.as_default():
        stand_ins = {key: _stand_in(scratch, key, t) for key, t in mapped.items()}
        _create_nodes(scratch, specs, {spec.name: spec.name for spec in specs}, stand_ins)


def _stand_in(scratch, key, tensor):
    """A node of the scratch graph with the mapped tensor's dtype, shape and (known) value.

    Its name contains ':', which no validated node name does, so it cannot clash.
    """
    from graphflow.ops import constant_op
    name = f"input_map:{key[0]}:{key[1]}"
    dtype = tensor.dtype
    value = constant_op.constant_value(tensor)
    if dtype.is_ref_dtype:
        op_type = "VariableV2"
        attrs = {"shape": tensor.shape, "dtype": dtype.base_dtype, "container": "",
                 "shared_name": ""}
    elif value is not None:
        op_type, attrs = "Const", {"value": value, "dtype": dtype}
    else:
        op_type, attrs = "Placeholder", {"dtype": dtype, "shape": tensor.shape}
    op = scratch._create_op(registry.get_op_def(op_type), name, [], attrs)
    return op._outputs[0]


def _final_names(graph, specs, scope):
    """The imported names: `scope` + the GraphDef name, made unique against the graph."""
    existing = graph._nodes_by_name
    wanted = {scope + spec.name for spec in specs}
    names, used = {}, set()
    for spec in specs:
        name = scope + spec.name
        if name in existing or name in used:
            i = 1
            while f"{name}_{i}" in existing or f"{name}_{i}" in used or \
                    f"{name}_{i}" in wanted:
                i += 1
            name = f"{name}_{i}"
        used.add(name)
        names[spec.name] = name
    return names


def _create_nodes(graph, specs, names, mapped):
    """Creates one Operation per NodeSpec (in topological order) through the registry."""
    created = {}
    for spec in specs:
        inputs = [mapped[key] if key in mapped else created[key[0]]._outputs[key[1]]
                  for key in spec.inputs]
        try:
            op = graph._create_op(spec.op_def, names[spec.name], inputs, dict(spec.attrs))
        except Exception as err:
            raise GraphDefError(f"Node '{spec.name}' (op {spec.op_def.type}): "
                                f"{type(err).__name__}: {err}") from None
        _check_folded_size(op, spec)
        for source in spec.controls:
            op._add_control_input(created[source])
        if spec.device:
            op._set_device(spec.device)
        created[spec.name] = op
    return created


def _check_folded_size(op, spec):
    """Shape inference folds Range outputs into arrays: refuse ranges larger than a Const
    could be, so an import never allocates more than the limit."""
    if op.type == "Range":
        count = op._outputs[0].shape.num_elements()
        if count is not None and count > MAX_CONST_ELEMENTS:
            raise GraphDefError(f"Node '{spec.name}' (op Range): {count} elements, more than "
                                f"the limit of {MAX_CONST_ELEMENTS}")


def _add_context_controls(specs, created, controls):
    """Like TF: nodes without inputs get the control dependencies of the enclosing context."""
    if not controls:
        return
    for spec in specs:
        if not spec.inputs and not spec.controls:
            for c in controls:
                created[spec.name]._add_control_input(c)
