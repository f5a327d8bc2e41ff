"""Validating a GraphDef before anything is built: one checked `NodeSpec` per NodeDef.

Every check names the node: unknown op types (`NotFoundError`), unknown or missing attrs,
attr values of the wrong kind or outside the op's constraints, malformed, dangling or
out-of-range inputs, inputs of the wrong dtype, duplicate names, cycles, versions, and Const
values that are too large or whose contents disagree with their shape (`GraphDefError`).
Nothing here allocates more than the GraphDef already holds, except Const values within
the element limit.
"""

import heapq
import re

from graphflow import dtypes
from graphflow import errors
from graphflow import op_builder
from graphflow import registry
from graphflow import tensor_shape
from graphflow.io import graph_def as graph_def_lib
from graphflow.io import protos
from graphflow.io.graph_io import GraphDefError

_VALID_NODE_NAME = re.compile(r"^[A-Za-z0-9.][A-Za-z0-9_.\\/>-]*$")
_INPUT_RE = re.compile(r"^(\^)?([^:^]+)(?::(\d+))?$")
# Before producer 22, a Placeholder shape attr with no dimensions meant "unknown shape".
_PLACEHOLDER_SHAPES_ENFORCED = 22
# Op types of older TF graphs that a graphflow op computes exactly (for the dtypes graphflow
# has): their nodes are imported as the newer type, with the same name, inputs and attrs.
LEGACY_OP_TYPES = {"Add": "AddV2", "BatchMatMul": "BatchMatMulV2", "Variable": "VariableV2",
                   "PlaceholderV2": "Placeholder"}


class NodeSpec:
    """A validated NodeDef: op definition, complete attrs, data inputs and control inputs.

    Attributes:
        name: the node's name in the GraphDef.
        op_def: the registry's OpDef.
        attrs: every attr of the op (defaults filled in), as graphflow values.
        inputs: list of (source node name, output index) for data inputs.
        controls: names of control-input nodes.
        device: the requested device ("" for none).
        output_dtypes: the dtypes of the node's outputs.
    """

    __slots__ = ("attrs", "controls", "device", "inputs", "name", "op_def", "output_dtypes")

    def __init__(self, name, op_def, attrs, inputs, controls, device):
        self.name = name
        self.op_def = op_def
        self.attrs = attrs
        self.inputs = inputs
        self.controls = controls
        self.device = device
        self.output_dtypes = op_def.output_dtypes(attrs)


def check_versions(versions):
    """TF's VersionDef rules: the graph's min_consumer and bad_consumers must admit us."""
    ours = graph_def_lib.GRAPH_DEF_VERSION
    if versions.producer < graph_def_lib.GRAPH_DEF_VERSION_MIN_PRODUCER:
        raise GraphDefError(f"GraphDef producer version {versions.producer} below min producer "
                            f"{graph_def_lib.GRAPH_DEF_VERSION_MIN_PRODUCER} supported by "
                            "graphflow. Please regenerate your graph.")
    if versions.min_consumer > ours:
        raise GraphDefError(f"GraphDef min consumer version {versions.min_consumer} above "
                            f"current version {ours} for graphflow. Please upgrade graphflow.")
    if ours in versions.bad_consumers:
        raise GraphDefError(f"GraphDef disallows consumer version {ours}. Please upgrade "
                            "graphflow: this version is likely buggy.")


def node_specs(graph_def, producer_op_list=None, max_const_elements=None):
    """Checks every NodeDef of `graph_def`; returns NodeSpecs in a topological order.

    Args:
        graph_def: a graphflow GraphDef.
        producer_op_list: optional OpList of the producer's op definitions; attrs that
            graphflow's ops lack are accepted when they hold the producer's default.
        max_const_elements: largest number of elements of a tensor-valued attr.

    Raises:
        errors.NotFoundError: a node's op type is not registered.
        GraphDefError: any other problem, naming the node.
    """
    check_versions(graph_def.versions)
    producer_defaults = _producer_defaults(producer_op_list)
    specs = {}
    for node in graph_def.node:
        if not _VALID_NODE_NAME.match(node.name):
            raise GraphDefError(f"Node '{node.name}': Node name contains invalid characters")
        if node.name in specs:
            raise GraphDefError(f"Node '{node.name}' is not unique")
        specs[node.name] = _node_spec(node, graph_def.versions.producer, producer_defaults,
                                      max_const_elements)
    return _toposort(specs)


def _node_spec(node, producer, producer_defaults, max_const_elements):
    try:
        op_def = registry.get_op_def(node.op)
    except KeyError:
        op_def = None
    if op_def is None and node.op in LEGACY_OP_TYPES:
        op_def = registry.get_op_def(LEGACY_OP_TYPES[node.op])
    if op_def is None:
        raise errors.NotFoundError(
            None, None, f"Op type not registered '{node.op}' (node '{node.name}'): graphflow "
            "has no op of that type. Make sure the graph only uses ops graphflow "
            "supports.")
    attrs = _node_attrs(node, op_def, producer_defaults.get(node.op, {}), max_const_elements)
    if op_def.type == "Placeholder" and producer < _PLACEHOLDER_SHAPES_ENFORCED and \
            attrs["shape"].rank == 0:
        attrs["shape"] = tensor_shape.unknown_shape()
    inputs, controls = _parse_inputs(node)
    expected = sum(arg.count(attrs) for arg in op_def.inputs)
    if len(inputs) != expected:
        raise GraphDefError(f"Node '{node.name}' (op {node.op}): NodeDef expected {expected} "
                            f"inputs but {len(inputs)} were specified")
    if op_def.type == "Const" and attrs["value"].dtype != attrs["dtype"].as_numpy_dtype:
        raise GraphDefError(f"Node '{node.name}' (op Const): attr dtype "
                            f"{attrs['dtype'].name} does not match the dtype of its value, "
                            f"{dtypes.as_dtype(attrs['value'].dtype).name}")
    return NodeSpec(node.name, op_def, attrs, inputs, controls, node.device)


