"""The viewer's graph model: scopes from names, edges with dtypes and shapes, default
expansion (auxiliary and variable scopes collapsed, a budget of visible items), kinds and
run statistics."""

import numpy as np
import pytest

import graphflow as tf
from graphflow.proto import step_stats_pb2
from graphflow.viewer import describe
from graphflow.viewer.model import GraphModel
from helpers import load_example
from tests.viewer.graphs import training_graph


def hw2_model():
    graph, _, _ = load_example("hw2_graph").build_graph()
    return GraphModel(graph.as_graph_def(add_shapes=True), title="hw2")


def test_scopes_of_hw2():
    model = hw2_model()
    assert model.items("") == [("scope", "Input_placeholder"), ("scope", "Middle_section"),
                               ("scope", "Final_node")]
    middle = model.scopes["Middle_section"]
    assert middle.size == 16 and middle.parent == ""
    assert middle.scopes == ["Middle_section/range", "Middle_section/range_1",
                             "Middle_section/range_2"]
    # A node whose name is also a scope lives inside it (as in TensorBoard).
    assert model.by_name["Middle_section/range"].scope == "Middle_section/range"
    assert model.by_name["Middle_section/prod_b"].scope == "Middle_section"
    assert model.scopes[""].size == len(model.nodes) == 18
    assert sorted(model.subtree_nodes("Middle_section/range")) == [2, 3, 4]
    assert model.ancestors("Middle_section/range") == ["Middle_section",
                                                        "Middle_section/range"]


def test_edges_labels_and_dtypes():
    model = hw2_model()
    labels = {(model.nodes[e.src].name, model.nodes[e.dst].name): model.edge_label(e)
              for e in model.edges}
    assert labels[("Middle_section/add_d", "Final_node/final_multiply_node")] == "float32 []"
    # Range's Tidx is exported without its default; the OpDef's default gives int32.
    assert labels[("Middle_section/range", "Middle_section/prod_b")] == "int32 [?]"
    assert labels[("Input_placeholder/a", "Middle_section/Rank")] == "float32"
    assert len(model.edges) == 22


def test_collapsed_scopes_aggregate_edges():
    model = hw2_model()
    expanded = model.resolve_expanded("none")
    edges = model.visible_edges(expanded)
    into_middle = edges[(("scope", "Input_placeholder"), ("scope", "Middle_section"))]
    assert into_middle.count == 6 and into_middle.label == "float32"
    out = edges[(("scope", "Middle_section"), ("scope", "Final_node"))]
    assert out.count == 2 and out.label == "2 tensors"
    assert len(edges) == 2


def test_default_expansion_of_a_training_graph():
    graph = training_graph(layers=2)
    model = GraphModel(graph.as_graph_def(add_shapes=True))
    expanded = model.default_expanded()
    assert {"layer0", "layer1"} <= expanded
    for path in ("gradients", "Adam", "layer0/W"):
        assert path not in expanded, path
    assert model.scopes["gradients"].auxiliary and model.scopes["Adam"].auxiliary
    assert model.scopes["layer0/W"].variable and not model.scopes["layer0/W"].auxiliary
    assert model.is_auxiliary(("node", model.by_name["init"].index))
    assert model.is_auxiliary(("scope", "gradients"))
    assert not model.is_auxiliary(("node", model.by_name["loss"].index))
    visible = model.visible_edges(expanded)
    assert all(not model.is_auxiliary(item) for pair in visible for item in pair)
    assert len(model.visible_edges(expanded, auxiliary=True)) > len(visible)


def test_budget_limits_visible_items():
    graph = training_graph(layers=8)
    model = GraphModel(graph.as_graph_def())
    for budget in (5, 20, 60):
        expanded = model.default_expanded(budget)
        visible = {model.representative(n.index, expanded) for n in model.nodes}
        assert len(visible) <= max(budget, len(model.items("")))
    assert model.default_expanded(1) == {""}


def test_resolve_expanded():
    model = hw2_model()
    assert model.resolve_expanded("all") == set(model.scopes)
    assert model.resolve_expanded("none") == {""}
    assert model.resolve_expanded(["Middle_section/range"]) == {
        "", "Middle_section", "Middle_section/range"}
    with pytest.raises(ValueError, match="no name scope 'nowhere'"):
        model.resolve_expanded(["nowhere"])


@pytest.mark.parametrize("op_type, kind", [
    ("Placeholder", "input"), ("VariableV2", "variable"), ("Const", "constant"),
    ("ApplyAdam", "training"), ("ResourceApplyAdam", "training"), ("MatMul", "linalg"),
    ("Sum", "reduction"), ("Reshape", "array"), ("Conv2D", "nn"), ("ReluGrad", "gradient"),
    ("RandomStandardNormal", "random"), ("HistogramSummary", "summary"), ("NoOp", "control"),
    ("SaveV2", "io"), ("AddV2", "math"), ("Tanh", "math"),
])
def test_kinds(op_type, kind):
    assert describe.kind_of(op_type) == kind
    assert kind in describe.KIND_COLORS


def test_attr_texts():
    graph = tf.Graph()
    with graph.as_default():
        tf.constant(np.arange(10, dtype=np.int32).reshape(2, 5), name="c")
        tf.placeholder(tf.float32, [None, 3], name="p")
        tf.constant(["a", "b"], name="s")
    model = GraphModel(graph.as_graph_def())
    attrs = {n.name: dict(n.attrs) for n in model.nodes}
    assert attrs["c"]["value"] == "int32 [2,5] {0, 1, 2, 3, 4, 5, ...}"
    assert attrs["c"]["dtype"] == "int32"
    assert attrs["p"]["shape"] == "[?,3]"
    assert attrs["s"]["value"] == "string [2] {'a', 'b'}"


def test_step_stats_by_node():
    stats = step_stats_pb2.StepStats()
    dev = stats.dev_stats.add(device="/device:CPU:0")
    a = dev.node_stats.add(node_name="Middle_section/add_d", all_end_rel_micros=30)
    a.memory.add(total_bytes=4)
    a.output.add().tensor_description.shape.SetInParent()
    dev.node_stats.add(node_name="Middle_section/add_d", all_end_rel_micros=12)
    graph, _, _ = load_example("hw2_graph").build_graph()
    model = GraphModel(graph.as_graph_def(), stats)
    node = model.by_name["Middle_section/add_d"]
    assert (node.stats.micros, node.stats.bytes, node.device) == (42, 4, "/device:CPU:0")
    assert node.shapes == ["[]"]  # no _output_shapes: the traced shapes are used
    assert model.has_stats and model.by_name["Input_placeholder/a"].stats is None
