"""variable_scope / get_variable: naming, sharing and reuse, defaults, errors.

Each scenario is a function of the TF module, so that the same code is checked against
explicit expectations (the examples of TF1's documentation) and, with `-m tf`, against real
TensorFlow: the same nodes (names, types, inputs) and the same returned values.
"""

import numpy as np
import pytest

import graphflow as tf


def nested_scopes(tf):
    with tf.variable_scope("foo"):
        with tf.variable_scope("bar"):
            v = tf.get_variable("v", [1])
    return v.name


def reuse_variables(tf):
    with tf.variable_scope("foo") as scope:
        v = tf.get_variable("v", [1])
        scope.reuse_variables()
        v1 = tf.get_variable("v", [1])
    return v.name, v1 is v


def reuse_true_and_name_scopes(tf):
    with tf.variable_scope("foo"):
        v = tf.get_variable("v", [1])
    with tf.variable_scope("foo", reuse=True):
        v1 = tf.get_variable("v", [1])
    with tf.variable_scope("foo"):
        x = tf.constant(1.0) + 1
    return v1 is v, x.name


def reenter_scope_object(tf):
    with tf.variable_scope("foo") as foo_scope:
        pass
    with tf.variable_scope(foo_scope):
        c = tf.constant(1.0, name="c")
        w = tf.get_variable("w", [2])
    with tf.variable_scope(foo_scope, reuse=True):
        w1 = tf.get_variable("w", [2])
    return c.name, w.name, w1 is w, foo_scope.original_name_scope


def reenter_nested_scope_object(tf):
    with tf.variable_scope("a"):
        with tf.variable_scope("b") as b:
            pass
    with tf.variable_scope(b):
        v = tf.get_variable("v", [1])
        c = tf.constant(0)
    with tf.variable_scope("q"):
        with tf.variable_scope(b):
            w = tf.get_variable("w", [1])
            d = tf.constant(0)
    return v.name, c.name, w.name, d.name


def auto_reuse(tf):
    def layer():
        with tf.variable_scope("f", reuse=tf.AUTO_REUSE):
            return tf.get_variable("v", [2])
    first = layer()
    return first is layer(), first.name


def default_names(tf):
    with tf.variable_scope(None, default_name="layer"):
        a = tf.get_variable("w", [1])
    with tf.variable_scope(None, default_name="layer"):
        b = tf.get_variable("w", [1])
        c = tf.constant(2.0)
    return a.name, b.name, c.name


def nested_default_names(tf):
    with tf.variable_scope(None, default_name="d"):
        with tf.variable_scope(None, default_name="d"):
            a = tf.get_variable("w", [1])
        with tf.variable_scope(None, default_name="d"):
            b = tf.get_variable("w", [1])
    with tf.variable_scope(None, default_name="d"):
        with tf.variable_scope(None, default_name="d"):
            c = tf.get_variable("w", [1])
    return a.name, b.name, c.name


def reuse_is_inherited(tf):
    with tf.variable_scope("root"):
        outside = tf.get_variable_scope().reuse
        with tf.variable_scope("foo", reuse=True):
            inside = tf.get_variable_scope().reuse
            with tf.variable_scope("bar"):
                nested = tf.get_variable_scope().reuse
        after = tf.get_variable_scope().reuse
    return outside, inside, nested, after


def initializer_is_inherited(tf):
    with tf.variable_scope("foo", initializer=tf.constant_initializer(0.4)):
        v = tf.get_variable("v", [1])
        w = tf.get_variable("w", [1], initializer=tf.constant_initializer(0.3))
        with tf.variable_scope("baz"):
            v2 = tf.get_variable("v", [1])
        with tf.variable_scope("bar", initializer=tf.constant_initializer(0.2)):
            v3 = tf.get_variable("v", [1])
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        return [round(float(x[0]), 6) for x in sess.run([v, w, v2, v3])]


