"""A multi-layer perceptron on scikit-learn's 8x8 digits (course seed 000, "Multi-layer
neural networks"): 64 -> 128 -> 64 -> 10 with ReLU, built with `tf.layers.dense`, dropout
(keep_prob 0.8 while training, 1.0 for testing), `sparse_softmax_cross_entropy_with_logits`
and Adam on mini-batches of 32.

Run: python examples/digits_mlp.py
"""

import time

import numpy as np

import graphflow as tf


def load_digits_split(seed=0):
    """Flattened digits scaled to [0, 1] and int64 labels, split 80/20."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    digits = load_digits()
    return train_test_split((digits.data / 16.0).astype(np.float32),
                            digits.target.astype(np.int64), test_size=0.2, random_state=seed,
                            stratify=digits.target)


def main(epochs=30, batch_size=32, learning_rate=1e-3, seed=0, verbose=True):
    """Trains the MLP; returns the test accuracy."""
    tf.reset_default_graph()
    tf.set_random_seed(seed)
    x_train, x_test, y_train, y_test = load_digits_split(seed)
    X = tf.placeholder(tf.float32, [None, 64], name="X")
    Y = tf.placeholder(tf.int64, [None], name="Y")
    keep_prob = tf.placeholder(tf.float32, [], name="keep_prob")
    hidden = tf.layers.dense(X, 128, activation=tf.nn.relu)
    hidden = tf.nn.dropout(hidden, keep_prob=keep_prob)
    hidden = tf.layers.dense(hidden, 64, activation=tf.nn.relu)
    hidden = tf.nn.dropout(hidden, keep_prob=keep_prob)
    logits = tf.layers.dense(hidden, 10)
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=Y,
                                                                         logits=logits))
    train_op = tf.train.AdamOptimizer(learning_rate).minimize(loss)
    accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(logits, 1), Y), tf.float32))
    rng = np.random.default_rng(seed)
    start = time.perf_counter()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for epoch in range(epochs):
            order = rng.permutation(len(x_train))
            losses = []
            for first in range(0, len(order), batch_size):
                batch = order[first:first + batch_size]
                _, value = sess.run([train_op, loss], {X: x_train[batch], Y: y_train[batch],
                                                       keep_prob: 0.8})
                losses.append(value)
            if verbose:
                print(f"epoch {epoch + 1:3d}  loss {np.mean(losses):.4f}  "
                      f"elapsed {time.perf_counter() - start:.1f} s")
        test_accuracy = float(sess.run(accuracy, {X: x_test, Y: y_test, keep_prob: 1.0}))
    print(f"test accuracy {test_accuracy:.4f} ({len(x_test)} images)")
    return test_accuracy


if __name__ == "__main__":
    main()
