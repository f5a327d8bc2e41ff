"""Meta graphs: a GraphDef plus the SaverDef, the collections and the ops' definitions.

`export_meta_graph` / `import_meta_graph` (`tf.train.*`) let a process that never ran the
model-building code rebuild the graph, its collections (variables, trainable variables,
train_op, ...) and a Saver, then restore a checkpoint and keep training. Collections are
serialized as TF does: registered keys (the variable collections, savers) as serialized
protos in `bytes_list`, Tensors and Operations by name in `node_list`, Python numbers and
strings in `int64_list`/`float_list`/`bytes_list`.
"""

import logging
import numbers

from graphflow import graph as graph_lib
from graphflow import registry
from graphflow import variables as variables_lib
from graphflow.io import files
from graphflow.io import graph_io
from graphflow.io import importer
from graphflow.io import protos
from graphflow.proto import graph_pb2
from graphflow.proto import meta_graph_pb2
from graphflow.proto import op_def_pb2

GraphKeys = graph_lib.GraphKeys
_LOG = logging.getLogger("graphflow")

_PROTO_FUNCTIONS = {}


def register_proto_function(collection_name, proto_type, to_proto, from_proto):
    """Serializes the values of collection `collection_name` as `proto_type` messages.

    `to_proto(value, export_scope=None)` returns a message; `from_proto(message,
    import_scope=None)` rebuilds the value.
    """
    _PROTO_FUNCTIONS[collection_name] = (proto_type, to_proto, from_proto)


# ------------------------------------------------------------------ variables
def _strip_scope(name, scope):
    if scope and name.startswith(scope + "/"):
        return name[len(scope) + 1:]
    return name


def _prepend_scope(name, scope):
    return f"{scope}/{name}" if scope else name


def variable_to_proto(variable, export_scope=None):
    """The VariableDef of a `tf.Variable` (names relative to `export_scope`)."""
    proto = meta_graph_pb2.VariableDef(
        variable_name=_strip_scope(variable.name, export_scope),
        initializer_name=_strip_scope(variable.initializer.name, export_scope),
        snapshot_name=_strip_scope(variable.value().name, export_scope),
        trainable=variable.trainable)
    if variable.initial_value is not None:
        proto.initial_value_name = _strip_scope(variable.initial_value.name, export_scope)
    return proto


def variable_from_proto(proto, import_scope=None):
    """A `tf.Variable` around the existing nodes a VariableDef names."""
    fields = {"variable_name": proto.variable_name, "initializer_name": proto.initializer_name,
              "snapshot_name": proto.snapshot_name, "trainable": proto.trainable,
              "initial_value_name": proto.initial_value_name}
    return variables_lib.Variable(variable_def=fields, import_scope=import_scope)


for _key in (GraphKeys.GLOBAL_VARIABLES, GraphKeys.TRAINABLE_VARIABLES,
             GraphKeys.LOCAL_VARIABLES, GraphKeys.MODEL_VARIABLES,
             GraphKeys.MOVING_AVERAGE_VARIABLES, GraphKeys.GLOBAL_STEP):
    register_proto_function(_key, meta_graph_pb2.VariableDef, variable_to_proto,
                            variable_from_proto)


# ------------------------------------------------------------------ op definitions
def op_def_to_proto(op_def):
    """The OpDef proto (TF's op_def.proto) of a registry OpDef."""
    proto = op_def_pb2.OpDef(name=op_def.type, is_stateful=op_def.stateful)
    for args, field in ((op_def.inputs, proto.input_arg), (op_def.outputs, proto.output_arg)):
        for arg in args:
            field.append(_arg_def(arg))
    for spec in op_def.attrs.values():
        attr = proto.attr.add(name=spec.name, type=spec.kind)
        if spec.default is not registry.REQUIRED:
            attr.default_value.CopyFrom(protos.attr_value_of(spec.kind, spec.default))
        if spec.minimum is not None:
            attr.has_minimum = True
            attr.minimum = spec.minimum
        if spec.allowed is not None:
            attr.allowed_values.list.type.extend(d.as_datatype_enum for d in spec.allowed)
    return proto