def name_scope_interplay(tf):
    with tf.name_scope("outer"):
        with tf.variable_scope("vs"):
            v = tf.get_variable("v", [1])
            x = 1.0 + v
    with tf.variable_scope("foo"):
        with tf.name_scope("bar"):
            w = tf.get_variable("w", [1])
            y = 1.0 + w
    return v.name, x.op.name, w.name, y.op.name


def no_auxiliary_name_scope(tf):
    with tf.variable_scope("a", auxiliary_name_scope=False) as scope:
        v = tf.get_variable("v", [1])
        c = tf.constant(1.0)
    with tf.variable_scope(scope, auxiliary_name_scope=False):
        c2 = tf.constant(1.0)
    with tf.name_scope("n"):
        with tf.variable_scope("b", auxiliary_name_scope=False) as scope_b:
            c3 = tf.constant(1.0)
    return (v.name, c.name, c2.name, c3.name, scope.original_name_scope,
            scope_b.original_name_scope)


def reenter_context_manager(tf):
    vs = tf.variable_scope("x")
    with vs:
        a = tf.constant(1.0)
    with vs:
        b = tf.constant(1.0)
        v = tf.get_variable("v", [1])
    return a.name, b.name, v.name


def loop_with_reuse(tf):
    for i in range(3):
        with tf.variable_scope("rnn", reuse=(i > 0)):
            w = tf.get_variable("w", [2, 2])
            h = tf.matmul(tf.constant([[1.0, 1.0]]), w)
    return w.name, h.op.name, len(tf.global_variables())


def scope_dtype(tf):
    with tf.variable_scope("s", dtype=tf.float64):
        v = tf.get_variable("v", [2])
        i = tf.get_variable("i", [2], dtype=tf.int32)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        return v.dtype.name, i.dtype.name, sess.run(i).tolist(), sess.run(v).dtype.name


def value_initializers(tf):
    x = tf.constant(1.0)
    with tf.variable_scope("foo", values=[x]):
        v = tf.get_variable("v", initializer=tf.constant([1.0, 2.0]))
        n = tf.get_variable("n", initializer=np.array([1, 2], np.int64))
        m = tf.get_variable("m", initializer=np.float32(3), dtype=tf.float32)
        f = tf.get_variable("f", initializer=lambda: tf.ones_initializer()([2]))
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        values = [sess.run(t).tolist() for t in (v, n, m, f)]
    return v.name, n.dtype.name, m.name, f.name, values


def default_initializers(tf):
    w = tf.get_variable("w", [20, 30])
    i = tf.get_variable("i", [3], dtype=tf.int64)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        wv, iv = sess.run([w, i])
    limit = np.sqrt(6.0 / 50)
    return (w.initial_value.op.name, bool(np.all(np.abs(wv) < limit)),
            bool(np.abs(wv).max() > 0.8 * limit), iv.tolist())


def custom_getter(tf):
    def getter(getter, name, *args, **kwargs):
        return getter(name + "_x", *args, **kwargs)

    def outer(getter, name, *args, **kwargs):
        kwargs["trainable"] = False
        return getter(name, *args, **kwargs)
    with tf.variable_scope("g", custom_getter=outer):
        with tf.variable_scope("h", custom_getter=getter):
            v = tf.get_variable("v", [1])
    return v.name, [x.name for x in tf.trainable_variables()]


def regularizer(tf):
    with tf.variable_scope("r", regularizer=lambda v: tf.reduce_sum(v)):
        v = tf.get_variable("v", [2], initializer=tf.constant_initializer(1.5))
        w = tf.get_variable("w", [2], regularizer=tf.no_regularizer)
    losses = tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        fetched = float(sess.run(losses[0]))
        summed = float(sess.run(tf.add_n(losses + [losses[0] * 2.0])))
    return len(losses), losses[0].dtype.name, fetched, summed, w.name


def local_variables(tf):
    tf.get_local_variable("loc", [2])
    tf.get_variable("glob", [2], trainable=False)
    return ([x.name for x in tf.local_variables()], [x.name for x in tf.trainable_variables()],
            [x.name for x in tf.global_variables()])


