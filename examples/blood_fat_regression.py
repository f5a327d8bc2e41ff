"""Linear regression on the blood-fat data (course seed 000), trained as in TF1.

TensorFlow prints loss 1230281.8 at step 0, 47094.402 at step 1000 and ends with
W = [[1.2922349], [5.5893784]], b = 1.1374353.
Run: python examples/blood_fat_regression.py
"""

import csv
import pathlib
import time

import graphflow as tf

DATA = pathlib.Path(__file__).resolve().parent / "data" / "blood_fat_data.csv"


def inputs():
    """(weight, age) pairs and blood-fat values as float32 tensors."""
    weight_age, blood_fat = [], []
    with open(DATA, newline="") as f:
        rows = csv.reader(f)
        next(rows)
        for weight, age, fat in rows:
            weight_age.append([float(weight), float(age)])
            blood_fat.append(float(fat))
    return tf.to_float(weight_age), tf.to_float(blood_fat)


def main(training_steps=10000, log_every=1000):
    tf.reset_default_graph()
    W = tf.Variable(tf.zeros([2, 1]), name="weights")
    b = tf.Variable(0., name="bias")

    def inference(X):
        return tf.matmul(X, W) + b

    def loss(X, Y):
        Y_predicted = tf.transpose(inference(X))  # make it a row vector
        return tf.reduce_sum(tf.squared_difference(Y, Y_predicted))

    history = []
    with tf.Session() as sess:
        tf.initialize_all_variables().run()
        X, Y = inputs()
        total_loss = loss(X, Y)
        train_op = tf.train.GradientDescentOptimizer(0.000001).minimize(total_loss)
        start = time.perf_counter()
        for step in range(training_steps):
            sess.run([train_op])
            if step % log_every == 0:
                value = sess.run(total_loss)
                history.append(value)
                print("Epoch:", step, " loss: ", value)
        elapsed = time.perf_counter() - start
        final_w, final_b = sess.run(W), sess.run(b)
        print("Final model W=", final_w, "b=", final_b)
        queries = [[[55., 40.]], [[50., 70.]], [[90., 20.]], [[90., 70.]]]
        predictions = [sess.run(inference(q)) for q in queries]
        for p in predictions:
            print(p)
        print(f"{training_steps} training steps in {elapsed:.2f} s")
    return history, final_w, final_b, predictions


if __name__ == "__main__":
    main()
