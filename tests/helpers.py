"""Helpers for tests: evaluate graphs, compare with numpy, load the example programs."""

import importlib.util
import pathlib

import numpy as np

import graphflow as gf
from graphflow.kernels import reference


def evaluate(fetches, feed_dict=None):
    """Runs `fetches` of the default graph in a new session."""
    with gf.Session() as sess:
        return sess.run(fetches, feed_dict)


def check_static_shape(tensor, value):
    """The statically inferred shape must be compatible with the value's real shape."""
    value = np.asarray(value)
    assert tensor.shape.is_compatible_with(value.shape), (
        f"{tensor.name}: static shape {tensor.shape} vs real {value.shape}")


def check_fully_inferred(tensor, value):
    """With all input shapes known, the inferred shape must equal the real one exactly."""
    value = np.asarray(value)
    assert tensor.shape.is_fully_defined(), f"{tensor.name}: {tensor.shape} not fully defined"
    assert tuple(tensor.shape.as_list()) == value.shape, (
        f"{tensor.name}: static shape {tensor.shape} vs real {value.shape}")


def reference_eval(op_type, attrs, *arrays):
    """The numpy reference kernel's outputs for `op_type`."""
    return reference.evaluate(op_type, attrs, *arrays)


def assert_close(actual, expected, dtype=None, rtol=None, atol=None):
    """Compares with tolerances suited to the dtype (exact for ints, bools and strings)."""
    actual = np.asarray(actual)
    expected = np.asarray(expected)
    assert actual.shape == expected.shape, f"shape {actual.shape} != {expected.shape}"
    kind = (dtype or actual.dtype)
    kind = np.dtype(kind).kind
    if kind in "iubOSU":
        np.testing.assert_array_equal(actual, expected)
        return
    tol = {2: 1e-3, 4: 1e-5, 8: 1e-12}[np.dtype(dtype or actual.dtype).itemsize]
    np.testing.assert_allclose(actual, expected, rtol=rtol or tol, atol=atol or tol)


EXAMPLES = pathlib.Path(__file__).resolve().parent.parent / "examples"


def load_example(name):
    """Imports examples/<name>.py as a module (the examples are scripts, not a package)."""
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
