"""Shared fixtures: a fresh default graph per test, and real TensorFlow as an optional oracle."""

import os

import pytest

import graphflow as gf
from graphflow.kernels.cpu import fusion
from graphflow.kernels.cpu import plan_jit

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


@pytest.fixture(autouse=True)
def _fresh_default_graph():
    gf.reset_default_graph()
    yield
    gf.reset_default_graph()
    # Background compiles must not outlive their test: fused kernels compile in threads, and
    # numba compiles inside warnings.catch_warnings, which is process-wide, so a compile ending
    # during another test's pytest.warns would undo its warning capture. Whole-plan compiles
    # run in subprocesses; a plan rarely outlives its test, so they are stopped, not awaited
    # (tests/kernels/test_plan_jit.py compiles plans synchronously).
    plan_jit.cancel()
    fusion.wait()


@pytest.fixture(scope="session")
def tf1():
    """`tensorflow.compat.v1` with v2 behaviour disabled, or skip when TF is not installed."""
    tf = pytest.importorskip("tensorflow")
    v1 = tf.compat.v1
    v1.disable_v2_behavior()
    return v1
