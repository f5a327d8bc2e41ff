"""Run tracing: RunOptions(trace_level=FULL_TRACE) fills RunMetadata.step_stats with each
executed node's times, output shapes and bytes; untraced runs never touch the tracer."""

import time

import numpy as np
import pytest
from tensorboard.backend.event_processing import event_accumulator

import graphflow as tf
from graphflow import errors
from graphflow import executor
from graphflow.proto import types_pb2

FULL = tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE)


def _model():
    x = tf.placeholder(tf.float32, [None, 3], name="x")
    w = tf.Variable(tf.ones([3, 2]), name="W")
    y = tf.matmul(x, w, name="MatMul")
    loss = tf.reduce_sum(y, name="loss")
    train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    return x, y, loss, train


def _traced(sess, fetches, feed, options=FULL):
    metadata = tf.RunMetadata()
    start = time.time_ns() // 1000
    value = sess.run(fetches, feed, options=options, run_metadata=metadata)
    return value, metadata, start, time.time_ns() // 1000


def test_step_stats_of_a_training_step():
    x, y, loss, train = _model()
    feed = {x: np.ones((4, 3), np.float32)}
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        (_, traced_loss), metadata, start, end = _traced(sess, [train, loss], feed)
        assert traced_loss == 24.0  # traced runs compute the same values
        assert sess.run(loss, feed) == pytest.approx(24.0 - 0.1 * 4 * 3 * 2 * 4)
    (device,) = metadata.step_stats.dev_stats
    assert device.device == "/job:localhost/replica:0/task:0/device:CPU:0"
    stats = {s.node_name: s for s in device.node_stats}
    graph = tf.get_default_graph()
    assert set(stats) <= {op.name for op in graph.get_operations()}
    assert {"W", "W/read", "MatMul", "loss",
            "GradientDescent/update_W/ApplyGradientDescent", "GradientDescent"} <= set(stats)
    starts = [s.all_start_micros for s in device.node_stats]
    assert starts == sorted(starts) and start <= starts[0] and starts[-1] <= end
    for s in device.node_stats:
        assert s.all_end_rel_micros >= 0 and s.op_end_rel_nanos == s.all_end_rel_nanos
        assert s.all_start_nanos // 1000 == s.all_start_micros
        assert s.all_start_micros + s.all_end_rel_micros <= end
    matmul = stats["MatMul"]
    assert matmul.timeline_label == "MatMul = MatMul(x, W/read)"
    (out,) = matmul.output
    assert out.tensor_description.dtype == types_pb2.DT_FLOAT
    assert [d.size for d in out.tensor_description.shape.dim] == [4, 2]
    assert out.tensor_description.allocation_description.requested_bytes == 32
    assert [(m.allocator_name, m.total_bytes) for m in matmul.memory] == [("cpu", 32)]
    assert not stats["W/read"].memory  # reading a variable allocates nothing
    assert stats["GradientDescent"].timeline_label == \
        "GradientDescent = NoOp(^GradientDescent/update_W/ApplyGradientDescent)"


def test_untraced_runs_do_not_use_the_traced_loop(monkeypatch):
    x, y, _, _ = _model()
    feed = {x: np.ones((1, 3), np.float32)}
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())

        def fail(*args, **kwargs):
            raise AssertionError("the traced loop ran")
        monkeypatch.setattr(executor, "execute_steps", fail)
        metadata = tf.RunMetadata()
        metadata.step_stats.dev_stats.add(device="keep me")
        sess.run(y, feed, run_metadata=metadata)
        sess.run(y, feed, options=tf.RunOptions(), run_metadata=metadata)
        sess.run(y, feed, options=FULL)  # nowhere to put a trace
        assert [d.device for d in metadata.step_stats.dev_stats] == ["keep me"]
        with pytest.raises(AssertionError, match="the traced loop ran"):
            sess.run(y, feed, options=FULL, run_metadata=metadata)


def test_partition_graphs_and_errors():
    x, y, _, _ = _model()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        metadata = tf.RunMetadata()
        options = tf.RunOptions(trace_level=tf.RunOptions.SOFTWARE_TRACE,
                                output_partition_graphs=True)
        sess.run(y, {x: np.ones((2, 3), np.float32)}, options=options, run_metadata=metadata)
        names = [n.name for n in metadata.partition_graphs[0].node]
        assert names == [s.node_name for s in metadata.step_stats.dev_stats[0].node_stats]
        bad = tf.placeholder(tf.int32, [None], name="bad")
        with pytest.raises(errors.InvalidArgumentError, match="Integer division by zero"):
            sess.run(bad // bad, {bad: [0]}, options=FULL, run_metadata=metadata)


def test_make_callable_with_options():
    x, y, _, _ = _model()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        call = sess.make_callable(y, [x], accept_options=True)
        metadata = tf.RunMetadata()
        value = call(np.ones((1, 3), np.float32), options=FULL, run_metadata=metadata)
        np.testing.assert_array_equal(value, [[3.0, 3.0]])
        names = [s.node_name for s in metadata.step_stats.dev_stats[0].node_stats]
        assert names == ["W", "W/read", "MatMul"]
        untraced = tf.RunMetadata()
        call(np.ones((1, 3), np.float32), run_metadata=untraced)
        assert not untraced.HasField("step_stats")


def test_traced_run_metadata_in_tensorboard(tmp_path):
    x, y, _, train = _model()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        _, metadata, _, _ = _traced(sess, train, {x: np.ones((4, 3), np.float32)})
        with tf.summary.FileWriter(str(tmp_path), sess.graph) as writer:
            writer.add_run_metadata(metadata, "step10", global_step=10)
    acc = event_accumulator.EventAccumulator(str(tmp_path))
    acc.Reload()
    assert acc.Tags()["run_metadata"] == ["step10"]
    stored = acc.RunMetadata("step10")
    assert [s.node_name for s in stored.step_stats.dev_stats[0].node_stats] == \
        [s.node_name for s in metadata.step_stats.dev_stats[0].node_stats]


@pytest.mark.tf
def test_same_output_shapes_as_tf(tf1):
    results = []
    for m in (tf, tf1):
        graph = m.Graph()
        with graph.as_default():
            x = m.placeholder(m.float32, [None, 3], name="x")
            y = m.matmul(x, m.constant(np.ones((3, 5), np.float32)), name="product")
            z = m.reduce_sum(m.tanh(y, name="act"), axis=1, name="total")
            with m.Session(graph=graph) as sess:
                metadata = m.RunMetadata()
                sess.run(z, {x: np.ones((7, 3), np.float32)}, run_metadata=metadata,
                         options=m.RunOptions(trace_level=m.RunOptions.FULL_TRACE))
        shapes = {}
        for dev in metadata.step_stats.dev_stats:
            for s in dev.node_stats:
                shapes[s.node_name] = [[d.size for d in o.tensor_description.shape.dim]
                                       for o in s.output]
        results.append(shapes)
    for name in ("act", "total"):
        assert results[0][name] == results[1][name]
    assert results[0]["product"] == [[7, 5]]
