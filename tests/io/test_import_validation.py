"""`import_graph_def` validates everything before building: each bad GraphDef gives a clear
error naming the node and leaves the graph untouched; mutated bytes give only graphflow
errors (a hypothesis fuzz test, derandomized unless GRAPHFLOW_FUZZ_PROFILE=explore)."""

import os

import numpy as np
import pytest
from google.protobuf import text_format
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

import graphflow as gf
from graphflow import errors
from graphflow import registry
from graphflow.io import graph_io
from graphflow.io import importer
from graphflow.io import protos
from graphflow.io.graph_io import GraphDefError

P = 'node { name: "x" op: "Placeholder" attr { key: "dtype" value { type: DT_FLOAT } } }\n'
T_FLOAT = 'attr { key: "T" value { type: DT_FLOAT } }'
CONST_23 = ('node { name: "a" op: "Const" attr { key: "dtype" value { type: DT_FLOAT } } '
            'attr { key: "value" value { tensor { dtype: DT_FLOAT tensor_shape { dim { size: 2 '
            '} dim { size: 3 } } float_val: 1 } } } }\n')


def _graph_def(text):
    return text_format.Parse(text, gf.GraphDef())


def _neg(inputs, extra=T_FLOAT, name="y", op="Neg"):
    ins = " ".join(f'input: "{i}"' for i in inputs)
    return f'node {{ name: "{name}" op: "{op}" {ins} {extra} }}\n'


BAD_GRAPHS = {
    "unknown attr": (P + _neg(["x"], T_FLOAT + ' attr { key: "bogus" value { i: 1 } }'),
                     "NodeDef mentions attr 'bogus'"),
    "wrong attr kind": (P + _neg(["x"], 'attr { key: "T" value { i: 1 } }'),
                        "AttrValue had value with type 'int' when 'type' expected"),
    "missing attr": ('node { name: "x" op: "Placeholder" }', "NodeDef missing attr 'dtype'"),
    "dangling input": (P + _neg(["zz"]), "Unknown input node 'zz'"),
    "output out of range": (P + _neg(["x:7"]), "invalid output 7 of source node x which has 1"),
    "malformed input": (P + _neg(["x:abc"]), "Unknown input node 'x:abc'"),
    "duplicate name": (P + P, "Node 'x' is not unique"),
    "cycle": (P + _neg(["x", "b"], name="a", op="AddV2") + _neg(["a"], name="b"),
              "2 nodes in a cycle"),
    "dtype mismatch": (P + _neg(["x"], 'attr { key: "T" value { type: DT_INT32 } }'),
                       "Input 0 of node y was passed float32 from x:0 incompatible with "
                       "expected int32"),
    "type not allowed": ('node { name: "x" op: "Placeholder" attr { key: "dtype" value { type: '
                         'DT_STRING } } }' + _neg(["x"], 'attr { key: "T" value { type: '
                                                   'DT_STRING } }'),
                         "not in list of allowed values"),
    "shape rejected": (CONST_23 + _neg(["a", "a"], T_FLOAT, name="m", op="MatMul"),
                       "Node 'm' \\(op MatMul\\)"),
    "too many inputs": (P + _neg(["x", "x"]), "expected 1 inputs but 2 were specified"),
    "too few inputs": (P + _neg(["x"], op="AddV2"), "expected 2 inputs but 1 were specified"),
    "min consumer": (P + "versions { producer: 5 min_consumer: 999999 }",
                     "min consumer version 999999 above current version"),
    "bad consumer": (P + "versions { producer: 27 bad_consumers: 27 }",
                     "disallows consumer version 27"),
    "content length": ('node { name: "a" op: "Const" attr { key: "dtype" value { type: DT_FLOAT '
                       '} } attr { key: "value" value { tensor { dtype: DT_FLOAT tensor_shape { '
                       'dim { size: 2 } } tensor_content: "\\000\\000" } } } }',
                       "Node 'a' \\(op Const\\): attr 'value': tensor_content has 2 bytes"),
    "huge const": ('node { name: "a" op: "Const" attr { key: "dtype" value { type: DT_FLOAT } } '
                   'attr { key: "value" value { tensor { dtype: DT_FLOAT tensor_shape { dim { '
                   'size: 100000 } dim { size: 100000 } } float_val: 1 } } } }',
                   "Node 'a'.*10000000000 elements, more than the limit"),
    "const dtype": ('node { name: "a" op: "Const" attr { key: "dtype" value { type: DT_INT32 } } '
                    'attr { key: "value" value { tensor { dtype: DT_FLOAT tensor_shape { } '
                    'float_val: 1 } } } }', "attr dtype int32 does not match"),
    "bad node name": ('node { name: "x y" op: "NoOp" }', "Node name contains invalid"),
    "control first": (P + _neg(["^x", "x"]), "Control dependencies must come after"),
    "ref required": (P + 'node { name: "v" op: "Assign" input: "x" input: "x" ' + T_FLOAT + "}",
                     "expected float32_ref"),
    "empty type list": ('node { name: "s" op: "RestoreV2" attr { key: "dtypes" value { list { } '
                        '} } }', "at least 1 elements"),
    "negative count": ('node { name: "u" op: "Unpack" input: "x" attr { key: "num" value { i: -1 '
                       '} } ' + T_FLOAT + "}" + P, "less than minimum 0"),
    "huge range": ('node { name: "s" op: "Const" attr { key: "dtype" value { type: DT_INT64 } } '
                   'attr { key: "value" value { tensor { dtype: DT_INT64 tensor_shape { } '
                   'int64_val: 0 } } } } node { name: "l" op: "Const" attr { key: "dtype" value { '
                   'type: DT_INT64 } } attr { key: "value" value { tensor { dtype: DT_INT64 '
                   'tensor_shape { } int64_val: 4000000000000 } } } } node { name: "d" op: '
                   '"Const" attr { key: "dtype" value { type: DT_INT64 } } attr { key: "value" '
                   'value { tensor { dtype: DT_INT64 tensor_shape { } int64_val: 1 } } } } '
                   'node { name: "r" op: "Range" input: "s" input: "l" input: "d" attr { key: '
                   '"Tidx" value { type: DT_INT64 } } }', "Node 'r' \\(op Range\\).*limit"),
    "non-utf8 string attr": ('node { name: "v" op: "VariableV2" attr { key: "dtype" value { '
                             'type: DT_FLOAT } } attr { key: "shape" value { shape { } } } attr { '
                             'key: "container" value { s: "\\377" } } }', "not valid UTF-8"),
}