def _node_attrs(node, op_def, producer_defaults, max_const_elements):
    """The node's attrs as graphflow values, defaults filled in, constraints checked."""
    for key, value in node.attr.items():
        if key.startswith("_") or key in op_def.attrs:
            continue
        if producer_defaults.get(key) == value:
            continue  # an attr newer than graphflow's op, holding its default
        known = ", ".join(op_def.attrs) or "none"
        raise GraphDefError(f"Node '{node.name}' (op {node.op}): NodeDef mentions attr "
                            f"'{key}' not in the op's attrs ({known})")
    attrs = {}
    for name, spec in op_def.attrs.items():
        if name not in node.attr:
            if spec.default is registry.REQUIRED:
                raise GraphDefError(f"Node '{node.name}' (op {node.op}): NodeDef missing "
                                    f"attr '{name}'")
            attrs[name] = spec.default
            continue
        attrs[name] = _attr_value(node, op_def, spec, max_const_elements)
    return attrs


def _attr_value(node, op_def, spec, max_const_elements):
    try:
        value = protos.attr_value_from_proto(spec.kind, node.attr[spec.name],
                                             max_const_elements)
        value = op_builder._check_attr(op_def, spec, value)
        if spec.kind.startswith("list(") and spec.minimum is not None and \
                len(value) < spec.minimum:
            raise ValueError(f"Attr '{spec.name}' of '{op_def.type}' Op: expected a list of "
                             f"at least {spec.minimum} elements, got {len(value)}")
    except (TypeError, ValueError, OverflowError) as err:
        raise GraphDefError(f"Node '{node.name}' (op {node.op}): attr '{spec.name}': "
                            f"{err}") from None
    return value


def _parse_inputs(node):
    inputs, controls = [], []
    for text in node.input:
        m = _INPUT_RE.match(text)
        if m is None:
            raise GraphDefError(f"Node '{node.name}': Unknown input node '{text}'")
        control, source, index = m.groups()
        if control:
            if index is not None:
                raise GraphDefError(f"Node '{node.name}': control input '{text}' cannot name "
                                    "an output")
            controls.append(source)
            continue
        if controls:
            raise GraphDefError(f"Node '{node.name}': Control dependencies must come after "
                                "regular dependencies")
        inputs.append((source, 0 if index is None else int(index)))
    return inputs, controls


def _producer_defaults(producer_op_list):
    """{op type: {attr name: default AttrValue}} from a producer's OpList."""
    if producer_op_list is None:
        return {}
    return {op.name: {a.name: a.default_value for a in op.attr if a.HasField("default_value")}
            for op in producer_op_list.op}


def check_edges(specs_by_name, mapped_dtypes):
    """Every input names an existing node and output, of the dtype the consumer expects.

    `mapped_dtypes` maps (node name, index) to the dtype of the tensor replacing it.
    """
    for spec in specs_by_name.values():
        expected = _expected_input_dtypes(spec)
        for i, (source, index) in enumerate(spec.inputs):
            src = specs_by_name.get(source)
            if src is None:
                raise GraphDefError(f"Node '{spec.name}': Unknown input node '{source}'")
            if index >= len(src.output_dtypes):
                raise GraphDefError(
                    f"Node '{spec.name}': Connecting to invalid output {index} of source node "
                    f"{source} which has {len(src.output_dtypes)} outputs.")
            got = mapped_dtypes.get((source, index), src.output_dtypes[index])
            want, is_ref = expected[i]
            if got.base_dtype != want or (is_ref and not got.is_ref_dtype):
                want_name = want._as_ref.name if is_ref else want.name
                raise GraphDefError(f"Input {i} of node {spec.name} was passed {got.name} from "
                                    f"{source}:{index} incompatible with expected "
                                    f"{want_name}.")
        for source in spec.controls:
            if source not in specs_by_name:
                raise GraphDefError(f"Node '{spec.name}': Unknown input node '^{source}'")


def _expected_input_dtypes(spec):
    result = []
    for arg in spec.op_def.inputs:
        if arg.type_list_attr is not None:
            result.extend((d, arg.is_ref) for d in spec.attrs[arg.type_list_attr])
            continue
        dtype = arg.fixed_dtype if arg.type_attr is None else spec.attrs[arg.type_attr]
        result.extend([(dtype, arg.is_ref)] * arg.count(spec.attrs))
    return result


def _toposort(specs):
    """Kahn's algorithm in GraphDef order; raises for dangling inputs (later) and cycles."""
    order_of = {name: i for i, name in enumerate(specs)}
    pending = {}
    consumers = {}
    for name, spec in specs.items():
        sources = {s for s, _ in spec.inputs} | set(spec.controls)
        sources &= specs.keys()
        pending[name] = len(sources)
        for s in sources:
            consumers.setdefault(s, []).append(name)
    ready = [order_of[n] for n, count in pending.items() if count == 0]
    heapq.heapify(ready)
    names = list(specs)
    order = []
    while ready:
        name = names[heapq.heappop(ready)]
        order.append(specs[name])
        for c in consumers.get(name, ()):
            pending[c] -= 1
            if pending[c] == 0:
                heapq.heappush(ready, order_of[c])
    if len(order) != len(specs):
        cyclic = [n for n in names if pending[n] > 0]
        shown = ", ".join(cyclic[:5]) + (", ..." if len(cyclic) > 5 else "")
        raise GraphDefError(f"GraphDef has a cycle: {len(cyclic)} nodes in a cycle or "
                            f"depending on one ({shown})")
    return order