def scope_collections(tf):
    with tf.variable_scope("s") as scope:
        tf.get_variable("v", [1])
        tf.get_variable("u", [1], trainable=False)
    tf.get_variable("s2", [1])
    return ([x.name for x in scope.global_variables()],
            [x.name for x in scope.trainable_variables()], scope.name,
            tf.get_variable_scope().name)


SCENARIOS = {
    nested_scopes: "foo/bar/v:0",
    reuse_variables: ("foo/v:0", True),
    reuse_true_and_name_scopes: (True, "foo_2/add:0"),
    reenter_scope_object: ("foo_1/c:0", "foo/w:0", True, "foo/"),
    reenter_nested_scope_object: ("a/b/v:0", "b/Const:0", "a/b/w:0", "q/b/Const:0"),
    auto_reuse: (True, "f/v:0"),
    default_names: ("layer/w:0", "layer_1/w:0", "layer_1/Const:0"),
    nested_default_names: ("d/d/w:0", "d/d_1/w:0", "d_1/d/w:0"),
    reuse_is_inherited: (False, True, True, False),
    initializer_is_inherited: [0.4, 0.3, 0.4, 0.2],
    name_scope_interplay: ("vs/v:0", "outer/vs/add", "foo/w:0", "foo/bar/add"),
    no_auxiliary_name_scope: ("a/v:0", "Const:0", "Const_1:0", "n/Const:0", "", "n/"),
    reenter_context_manager: ("x/Const:0", "x_1/Const:0", "x/v:0"),
    loop_with_reuse: ("rnn/w:0", "rnn_2/MatMul", 1),
    scope_dtype: ("float64_ref", "int32_ref", [0, 0], "float64"),
    value_initializers: ("foo/v:0", "int64_ref", "foo/m:0", "foo/f:0",
                         [[1.0, 2.0], [1, 2], 3.0, [1.0, 1.0]]),
    default_initializers: ("w/Initializer/random_uniform", True, True, [0, 0, 0]),
    custom_getter: ("g/h/v_x:0", []),
    regularizer: (1, "float32", 3.0, 9.0, "r/w:0"),
    local_variables: (["loc:0"], [], ["glob:0"]),
    scope_collections: (["s/v:0", "s/u:0"], ["s/v:0"], "s", ""),
}


@pytest.mark.parametrize("scenario", list(SCENARIOS), ids=lambda f: f.__name__)
def test_scenario(scenario):
    assert scenario(tf) == SCENARIOS[scenario]


def test_get_variable_default_nodes():
    tf.get_variable("w", [2, 3])
    names = [op.name for op in tf.get_default_graph().get_operations()]
    prefix = "w/Initializer/random_uniform"
    assert names == [f"{prefix}/shape", f"{prefix}/min", f"{prefix}/max",
                     f"{prefix}/RandomUniform", f"{prefix}/sub", f"{prefix}/mul", prefix,
                     "w", "w/Assign", "w/read"]


def test_existing_variable_without_reuse():
    with tf.variable_scope("foo"):
        tf.get_variable("v", [1])
        with pytest.raises(ValueError, match=r"^Variable foo/v already exists, disallowed\. Did "
                           r"you mean to set reuse=True or reuse=tf\.AUTO_REUSE in VarScope\?"):
            tf.get_variable("v", [1])


def test_missing_variable_with_reuse():
    message = (r"^Variable foo/v does not exist, or was not created with tf\.get_variable\(\)\. "
               r"Did you mean to set reuse=tf\.AUTO_REUSE in VarScope\?$")
    with tf.variable_scope("foo", reuse=True):
        with pytest.raises(ValueError, match=message):
            tf.get_variable("v", [1])
    tf.Variable(1.0, name="foo/v")  # not created by get_variable: still unknown to the store
    with tf.variable_scope("foo", reuse=True):
        with pytest.raises(ValueError, match=message):
            tf.get_variable("v", [1])