@pytest.mark.parametrize("case", sorted(BAD_GRAPHS))
def test_invalid_graph_defs_are_refused_and_nothing_is_built(case):
    text, match = BAD_GRAPHS[case]
    gf.constant(1.0, name="existing")
    before = gf.get_default_graph().get_operations()
    with pytest.raises(GraphDefError, match=match):
        gf.import_graph_def(_graph_def(text))
    assert gf.get_default_graph().get_operations() == before


def test_unknown_op_type_is_not_found_naming_the_node():
    with pytest.raises(errors.NotFoundError, match="Op type not registered 'Foo' \\(node 'y'\\)"):
        gf.import_graph_def(_graph_def(P + _neg(["x"], "", op="Foo")))
    assert gf.get_default_graph().get_operations() == []


def test_underscore_attrs_and_producer_defaults_are_accepted():
    text = P + _neg(["x"], T_FLOAT + ' attr { key: "_class" value { list { s: "loc:@x" } } } '
                    'attr { key: "new_flag" value { b: false } }')
    producers = text_format.Parse(
        'op { name: "Neg" attr { name: "new_flag" type: "bool" default_value { b: false } } }',
        gf.MetaGraphDef().meta_info_def.stripped_op_list)
    y, = gf.import_graph_def(_graph_def(text), return_elements=["y:0"],
                             producer_op_list=producers)
    assert y.op.type == "Neg" and y.name == "import/y:0"
    changed = text.replace("b: false", "b: true")
    with pytest.raises(GraphDefError, match="new_flag"):
        gf.import_graph_def(_graph_def(changed), producer_op_list=producers)


def test_const_limit_is_configurable(monkeypatch):
    text = CONST_23
    monkeypatch.setattr(importer, "MAX_CONST_ELEMENTS", 5)
    with pytest.raises(GraphDefError, match="6 elements, more than the limit of 5"):
        gf.import_graph_def(_graph_def(text))
    monkeypatch.setattr(importer, "MAX_CONST_ELEMENTS", 6)
    a, = gf.import_graph_def(_graph_def(text), return_elements=["a:0"])
    np.testing.assert_array_equal(gf.Session().run(a), np.ones((2, 3), np.float32))


