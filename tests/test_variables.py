"""tf.Variable: nodes, values in sessions, assignment, collections, initialization and errors."""

import numpy as np
import pytest

import graphflow as tf
from graphflow import errors


def op_names():
    return [op.name for op in tf.get_default_graph().get_operations()]


def test_nodes_and_names():
    w = tf.Variable([[1.0, 2.0]], name="W")
    v = tf.Variable(lambda: tf.constant(3.0))
    v1 = tf.Variable(1)
    assert op_names() == ["W/initial_value", "W", "W/Assign", "W/read",
                          "Variable/Initializer/Const", "Variable", "Variable/Assign",
                          "Variable/read",
                          "Variable_1/initial_value", "Variable_1", "Variable_1/Assign",
                          "Variable_1/read"]
    assert w.name == "W:0" and w.op.type == "VariableV2"
    assert w.dtype == tf.float32_ref and w.shape.as_list() == [1, 2]
    assert w.initializer.name == "W/Assign" and w.initializer.type == "Assign"
    assert w.value().name == "W/read:0" and w.initial_value.name == "W/initial_value:0"
    assert v.initial_value.name == "Variable/Initializer/Const:0"
    assert v1.dtype == tf.int32_ref


def test_dtype_and_shape_arguments():
    a = tf.Variable([1.0, 2.0], dtype=tf.float64)
    b = tf.Variable(1, dtype=tf.float32)
    c = tf.Variable([1.0, 2.0], validate_shape=False)
    assert a.dtype.base_dtype == tf.float64 and b.dtype.base_dtype == tf.float32
    assert c.shape.rank is None
    with pytest.raises(ValueError, match="initial_value must be specified"):
        tf.Variable()


def test_initialize_read_and_assign():
    w = tf.Variable([1.0, 2.0], name="W")
    read = w.read_value()
    assign = w.assign([5.0, 6.0])
    add = w.assign_add([1.0, 1.0])
    sub = w.assign_sub([0.5, 0.5])
    no_read = w.assign([0.0, 0.0], read_value=False)
    assert read.name == "read:0" and no_read.type == "Assign"
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        np.testing.assert_array_equal(sess.run(w), [1.0, 2.0])
        np.testing.assert_array_equal(sess.run(read), [1.0, 2.0])
        np.testing.assert_array_equal(sess.run(assign), [5.0, 6.0])
        np.testing.assert_array_equal(sess.run(add), [6.0, 7.0])
        np.testing.assert_array_equal(sess.run(sub), [5.5, 6.5])
        np.testing.assert_array_equal(w.eval(), [5.5, 6.5])
        assert sess.run(no_read) is None
        np.testing.assert_array_equal(sess.run(w.value()), [0.0, 0.0])


def test_load_and_eval_with_default_session():
    w = tf.Variable(np.zeros((2, 2), np.float32))
    with tf.Session() as sess:
        w.load(np.eye(2), sess)
        np.testing.assert_array_equal(w.eval(), np.eye(2))
        w.load([[1.0, 2.0], [3.0, 4.0]])
        np.testing.assert_array_equal(w.eval(session=sess), [[1, 2], [3, 4]])
    with pytest.raises(ValueError, match="session"):
        w.load(np.eye(2))


def test_variables_in_expressions():
    w = tf.Variable([1.0, 2.0])
    y = 2.0 * w + w * w - (-w)
    with tf.Session() as sess:
        sess.run(w.initializer)
        np.testing.assert_array_equal(sess.run(y), [4.0, 10.0])


def test_fetched_values_do_not_alias_the_variable():
    w = tf.Variable([1.0, 2.0])
    add = w.assign_add([10.0, 10.0])
    with tf.Session() as sess:
        sess.run(w.initializer)
        before = sess.run(w)
        read = sess.run(w.value())
        sess.run(add)
        np.testing.assert_array_equal(before, [1.0, 2.0])
        np.testing.assert_array_equal(read, [1.0, 2.0])
        before[0] = 99.0
        np.testing.assert_array_equal(sess.run(w), [11.0, 12.0])


def test_sessions_have_separate_values():
    w = tf.Variable(0.0)
    add = w.assign_add(1.0)
    with tf.Session() as s1, tf.Session() as s2:
        s1.run(w.initializer)
        s2.run(w.initializer)
        s1.run(add)
        s1.run(add)
        assert s1.run(w) == 2.0 and s2.run(w) == 0.0
        s2.run(tf.variables_initializer([w]))
        assert s2.run(w) == 0.0 and s1.run(w) == 2.0


def test_uninitialized_use_names_the_variable():
    w = tf.Variable([1.0], name="W")
    y = w * 2.0
    with tf.Session() as sess:
        with pytest.raises(errors.FailedPreconditionError,
                           match="Attempting to use uninitialized value W"):
            sess.run(y)
        with pytest.raises(errors.FailedPreconditionError, match="uninitialized value W"):
            sess.run(w.assign_add([1.0]))


