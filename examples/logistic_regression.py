"""Logistic regression on two Gaussian blobs (course seed 000), plain TF1 style.

Run: python examples/logistic_regression.py
"""

import numpy as np

import graphflow as tf


def make_data(seed=0):
    rng = np.random.RandomState(seed)
    x1 = rng.normal(5, 3, 100)
    x2 = rng.normal(-5, 3, 100)
    xs = np.append(x1, x2)
    ys = np.asarray([0.] * len(x1) + [1.] * len(x2))
    return xs, ys


def main(training_epochs=500, learning_rate=0.01, seed=0, verbose=True):
    tf.reset_default_graph()
    xs, ys = make_data(seed)
    X = tf.placeholder(tf.float32, shape=(None,), name="x")
    Y = tf.placeholder(tf.float32, shape=(None,), name="y")
    w = tf.Variable([0., 0.], name="parameter", trainable=True)
    y_model = tf.sigmoid(-(w[1] * X + w[0]))
    cost = tf.reduce_mean(-tf.log(y_model * Y + (1 - y_model) * (1 - Y)))
    train_op = tf.train.GradientDescentOptimizer(learning_rate).minimize(cost)
    errors = []
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        prev_err = 0
        for epoch in range(training_epochs):
            err, _ = sess.run([cost, train_op], {X: xs, Y: ys})
            errors.append(err)
            if verbose:
                print(epoch, err)
            if abs(prev_err - err) < 0.0001:
                break
            prev_err = err
        w_val = sess.run(w)
    accuracy = np.mean((1 / (1 + np.exp(w_val[1] * xs + w_val[0])) > 0.5) == ys)
    print("learned w =", w_val, "training accuracy =", accuracy)
    return errors, w_val


if __name__ == "__main__":
    main()
