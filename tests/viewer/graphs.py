"""Graphs the viewer tests draw."""

import graphflow as tf


def training_graph(layers=3):
    """`layers` tanh layers in variable scopes, a mean-square `loss`, Adam and an init op."""
    graph = tf.Graph()
    with graph.as_default():
        x = tf.placeholder(tf.float32, [None, 8], name="x")
        h = x
        for i in range(layers):
            with tf.variable_scope(f"layer{i}"):
                h = tf.tanh(tf.matmul(h, tf.get_variable("W", [8, 8])))
        loss = tf.reduce_mean(tf.square(h), name="loss")
        tf.train.AdamOptimizer(0.01).minimize(loss)
        tf.global_variables_initializer()
    return graph
