"""`import_graph_def` semantics: prefixes and unique names, input maps, returned elements,
devices and control dependencies, imported graphs that train and differentiate."""

import numpy as np
import pytest

import graphflow as gf


def _source_graph_def():
    graph = gf.Graph()
    with graph.as_default():
        with gf.name_scope("foo"):
            x = gf.placeholder(gf.float32, name="x")
            gf.add(x, 1.0, name="add")
        with gf.device("/cpu:0"):
            gf.constant(3.0, name="on_cpu")
    return graph.as_graph_def()


def _names(graph):
    return [op.name for op in graph.get_operations()]


def test_prefixes_and_unique_names_follow_tensorflow():
    graph_def = _source_graph_def()
    gf.import_graph_def(graph_def)
    gf.import_graph_def(graph_def)
    gf.import_graph_def(graph_def, name="")
    assert gf.add(1.0, 2.0, name="foo/add").name == "foo/add_1:0"
    assert gf.constant(1.0, name="import").name == "import_2:0"
    with gf.name_scope("outer"):
        y, = gf.import_graph_def(graph_def, return_elements=["foo/add:0"])
    assert y.name == "outer/import/foo/add:0"
    gf.import_graph_def(graph_def, name="")  # names in use get _1, _2 suffixes
    names = _names(gf.get_default_graph())
    assert names[:9] == ["import/foo/x", "import/foo/add/y", "import/foo/add", "import/on_cpu",
                         "import_1/foo/x", "import_1/foo/add/y", "import_1/foo/add",
                         "import_1/on_cpu", "foo/x"]
    assert names[-4:] == ["foo/x_1", "foo/add/y_1", "foo/add_2", "on_cpu_1"]
    assert gf.get_default_graph().get_operation_by_name("foo/add_2").inputs[0].name == \
        "foo/x_1:0"


@pytest.mark.tf
def test_import_naming_matches_tensorflow(tf1):
    data = _source_graph_def().SerializeToString()

    def names(module):
        with module.Graph().as_default() as graph:
            graph_def = module.GraphDef.FromString(data)
            module.import_graph_def(graph_def)
            module.import_graph_def(graph_def, name="")
            module.add(1.0, 2.0, name="foo/add")
            module.import_graph_def(graph_def, name="")
            with module.name_scope("scope"):
                module.import_graph_def(graph_def, name="inner")
            return [(op.name, [t.name for t in op.inputs]) for op in graph.get_operations()]
    assert names(gf) == names(tf1)


def test_input_map_replaces_outputs_and_converts_values():
    graph_def = _source_graph_def()
    five = gf.constant(5.0, name="five")
    y, = gf.import_graph_def(graph_def, input_map={"foo/x:0": five},
                             return_elements=["foo/add:0"], name="m")
    z, x_op = gf.import_graph_def(graph_def, input_map={"foo/x": 7.0},
                                  return_elements=["foo/add:0", "foo/x"], name="n")
    assert y.op.inputs[0] is five and x_op.name == "n/foo/x"
    assert z.op.inputs[0].name == "n/Const:0"
    with gf.Session() as sess:
        assert sess.run([y, z]) == [6.0, 8.0]
    with pytest.raises(ValueError, match="non-empty `name`"):
        gf.import_graph_def(graph_def, input_map={"foo/x": 7.0}, name="")
    with gf.Graph().as_default():
        with pytest.raises(ValueError, match="not an element of the graph"):
            gf.import_graph_def(graph_def, input_map={"foo/x": five})


def test_devices_and_context_control_dependencies():
    graph_def = _source_graph_def()
    gate = gf.no_op(name="gate")
    with gf.control_dependencies([gate]):
        on_cpu, x, add = gf.import_graph_def(graph_def, name="",
                                             return_elements=["on_cpu", "foo/x", "foo/add"])
    assert on_cpu.device == "/device:CPU:0" and add.device == ""
    assert on_cpu.control_inputs == [gate] and x.control_inputs == [gate]
    assert add.control_inputs == []


def test_imported_graphs_differentiate_and_train():
    graph = gf.Graph()
    with graph.as_default():
        x = gf.placeholder(gf.float32, [None, 2], name="x")
        w = gf.Variable([[1.0], [1.0]], name="w")
        gf.reduce_sum(gf.square(gf.matmul(x, w)), name="loss")
    feeds = {"x:0": np.array([[1.0, 2.0]], np.float32)}
    loss, w_ref, init = gf.import_graph_def(graph.as_graph_def(), name="",
                                            return_elements=["loss:0", "w:0", "w/Assign"])
    grad, = gf.gradients(loss, [w_ref])
    step = gf.assign_sub(w_ref, 0.1 * grad)
    with gf.Session() as sess:
        sess.run(init)
        np.testing.assert_allclose(sess.run(grad, feeds), [[6.0], [12.0]])
        sess.run(step, feeds)
        np.testing.assert_allclose(sess.run(w_ref), [[0.4], [-0.2]], rtol=1e-6)


def test_serialized_bytes_are_accepted():
    graph_def = _source_graph_def()
    ops = gf.import_graph_def(graph_def.SerializeToString(), return_elements=["on_cpu"])
    assert ops[0].name == "import/on_cpu"


@pytest.mark.tf
def test_tensorflow_messages_are_accepted(tf1):
    theirs = tf1.GraphDef.FromString(_source_graph_def().SerializeToString())
    y, = gf.import_graph_def(theirs, return_elements=["foo/add:0"])
    assert gf.Session().run(y, {"import/foo/x:0": 1.5}) == 2.5
