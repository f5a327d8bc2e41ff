"""Binary classification of breast tumours (course seed 003's Keras example in TF1 style).

The 569 Wisconsin samples are split as in the seed's log: 426 for training and 143 held out
(the seed's `validation_data`, which is also its test set). Standardized features -> 30 ->
15 ReLU units -> one logit, trained with `sigmoid_cross_entropy_with_logits` and Adam on
mini-batches; the loop computes the validation loss after each epoch and stops when it has
not improved for `patience` epochs, restoring the best weights (Keras' EarlyStopping with
restore_best_weights=True).

Run: python examples/breast_cancer.py
"""

import time

import numpy as np

import graphflow as tf


def load_cancer_split(seed=0):
    """(train, held-out) pairs of standardized features and [N, 1] float labels."""
    from sklearn.datasets import load_breast_cancer
    from sklearn.model_selection import train_test_split
    data = load_breast_cancer()
    x = data.data.astype(np.float32)
    y = data.target.astype(np.float32)[:, None]
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=143, random_state=seed,
                                                        stratify=data.target)
    mean, std = x_train.mean(axis=0), x_train.std(axis=0)
    return ((x_train - mean) / std, y_train), ((x_test - mean) / std, y_test)


def dense(inputs, units, name, activation=None):
    with tf.name_scope(name):
        fan_in = int(inputs.shape[-1])
        W = tf.Variable(tf.random_normal([fan_in, units], stddev=np.sqrt(2.0 / fan_in)),
                        name="W")
        b = tf.Variable(tf.zeros([units]), name="b")
        out = tf.matmul(inputs, W) + b
        return activation(out) if activation else out


def main(max_epochs=600, patience=25, learning_rate=1e-3, batch_size=32, seed=0,
         verbose=True):
    """Trains with early stopping; returns the test accuracy."""
    tf.reset_default_graph()
    tf.set_random_seed(seed)
    (x_train, y_train), (x_test, y_test) = load_cancer_split(seed)
    X = tf.placeholder(tf.float32, [None, 30], name="X")
    Y = tf.placeholder(tf.float32, [None, 1], name="Y")
    logits = dense(dense(dense(X, 30, "dense", tf.nn.relu), 15, "dense_1", tf.nn.relu), 1,
                   "output")
    loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=Y, logits=logits))
    train_op = tf.train.AdamOptimizer(learning_rate).minimize(loss)
    accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.cast(logits > 0, tf.float32), Y), tf.float32))
    weights = tf.trainable_variables()
    rng = np.random.default_rng(seed)
    start = time.perf_counter()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        best, best_weights, waited = np.inf, None, 0
        for epoch in range(max_epochs):
            order = rng.permutation(len(x_train))
            for first in range(0, len(order), batch_size):
                batch = order[first:first + batch_size]
                sess.run(train_op, {X: x_train[batch], Y: y_train[batch]})
            train_loss = sess.run(loss, {X: x_train, Y: y_train})
            val_loss = sess.run(loss, {X: x_test, Y: y_test})
            if verbose:
                print(f"Epoch {epoch + 1}/{max_epochs}  loss: {train_loss:.4f} - val_loss: "
                      f"{val_loss:.4f}  elapsed {time.perf_counter() - start:.1f} s")
            if val_loss < best:
                best, best_weights, waited = val_loss, sess.run(weights), 0
            else:
                waited += 1
                if waited >= patience:
                    print(f"Epoch {epoch + 1:05d}: early stopping")
                    break
        for variable, value in zip(weights, best_weights):
            variable.load(value, sess)
        test_accuracy = float(sess.run(accuracy, {X: x_test, Y: y_test}))
    print(f"test accuracy {test_accuracy:.4f} ({len(x_test)} tumours)")
    return test_accuracy


if __name__ == "__main__":
    main()
