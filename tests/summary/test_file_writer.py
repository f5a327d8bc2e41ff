"""FileWriter: events files read back with TensorBoard's own reader (graph, scalars,
histograms, run metadata), TF's file naming and first event, flushing, closing, reopening,
errors, and no lost events when the program fails."""

import glob
import os
import socket
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest
from google.protobuf import message
from tensorboard.backend.event_processing import event_accumulator
from tensorboard.backend.event_processing import event_file_loader

import graphflow as tf
from graphflow import errors
from graphflow.summary import event_file
from helpers import load_example
from tests.summary.oracles import brute_force_buckets, expand_histogram

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def accumulator(logdir):
    acc = event_accumulator.EventAccumulator(str(logdir), size_guidance={
        event_accumulator.HISTOGRAMS: 0, event_accumulator.SCALARS: 0,
        event_accumulator.TENSORS: 0})
    acc.Reload()
    return acc


def events_files(logdir):
    return sorted(glob.glob(os.path.join(str(logdir), "events.out.tfevents.*")))


def records(path):
    return list(event_file.summary_iterator(path))


def test_graph_event_read_by_tensorboard(tmp_path):
    graph, _, f = load_example("hw2_graph").build_graph()
    writer = tf.summary.FileWriter(str(tmp_path), graph)
    writer.close()
    acc = accumulator(tmp_path)
    assert acc.Tags()["graph"] and acc.Tags()["meta_graph"]
    graph_def = acc.Graph()
    assert [(n.name, n.op) for n in graph_def.node] == [
        (op.name, op.type) for op in graph.get_operations()]
    by_name = {n.name: n for n in graph_def.node}
    shapes = by_name["Final_node/final_multiply_node"].attr["_output_shapes"].list.shape
    assert len(shapes) == 1 and list(shapes[0].dim) == [] and not shapes[0].unknown_rank
    assert by_name["Input_placeholder/a"].attr["_output_shapes"].list.shape[0].unknown_rank
    assert acc.MetaGraph().graph_def == graph_def


def test_scalars_and_histograms_round_trip(tmp_path):
    x = tf.placeholder(tf.float32, [None], name="x")
    tf.summary.scalar("batch_mean", tf.reduce_mean(x))
    tf.summary.histogram("batch", x)
    merged = tf.summary.merge_all()
    rng = np.random.RandomState(0)
    batches = [rng.randn(50).astype(np.float32) for _ in range(4)]
    with tf.Session() as sess, tf.summary.FileWriter(str(tmp_path)) as writer:
        for step, batch in enumerate(batches):
            writer.add_summary(sess.run(merged, {x: batch}), global_step=10 * step)
    acc = accumulator(tmp_path)
    scalars = acc.Scalars("batch_mean")
    assert [s.step for s in scalars] == [0, 10, 20, 30]
    np.testing.assert_allclose([s.value for s in scalars], [b.mean() for b in batches],
                               rtol=1e-5)
    histograms = acc.Histograms("batch")
    for event, batch in zip(histograms, batches):
        value = event.histogram_value
        assert value.num == 50 and value.min == batch.min() and value.max == batch.max()
        limits, counts = brute_force_buckets(batch.astype(np.float64).tolist())
        assert expand_histogram(value, limits) == counts


def test_file_name_and_first_event(tmp_path):
    before = int(time.time())
    writer = tf.summary.FileWriter(str(tmp_path / "run"), filename_suffix=".v2")
    writer.close()
    (path,) = events_files(tmp_path / "run")
    name = os.path.basename(path)
    prefix, stamp, rest = name[:20], name[20:30], name[30:]
    assert prefix == "events.out.tfevents." and before <= int(stamp) <= time.time()
    assert rest == f".{socket.gethostname()}.v2"
    first = records(path)[0]
    assert first.file_version == "brain.Event:2" and first.wall_time >= before
    loaded = list(event_file_loader.EventFileLoader(path).Load())
    assert loaded[0].file_version == "brain.Event:2"
    assert writer.get_logdir() == str(tmp_path / "run")


