"""A two-layer sigmoid network learns XOR (course seed 000, "Multi-layer neural networks").

Run: python examples/xor_mlp.py
"""

import numpy as np

import graphflow as tf


def main(steps=5000, hidden=4, learning_rate=0.5, seed=1, verbose=True):
    tf.reset_default_graph()
    tf.set_random_seed(seed)
    x_data = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
    y_data = np.array([[0], [1], [1], [0]], dtype=np.float32)
    X = tf.placeholder(tf.float32, [None, 2], name="X")
    Y = tf.placeholder(tf.float32, [None, 1], name="Y")
    with tf.name_scope("hidden"):
        W1 = tf.Variable(tf.random_uniform([2, hidden], -1.0, 1.0), name="W1")
        b1 = tf.Variable(tf.zeros([hidden]), name="b1")
        L1 = tf.sigmoid(tf.matmul(X, W1) + b1)
    with tf.name_scope("output"):
        W2 = tf.Variable(tf.random_uniform([hidden, 1], -1.0, 1.0), name="W2")
        b2 = tf.Variable(tf.zeros([1]), name="b2")
        out = tf.sigmoid(tf.matmul(L1, W2) + b2)
    with tf.name_scope("cross_entropy"):
        cost = -tf.reduce_mean(Y * tf.log(out) + (1 - Y) * tf.log(1 - out))
    train_op = tf.train.GradientDescentOptimizer(learning_rate).minimize(cost)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for step in range(steps):
            _, c = sess.run([train_op, cost], {X: x_data, Y: y_data})
            if verbose and step % 1000 == 0:
                print("step", step, "cost", c)
        prediction = sess.run(out, {X: x_data})
    print("XOR predictions:", prediction.ravel())
    return prediction.ravel(), y_data.ravel()


if __name__ == "__main__":
    main()
