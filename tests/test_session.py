"""Session.run semantics: fetch structures, feeds and their validation, errors, lifecycle."""

import collections

import numpy as np
import pytest

import graphflow as tf
from graphflow import errors


@pytest.fixture
def xy():
    x = tf.placeholder(tf.float32, [None, 3], name="x")
    y = tf.reduce_sum(x * 2.0, axis=1, name="y")
    return x, y


def test_nested_fetch_structures(xy):
    x, y = xy
    Pair = collections.namedtuple("Pair", "a b")
    feed = {x: np.ones((2, 3))}
    with tf.Session() as sess:
        out = sess.run({"p": Pair(y, [y, (x,)]), "op": y.op, "name": "y:0"}, feed)
    np.testing.assert_array_equal(out["p"].a, [6.0, 6.0])
    assert isinstance(out["p"], Pair)
    assert isinstance(out["p"].b, list) and isinstance(out["p"].b[1], tuple)
    np.testing.assert_array_equal(out["p"].b[1][0], np.ones((2, 3), np.float32))
    assert out["op"] is None
    np.testing.assert_array_equal(out["name"], [6.0, 6.0])


def test_scalar_fetch_is_numpy_scalar_and_string_is_bytes():
    with tf.Session() as sess:
        value = sess.run(tf.constant(2.5))
        assert isinstance(value, np.float32) and value == 2.5
        assert sess.run(tf.constant("hi")) == b"hi"
        np.testing.assert_array_equal(sess.run(tf.constant(["a", "bc"])),
                                      np.array([b"a", b"bc"], dtype=object))


def test_feed_by_name_and_feed_non_placeholder(xy):
    x, y = xy
    doubled = x * 2.0
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(y, {"x:0": [[1, 2, 3]]}), [12.0])
        # Any tensor can be fed: feeding an intermediate overrides its computation.
        np.testing.assert_array_equal(
            sess.run(tf.reduce_sum(doubled), {doubled: np.full((1, 3), 5.0)}), 15.0)


def test_unfed_placeholder_error_names_it(xy):
    x, y = xy
    with tf.Session() as sess:
        with pytest.raises(errors.InvalidArgumentError) as info:
            sess.run(y)
    assert "You must feed a value for placeholder tensor 'x' with dtype float and shape [?,3]" \
        in str(info.value)
    assert info.value.op is x.op


def test_feed_wrong_shape_names_tensor_and_shapes(xy):
    x, y = xy
    with tf.Session() as sess:
        with pytest.raises(ValueError, match=r"Cannot feed value of shape \(3,\) for Tensor "
                                             r"'x:0', which has shape '\(\?, 3\)'"):
            sess.run(y, {x: [1.0, 2.0, 3.0]})


def test_feed_unsafe_dtype_is_rejected():
    i = tf.placeholder(tf.int32, [2], name="i")
    with tf.Session() as sess:
        with pytest.raises(TypeError, match="'i:0'.*int32"):
            sess.run(i + 1, {i: [1.5, 2.5]})
        with pytest.raises(TypeError, match="out of range"):
            sess.run(i + 1, {i: np.array([2 ** 40, 1], dtype=np.int64)})
        np.testing.assert_array_equal(sess.run(i + 1, {i: np.array([1, 2], np.int64)}), [2, 3])


def test_feed_float64_list_into_float32():
    a = tf.placeholder(tf.float32)
    xs = np.random.RandomState(0).normal(size=5)
    with tf.Session() as sess:
        out = sess.run(a * 1.0, {a: [xs, xs]})
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, np.array([xs, xs], dtype=np.float32))


def test_feeding_a_tensor_is_an_error(xy):
    x, y = xy
    with tf.Session() as sess:
        with pytest.raises(TypeError, match="cannot be a tf.Tensor"):
            sess.run(y, {x: tf.constant(np.ones((1, 3), np.float32))})


def test_bad_fetches():
    with tf.Session() as sess:
        with pytest.raises(TypeError):
            sess.run(None)
        with pytest.raises(TypeError):
            sess.run([1.5])
        with pytest.raises(ValueError):
            sess.run("missing:0")


def test_fetching_from_another_graph_fails():
    other = tf.Graph()
    with other.as_default():
        c = tf.constant(1.0)
    with tf.Session() as sess:
        with pytest.raises(ValueError, match="not an element of this graph"):
            sess.run(c)


def test_closed_session_raises():
    sess = tf.Session()
    c = tf.constant(1.0)
    assert sess.run(c) == 1.0
    sess.close()
    with pytest.raises(RuntimeError, match="closed Session"):
        sess.run(c)


def test_context_manager_sets_default_session_and_eval():
    c = tf.constant([1.0, 2.0]) * 3.0
    with tf.Session() as sess:
        assert tf.get_default_session() is sess
        np.testing.assert_array_equal(c.eval(), [3.0, 6.0])
    assert tf.get_default_session() is None
    with pytest.raises(ValueError, match="No default session"):
        c.eval()


def test_interactive_session_is_default_until_closed():
    v = tf.Variable(3.0)
    sess = tf.InteractiveSession()
    v.initializer.run()
    assert v.eval() == 3.0
    sess.close()
    assert tf.get_default_session() is None


def test_as_default_does_not_close():
    c = tf.constant(4.0)
    sess = tf.Session()
    with sess.as_default():
        assert c.eval() == 4.0
    assert sess.run(c) == 4.0
    sess.close()


def test_make_callable(xy):
    x, y = xy
    with tf.Session() as sess:
        f = sess.make_callable([y, x], feed_list=[x])
        out_y, out_x = f(np.ones((2, 3)))
        np.testing.assert_array_equal(out_y, [6.0, 6.0])
        assert out_x.shape == (2, 3)
        with pytest.raises(TypeError):
            f()


def test_runtime_error_names_node_op_shapes_and_line():
    i = tf.placeholder(tf.int32, [None], name="i")
    q = tf.floordiv(i, i, name="q")
    with tf.Session() as sess:
        with pytest.raises(errors.InvalidArgumentError) as info:
            sess.run(q, {i: [1, 0]})
    text = str(info.value)
    assert "Integer division by zero" in text
    assert "node q (op FloorDiv)" in text
    assert "shape=[2] dtype=int32" in text
    assert __file__ in text
    assert info.value.op is q.op


def test_plans_are_cached_and_graph_can_grow():
    x = tf.placeholder(tf.float32, [], name="x")
    y = x + 1.0
    with tf.Session() as sess:
        assert sess.run(y, {x: 1.0}) == 2.0
        assert len(sess._plans) == 1
        assert sess.run(y, {x: 2.0}) == 3.0
        assert len(sess._plans) == 1
        z = y * 10.0
        assert sess.run(z, {x: 1.0}) == 20.0


def test_fetched_arrays_do_not_alias_constants():
    c = tf.constant([1.0, 2.0])
    with tf.Session() as sess:
        first = sess.run(c)
        first[0] = 99.0
        np.testing.assert_array_equal(sess.run(c), [1.0, 2.0])


def test_fetch_same_tensor_twice_and_ops_only():
    c = tf.constant(1.0)
    with tf.Session() as sess:
        a, b = sess.run([c, c])
        assert a == b == 1.0
        assert sess.run(tf.no_op()) is None
        assert sess.run([tf.group(c)]) == [None]


def test_config_proto_thread_settings():
    config = tf.ConfigProto(intra_op_parallelism_threads=1, inter_op_parallelism_threads=1)
    with tf.Session(config=config) as sess:
        assert sess.run(tf.constant(1.0) + 1.0) == 2.0
