"""GraphDef export (minimal portable NodeDefs, shapes, versions), TensorProto encoding and
decoding, and GraphDef files."""

import numpy as np
import pytest
from google.protobuf import message
from google.protobuf import text_format

import graphflow as gf
from graphflow.io import graph_def as graph_def_lib
from graphflow.io import graph_io
from graphflow.io import protos


def _attrs(node):
    return {k: text_format.MessageToString(v, as_one_line=True) for k, v in node.attr.items()}


def test_node_defs_hold_required_attrs_and_only_non_default_ones():
    a = gf.placeholder(gf.float32, [2, 3], name="a")
    m = gf.matmul(a, a, transpose_b=True, name="m")
    s = gf.reduce_sum(m, 1, name="s")
    k = gf.reduce_sum(m, 1, keepdims=True, name="k")
    assert _attrs(m.op.node_def) == {"T": "type: DT_FLOAT", "transpose_b": "b: true"}
    assert _attrs(s.op.node_def) == {"T": "type: DT_FLOAT"}
    assert _attrs(k.op.node_def) == {"T": "type: DT_FLOAT", "keep_dims": "b: true"}
    assert list(s.op.node_def.input) == ["m", "s/reduction_indices"]
    shape_attr = a.op.node_def.attr["shape"].shape
    assert [d.size for d in shape_attr.dim] == [2, 3]


def test_inputs_name_outputs_and_control_inputs_as_tf_does():
    x = gf.placeholder(gf.float32, [4], name="x")
    parts = gf.split(x, 2, name="parts")
    with gf.control_dependencies([x.op]):
        y = gf.add(parts[1], parts[0], name="y")
    with gf.device("/cpu:0"):
        z = gf.identity(y, name="z")
    node = y.op.node_def
    assert list(node.input) == ["parts:1", "parts", "^x"]
    assert z.op.node_def.device == "/device:CPU:0"
    assert y.op.node_def.device == ""


def test_graph_def_versions_and_output_shapes():
    x = gf.placeholder(gf.float32, [None, 3], name="x")
    gf.placeholder(gf.float32, name="u")
    gf.no_op(name="nothing")
    gf.split(x, 3, axis=1, name="cols")
    graph_def = gf.get_default_graph().as_graph_def(add_shapes=True)
    assert graph_def.versions.producer == graph_def_lib.GRAPH_DEF_VERSION
    assert graph_def.versions.min_consumer == graph_def_lib.GRAPH_DEF_VERSION_MIN_CONSUMER
    shapes = {n.name: [protos.shape_from_proto(s) for s in n.attr["_output_shapes"].list.shape]
              for n in graph_def.node}
    assert shapes["x"] == [gf.TensorShape([None, 3])]
    assert shapes["u"][0].rank is None
    assert shapes["nothing"] == [] and graph_def.node[2].attr["_output_shapes"].HasField("list")
    assert shapes["cols"] == [gf.TensorShape([None, 1])] * 3
    plain = gf.get_default_graph().as_graph_def()
    assert all("_output_shapes" not in n.attr for n in plain.node)
    assert gf.get_default_graph().graph_def_versions == graph_def.versions


def test_session_graph_def_and_str_of_an_operation():
    c = gf.constant(2.0, name="two")
    with gf.Session() as sess:
        assert [n.name for n in sess.graph_def.node] == ["two"]
    text = str(c.op)
    assert 'name: "two"' in text and 'op: "Const"' in text and "float_val: 2" in text


# ------------------------------------------------------------------ tensor protos
VALUES = [
    np.float32(3.5), np.array([1.0, -2.0, 7.5], np.float32), np.zeros((2, 3), np.float64),
    np.array([[1, 2], [3, 4]], np.int32), np.array([2 ** 40, -1], np.int64),
    np.array([1, 255], np.uint8), np.array([7, 65535], np.uint16), np.array([-128, 5], np.int8),
    np.array([3, -300], np.int16), np.array([2 ** 32 - 1, 0], np.uint32),
    np.array([2 ** 64 - 1, 1], np.uint64), np.array([True, False, True]),
    np.float16(1.5), np.array([0.5, 2.0], np.float16), np.array([b"a", b"", b"xyz"], object),
    np.array(b"scalar", object), np.zeros((0, 3), np.float32), np.array([np.nan, -0.0]),
    np.full((4, 5), 7, np.int32), np.array([-0.0, 0.0], np.float32),
]


@pytest.mark.parametrize("value", VALUES, ids=lambda v: f"{v.dtype}{list(np.shape(v))}")
def test_tensor_proto_round_trip(value):
    proto = protos.ndarray_to_proto(value)
    back = protos.make_ndarray(proto)
    assert back.dtype == value.dtype and back.shape == np.shape(value)
    if value.dtype.kind == "f":  # bit-exact, including -0.0 and NaN
        assert back.tobytes() == np.asarray(value).tobytes()
    else:
        np.testing.assert_array_equal(back, value)
    again = gf.make_ndarray(protos.make_tensor_proto(value))
    np.testing.assert_array_equal(again, back)


