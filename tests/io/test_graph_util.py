"""`tf.graph_util`: sub-graph extraction, freezing (also checked in a fresh process that
never ran the model code) and removal of training nodes, against hand-built expectations and
TensorFlow's own graph_util."""

import subprocess
import sys
import textwrap

import numpy as np
import pytest
from google.protobuf import text_format

import graphflow as gf
from graphflow import errors


def _model():
    x = gf.placeholder(gf.float32, [None, 2], name="x")
    w = gf.Variable([[1.0], [-2.0]], name="w")
    b = gf.Variable(0.5, name="b")
    logits = gf.add(gf.matmul(x, w), b, name="logits")
    out = gf.sigmoid(logits, name="out")
    loss = gf.reduce_mean(gf.square(out), name="loss")
    gf.train.GradientDescentOptimizer(0.1).minimize(loss, name="train")
    return out


X = np.array([[1.0, 2.0], [0.5, -1.0]], np.float32)


def test_extract_sub_graph_keeps_what_the_destinations_need_in_order():
    _model()
    graph_def = gf.get_default_graph().as_graph_def()
    sub = gf.graph_util.extract_sub_graph(graph_def, ["logits"])
    assert [n.name for n in sub.node] == ["x", "w", "w/read", "b", "b/read", "MatMul", "logits"]
    assert sub.versions == graph_def.versions
    with_init = gf.graph_util.extract_sub_graph(graph_def, ["w/Assign", "logits"])
    assert "w/initial_value" in [n.name for n in with_init.node]
    with pytest.raises(AssertionError, match="nope is not in graph"):
        gf.graph_util.extract_sub_graph(graph_def, ["nope"])
    with pytest.raises(TypeError):
        gf.graph_util.extract_sub_graph(graph_def, "logits")
    with pytest.raises(TypeError):
        gf.graph_util.extract_sub_graph("graph", ["logits"])


def test_control_inputs_are_followed():
    a = gf.constant(1.0, name="a")
    b = gf.constant(2.0, name="b")
    with gf.control_dependencies([b]):
        gf.identity(a, name="c")
    sub = gf.graph_util.extract_sub_graph(gf.get_default_graph().as_graph_def(), ["c"])
    assert [n.name for n in sub.node] == ["a", "b", "c"]


def test_convert_variables_to_constants_freezes_current_values():
    out = _model()
    with gf.Session() as sess:
        sess.run(gf.global_variables_initializer())
        sess.run("train", {"x:0": X})
        expected = sess.run(out, {"x:0": X})
        frozen = gf.graph_util.convert_variables_to_constants(
            sess, sess.graph_def, ["out"])
        only_w = gf.graph_util.convert_variables_to_constants(
            sess, sess.graph_def, ["out"], variable_names_whitelist=["w"])
        not_w = gf.graph_util.convert_variables_to_constants(
            sess, sess.graph_def, ["out"], variable_names_blacklist=["w"])
        w_value = sess.run("w:0")
    ops = {n.name: n.op for n in frozen.node}
    assert ops["w"] == "Const" and ops["b"] == "Const" and ops["w/read"] == "Identity"
    assert "train" not in ops and "w/Assign" not in ops
    np.testing.assert_array_equal(gf.make_ndarray(frozen.node[1].attr["value"].tensor), w_value)
    assert {n.name: n.op for n in only_w.node}["b"] == "VariableV2"
    assert {n.name: n.op for n in not_w.node}["w"] == "VariableV2"
    with gf.Graph().as_default():
        y, = gf.import_graph_def(frozen, return_elements=["out:0"], name="")
        np.testing.assert_array_equal(gf.Session().run(y, {"x:0": X}), expected)


def test_freezing_needs_initialized_variables():
    _model()
    with gf.Session() as sess:
        with pytest.raises(errors.FailedPreconditionError, match="uninitialized value w"):
            gf.graph_util.convert_variables_to_constants(sess, sess.graph_def, ["out"])


