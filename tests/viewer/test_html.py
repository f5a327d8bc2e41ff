"""The HTML page: self-contained (nothing fetched), its embedded model, script-safe data,
notebook display, `Graph.view()` and `render()` outputs."""

import html
import json
import os
import re
import shutil

import pytest

import graphflow as tf
from graphflow import viewer
from graphflow.viewer import html as page
from graphflow.viewer.model import GraphModel
from helpers import load_example


def embedded_model(text):
    data = re.search(r'<script type="application/json" id="graph-data">(.*?)</script>', text,
                     re.S).group(1)
    return json.loads(data)


def test_page_is_self_contained():
    graph, _, _ = load_example("hw2_graph").build_graph()
    text = graph.view().html
    assert text.startswith("<!DOCTYPE html>")
    urls = set(re.findall(r"https?://[^\s\"'<>)]+", text))
    assert urls == {"http://www.w3.org/2000/svg"}  # the SVG namespace, never fetched
    assert not re.search(r"<(script|img|iframe)[^>]*\ssrc=", text)
    assert not re.search(r"<link[^>]*href=", text)
    assert "GF_LAYOUT" in text and "#toolbar" in text


def test_embedded_model():
    graph, _, _ = load_example("hw2_graph").build_graph()
    model = embedded_model(graph.view(title="HW2").html)
    assert model["title"] == "HW2"
    assert [n["n"] for n in model["nodes"]] == [op.name for op in graph.get_operations()]
    scopes = [s["p"] for s in model["scopes"]]
    assert scopes[0] == "" and model["scopes"][0]["parent"] == -1
    assert sorted(scopes[i] for i in model["expanded"]) == sorted(scopes)  # HW2 is small
    final = model["nodes"][-1]
    assert final["op"] == "Mul" and final["o"] == [["float32", "[]"]]
    assert scopes[final["s"]] == "Final_node"
    assert len(model["edges"]) == 22 and model["modes"] == ["kind", "device"]
    assert set(final["c"]) == {"kind", "device"}


def test_data_cannot_close_the_script():
    graph = tf.Graph()
    with graph.as_default():
        tf.constant("</script><script>alert(1)</script>", name="evil")
    text = viewer.render(graph).html
    body = text.split('id="graph-data">', 1)[1].split("</script>", 1)[0]
    assert "<" not in body and "\\u003c/script\\u003e" in body
    assert embedded_model(text)["nodes"][0]["a"][1][1].startswith("string [] {'</script>")


def test_stats_modes_only_with_run_metadata():
    graph, a, f = load_example("hw2_graph").build_graph()
    metadata = tf.RunMetadata()
    with tf.Session(graph=graph) as sess:
        sess.run(f, {a: [[1.0, 2.0]]}, run_metadata=metadata,
                 options=tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE))
    model = embedded_model(viewer.render(graph, run_metadata=metadata,
                                         color_by="compute").html)
    assert model["modes"] == ["kind", "device", "compute", "memory"]
    assert model["color"] == "compute"
    timed = [n for n in model["nodes"] if n["st"] is not None]
    assert {n["n"] for n in timed} >= {"Final_node/final_multiply_node", "Middle_section/add_d"}
    assert all(n["d"].endswith("CPU:0") for n in timed)


def test_notebook_display_and_render_paths(tmp_path):
    graph, _, _ = load_example("hw2_graph").build_graph()
    view = graph.view()
    assert isinstance(view, viewer.GraphView)
    shown = view._repr_html_()
    assert shown.startswith('<iframe srcdoc="') and "&lt;!DOCTYPE html&gt;" in shown
    assert html.unescape(shown.split('srcdoc="', 1)[1].split('" sandbox', 1)[0]) == view.html
    out = viewer.render(graph, str(tmp_path / "g.html"))
    assert out == str(tmp_path / "g.html") and "Middle_section" in open(out).read()
    viewer.render(graph, str(tmp_path / "g.txt"), format="dot")
    assert (tmp_path / "g.txt").read_text().startswith('digraph "graph"')
    with pytest.raises(ValueError, match="cannot tell the format"):
        viewer.render(graph, str(tmp_path / "g.jpeg"))
    with pytest.raises(ValueError, match="unknown format"):
        viewer.render(graph, str(tmp_path / "g.html"), format="gif")
    with pytest.raises(ValueError, match="no name scope"):
        viewer.render(graph, expand=["nope"])


def test_model_json_marks_auxiliary_items():
    graph = tf.Graph()
    with graph.as_default():
        w = tf.Variable(tf.ones([2]), name="w")
        tf.train.GradientDescentOptimizer(0.1).minimize(tf.reduce_sum(w * w))
        tf.global_variables_initializer()
    data = page.model_json(GraphModel(graph.as_graph_def()))
    aux_scopes = {s["p"] for s in data["scopes"] if s["x"]}
    assert {"gradients", "GradientDescent"} <= aux_scopes
    assert [n["n"] for n in data["nodes"] if n["x"]] == ["init"]


def test_hw2_example_writes_logdir_html_and_svg(tmp_path, capsys):
    hw2 = load_example("hw2_graph")
    value = hw2.main(seed=0, logdir=str(tmp_path))
    assert value == hw2.main(seed=0)  # writing changes nothing computed
    files = sorted(os.listdir(tmp_path))
    assert [f for f in files if f.startswith("events.out.tfevents.")]
    assert "hw2_graph.html" in files
    if shutil.which("dot"):
        assert "hw2_graph.svg" in files
        assert "Middle_section" in (tmp_path / "hw2_graph.svg").read_text()
    model = embedded_model((tmp_path / "hw2_graph.html").read_text())
    assert model["title"] == "HW2"
    assert "wrote" in capsys.readouterr().out
