"""HW2 (course seed 000): a small graph with three name scopes, fed a 2x100 array.

Run: python examples/hw2_graph.py
"""

import numpy as np

import graphflow as tf


def build_graph():
    """The HW2 graph: a placeholder, three reductions, an add and a final multiply."""
    graph = tf.Graph()
    with graph.as_default():
        with tf.name_scope("Input_placeholder"):
            a = tf.placeholder(tf.float32, None, name="a")
        with tf.name_scope("Middle_section"):
            b = tf.reduce_prod(a, name="prod_b")
            c = tf.reduce_mean(a)
            d = tf.reduce_sum(a, name="sum_a")
            e = tf.add(b, c, name="add_d")
        with tf.name_scope("Final_node"):
            f = tf.multiply(e, d, name="final_multiply_node")
    return graph, a, f


def main(seed=0):
    rng = np.random.RandomState(seed)
    xs = rng.normal(1, 2, 100)
    ys = np.asarray(rng.randn(len(xs)) * xs)
    graph, a, f = build_graph()
    sess = tf.InteractiveSession(graph=graph)
    result = sess.run(f, feed_dict={a: [xs, ys]})
    print("f =", result)
    print("nodes:", ", ".join(op.name for op in graph.get_operations()))
    sess.close()
    return result


if __name__ == "__main__":
    main()
