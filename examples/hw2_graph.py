"""HW2 (course seed 000): a small graph with three name scopes, fed a 2x100 array.

Step 4 of the homework writes the graph for TensorBoard; this script also draws it with
graphflow's viewer, which needs no server:

    python examples/hw2_graph.py          # prints f, writes ./logs (events, HTML, SVG)
    tensorboard --logdir ./logs           # the graph as TensorBoard shows it
    graphflow-view ./logs -o graph.html   # the same drawing from the command line
"""

import os

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


def write_graph_files(sess, logdir):
    """Step 4: the events file for TensorBoard, plus an HTML page and (with Graphviz) an SVG
    drawn by graphflow's viewer. Returns the paths written."""
    file_writer = tf.summary.FileWriter(logdir, sess.graph)
    file_writer.close()
    paths = [tf.viewer.render(sess.graph, os.path.join(logdir, "hw2_graph.html"), title="HW2")]
    try:
        paths.append(tf.viewer.render(sess.graph, os.path.join(logdir, "hw2_graph.svg"),
                                      title="HW2"))
    except tf.viewer.GraphvizNotFoundError as err:
        print("no SVG:", err)
    return paths


def main(seed=0, logdir=None):
    """Runs HW2 with `seed`; returns f. With `logdir`, also writes the graph files there."""
    rng = np.random.RandomState(seed)
    xs = rng.normal(1, 2, 100)
    ys = np.asarray(rng.randn(len(xs)) * xs)
    graph, a, f = build_graph()
    sess = tf.InteractiveSession(graph=graph)
    result = sess.run(f, feed_dict={a: [xs, ys]})
    print("f =", result)
    print("nodes:", ", ".join(op.name for op in graph.get_operations()))
    if logdir is not None:
        for path in write_graph_files(sess, logdir):
            print("wrote", path)
    sess.close()
    return result


if __name__ == "__main__":
    main(logdir="logs")
