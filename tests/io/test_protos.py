"""The committed protobuf modules are current, and our messages are wire-compatible with
TensorFlow's (same bytes both ways, same text format)."""

import pathlib
import sys

import numpy as np
import pytest

import graphflow as gf
from graphflow.io import graph_io
from graphflow.proto import graph_pb2
from graphflow.proto import meta_graph_pb2
from graphflow.proto import op_def_pb2
from graphflow.proto import tensor_bundle_pb2

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))


def test_generated_modules_are_current(tmp_path):
    pytest.importorskip("grpc_tools")
    import gen_protos
    generated = gen_protos.generate(tmp_path)
    assert generated, "no .proto files found"
    for path in generated:
        committed = ROOT / "graphflow" / "proto" / path.name
        assert committed.exists(), f"{path.name} is not committed: run tools/gen_protos.py"
        assert committed.read_text() == path.read_text(), \
            f"{path.name} is stale: run python tools/gen_protos.py"


def _training_graph(tf):
    x = tf.placeholder(tf.float32, [None, 2], name="x")
    w = tf.Variable(tf.ones([2, 1]), name="w")
    loss = tf.reduce_mean(tf.square(tf.matmul(x, w)))
    tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    return tf.train.Saver()


@pytest.mark.tf
def test_tf_messages_round_trip_through_ours(tf1):
    from google.protobuf import text_format
    with tf1.Graph().as_default():
        meta = _training_graph(tf1).export_meta_graph()
    data = meta.SerializeToString()
    ours = meta_graph_pb2.MetaGraphDef.FromString(data)
    assert type(meta).FromString(ours.SerializeToString()) == meta  # unknown fields kept
    assert len(ours.graph_def.node) == len(meta.graph_def.node)
    assert ours.saver_def.restore_op_name == "save/restore_all"
    assert ours.meta_info_def.stripped_op_list.op[0].name == \
        meta.meta_info_def.stripped_op_list.op[0].name
    # TF's text format has fields graphflow does not model (NodeDef.experimental_type): they
    # are skipped, everything else is read.
    graph_text = text_format.MessageToString(meta.graph_def)
    assert "experimental_type" in graph_text
    parsed = graph_io.parse_graph_def(graph_text)
    assert [n.name for n in parsed.node] == [n.name for n in meta.graph_def.node]
    with pytest.raises(text_format.ParseError):
        text_format.Parse(graph_text, graph_pb2.GraphDef())


@pytest.mark.tf
def test_our_messages_parse_in_tensorflow(tf1):
    from tensorflow.core.framework import op_def_pb2 as tf_op_def_pb2
    with gf.Graph().as_default():
        meta = _training_graph(gf).export_meta_graph()
    theirs = tf1.MetaGraphDef.FromString(meta.SerializeToString())
    assert [n.name for n in theirs.graph_def.node] == [n.name for n in meta.graph_def.node]
    assert meta_graph_pb2.MetaGraphDef.FromString(theirs.SerializeToString()) == meta
    ops = tf_op_def_pb2.OpList.FromString(meta.meta_info_def.stripped_op_list.SerializeToString())
    assert "ApplyGradientDescent" in [op.name for op in ops.op]


@pytest.mark.tf
def test_op_list_and_bundle_entries_match_tensorflow_fields(tf1):
    from tensorflow.core.protobuf import tensor_bundle_pb2 as tf_bundle
    from tensorflow.python.framework import op_def_registry
    tf_op = op_def_registry.get("RestoreV2")
    ours = op_def_pb2.OpDef.FromString(tf_op.SerializeToString())
    assert ours.output_arg[0].type_list_attr == "dtypes"
    assert ours.is_stateful and ours.attr[0].has_minimum and ours.attr[0].minimum == 1
    entry = tf_bundle.BundleEntryProto(dtype=1, offset=12, size=40, crc32c=0xFFFFFFF0)
    entry.shape.dim.add(size=10)
    entry.slices.add().extent.add(start=3, length=2)
    back = tensor_bundle_pb2.BundleEntryProto.FromString(entry.SerializeToString())
    assert (back.offset, back.size, back.crc32c, back.shape.dim[0].size) == (12, 40, 0xFFFFFFF0,
                                                                            10)
    assert back.slices[0].extent[0].length == 2
    assert back.SerializeToString() == entry.SerializeToString()


def test_unknown_fields_survive_a_round_trip():
    # A GraphDef with a function library (field 2), which graphflow does not model.
    graph_def = graph_pb2.GraphDef()
    graph_def.node.add(name="a", op="NoOp")
    data = graph_def.SerializeToString() + b"\x12\x02\x0a\x00"
    back = graph_pb2.GraphDef.FromString(data)
    assert back.SerializeToString() == data
    assert np.array_equal(np.frombuffer(back.SerializeToString(), np.uint8),
                          np.frombuffer(data, np.uint8))