def test_tensor_proto_encodings_are_compact():
    splat = protos.ndarray_to_proto(np.zeros((1000, 1000), np.float32))
    assert splat.ByteSize() < 30 and list(splat.float_val) == [0.0]
    dense = protos.ndarray_to_proto(np.arange(4, dtype=np.float32))
    assert dense.tensor_content == np.arange(4, dtype="<f4").tobytes()
    scalar = protos.ndarray_to_proto(np.int32(9))
    assert list(scalar.int_val) == [9] and not scalar.tensor_content
    filled = gf.make_tensor_proto(5.0, shape=[2, 2])
    assert list(filled.float_val) == [5.0]
    np.testing.assert_array_equal(gf.make_ndarray(filled), np.full((2, 2), 5.0, np.float32))
    with pytest.raises(ValueError, match="Too many elements"):
        gf.make_tensor_proto([1.0, 2.0, 3.0], shape=[2])
    with pytest.raises(TypeError):
        gf.make_tensor_proto([1.0, 2.0], shape=[1, 2], verify_shape=True)


def _proto(text):
    return text_format.Parse(text, gf.TensorProto())


@pytest.mark.parametrize("text, match", [
    ('dtype: DT_FLOAT tensor_shape { dim { size: 2 } } tensor_content: "\\000\\000"',
     "tensor_content has 2 bytes"),
    ("dtype: DT_FLOAT tensor_shape { dim { size: 2 } } float_val: 1 float_val: 2 float_val: 3",
     "3 values given for a tensor of 2 elements"),
    ("dtype: DT_FLOAT tensor_shape { dim { size: 100000 } dim { size: 100000 } } float_val: 1",
     "more than the limit"),
    ("dtype: DT_FLOAT tensor_shape { dim { size: -1 } } float_val: 1", "fully defined"),
    ("dtype: DT_FLOAT tensor_shape { dim { size: -5 } }", "invalid dimension -5"),
    ("dtype: DT_INT8 tensor_shape { } int_val: 300", "out of range for int8"),
    ('dtype: DT_STRING tensor_shape { dim { size: 1 } } tensor_content: "ab"', "string"),
    ("dtype: DT_COMPLEX64 tensor_shape { }", "unsupported DataType DT_COMPLEX64"),
    ("dtype: DT_FLOAT_REF tensor_shape { }", "reference DataType"),
    ("dtype: DT_FLOAT tensor_shape { unknown_rank: true }", "fully defined"),
])
def test_make_ndarray_rejects_inconsistent_protos(text, match):
    with pytest.raises(ValueError, match=match):
        protos.make_ndarray(_proto(text))


def test_make_ndarray_pads_with_the_last_value_like_tf():
    proto = _proto("dtype: DT_INT32 tensor_shape { dim { size: 4 } } int_val: 1 int_val: 2")
    np.testing.assert_array_equal(protos.make_ndarray(proto), [1, 2, 2, 2])
    empty = _proto('dtype: DT_STRING tensor_shape { dim { size: 2 } }')
    assert list(protos.make_ndarray(empty)) == [b"", b""]
    assert protos.make_ndarray(proto, max_elements=4).shape == (4,)
    with pytest.raises(ValueError, match="limit of 3"):
        protos.make_ndarray(proto, max_elements=3)


@pytest.mark.tf
@pytest.mark.parametrize("value", VALUES, ids=lambda v: f"{v.dtype}{list(np.shape(v))}")
def test_tensor_protos_agree_with_tensorflow(tf1, value):
    ours = protos.ndarray_to_proto(value)
    theirs = tf1.make_tensor_proto(value)
    decoded_by_tf = tf1.make_ndarray(type(theirs).FromString(ours.SerializeToString()))
    np.testing.assert_array_equal(decoded_by_tf, value)
    decoded_by_us = protos.make_ndarray(gf.TensorProto.FromString(theirs.SerializeToString()))
    np.testing.assert_array_equal(decoded_by_us, value)
    if theirs.tensor_content and ours.tensor_content:
        assert ours.tensor_content == theirs.tensor_content


# ------------------------------------------------------------------ files
def test_write_graph_text_and_binary(tmp_path):
    x = gf.placeholder(gf.float32, [2], name="x")
    gf.multiply(x, 3.0, name="y")
    graph = gf.get_default_graph()
    text_path = gf.train.write_graph(graph, str(tmp_path / "logs"), "g.pbtxt")
    binary_path = gf.io.write_graph(graph.as_graph_def(), str(tmp_path / "logs"), "g.pb",
                                    as_text=False)
    assert text_path == str(tmp_path / "logs" / "g.pbtxt")
    assert 'name: "y"' in open(text_path).read()
    for path in (text_path, binary_path):
        assert graph_io.read_graph_def(path) == graph.as_graph_def()
    assert sorted(p.name for p in tmp_path.joinpath("logs").iterdir()) == ["g.pb", "g.pbtxt"]


@pytest.mark.parametrize("data", [b"\x0a\xff\xff\xff\xff\x0f", b"\x0a\x05abc", b"\xff" * 10,
                                  "node { name: ", 'node { name: "a" op: }', "node { x }"])
def test_garbage_bytes_and_text_give_a_decode_error(data):
    with pytest.raises(graph_io.GraphDefDecodeError) as info:
        graph_io.parse_graph_def(data)
    assert isinstance(info.value, message.DecodeError)
    assert isinstance(info.value, ValueError)
    assert "GraphDef" in str(info.value)


def test_read_graph_def_of_a_garbage_file(tmp_path):
    path = tmp_path / "bad.pb"
    path.write_bytes(b"\x0a\x05abc")
    with pytest.raises(graph_io.GraphDefDecodeError, match="bad.pb"):
        graph_io.read_graph_def(str(path))
