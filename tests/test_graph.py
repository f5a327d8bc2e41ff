"""Graph construction: TF1's naming rules, collections, control dependencies, devices."""

import pytest

import graphflow as tf


def test_unique_names_get_numbered_suffixes():
    a = tf.constant(1.0, name="c")
    b = tf.constant(1.0, name="c")
    c = tf.constant(1.0, name="c")
    assert [a.op.name, b.op.name, c.op.name] == ["c", "c_1", "c_2"]
    assert a.name == "c:0"


def test_default_names_are_op_types():
    x = tf.constant(1.0)
    y = tf.constant(2.0)
    assert x.op.name == "Const" and y.op.name == "Const_1"
    assert tf.add(x, y).op.name == "Add" or tf.add(x, y).op.type == "AddV2"


def test_name_scope_rules_from_tf_documentation():
    # Mirrors the examples in TF1's Graph.name_scope docstring.
    g = tf.Graph()
    with g.as_default():
        c = tf.constant(5.0, name="c")
        assert c.op.name == "c"
        c_1 = tf.constant(6.0, name="c")
        assert c_1.op.name == "c_1"
        with g.name_scope("nested") as scope:
            assert scope == "nested/"
            nested_c = tf.constant(10.0, name="c")
            assert nested_c.op.name == "nested/c"
            with g.name_scope("inner"):
                nested_inner_c = tf.constant(20.0, name="c")
                assert nested_inner_c.op.name == "nested/inner/c"
            with g.name_scope("inner"):
                nested_inner_1_c = tf.constant(30.0, name="c")
                assert nested_inner_1_c.op.name == "nested/inner_1/c"
                with g.name_scope(None):
                    top = tf.constant(1.0, name="top")
                    assert top.op.name == "top"
            with g.name_scope("nested/inner/"):
                again = tf.constant(1.0, name="c")
                assert again.op.name == "nested/inner/c_1"


def test_scope_name_clashing_with_op_name_is_suffixed():
    tf.constant(1.0, name="foo")
    with tf.name_scope("foo") as scope:
        assert scope == "foo_1/"


def test_names_are_case_insensitive_for_uniqueness():
    tf.constant(1.0, name="Foo")
    assert tf.constant(1.0, name="foo").op.name == "foo_1"


def test_explicit_suffixed_name_is_respected_and_skipped_later():
    a = tf.constant(1.0, name="x")
    b = tf.constant(1.0, name="x_1")
    c = tf.constant(1.0, name="x")
    assert (a.op.name, b.op.name, c.op.name) == ("x", "x_1", "x_2")


def test_tf_name_scope_default_name_and_values():
    x = tf.constant(1.0)
    with tf.name_scope(None, "default", [x]) as scope:
        assert scope == "default/"
    with tf.name_scope(None, "default", [x]) as scope:
        assert scope == "default_1/"


def test_invalid_scope_name_raises():
    with pytest.raises(ValueError, match="not a valid scope name"):
        with tf.name_scope("-bad"):
            pass


def test_get_operation_and_tensor_by_name():
    with tf.name_scope("s"):
        x = tf.placeholder(tf.float32, [2], name="x")
    g = tf.get_default_graph()
    assert g.get_operation_by_name("s/x") is x.op
    assert g.get_tensor_by_name("s/x:0") is x
    with pytest.raises(KeyError):
        g.get_tensor_by_name("s/y:0")
    with pytest.raises(KeyError, match="only has 1 outputs"):
        g.get_tensor_by_name("s/x:3")
    with pytest.raises(ValueError):
        g.get_tensor_by_name("s/x")
    with pytest.raises(ValueError):
        g.get_operation_by_name("s/x:0")


def test_tensor_and_operation_properties():
    x = tf.placeholder(tf.float32, [None, 3], name="x")
    y = tf.reduce_sum(x, axis=1, name="y")
    assert y.op.type == "Sum"
    assert list(y.op.inputs)[0] is x
    assert y.op.outputs == [y]
    assert x.consumers() == [y.op]
    assert y.graph is tf.get_default_graph()
    assert y.op.get_attr("keep_dims") is False
    assert y.op.get_attr("T") == tf.float32
    with pytest.raises(ValueError):
        y.op.get_attr("nope")
    assert y.shape.as_list() == [None]
    assert x.get_shape().as_list() == [None, 3]