def _arg_def(arg):
    arg_def = op_def_pb2.OpDef.ArgDef(name=arg.name, is_ref=arg.is_ref)
    if arg.fixed_dtype is not None:
        arg_def.type = arg.fixed_dtype.as_datatype_enum
    if arg.type_attr is not None:
        arg_def.type_attr = arg.type_attr
    if arg.type_list_attr is not None:
        arg_def.type_list_attr = arg.type_list_attr
    if arg.number_attr is not None:
        arg_def.number_attr = arg.number_attr
    return arg_def


def stripped_op_list(graph_def):
    """The OpList of the registered ops `graph_def` uses, sorted by name (TF's
    `stripped_op_list_for_graph`)."""
    used = sorted({node.op for node in graph_def.node})
    ops = registry.registered_ops()
    return op_def_pb2.OpList(op=[op_def_to_proto(ops[t]) for t in used if t in ops])


# ------------------------------------------------------------------ collections
def _kind_of(value):
    if isinstance(value, (str, bytes)):
        return "bytes_list"
    if isinstance(value, numbers.Integral):
        return "int64_list"
    if isinstance(value, numbers.Real):
        return "float_list"
    if isinstance(value, (graph_lib.Tensor, graph_lib.Operation, variables_lib.Variable)):
        return "node_list"
    return None


def collection_to_proto(key, values, export_scope=None):
    """The CollectionDef of one collection, or None (with a warning) if it cannot be saved."""
    collection_def = meta_graph_pb2.CollectionDef()
    if key in _PROTO_FUNCTIONS:
        _, to_proto, _ = _PROTO_FUNCTIONS[key]
        try:
            data = [to_proto(v, export_scope=export_scope).SerializeToString() for v in values]
        except (AttributeError, TypeError, ValueError) as err:
            _LOG.warning("Collection %r cannot be serialized: %s", key, err)
            return None
        collection_def.bytes_list.value.extend(data)
        return collection_def
    kinds = {_kind_of(v) for v in values}
    if len(kinds) != 1 or None in kinds:
        _LOG.warning("Collection %r holds values graphflow cannot serialize; it is not "
                     "exported.", key)
        return None
    kind = kinds.pop()
    field = getattr(collection_def, kind).value
    if kind == "node_list":
        field.extend(_strip_scope(v.name, export_scope) for v in values)
    elif kind == "bytes_list":
        field.extend(v.encode("utf-8") if isinstance(v, str) else v for v in values)
    else:
        field.extend(values)
    return collection_def


def restore_collections(graph, meta_graph_def, import_scope=None):
    """Adds the collections of `meta_graph_def` to `graph` (names under `import_scope`)."""
    variables_by_name = {}
    for key, collection_def in sorted(meta_graph_def.collection_def.items()):
        kind = collection_def.WhichOneof("kind")
        if kind is None:
            continue
        values = getattr(collection_def, kind).value
        if kind == "bytes_list" and key in _PROTO_FUNCTIONS:
            proto_type, _, from_proto = _PROTO_FUNCTIONS[key]
            for data in values:
                proto = graph_io.parse_message(data, proto_type, f"collection {key!r}")
                graph.add_to_collection(
                    key, _from_proto_once(proto, from_proto, import_scope, variables_by_name))
        elif kind == "node_list":
            for name in values:
                _add_node_to_collection(graph, key, _prepend_scope(name, import_scope))
        else:
            for value in values:
                graph.add_to_collection(key, value)


def _from_proto_once(proto, from_proto, import_scope, cache):
    """One Python Variable per variable, shared by all the collections that hold it."""
    name = getattr(proto, "variable_name", None)
    if not name:
        return from_proto(proto, import_scope=import_scope)
    if name not in cache:
        cache[name] = from_proto(proto, import_scope=import_scope)
    return cache[name]


def _add_node_to_collection(graph, key, name):
    try:
        graph.add_to_collection(key, graph.as_graph_element(name))
    except (KeyError, ValueError) as err:
        _LOG.warning("Collection %r: %s is not in the graph (%s); skipped.", key, name, err)


