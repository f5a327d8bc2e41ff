"""`graphflow-view`: outputs by suffix, several outputs at once, run metadata colors, errors."""

import json
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest

import graphflow as tf
from graphflow.viewer import cli
from helpers import load_example


@pytest.fixture
def logdir(tmp_path):
    graph, a, f = load_example("hw2_graph").build_graph()
    metadata = tf.RunMetadata()
    with tf.Session(graph=graph) as sess:
        sess.run(f, {a: np.ones((2, 3), np.float32)}, run_metadata=metadata,
                 options=tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE))
    with tf.summary.FileWriter(str(tmp_path / "logs"), graph) as writer:
        writer.add_run_metadata(metadata, "step1")
    return tmp_path / "logs"


def model_of(path):
    text = path.read_text()
    return json.loads(re.search(r'id="graph-data">(.*?)</script>', text, re.S).group(1))


def test_html_and_dot_outputs(logdir, tmp_path, capsys):
    out_html, out_dot = tmp_path / "g.html", tmp_path / "g.dot"
    assert cli.main([str(logdir), "-o", str(out_html), "-o", str(out_dot),
                     "--title", "HW2", "--expand", "none"]) == 0
    assert capsys.readouterr().out.split() == [str(out_html), str(out_dot)]
    model = model_of(out_html)
    assert model["title"] == "HW2" and model["expanded"] == [0] and model["color"] == "kind"
    assert '"scope:Middle_section" [label="Middle_section\\n16 nodes"' in out_dot.read_text()


def test_run_metadata_colors_by_compute_time(logdir, tmp_path):
    out = tmp_path / "t.html"
    assert cli.main([str(logdir), "--run-metadata", "latest", "-o", str(out)]) == 0
    model = model_of(out)
    assert model["color"] == "compute" and "memory" in model["modes"]
    assert any(n["st"] for n in model["nodes"])


def test_default_output_name(logdir, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert cli.main([str(logdir)]) == 0
    assert (tmp_path / "logs.html").exists()


def test_errors_exit_with_status_1(tmp_path, capsys):
    assert cli.main([str(tmp_path / "missing")]) == 1
    assert "graphflow-view: error:" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main([])


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is not installed")
def test_module_entry_point_writes_svg(logdir, tmp_path):
    out = tmp_path / "g.svg"
    proc = subprocess.run([sys.executable, "-m", "graphflow.viewer.cli", str(logdir), "-o",
                           str(out)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert out.read_text().lstrip().startswith("<?xml") and "Final_node" in out.read_text()