def test_old_producers_read_scalar_placeholder_shapes_as_unknown():
    text = ('node { name: "x" op: "Placeholder" attr { key: "dtype" value { type: DT_FLOAT } } '
            'attr { key: "shape" value { shape { } } } }')
    old, = gf.import_graph_def(_graph_def(text), return_elements=["x:0"])
    new, = gf.import_graph_def(_graph_def(text + " versions { producer: 22 }"),
                               return_elements=["x:0"])
    assert old.shape.rank is None and new.shape == gf.TensorShape([])


def test_legacy_op_types_are_read_as_their_graphflow_equivalents():
    text = (P.replace('"x"', '"p"') + P + _neg(["p", "x"], name="s", op="Add") +
            'node { name: "v" op: "Variable" attr { key: "dtype" value { type: DT_FLOAT } } '
            'attr { key: "shape" value { shape { } } } }')
    s, v = gf.import_graph_def(_graph_def(text), return_elements=["s:0", "v"], name="")
    assert s.op.type == "AddV2" and v.type == "VariableV2"
    assert gf.Session().run(s, {"p:0": 1.5, "x:0": 2.0}) == 3.5


def test_argument_types_are_checked():
    with pytest.raises(TypeError):
        gf.import_graph_def("not a graph def")
    with pytest.raises(TypeError, match="input_map"):
        gf.import_graph_def(gf.GraphDef(), input_map={1: gf.constant(1.0)})
    with pytest.raises(TypeError, match="return_elements"):
        gf.import_graph_def(gf.GraphDef(), return_elements="x")
    with pytest.raises(GraphDefError, match="Requested return node 'nope'"):
        gf.import_graph_def(_graph_def(P), return_elements=["nope"])
    with pytest.raises(GraphDefError, match="Requested return tensor 'x:3'"):
        gf.import_graph_def(_graph_def(P), return_elements=["x:3"])
    with pytest.raises(GraphDefError, match="not found in graph_def: \\[zz:0\\]"):
        gf.import_graph_def(_graph_def(P), input_map={"zz:0": gf.constant(1.0)})
    with pytest.raises(GraphDefError, match="passed int32 from x:0 incompatible"):
        gf.import_graph_def(_graph_def(P + _neg(["x"])), input_map={"x": gf.constant(1)})
    gf.get_default_graph().finalize()
    with pytest.raises(RuntimeError, match="finalized"):
        gf.import_graph_def(_graph_def(P))


# ------------------------------------------------------------------ fuzzing
def _valid_graph_bytes():
    graph = gf.Graph()
    with graph.as_default():
        x = gf.placeholder(gf.float32, [None, 2], name="x")
        w = gf.Variable([[1.0], [2.0]], name="w")
        y = gf.reduce_mean(gf.square(gf.matmul(x, w) - gf.constant([[1.0]])))
        gf.train.GradientDescentOptimizer(0.1).minimize(y)
        gf.concat([gf.split(x, 2, axis=1)[1], x], 1, name="joined")
    return graph.as_graph_def().SerializeToString()


VALID = _valid_graph_bytes()
GRAPHFLOW_ERRORS = (GraphDefError, errors.NotFoundError)

settings.register_profile("io-fuzz-ci", derandomize=True, max_examples=300, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("io-fuzz-explore", max_examples=3000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
FUZZ = settings.get_profile(os.environ.get("GRAPHFLOW_FUZZ_PROFILE", "io-fuzz-ci"))


@st.composite
def mutated_bytes(draw):
    data = bytearray(VALID)
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["flip", "set", "cut", "insert", "delete"]))
        pos = draw(st.integers(0, len(data) - 1))
        if kind == "flip":
            data[pos] ^= 1 << draw(st.integers(0, 7))
        elif kind == "set":
            data[pos] = draw(st.integers(0, 255))
        elif kind == "cut":
            del data[pos:]
        elif kind == "insert":
            data[pos:pos] = draw(st.binary(min_size=1, max_size=8))
        else:
            del data[pos:pos + draw(st.integers(1, 8))]
        if not data:
            break
    return bytes(data)


