"""A simplified LeNet on scikit-learn's 8x8 digits (course seed 004, "A Simplified LeNet for
MNIST digits"; seed 000, "Object recognition with CNNs").

conv 5x5 (SAME) -> ReLU -> 2x2 max-pool (stride 2) -> conv 3x3 (VALID) -> ReLU -> flatten ->
dense 128 -> ReLU -> dropout -> dense 10, trained with Adam on mini-batches.

Run: python examples/digits_cnn.py
"""

import time

import numpy as np

import graphflow as tf


def load_digits_split(seed=0, test_size=0.2):
    """Digits as [N, 8, 8, 1] float32 images in [0, 1] and int64 labels, split 80/20."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    digits = load_digits()
    images = (digits.images / 16.0).astype(np.float32)[..., None]
    return train_test_split(images, digits.target.astype(np.int64), test_size=test_size,
                            random_state=seed, stratify=digits.target)


def weight(shape, name):
    return tf.Variable(tf.truncated_normal(shape, stddev=0.1), name=name)


def bias(size, name):
    return tf.Variable(tf.constant(0.1, shape=[size]), name=name)


def build_model(images, keep_prob):
    """The logits of the LeNet-style network for [None, 8, 8, 1] images."""
    with tf.name_scope("conv1"):
        h = tf.nn.conv2d(images, weight([5, 5, 1, 32], "W"), strides=[1, 1, 1, 1],
                         padding="SAME")
        h = tf.nn.relu(tf.nn.bias_add(h, bias(32, "b")))
        h = tf.nn.max_pool(h, ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding="SAME")
    with tf.name_scope("conv2"):
        h = tf.nn.conv2d(h, weight([3, 3, 32, 64], "W"), strides=[1, 1, 1, 1],
                         padding="VALID")
        h = tf.nn.relu(tf.nn.bias_add(h, bias(64, "b")))
    with tf.name_scope("fc1"):
        h = tf.reshape(h, [-1, 2 * 2 * 64])
        h = tf.nn.relu(tf.matmul(h, weight([2 * 2 * 64, 128], "W")) + bias(128, "b"))
        h = tf.nn.dropout(h, keep_prob=keep_prob)
    with tf.name_scope("fc2"):
        return tf.matmul(h, weight([128, 10], "W")) + bias(10, "b")


def main(epochs=20, batch_size=32, learning_rate=2e-3, seed=0, verbose=True):
    """Trains the CNN; returns the test accuracy."""
    tf.reset_default_graph()
    tf.set_random_seed(seed)
    x_train, x_test, y_train, y_test = load_digits_split(seed)
    images = tf.placeholder(tf.float32, [None, 8, 8, 1], name="images")
    labels = tf.placeholder(tf.int64, [None], name="labels")
    keep_prob = tf.placeholder_with_default(1.0, [], name="keep_prob")
    logits = build_model(images, keep_prob)
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
        labels=labels, logits=logits), name="loss")
    train_op = tf.train.AdamOptimizer(learning_rate).minimize(loss)
    correct = tf.equal(tf.argmax(logits, 1), labels)
    accuracy = tf.reduce_mean(tf.cast(correct, tf.float32), name="accuracy")
    rng = np.random.default_rng(seed)
    start = time.perf_counter()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for epoch in range(epochs):
            order = rng.permutation(len(x_train))
            losses = []
            for first in range(0, len(order), batch_size):
                batch = order[first:first + batch_size]
                _, value = sess.run([train_op, loss], {images: x_train[batch],
                                                       labels: y_train[batch], keep_prob: 0.8})
                losses.append(value)
            if verbose:
                print(f"epoch {epoch + 1:3d}  loss {np.mean(losses):.4f}  "
                      f"elapsed {time.perf_counter() - start:.1f} s")
        test_accuracy = float(sess.run(accuracy, {images: x_test, labels: y_test}))
    print(f"test accuracy {test_accuracy:.4f} ({len(x_test)} images), "
          f"trained in {time.perf_counter() - start:.1f} s")
    return test_accuracy


if __name__ == "__main__":
    main()
