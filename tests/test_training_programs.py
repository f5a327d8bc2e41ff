"""The issue-3 course programs trained end to end, with TensorFlow's figures."""

import numpy as np
import pytest

from helpers import load_example



def test_blood_fat_regression_matches_tensorflow_figures():
    history, w, b, predictions = load_example("blood_fat_regression").main(10000, 1000)
    # Printed by TensorFlow for the same program (seed slide and issue text).
    np.testing.assert_allclose(history[0], 1230281.8, rtol=1e-5)
    np.testing.assert_allclose(history[1], 47094.402, rtol=1e-5)
    np.testing.assert_allclose(w.ravel(), [1.2922349, 5.5893784], rtol=1e-5)
    np.testing.assert_allclose(b, 1.1374353, rtol=1e-5)
    # The slide prints 177.53676 for its first query, which cannot be [[55, 40]] with these
    # weights; the other three slide values equal W.q + b. So check W.q + b with TF's W, b.
    tf_w, tf_b = np.array([1.2922349, 5.5893784]), 1.1374353
    queries = np.array([[55., 40.], [50., 70.], [90., 20.], [90., 70.]])
    np.testing.assert_allclose([p.item() for p in predictions], queries @ tf_w + tf_b,
                               rtol=1e-5)
    np.testing.assert_allclose([p.item() for p in predictions][1:],
                               [457.00565, 229.22615, 508.69504], rtol=1e-5)


@pytest.mark.tf
@pytest.mark.slow
def test_blood_fat_regression_equals_tensorflow_run(tf1):
    module = load_example("blood_fat_regression")
    history, w, b, predictions = module.main(2000, 500)
    g = tf1.Graph()
    with g.as_default():
        W = tf1.Variable(tf1.zeros([2, 1]))
        bias = tf1.Variable(0.)
        X, Y = (tf1.constant(v) for v in _csv_arrays(module))
        inference = lambda q: tf1.matmul(q, W) + bias  # noqa: E731
        loss = tf1.reduce_sum(tf1.squared_difference(Y, tf1.transpose(inference(X))))
        train_op = tf1.train.GradientDescentOptimizer(0.000001).minimize(loss)
        with tf1.Session() as sess:
            sess.run(tf1.global_variables_initializer())
            tf_history = []
            for step in range(2000):
                sess.run([train_op])
                if step % 500 == 0:
                    tf_history.append(sess.run(loss))
            tf_w, tf_b = sess.run([W, bias])
            tf_pred = [sess.run(inference(tf1.constant(q))) for q in
                       ([[55., 40.]], [[50., 70.]], [[90., 20.]], [[90., 70.]])]
    np.testing.assert_allclose(history, tf_history, rtol=1e-5)
    np.testing.assert_allclose(w, tf_w, rtol=1e-5)
    np.testing.assert_allclose(b, tf_b, rtol=1e-5)
    np.testing.assert_allclose(np.ravel(predictions), np.ravel(tf_pred), rtol=1e-5)


def _csv_arrays(module):
    import csv
    rows = list(csv.reader(open(module.DATA)))[1:]
    x = np.array([[float(r[0]), float(r[1])] for r in rows], dtype=np.float32)
    y = np.array([float(r[2]) for r in rows], dtype=np.float32)
    return x, y


def test_logistic_regression_cost_sequence():
    errors, _ = load_example("logistic_regression").main(training_epochs=60, verbose=False)
    np.testing.assert_allclose(errors[0], 0.6931474, rtol=1e-6)
    assert all(b < a for a, b in zip(errors, errors[1:]))


@pytest.mark.tf
def test_logistic_regression_equals_tensorflow(tf1):
    module = load_example("logistic_regression")
    errors, w = module.main(training_epochs=60, verbose=False)
    xs, ys = module.make_data(0)
    g = tf1.Graph()
    with g.as_default():
        X = tf1.placeholder(tf1.float32, shape=(None,))
        Y = tf1.placeholder(tf1.float32, shape=(None,))
        wt = tf1.Variable([0., 0.])
        y_model = tf1.sigmoid(-(wt[1] * X + wt[0]))
        cost = tf1.reduce_mean(-tf1.log(y_model * Y + (1 - y_model) * (1 - Y)))
        train_op = tf1.train.GradientDescentOptimizer(0.01).minimize(cost)
        tf_errors = []
        with tf1.Session() as sess:
            sess.run(tf1.global_variables_initializer())
            for _ in range(len(errors)):
                err, _ = sess.run([cost, train_op], {X: xs, Y: ys})
                tf_errors.append(err)
    np.testing.assert_allclose(errors, tf_errors, rtol=2e-6)


def test_xor_network_learns_truth_table():
    prediction, target = load_example("xor_mlp").main(verbose=False)
    assert np.all((prediction > 0.5) == (target > 0.5)), prediction


def test_manual_gradient_descent_with_assign():
    final = load_example("manual_gradient_descent").main()
    np.testing.assert_allclose(final, [3.0, -2.0], atol=0.05)
