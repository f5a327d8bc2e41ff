"""The Graphviz DOT the viewer emits: golden files for HW2 (expanded and collapsed), the
structure of clusters, collapsed scopes and control edges, and static rendering through
Graphviz (with a clear error when `dot` is missing)."""

import os
import pathlib
import shutil

import pytest

import graphflow as tf
from graphflow import viewer
from graphflow.viewer import dot
from graphflow.viewer.model import GraphModel
from helpers import load_example

GOLDEN = pathlib.Path(__file__).resolve().parent / "golden"
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is not installed")


def hw2_model():
    graph, _, _ = load_example("hw2_graph").build_graph()
    return GraphModel(graph.as_graph_def(add_shapes=True), title="HW2")


def check_golden(name, text):
    """Compares with tests/viewer/golden/<name>; GRAPHFLOW_UPDATE_GOLDEN=1 rewrites it."""
    path = GOLDEN / name
    if os.environ.get("GRAPHFLOW_UPDATE_GOLDEN"):
        path.write_text(text)
    assert text == path.read_text()


def test_hw2_golden_expanded():
    check_golden("hw2.dot", dot.to_dot(hw2_model()))


def test_hw2_golden_collapsed():
    check_golden("hw2_collapsed.dot", dot.to_dot(hw2_model(), expand="none"))


def test_structure_of_clusters_and_collapsed_scopes():
    text = dot.to_dot(hw2_model(), expand=["Middle_section"])
    assert 'subgraph "cluster_Middle_section" {' in text
    assert '"scope:Middle_section/range" [label="range\\n3 nodes", shape=box3d' in text
    assert '"scope:Input_placeholder" -> "Middle_section/prod_b" [label=" float32"];' in text
    assert "cluster_Middle_section/range" not in text


def test_control_edges_variables_and_quoting():
    graph = tf.Graph()
    with graph.as_default():
        v = tf.Variable(1.0, name="v")
        with tf.control_dependencies([v.initializer]):
            tf.identity(v, name="after")
    text = dot.to_dot(GraphModel(graph.as_graph_def(), title='say "hi" \\ bye'),
                      expand="all")
    assert 'digraph "say \\"hi\\" \\\\ bye" {' in text
    assert '"v/Assign" -> "after" [style=dashed];' in text
    assert '"v" [label="v\\nVariableV2", fillcolor="#b2f2bb", tooltip="v (VariableV2)", ' \
           'style="filled,bold", peripheries=2];' in text


def test_color_modes():
    model = hw2_model()
    assert 'fillcolor="#f1f3f5"' in dot.to_dot(model, color_by="compute")  # no stats
    with pytest.raises(ValueError, match="color_by must be one of"):
        dot.to_dot(model, color_by="rainbow")


@needs_dot
@pytest.mark.parametrize("fmt, magic", [("svg", b"<svg"), ("png", b"\x89PNG"),
                                        ("pdf", b"%PDF")])
def test_static_formats(tmp_path, fmt, magic):
    graph, _, _ = load_example("hw2_graph").build_graph()
    path = viewer.render(graph, str(tmp_path / f"hw2.{fmt}"))
    data = pathlib.Path(path).read_bytes()
    assert magic in data[:400]
    if fmt == "svg":
        text = data.decode()
        assert "Middle_section" in text and "final_multiply_node" in text


def test_missing_graphviz_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no `dot` anywhere
    graph, _, _ = load_example("hw2_graph").build_graph()
    with pytest.raises(viewer.GraphvizNotFoundError, match="apt-get install graphviz"):
        viewer.render(graph, str(tmp_path / "g.svg"))
    assert not (tmp_path / "g.svg").exists()
    viewer.render(graph, str(tmp_path / "g.html"))  # HTML needs nothing
    assert "Middle_section" in (tmp_path / "g.html").read_text()
