"""The real TensorBoard server serves our events: the HW2 graph (scopes, op types, shapes),
a scalar curve and a traced run's metadata, fetched through its HTTP API on 127.0.0.1."""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import numpy as np
import pytest

import graphflow as tf
from helpers import load_example

pytestmark = pytest.mark.slow


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(port, path):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as response:
        return response.read().decode("utf-8")


def _write_logdir(logdir):
    hw2 = load_example("hw2_graph")
    graph, a, f = hw2.build_graph()
    with graph.as_default():
        loss = tf.summary.scalar("f", f)
    with tf.Session(graph=graph) as sess, tf.summary.FileWriter(logdir, sess.graph) as writer:
        for step in range(3):
            feed = {a: np.full((2, 3), step + 1.0, np.float32)}
            metadata = tf.RunMetadata()
            summary = sess.run(loss, feed, run_metadata=metadata,
                               options=tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE))
            writer.add_summary(summary, step)
            writer.add_run_metadata(metadata, f"step{step}", step)


@pytest.fixture
def tensorboard(tmp_path):
    if shutil.which("tensorboard") is None and not _has_module("tensorboard.main"):
        pytest.skip("tensorboard is not installed")
    logdir = str(tmp_path / "logs")
    _write_logdir(logdir)
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "tensorboard.main", "--logdir", logdir, "--host", "127.0.0.1",
         "--port", str(port), "--load_fast", "false"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"))
    try:
        deadline = time.time() + 90
        while True:
            try:
                if "." in json.loads(_get(port, "/data/runs")):
                    break
            except (urllib.error.URLError, ConnectionError, ValueError):
                pass
            if time.time() > deadline or proc.poll() is not None:
                raise AssertionError("tensorboard did not come up")
            time.sleep(0.5)
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def _has_module(name):
    import importlib.util
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False


def test_tensorboard_serves_graph_scalars_and_run_metadata(tensorboard):
    port = tensorboard
    graph_text = _get(port, "/data/plugin/graphs/graph?run=.&conversions=false")
    for name in ("Input_placeholder/a", "Middle_section/prod_b", "Middle_section/add_d",
                 "Final_node/final_multiply_node"):
        assert f'name: "{name}"' in graph_text
    assert 'op: "Placeholder"' in graph_text and 'op: "Prod"' in graph_text
    assert '"_output_shapes"' in graph_text
    scalars = json.loads(_get(port, "/data/plugin/scalars/scalars?run=.&tag=f"))
    assert [step for _, step, _ in scalars] == [0, 1, 2]
    for _, step, value in scalars:
        x = np.full((2, 3), step + 1.0, np.float32)
        assert value == pytest.approx((np.prod(x) + x.mean()) * x.sum(), rel=1e-5)
    info = json.loads(_get(port, "/data/plugin/graphs/info"))
    assert sorted(info["."]["tags"]) == ["step0", "step1", "step2"]
    metadata = _get(port, "/data/plugin/graphs/run_metadata?run=.&tag=step1")
    assert 'node_name: "Final_node/final_multiply_node"' in metadata
    assert "all_start_micros" in metadata
