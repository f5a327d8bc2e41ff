"""The issue-2 course programs (seeds 000 and 002) with their expected values."""

import numpy as np
import pytest
from helpers import load_example

import graphflow as tf


def test_hw2_value_and_node_names():
    hw2 = load_example("hw2_graph")
    result = hw2.main(seed=3)
    rng = np.random.RandomState(3)
    xs = rng.normal(1, 2, 100)
    ys = np.asarray(rng.randn(len(xs)) * xs)
    arr = np.array([xs, ys], dtype=np.float32)
    expected = (np.prod(arr, dtype=np.float32) + np.mean(arr, dtype=np.float32)) * \
        np.sum(arr, dtype=np.float32)
    assert isinstance(result, np.float32)
    np.testing.assert_allclose(result, expected, rtol=1e-4)
    graph, _, _ = hw2.build_graph()
    names = [op.name for op in graph.get_operations()]
    for name in ["Input_placeholder/a", "Middle_section/prod_b", "Middle_section/Mean",
                 "Middle_section/sum_a", "Middle_section/add_d",
                 "Final_node/final_multiply_node"]:
        assert name in names
    helpers = set(names) - {"Input_placeholder/a", "Middle_section/prod_b",
                            "Middle_section/Mean", "Middle_section/sum_a",
                            "Middle_section/add_d", "Final_node/final_multiply_node"}
    expected_helpers = set()
    for s in ("", "_1", "_2"):  # TF's Rank/range nodes for reductions over an unknown rank
        expected_helpers |= {f"Middle_section/Rank{s}", f"Middle_section/range{s}",
                             f"Middle_section/range{s}/start", f"Middle_section/range{s}/delta"}
    assert helpers == expected_helpers


def test_hello_world():
    hello = tf.constant("Hello, TensorFlow!")
    with tf.Session() as sess:
        assert sess.run(hello) == b"Hello, TensorFlow!"


def test_simple_math_with_placeholders():
    a = tf.placeholder(tf.float32)
    b = tf.placeholder(tf.float32)
    c = tf.constant(2.0)
    expr = a * a * b + b + c
    with tf.Session() as sess:
        value = sess.run(expr, feed_dict={a: 10, b: 5.0})
    assert value == 507.0 and isinstance(value, np.float32)


def test_mixed_dtypes_refused_with_helpful_message():
    a = tf.placeholder(tf.int32)
    b = tf.placeholder(tf.float32)
    with pytest.raises(TypeError) as info:
        a * a * b
    message = str(info.value)
    assert "int32" in message and "float32" in message and "tf.cast" in message


@pytest.mark.tf
def test_mixed_dtypes_also_refused_by_tensorflow(tf1):
    g = tf1.Graph()
    with g.as_default():
        a = tf1.placeholder(tf1.int32)
        b = tf1.placeholder(tf1.float32)
        with pytest.raises(TypeError):
            a * a * b