# ------------------------------------------------------------------ meta graphs
def create_meta_graph_def(graph=None, graph_def=None, saver_def=None, collection_list=None,
                          export_scope=None, clear_devices=False, meta_info_def=None):
    """A MetaGraphDef of `graph` (default graph): GraphDef with shapes, ops, collections."""
    graph = graph or graph_lib.get_default_graph()
    if graph_def is None:
        graph_def = graph.as_graph_def(add_shapes=True)
    graph_def = graph_io.as_graphflow_message(graph_def, graph_pb2.GraphDef, "graph_def")
    meta = meta_graph_pb2.MetaGraphDef()
    if meta_info_def is not None:
        meta.meta_info_def.CopyFrom(meta_info_def)
    meta.graph_def.CopyFrom(_scoped_graph_def(graph_def, export_scope, clear_devices))
    meta.meta_info_def.stripped_op_list.CopyFrom(stripped_op_list(meta.graph_def))
    meta.meta_info_def.stripped_default_attrs = True
    if saver_def is not None:
        meta.saver_def.CopyFrom(saver_def)
    keys = graph.get_all_collection_keys() if collection_list is None else collection_list
    for key in keys:
        values = graph.get_collection(key)
        if not values:
            continue
        collection_def = collection_to_proto(key, values, export_scope)
        if collection_def is not None:
            meta.collection_def[key].CopyFrom(collection_def)
    return meta


def _scoped_graph_def(graph_def, export_scope, clear_devices):
    """The nodes under `export_scope` with the scope stripped; devices cleared if asked."""
    out = graph_pb2.GraphDef()
    out.CopyFrom(graph_def)
    if export_scope:
        del out.node[:]
        prefix = export_scope + "/"
        for node in graph_def.node:
            if not node.name.startswith(prefix):
                continue
            copy = out.node.add()
            copy.CopyFrom(node)
            copy.name = node.name[len(prefix):]
            del copy.input[:]
            for name in node.input:
                plain = name.lstrip("^")
                if not plain.startswith(prefix):
                    raise ValueError(f"export_scope {export_scope!r}: node {node.name} has "
                                     f"input {name} outside the scope")
                copy.input.append(("^" if name.startswith("^") else "") + plain[len(prefix):])
    if clear_devices:
        for node in out.node:
            node.device = ""
    return out


def write_meta_graph(meta_graph_def, filename, as_text=False):
    """Writes a MetaGraphDef atomically (binary, or text format with `as_text`)."""
    from google.protobuf import text_format
    data = text_format.MessageToString(meta_graph_def).encode() if as_text else \
        meta_graph_def.SerializeToString()
    files.atomic_write(filename, data)


def read_meta_graph_file(filename):
    """Reads a MetaGraphDef written by graphflow or TensorFlow (binary, else text format).

    Raises:
        IOError: the file does not exist.
        GraphDefDecodeError: the file holds no MetaGraphDef.
    """
    with open(filename, "rb") as f:
        data = f.read()
    try:
        return graph_io.parse_message(data, meta_graph_pb2.MetaGraphDef, filename, False)
    except graph_io.GraphDefDecodeError:
        return graph_io.parse_message(data, meta_graph_pb2.MetaGraphDef, filename, True)


def import_scoped_meta_graph(meta_graph_or_file, clear_devices=False, import_scope=None,
                             input_map=None):
    """Imports the graph and collections of a meta graph into the default graph.

    Returns:
        The MetaGraphDef that was imported.
    """
    if isinstance(meta_graph_or_file, str):
        meta = read_meta_graph_file(meta_graph_or_file)
    else:
        meta = graph_io.as_graphflow_message(meta_graph_or_file, meta_graph_pb2.MetaGraphDef,
                                             "meta_graph_or_file")
    graph_def = meta.graph_def
    if clear_devices:
        graph_def = _scoped_graph_def(graph_def, None, True)
    producer_ops = None
    if meta.meta_info_def.HasField("stripped_op_list"):
        producer_ops = meta.meta_info_def.stripped_op_list
    graph = graph_lib.get_default_graph()
    importer.import_graph_def(graph_def, input_map=input_map, name=import_scope or "",
                              producer_op_list=producer_ops)
    restore_collections(graph, meta, import_scope)
    return meta