def test_add_summary_proto_bytes_and_metadata_once(tmp_path):
    text = tf.summary.text("note", tf.constant("hi"))
    with tf.Session() as sess:
        data = sess.run(text)
    with tf.summary.FileWriter(str(tmp_path)) as writer:
        writer.add_summary(data, 1)
        writer.add_summary(data, 2)
        writer.add_summary(tf.Summary(value=[tf.Summary.Value(tag="s", simple_value=2.5)]), 3)
        writer.add_session_log(tf.SessionLog(status=tf.SessionLog.START), 4)
        writer.add_event(tf.Event(step=5, file_version="custom"))
    events = records(events_files(tmp_path)[0])[1:]
    assert [e.step for e in events] == [1, 2, 3, 4, 5]
    assert events[0].summary.value[0].HasField("metadata")
    assert not events[1].summary.value[0].HasField("metadata")  # written once per tag
    assert events[2].summary.value[0].simple_value == 2.5
    assert events[3].session_log.status == tf.SessionLog.START
    assert events[4].file_version == "custom"
    assert accumulator(tmp_path).Tags()["tensors"] == ["note"]


def test_add_run_metadata(tmp_path):
    metadata = tf.RunMetadata()
    metadata.step_stats.dev_stats.add(device="/cpu:0").node_stats.add(node_name="MatMul")
    with tf.summary.FileWriter(str(tmp_path)) as writer:
        writer.add_run_metadata(metadata, "step1", global_step=1)
        with pytest.raises(ValueError, match="tag was already used"):
            writer.add_run_metadata(metadata, "step1")
    stored = accumulator(tmp_path).RunMetadata("step1")
    assert stored.step_stats.dev_stats[0].node_stats[0].node_name == "MatMul"


@pytest.mark.parametrize("call, error, match", [
    (lambda w: w.add_summary("text"), TypeError, "Summary protocol buffer"),
    (lambda w: w.add_summary(b"\xff\xff garbage"), message.DecodeError, "Error parsing"),
    (lambda w: w.add_event("x"), TypeError, "Event protocol buffer"),
    (lambda w: w.add_graph(None), TypeError, "must be an instance of `Graph`"),
    (lambda w: w.add_graph(tf.Graph(), graph_def=tf.Graph().as_graph_def()), ValueError,
     "not both"),
    (lambda w: w.add_meta_graph(tf.Graph().as_graph_def()), TypeError,
     "meta_graph_def must be type MetaGraphDef"),
])
def test_bad_arguments_raise_and_write_nothing(tmp_path, call, error, match):
    writer = tf.summary.FileWriter(str(tmp_path))
    with pytest.raises(error, match=match):
        call(writer)
    writer.add_summary(tf.Summary(value=[tf.Summary.Value(tag="ok", simple_value=1)]), 7)
    writer.close()
    assert [e.step for e in records(events_files(tmp_path)[0])] == [0, 7]


def test_closed_writer_warns_then_reopen_writes_a_new_file(tmp_path):
    writer = tf.summary.FileWriter(str(tmp_path))
    writer.close()
    with pytest.warns(UserWarning, match="Attempting to use a closed FileWriter"):
        writer.add_summary(tf.Summary(), 1)
    writer.reopen()
    writer.add_summary(tf.Summary(value=[tf.Summary.Value(tag="t", simple_value=3)]), 2)
    writer.close()
    files = events_files(tmp_path)
    assert len(files) == 2
    assert [len(records(f)) for f in files] == [1, 2]


def test_max_queue_and_flush_secs(tmp_path):
    writer = tf.summary.FileWriter(str(tmp_path / "q"), max_queue=2, flush_secs=1000)
    path = events_files(tmp_path / "q")[0]
    writer.add_summary(tf.Summary(), 1)
    assert len(records(path)) == 1  # pending in memory
    writer.add_summary(tf.Summary(), 2)
    assert len(records(path)) == 3  # the second pending event forced a flush
    writer.close()
    timed = tf.summary.FileWriter(str(tmp_path / "t"), flush_secs=0.1)
    timed.add_summary(tf.Summary(), 1)
    path = events_files(tmp_path / "t")[0]
    deadline = time.time() + 5
    while len(records(path)) < 2 and time.time() < deadline:
        time.sleep(0.05)
    assert len(records(path)) == 2
    timed.close()