def test_frozen_graph_runs_in_a_fresh_process(tmp_path):
    out = _model()
    with gf.Session() as sess:
        sess.run(gf.global_variables_initializer())
        expected = sess.run(out, {"x:0": X})
        frozen = gf.graph_util.convert_variables_to_constants(sess, sess.graph_def, ["out"])
    path = gf.train.write_graph(frozen, str(tmp_path), "frozen.pb", as_text=False)
    script = textwrap.dedent(f"""
        import numpy as np
        import graphflow as tf
        from graphflow.io import graph_io
        graph_def = graph_io.read_graph_def({path!r})
        y, = tf.import_graph_def(graph_def, return_elements=["out:0"], name="")
        x = np.array({X.tolist()!r}, np.float32)
        np.save({str(tmp_path / "y.npy")!r}, tf.Session().run(y, {{"x:0": x}}))
        """)
    subprocess.run([sys.executable, "-c", script], check=True, timeout=300)
    np.testing.assert_array_equal(np.load(tmp_path / "y.npy", allow_pickle=False), expected)


GRAPH_WITH_IDENTITIES = """
node { name: "x" op: "Placeholder" }
node { name: "i1" op: "Identity" input: "x" }
node { name: "i2" op: "Identity" input: "i1" }
node { name: "check" op: "CheckNumerics" input: "i2" }
node { name: "kept_protected" op: "Identity" input: "check" }
node { name: "used_as_control" op: "Identity" input: "x" }
node { name: "has_control" op: "Identity" input: "x" input: "^used_as_control" }
node { name: "out" op: "AddV2" input: "kept_protected" input: "i2:0" input: "^i1" }
node { name: "out2" op: "Neg" input: "has_control" }
"""


def test_remove_training_nodes():
    graph_def = text_format.Parse(GRAPH_WITH_IDENTITIES, gf.GraphDef())
    result = gf.graph_util.remove_training_nodes(graph_def, protected_nodes=["kept_protected"])
    nodes = {n.name: list(n.input) for n in result.node}
    assert "check" not in nodes and "i2" not in nodes
    assert nodes["kept_protected"] == []  # its input was the removed CheckNumerics
    # "i2:0" names i2's only output: it is spliced like "i2" (TF leaves it dangling); i1
    # is kept because it is a control input of "out".
    assert nodes["out"] == ["kept_protected", "i1", "^i1"]
    assert "used_as_control" in nodes and nodes["has_control"] == ["x", "^used_as_control"]


@pytest.mark.tf
def test_graph_util_agrees_with_tensorflow(tf1):
    text = GRAPH_WITH_IDENTITIES.replace('input: "i2:0"', 'input: "i2"')
    graph_def = text_format.Parse(text, gf.GraphDef())
    theirs_def = tf1.GraphDef.FromString(graph_def.SerializeToString())
    ours = gf.graph_util.remove_training_nodes(graph_def, ["kept_protected"])
    theirs = tf1.graph_util.remove_training_nodes(theirs_def, ["kept_protected"])
    assert [(n.name, list(n.input)) for n in ours.node] == \
        [(n.name, list(n.input)) for n in theirs.node]
    for dest in (["out"], ["out2"], ["out", "i1"]):
        ours = gf.graph_util.extract_sub_graph(graph_def, dest)
        theirs = tf1.graph_util.extract_sub_graph(theirs_def, dest)
        assert [n.name for n in ours.node] == [n.name for n in theirs.node]


@pytest.mark.tf
def test_frozen_graphs_match_tensorflows(tf1):
    _model()
    data = gf.get_default_graph().as_graph_def().SerializeToString()
    with gf.Session() as sess:
        sess.run(gf.global_variables_initializer())
        ours = gf.graph_util.convert_variables_to_constants(sess, sess.graph_def, ["out"])
    with tf1.Graph().as_default() as graph:
        tf1.import_graph_def(tf1.GraphDef.FromString(data), name="")
        with tf1.Session() as sess:
            sess.run(["w/Assign", "b/Assign"])
            theirs = tf1.graph_util.convert_variables_to_constants(
                sess, graph.as_graph_def(), ["out"])
    assert [(n.name, n.op, list(n.input)) for n in ours.node] == \
        [(n.name, n.op, list(n.input)) for n in theirs.node]
    for a, b in zip(ours.node, theirs.node):
        if a.op == "Const":
            np.testing.assert_array_equal(gf.make_ndarray(a.attr["value"].tensor),
                                          tf1.make_ndarray(b.attr["value"].tensor))