def test_set_shape_merges_and_rejects_incompatible():
    x = tf.placeholder(tf.float32)
    x.set_shape([None, 3])
    x.set_shape([2, None])
    assert x.shape.as_list() == [2, 3]
    with pytest.raises(ValueError):
        x.set_shape([2, 4])


def test_tensor_equality_is_identity_and_hashable():
    x = tf.constant(1.0)
    y = tf.constant(1.0)
    assert x == x and x != y
    assert {x: 1}[x] == 1
    with pytest.raises(TypeError):
        bool(x)


def test_collections():
    tf.add_to_collection("mine", 1)
    tf.add_to_collections(["mine", "other"], 2)
    assert tf.get_collection("mine") == [1, 2]
    assert tf.get_collection("other") == [2]
    assert tf.get_collection("missing") == []
    ref = tf.get_collection_ref("mine")
    ref.append(3)
    assert tf.get_collection("mine") == [1, 2, 3]


def test_control_dependencies_nest_and_clear():
    a = tf.constant(1.0, name="a")
    b = tf.constant(2.0, name="b")
    with tf.control_dependencies([a]):
        c = tf.constant(3.0, name="c")
        with tf.control_dependencies([b]):
            d = tf.constant(4.0, name="d")
        with tf.control_dependencies(None):
            e = tf.constant(5.0, name="e")
    assert c.op.control_inputs == [a.op]
    assert d.op.control_inputs == [a.op, b.op]
    assert e.op.control_inputs == []


def test_control_dependency_runs_before_target():
    v = tf.Variable(0.0)
    inc = tf.assign_add(v, 1.0)
    with tf.control_dependencies([inc]):
        out = tf.identity(tf.constant(7.0))
    with tf.Session() as sess:
        sess.run(v.initializer)
        assert sess.run(out) == 7.0
        assert sess.run(v) == 1.0


def test_device_scopes_are_recorded_canonically():
    with tf.device("/gpu:0"):
        a = tf.constant(1.0)
        with tf.device("/cpu:0"):
            b = tf.constant(1.0)
        with tf.device(None):
            c = tf.constant(1.0)
    assert a.device == "/device:GPU:0"
    assert b.device == "/device:CPU:0"
    assert c.device == ""


def test_finalize_blocks_new_nodes():
    g = tf.Graph()
    with g.as_default():
        tf.constant(1.0)
        g.finalize()
        with pytest.raises(RuntimeError, match="finalized"):
            tf.constant(2.0)


def test_reset_default_graph_and_nested_graphs():
    g1 = tf.get_default_graph()
    tf.constant(1.0)
    tf.reset_default_graph()
    g2 = tf.get_default_graph()
    assert g1 is not g2 and g2.get_operations() == []
    g3 = tf.Graph()
    with g3.as_default():
        assert tf.get_default_graph() is g3
        with pytest.raises(AssertionError):
            tf.reset_default_graph()


def test_node_records_user_creation_line():
    x = tf.constant(1.0)
    filename, line, _ = x.op.traceback
    assert filename == __file__ and line > 0


@pytest.mark.tf
def test_hw2_names_match_tensorflow(tf1):
    def build(lib):
        g = lib.Graph()
        with g.as_default():
            with lib.name_scope("Input_placeholder"):
                a = lib.placeholder(lib.float32, None, name="a")
            with lib.name_scope("Middle_section"):
                b = lib.reduce_prod(a, name="prod_b")
                c = lib.reduce_mean(a)
                d = lib.reduce_sum(a, name="sum_a")
                e = lib.add(b, c, name="add_d")
            with lib.name_scope("Final_node"):
                lib.multiply(e, d, name="final_multiply_node")
            x = lib.placeholder(lib.float32, [None, 3], name="x")
            _ = x * 2.0, 2.0 * x, -x, abs(x), x ** 2, x / 3.0, x // 2.0, x % 2.0
            _ = lib.clip_by_value(x, 0.0, 1.0), lib.where(x > 0, x, -x), x < 1.0
        return [(op.name, op.type, [t.name for t in op.inputs]) for op in g.get_operations()]

    assert build(tf) == build(tf1)
