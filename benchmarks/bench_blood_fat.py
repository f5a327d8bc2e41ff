"""W2: the blood-fat program's 10,000 training `sess.run` calls, graphflow vs TensorFlow vs a
hand-written numpy loop, measured in one run (medians of --repeat runs).

Run: python benchmarks/bench_blood_fat.py [--steps 10000] [--repeat 3]
"""

import argparse
import csv
import pathlib
import statistics
import time

import numpy as np

DATA = pathlib.Path(__file__).resolve().parent.parent / "examples" / "data" / "blood_fat_data.csv"


def load():
    with open(DATA, encoding="utf-8") as f:
        rows = list(csv.reader(f))[1:]
    x = np.array([[float(r[0]), float(r[1])] for r in rows], dtype=np.float32)
    y = np.array([float(r[2]) for r in rows], dtype=np.float32)
    return x, y


def run_framework(lib, steps):
    """Builds the program in `lib` (graphflow or tf.compat.v1); returns (setup+loop, loop) s."""
    x, y = load()
    start = time.perf_counter()
    graph = lib.Graph()
    with graph.as_default():
        W = lib.Variable(lib.zeros([2, 1]), name="weights")
        b = lib.Variable(0., name="bias")
        X, Y = lib.constant(x), lib.constant(y)
        loss = lib.reduce_sum(lib.squared_difference(Y, lib.transpose(lib.matmul(X, W) + b)))
        train_op = lib.train.GradientDescentOptimizer(0.000001).minimize(loss)
        with lib.Session() as sess:
            sess.run(lib.global_variables_initializer())
            sess.run([train_op])
            loop_start = time.perf_counter()
            for _ in range(steps - 1):
                sess.run([train_op])
            end = time.perf_counter()
            final = sess.run(W)
    return end - start, end - loop_start, final


def run_numpy(steps):
    x, y = load()
    start = time.perf_counter()
    w = np.zeros((2, 1), np.float32)
    b = np.float32(0)
    lr = np.float32(1e-6)
    for _ in range(steps):
        d = (x @ w + b).T - y
        w -= lr * (x.T @ (2 * d.T))
        b -= lr * np.float32(2 * d.sum())
    end = time.perf_counter()
    return end - start, end - start, w


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=10000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    import graphflow
    runners = {"graphflow": lambda: run_framework(graphflow, args.steps),
               "numpy": lambda: run_numpy(args.steps)}
    try:
        import tensorflow.compat.v1 as tf1
        tf1.disable_v2_behavior()
        runners["tensorflow"] = lambda: run_framework(tf1, args.steps)
    except ImportError:
        pass
    results = {name: [] for name in runners}
    for _ in range(args.repeat):  # interleaved, so drift affects all alike
        for name, fn in runners.items():
            results[name].append(fn()[:2])
    print(f"W2 blood-fat, {args.steps} training runs (median of {args.repeat}):")
    base = statistics.median(t for t, _ in results.get("tensorflow", results["numpy"]))
    for name, times in results.items():
        total = statistics.median(t for t, _ in times)
        loop = statistics.median(t for _, t in times)
        print(f"  {name:10s} total {total:7.3f} s   steady loop {loop:7.3f} s   "
              f"({base / total:5.1f}x vs {'tensorflow' if 'tensorflow' in results else 'numpy'})")


if __name__ == "__main__":
    main()