_OP_TYPES = sorted(registry.registered_ops()) + ["Foo", ""]


def _attr_values():
    dims = st.lists(st.integers(-3, 1 << 40), max_size=4)
    shapes = st.builds(lambda d, u: protos.shape_to_proto(None) if u else
                       gf.TensorShapeProto(dim=[gf.TensorShapeProto.Dim(size=x) for x in d]),
                       dims, st.booleans())
    tensors = st.builds(lambda t, s, vals, content: gf.TensorProto(
        dtype=t, tensor_shape=s, float_val=vals, tensor_content=content),
        st.integers(0, 24), shapes, st.lists(st.floats(width=32), max_size=4),
        st.binary(max_size=16))
    return st.one_of(
        st.builds(lambda v: gf.AttrValue(i=v), st.integers(-(1 << 63), (1 << 63) - 1)),
        st.builds(lambda v: gf.AttrValue(f=v), st.floats(width=32)),
        st.builds(lambda v: gf.AttrValue(b=v), st.booleans()),
        st.builds(lambda v: gf.AttrValue(s=v), st.binary(max_size=8)),
        st.builds(lambda v: gf.AttrValue(type=v), st.integers(0, 130)),
        st.builds(lambda v: gf.AttrValue(shape=v), shapes),
        st.builds(lambda v: gf.AttrValue(tensor=v), tensors),
        st.builds(lambda v: gf.AttrValue(list=gf.AttrValue.ListValue(i=v)),
                  st.lists(st.integers(-5, 1 << 40), max_size=4)),
        st.builds(lambda v: gf.AttrValue(list=gf.AttrValue.ListValue(type=v)),
                  st.lists(st.integers(0, 30), max_size=4)),
        st.just(gf.AttrValue()))


@st.composite
def mutated_graph_defs(draw):
    """Structural mutations: op types, inputs, attrs, node order, names, versions."""
    graph_def = gf.GraphDef.FromString(VALID)
    names = [n.name for n in graph_def.node]
    for _ in range(draw(st.integers(1, 4))):
        node = graph_def.node[draw(st.integers(0, len(graph_def.node) - 1))]
        kind = draw(st.sampled_from(["op", "input", "attr", "drop_attr", "node", "versions"]))
        if kind == "op":
            node.op = draw(st.sampled_from(_OP_TYPES))
        elif kind == "input":
            source = draw(st.sampled_from(names + ["nowhere"]))
            suffix = draw(st.sampled_from(["", ":0", ":1", ":9", ":x"]))
            prefix = draw(st.sampled_from(["", "^"]))
            node.input.insert(draw(st.integers(0, len(node.input))), prefix + source + suffix)
        elif kind == "attr":
            key = draw(st.sampled_from(list(node.attr) + ["T", "N", "shape", "_extra", "new"]))
            node.attr[key].CopyFrom(draw(_attr_values()))
        elif kind == "drop_attr" and node.attr:
            del node.attr[draw(st.sampled_from(sorted(node.attr)))]
        elif kind == "node":
            graph_def.node.add().CopyFrom(node)
        else:
            graph_def.versions.producer = draw(st.integers(-5, 3000))
            graph_def.versions.min_consumer = draw(st.integers(-5, 40))
    return graph_def


def _import_or_graphflow_error(graph_def):
    limit = importer.MAX_CONST_ELEMENTS
    importer.MAX_CONST_ELEMENTS = 1 << 16
    graph = gf.Graph()
    try:
        with graph.as_default():
            gf.import_graph_def(graph_def, name="")
    except GRAPHFLOW_ERRORS:
        assert graph.get_operations() == []
    finally:
        importer.MAX_CONST_ELEMENTS = limit


@FUZZ
@given(mutated_bytes())
def test_mutated_bytes_give_only_graphflow_errors(data):
    try:
        graph_def = graph_io.parse_graph_def(data)
    except graph_io.GraphDefDecodeError:
        return
    _import_or_graphflow_error(graph_def)


@FUZZ
@given(mutated_graph_defs())
def test_mutated_graph_defs_give_only_graphflow_errors(graph_def):
    _import_or_graphflow_error(graph_def)
