"""Gradient descent written by hand with tf.gradients and Variable.assign (course seed 001).

Fits y = 3x - 2 by least squares.
Run: python examples/manual_gradient_descent.py
"""

import numpy as np

import graphflow as tf


def main(steps=200, lr=0.05, seed=0):
    tf.reset_default_graph()
    rng = np.random.RandomState(seed)
    xs = rng.uniform(-1, 1, (50, 1)).astype(np.float32)
    ys = 3 * xs - 2
    x = tf.placeholder(tf.float32, [None, 1])
    y = tf.placeholder(tf.float32, [None, 1])
    weights = tf.Variable(tf.random_normal([2], stddev=0.1, seed=seed), name="weights")
    prediction = weights[0] * x + weights[1]
    loss = tf.reduce_mean(tf.square(prediction - y))
    grads = tf.gradients(ys=loss, xs=weights)
    weights_new = weights.assign(weights - lr * grads[0])
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for step in range(steps):
            _, current = sess.run([weights_new, loss], {x: xs, y: ys})
            if step % 50 == 0:
                print("step", step, "loss", current)
        final = sess.run(weights)
    print("weights:", final, "(expected about [3, -2])")
    return final


if __name__ == "__main__":
    main()