def test_is_variable_initialized():
    w = tf.Variable(1.0)
    flag = tf.is_variable_initialized(w)
    assert flag.dtype == tf.bool and flag.shape.rank == 0
    with tf.Session() as sess:
        assert not sess.run(flag)
        sess.run(w.initializer)
        assert sess.run(flag)


def test_collections_and_initializers():
    a = tf.Variable(1.0, name="a")
    b = tf.Variable(2.0, name="b", trainable=False)
    c = tf.Variable(3.0, name="c", collections=[tf.GraphKeys.LOCAL_VARIABLES])
    d = tf.Variable(4.0, name="d", collections=[], trainable=False)
    assert tf.global_variables() == [a, b]
    assert tf.trainable_variables() == [a, c]  # trainable unless said otherwise, as in TF
    assert d not in tf.global_variables() + tf.local_variables()
    assert tf.local_variables() == [c]
    assert tf.global_variables("a") == [a]
    init = tf.global_variables_initializer()
    assert init.name == "init" and init.type == "NoOp"
    assert {op.name for op in init.control_inputs} == {"a/Assign", "b/Assign"}
    local = tf.local_variables_initializer()
    empty = tf.variables_initializer([])
    assert empty.type == "NoOp" and not empty.control_inputs
    with tf.Session() as sess:
        sess.run([init, local])
        assert sess.run([a, b, c]) == [1.0, 2.0, 3.0]


def test_variables_initializer_runs_only_its_list():
    a = tf.Variable(1.0)
    b = tf.Variable(2.0)
    with tf.Session() as sess:
        sess.run(tf.variables_initializer([a]))
        assert sess.run(tf.is_variable_initialized(a))
        assert not sess.run(tf.is_variable_initialized(b))


def test_initialize_all_variables_warns():
    a = tf.Variable(1.0)
    with pytest.warns(DeprecationWarning, match="global_variables_initializer"):
        init = tf.initialize_all_variables()
    with tf.Session() as sess:
        sess.run(init)
        assert sess.run(a) == 1.0


def test_report_uninitialized_variables():
    a = tf.Variable(1.0, name="a")
    b = tf.Variable([2.0], name="b")
    report = tf.report_uninitialized_variables()
    with tf.Session() as sess:
        assert sess.run(report).tolist() == [b"a", b"b"]
        sess.run(b.initializer)
        assert sess.run(report).tolist() == [b"a"]
        sess.run(a.initializer)
        assert sess.run(report).shape == (0,)


def test_assign_shape_errors():
    w = tf.Variable([1.0, 2.0])
    with pytest.raises(ValueError):
        w.assign([1.0, 2.0, 3.0])
    with pytest.raises(TypeError):
        w.assign(tf.constant([1, 2]))  # an int32 tensor is not converted
    w.assign([1, 2])  # Python ints are
    p = tf.placeholder(tf.float32)
    with tf.Session() as sess:
        sess.run(w.initializer)
        with pytest.raises(errors.InvalidArgumentError):
            sess.run(w.assign(p), {p: [1.0, 2.0, 3.0]})


def test_validate_shape_false_allows_new_shapes():
    w = tf.Variable([1.0, 2.0], validate_shape=False)
    p = tf.placeholder(tf.float32)
    assign = tf.assign(w, p, validate_shape=False)
    with tf.Session() as sess:
        sess.run(w.initializer)
        sess.run(assign, {p: np.ones((2, 3))})
        assert sess.run(w).shape == (2, 3)


def _build_variables(tf_module):
    w = tf_module.Variable([[1.0, 2.0], [3.0, 4.0]], name="W")
    b = tf_module.Variable(lambda: tf_module.constant([0.5, 0.5]), name="b")
    n = tf_module.Variable(0, trainable=False)
    y = tf_module.matmul(w, w) + b
    w.read_value()
    step = n.assign_add(1)
    update = w.assign_sub(w * 0.5)
    init = tf_module.global_variables_initializer()
    return init, [y, step, update, w]


@pytest.mark.tf
def test_names_and_values_match_tensorflow(tf1):
    results = []
    for module in (tf1, tf):
        with module.Graph().as_default() as graph:
            init, fetches = _build_variables(module)
            names = [(op.name, op.type, [t.name for t in op.inputs])
                     for op in graph.get_operations()]
            with module.Session() as sess:
                sess.run(init)
                values = [[sess.run(t) for t in fetches] for _ in range(2)]
        results.append((names, values))
    (names_tf, values_tf), (names_gf, values_gf) = results
    assert names_gf == names_tf
    for run_tf, run_gf in zip(values_tf, values_gf):
        for a, b in zip(run_tf, run_gf):
            np.testing.assert_allclose(a, b)


def test_report_uninitialized_variables_without_variables():
    report = tf.report_uninitialized_variables()
    with tf.Session() as sess:
        assert sess.run(report).shape == (0,)
