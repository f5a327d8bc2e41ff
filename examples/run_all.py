"""Runs every course example in this folder in turn (the README's first set-up command)."""

import pathlib
import runpy
import sys
import time

HERE = pathlib.Path(__file__).resolve().parent
ORDER = ["hw2_graph", "blood_fat_regression", "logistic_regression", "xor_mlp",
         "manual_gradient_descent", "iris_softmax", "breast_cancer", "digits_mlp", "digits_cnn"]


def main():
    for name in ORDER:
        print(f"=== {name}")
        start = time.perf_counter()
        runpy.run_path(str(HERE / f"{name}.py"), run_name="__main__")
        print(f"=== {name}: {time.perf_counter() - start:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