def test_reuse_mismatches():
    with tf.variable_scope("foo"):
        tf.get_variable("v", [2])
    with tf.variable_scope("foo", reuse=True):
        with pytest.raises(ValueError, match=r"Trying to share variable foo/v, but specified "
                                             r"shape \(3,\) and found shape \(2,\)"):
            tf.get_variable("v", [3])
        with pytest.raises(ValueError, match="specified dtype float64 and found dtype "
                                             "float32_ref"):
            tf.get_variable("v", [2], dtype=tf.float64)
        assert tf.get_variable("v").shape.as_list() == [2]


def test_get_variable_argument_errors():
    with pytest.raises(ValueError, match="If initializer is a constant, do not specify shape"):
        tf.get_variable("a", shape=[2], initializer=tf.constant([1.0, 2.0]))
    with pytest.raises(ValueError, match="don't match"):
        tf.get_variable("b", initializer=np.float32(3), dtype=tf.float64)
    with pytest.raises(ValueError, match="did not get an initializer, so its `shape`"):
        tf.get_variable("c")
    with pytest.raises(ValueError, match="The initializer passed is not valid"):
        tf.get_variable("d", shape=[None, 2], initializer=tf.zeros_initializer())
    with pytest.raises(ValueError, match="custom_getter which is not callable"):
        tf.get_variable("e", [1], custom_getter=3)
    with pytest.raises(NotImplementedError, match="partitioned"):
        tf.get_variable("f", [4], partitioner=lambda shape, dtype: [2])


def test_variable_scope_argument_errors():
    with pytest.raises(TypeError, match="If default_name is None then name_or_scope"):
        tf.variable_scope(None)
    with pytest.raises(ValueError, match="reuse=True cannot be used without a name_or_scope"):
        with tf.variable_scope(None, default_name="x", reuse=True):
            pass
    with pytest.raises(ValueError, match="The reuse parameter must be True or False or None"):
        tf.variable_scope("x", reuse="yes")
    with pytest.raises(TypeError, match="name_or_scope must be a string or VariableScope"):
        with tf.variable_scope(3):
            pass
    with pytest.raises(TypeError, match="auxiliary_name_scope must be"):
        tf.variable_scope("x", auxiliary_name_scope=1)


def test_scope_stack_is_restored_after_errors():
    with pytest.raises(RuntimeError):
        with tf.variable_scope("boom"):
            raise RuntimeError("inside")
    assert tf.get_variable_scope().name == ""
    assert tf.get_default_graph().get_name_scope() == ""
    assert tf.get_variable("v", [1]).name == "v:0"


def test_values_pick_the_graph_and_scopes_are_per_graph():
    other = tf.Graph()
    with other.as_default():
        x = tf.constant(1.0)
    with tf.variable_scope("vs", values=[x]):
        assert tf.get_default_graph() is other
        v = tf.get_variable("v", [1])
    assert v.graph is other
    assert tf.get_variable("vs/v", [1]).graph is tf.get_default_graph()  # a separate store


def test_variable_op_scope_is_deprecated_alias():
    x = tf.constant(1.0)
    with pytest.warns(DeprecationWarning):
        scope = tf.variable_op_scope([x], None, default_name="op")
    with scope as vs:
        assert vs.name == "op"


def test_auto_reuse_is_exported():
    assert tf.AUTO_REUSE is not True and repr(tf.AUTO_REUSE) == "<_ReuseMode.AUTO_REUSE: 1>"
    assert isinstance(tf.get_variable_scope(), tf.VariableScope)


def _signature(graph):
    return [(op.name, op.type, [t.name for t in op.inputs]) for op in graph.get_operations()]


@pytest.mark.tf
@pytest.mark.parametrize("scenario", list(SCENARIOS), ids=lambda f: f.__name__)
def test_scenario_matches_tensorflow(tf1, scenario):
    with tf1.Graph().as_default() as g_tf:
        expected = scenario(tf1)
    with tf.Graph().as_default() as g_gf:
        actual = scenario(tf)
    assert actual == expected
    assert _signature(g_gf) == _signature(g_tf)
