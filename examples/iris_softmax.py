"""Softmax classification of the Iris flowers (course seed 002, "Classification" workflow).

Standardized features -> a 16-unit ReLU layer -> softmax over the 3 species, trained on
one-hot labels with `softmax_cross_entropy_with_logits_v2` and Adam on an 80/20 split.

Run: python examples/iris_softmax.py
"""

import time

import numpy as np

import graphflow as tf


def load_iris_split(seed=0):
    """Standardized Iris features (statistics of the training part) and one-hot labels."""
    from sklearn.datasets import load_iris
    from sklearn.model_selection import train_test_split
    iris = load_iris()
    x_train, x_test, y_train, y_test = train_test_split(
        iris.data.astype(np.float32), iris.target, test_size=0.2, random_state=seed,
        stratify=iris.target)
    mean, std = x_train.mean(axis=0), x_train.std(axis=0)
    one_hot = np.eye(3, dtype=np.float32)
    return (x_train - mean) / std, (x_test - mean) / std, one_hot[y_train], one_hot[y_test]


def main(epochs=200, hidden=16, learning_rate=0.01, seed=0, verbose=True):
    """Trains the classifier (full batch); returns the test accuracy."""
    tf.reset_default_graph()
    tf.set_random_seed(seed)
    x_train, x_test, y_train, y_test = load_iris_split(seed)
    X = tf.placeholder(tf.float32, [None, 4], name="X")
    Y = tf.placeholder(tf.float32, [None, 3], name="Y")
    with tf.name_scope("hidden"):
        W1 = tf.Variable(tf.random_normal([4, hidden], stddev=0.5), name="W")
        b1 = tf.Variable(tf.zeros([hidden]), name="b")
        h = tf.nn.relu(tf.matmul(X, W1) + b1)
    with tf.name_scope("softmax"):
        W2 = tf.Variable(tf.random_normal([hidden, 3], stddev=0.5), name="W")
        b2 = tf.Variable(tf.zeros([3]), name="b")
        logits = tf.matmul(h, W2) + b2
        probabilities = tf.nn.softmax(logits)
    loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits_v2(labels=Y, logits=logits))
    train_op = tf.train.AdamOptimizer(learning_rate).minimize(loss)
    correct = tf.equal(tf.argmax(probabilities, 1), tf.argmax(Y, 1))
    accuracy = tf.reduce_mean(tf.cast(correct, tf.float32))
    start = time.perf_counter()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for epoch in range(epochs):
            _, value = sess.run([train_op, loss], {X: x_train, Y: y_train})
            if verbose and (epoch % 20 == 0 or epoch == epochs - 1):
                print(f"epoch {epoch + 1:4d}  loss {value:.4f}  "
                      f"elapsed {time.perf_counter() - start:.2f} s")
        test_accuracy = float(sess.run(accuracy, {X: x_test, Y: y_test}))
    print(f"test accuracy {test_accuracy:.4f} ({len(x_test)} flowers)")
    return test_accuracy


if __name__ == "__main__":
    main()
