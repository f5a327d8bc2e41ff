"""The four course models of the neural-network issue train to their targets (scikit-learn's
bundled datasets, no download): Iris softmax >= 0.93, breast cancer >= 0.95 with early
stopping, digits MLP >= 0.95, digits LeNet-style CNN >= 0.97 in under a minute."""

import time

import pytest

from helpers import load_example

pytest.importorskip("sklearn")


def test_iris_softmax_classifier():
    assert load_example("iris_softmax").main(epochs=150, verbose=False) >= 0.93


def test_breast_cancer_with_early_stopping():
    assert load_example("breast_cancer").main(verbose=False) >= 0.95


def test_digits_mlp():
    assert load_example("digits_mlp").main(epochs=20, verbose=False) >= 0.95


@pytest.mark.slow
def test_digits_cnn_trains_in_under_a_minute():
    # CPU time of this process (all its threads): other jobs on a shared machine do not count.
    start = time.process_time()
    accuracy = load_example("digits_cnn").main(verbose=False)
    assert accuracy >= 0.97
    assert time.process_time() - start < 60


def test_examples_print_loss_per_epoch_and_elapsed_time(capsys):
    load_example("digits_mlp").main(epochs=2)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("epoch   1  loss ") and "elapsed" in lines[0]
    assert lines[1].startswith("epoch   2  loss ") and lines[-1].startswith("test accuracy")