def test_writers_in_the_same_second_keep_separate_files(tmp_path):
    writers = [tf.summary.FileWriter(str(tmp_path)) for _ in range(3)]
    for step, writer in enumerate(writers):
        writer.add_summary(tf.Summary(), step)
        writer.close()
    files = events_files(tmp_path)
    assert len(files) == 3
    assert sorted(records(f)[1].step for f in files) == [0, 1, 2]


def test_unusable_logdir_errors(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(errors.FailedPreconditionError, match="is not a directory"):
        tf.summary.FileWriter(str(blocker / "logs"))
    with pytest.raises(errors.FailedPreconditionError, match="is not a directory"):
        tf.summary.FileWriter(str(blocker))
    if os.path.isdir("/proc/self"):
        with pytest.raises(errors.OpError):
            tf.summary.FileWriter("/proc/self/graphflow-logs")


def test_events_survive_an_exception(tmp_path):
    script = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {ROOT!r})
        import graphflow as tf
        writer = tf.summary.FileWriter({str(tmp_path)!r}, flush_secs=1000)
        writer.add_summary(tf.Summary(value=[tf.Summary.Value(tag="a", simple_value=1)]), 1)
        raise RuntimeError("training crashed")
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120)
    assert "training crashed" in proc.stderr
    events = records(events_files(tmp_path)[0])
    assert [e.step for e in events] == [0, 1]
    with pytest.raises(ZeroDivisionError):
        with tf.summary.FileWriter(str(tmp_path / "ctx"), flush_secs=1000) as writer:
            writer.add_summary(tf.Summary(), 5)
            1 / 0
    assert [e.step for e in records(events_files(tmp_path / "ctx")[0])] == [0, 5]


def test_file_writer_cache(tmp_path):
    first = tf.summary.FileWriterCache.get(str(tmp_path))
    assert tf.summary.FileWriterCache.get(str(tmp_path)) is first
    tf.summary.FileWriterCache.clear()
    second = tf.summary.FileWriterCache.get(str(tmp_path))
    assert second is not first
    tf.summary.FileWriterCache.clear()
    assert len(events_files(tmp_path)) == 2


def test_graph_def_argument_and_global_step(tmp_path):
    graph, _, _ = load_example("hw2_graph").build_graph()
    with tf.summary.FileWriter(str(tmp_path), graph_def=graph.as_graph_def()) as writer:
        writer.add_graph(graph, global_step=3)
    events = records(events_files(tmp_path)[0])
    kinds = [e.WhichOneof("what") for e in events]
    assert kinds == ["file_version", "graph_def", "meta_graph_def", "graph_def"]
    assert events[3].step == 3


@pytest.mark.tf
def test_tensorflow_reads_our_events_and_we_read_theirs(tf1, tmp_path):
    graph, _, _ = load_example("hw2_graph").build_graph()
    with tf.summary.FileWriter(str(tmp_path / "ours"), graph) as writer:
        writer.add_summary(tf.Summary(value=[tf.Summary.Value(tag="v", simple_value=4)]), 9)
    theirs = [e for e in tf1.train.summary_iterator(events_files(tmp_path / "ours")[0])]
    assert theirs[0].file_version == "brain.Event:2"
    assert theirs[-1].summary.value[0].simple_value == 4 and theirs[-1].step == 9
    tf_graph_def = tf1.GraphDef()
    tf_graph_def.ParseFromString(theirs[1].graph_def)
    assert [n.name for n in tf_graph_def.node] == [op.name for op in graph.get_operations()]
    tf_graph = tf1.Graph()
    with tf_graph.as_default():
        tf1.placeholder(tf1.float32, [2], name="p")
    writer = tf1.summary.FileWriter(str(tmp_path / "tf"), tf_graph)
    writer.add_summary(tf1.Summary(value=[tf1.Summary.Value(tag="w", simple_value=5)]), 2)
    writer.close()
    with tf.summary.FileWriter(str(tmp_path / "mixed")) as ours:
        ours.add_summary(tf1.Summary(value=[tf1.Summary.Value(tag="x", simple_value=6)]), 1)
        ours.add_graph(tf_graph.as_graph_def())
    read = records(events_files(tmp_path / "tf")[0])
    assert read[-1].summary.value[0].tag == "w"
    mixed = records(events_files(tmp_path / "mixed")[0])
    assert mixed[1].summary.value[0].simple_value == 6
    assert b"Placeholder" in mixed[2].graph_def
