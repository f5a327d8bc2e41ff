"""Loading graphs to draw: Graph, GraphDef and MetaGraphDef objects, .pb/.pbtxt/.meta files,
events files and logdirs, from graphflow and from TensorFlow, with run metadata by tag."""

import os

import numpy as np
import pytest
from google.protobuf import text_format

import graphflow as tf
from graphflow.io import graph_io
from graphflow.proto import meta_graph_pb2
from graphflow.viewer import loader
from helpers import load_example

HW2_NAMES = ["Input_placeholder/a", "Middle_section/prod_b", "Final_node/final_multiply_node"]


def hw2():
    graph, a, f = load_example("hw2_graph").build_graph()
    return graph, a, f


def names(source):
    return [n.name for n in source.graph_def.node]


def test_graph_and_protos():
    graph, _, _ = hw2()
    from_graph = loader.load(graph)
    assert set(HW2_NAMES) <= set(names(from_graph))
    assert "_output_shapes" in from_graph.graph_def.node[0].attr
    assert names(loader.load(graph.as_graph_def())) == names(from_graph)
    meta = meta_graph_pb2.MetaGraphDef(graph_def=graph.as_graph_def())
    assert names(loader.load(meta)) == names(from_graph)
    with pytest.raises(TypeError, match="cannot draw a int"):
        loader.load(3)


def test_graph_files(tmp_path):
    graph, _, _ = hw2()
    pb = graph_io.write_graph(graph, str(tmp_path), "g.pb", as_text=False)
    pbtxt = graph_io.write_graph(graph, str(tmp_path), "g.pbtxt", as_text=True)
    meta = meta_graph_pb2.MetaGraphDef(graph_def=graph.as_graph_def())
    (tmp_path / "m.meta").write_bytes(meta.SerializeToString())
    (tmp_path / "m.pbtxt").write_text(text_format.MessageToString(meta))
    (tmp_path / "model").write_bytes(meta.SerializeToString())  # no suffix: sniffed
    expected = [op.name for op in graph.get_operations()]
    for path in (pb, pbtxt, tmp_path / "m.meta", tmp_path / "m.pbtxt", tmp_path / "model"):
        source = loader.load(str(path))
        assert names(source) == expected, path
        assert source.title == os.path.basename(str(path))


def test_events_and_logdirs_with_run_metadata(tmp_path):
    graph, a, f = hw2()
    with tf.Session(graph=graph) as sess:
        runs = []
        for _ in range(2):
            metadata = tf.RunMetadata()
            sess.run(f, {a: np.ones((2, 2), np.float32)}, run_metadata=metadata,
                     options=tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE))
            runs.append(metadata)
    logdir = tmp_path / "logs" / "train"
    with tf.summary.FileWriter(str(logdir), graph) as writer:
        writer.add_run_metadata(runs[0], "first")
        writer.add_run_metadata(runs[1], "second")
    source = loader.load(str(tmp_path / "logs"))  # runs in subdirectories are found
    assert set(HW2_NAMES) <= set(names(source))
    assert source.step_stats is None and source.run_tags == ["first", "second"]
    (events,) = os.listdir(logdir)
    by_tag = loader.load(str(logdir / events), run_metadata="first")
    assert by_tag.step_stats == runs[0].step_stats
    assert loader.load(str(logdir), run_metadata=True).step_stats == runs[1].step_stats
    assert loader.load(graph, run_metadata=runs[1]).step_stats == runs[1].step_stats
    with pytest.raises(ValueError, match="no run metadata tagged 'third'"):
        loader.load(str(logdir), run_metadata="third")


def test_errors(tmp_path):
    with pytest.raises(FileNotFoundError):
        loader.load(str(tmp_path / "missing.pb"))
    (tmp_path / "junk.pb").write_bytes(b"\x00\xff not a graph")
    with pytest.raises(ValueError, match="not a GraphDef, meta graph or events file"):
        loader.load(str(tmp_path / "junk.pb"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="no events file"):
        loader.load(str(tmp_path / "empty"))
    writer = tf.summary.FileWriter(str(tmp_path / "nograph"))
    writer.close()
    with pytest.raises(ValueError, match="the events hold no graph"):
        loader.load(str(tmp_path / "nograph"))
    graph, _, _ = hw2()
    with pytest.raises(ValueError, match="holds no run metadata"):
        loader.load(graph, run_metadata="tag")


@pytest.mark.tf
def test_tensorflow_files(tf1, tmp_path):
    graph = tf1.Graph()
    with graph.as_default():
        x = tf1.placeholder(tf1.float32, [None, 3], name="x")
        with tf1.variable_scope("dense"):
            w = tf1.get_variable("W", [3, 2])
        y = tf1.matmul(x, w, name="y")
        train = tf1.train.GradientDescentOptimizer(0.1).minimize(tf1.reduce_sum(y))
        saver = tf1.train.Saver()
    expected = {op.name for op in graph.get_operations()}
    tf1.io.write_graph(graph, str(tmp_path), "tf.pbtxt", as_text=True)
    tf1.io.write_graph(graph, str(tmp_path), "tf.pb", as_text=False)
    tf1.train.export_meta_graph(str(tmp_path / "tf.meta"), graph=graph, saver_def=saver.saver_def)
    writer = tf1.summary.FileWriter(str(tmp_path / "logs"), graph)
    with tf1.Session(graph=graph) as sess:
        sess.run(tf1.global_variables_initializer())
        metadata = tf1.RunMetadata()
        sess.run(train, {x: np.ones((2, 3))}, run_metadata=metadata,
                 options=tf1.RunOptions(trace_level=tf1.RunOptions.FULL_TRACE))
    writer.add_run_metadata(metadata, "step")
    writer.close()
    for name in ("tf.pbtxt", "tf.pb", "tf.meta", "logs"):
        source = loader.load(str(tmp_path / name))
        assert {n.name for n in source.graph_def.node} == expected, name
    assert loader.load(tf1.get_default_graph().as_graph_def()).graph_def is not None
    traced = loader.load(str(tmp_path / "logs"), run_metadata="step")
    assert "y" in {s.node_name for d in traced.step_stats.dev_stats for s in d.node_stats}
    tf_def = graph.as_graph_def()
    assert names(loader.load(tf_def)) == [n.name for n in tf_def.node]
    from_graph = loader.load(graph)  # a TensorFlow Graph object
    assert names(from_graph) == [n.name for n in tf_def.node]
    assert "_output_shapes" in from_graph.graph_def.node[0].attr
