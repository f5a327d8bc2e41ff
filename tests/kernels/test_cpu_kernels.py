"""The numba CPU kernels against the numpy reference kernels (all layouts, parallel paths)."""

import math

import numpy as np
import pytest

import graphflow as gf
from graphflow.kernels import reference
from graphflow.kernels import registry as kernel_registry
from tests.helpers import evaluate
from tests.ops.math_oracles import *  # noqa: F401,F403 - dtype aliases, samplers, oracles


# ------------------------------------------------------------------------ numba CPU kernels
def _cpu_and_reference(out):
    """The CPU kernel and the reference kernel of `out`'s node, as run(*arrays) callables."""
    op = out.op
    return kernel_registry.lookup(op.type, "CPU")(op, None), reference.factory(op, None)


SUM_LAYOUTS = [((1000,), (0,)), ((7, 9), (0,)), ((7, 9), (1,)), ((7, 9), (0, 1)),
               ((3, 4, 5), (0, 2)), ((3, 4, 5), (1,)), ((3, 4, 5), (0, 1)), ((2, 3, 4, 5), (1, 3)),
               ((2, 3, 4, 5), (0, 2, 3)), ((300, 500), (0,)), ((300, 500), (1,)),
               ((300, 500), (0, 1)), ((64, 50, 60), (1,)), ((64, 50, 60), (0, 2))]


@pytest.mark.parametrize("op_type", ["Sum", "Mean"])
@pytest.mark.parametrize("dtype", [F16, F32, F64])
def test_numba_sum_mean_match_reference(op_type, dtype):
    fn = gf.reduce_sum if op_type == "Sum" else gf.reduce_mean
    for shape, axes in SUM_LAYOUTS:
        value = sample(shape, dtype)
        for x_val in (value, np.moveaxis(value, 0, -1)):      # contiguous and transposed
            x = gf.placeholder(dtype, x_val.shape)
            out = fn(x, axis=list(axes), keepdims=len(axes) == 1)
            cpu, ref = _cpu_and_reference(out)
            axes_arr = np.array(axes, np.int32)
            (got,), (want,) = cpu(x_val, axes_arr), ref(x_val, axes_arr)
            assert got.dtype == want.dtype and got.shape == want.shape
            rtol = {2: 4e-3, 4: 2e-5, 8: 1e-12}[np.dtype(dtype).itemsize]
            np.testing.assert_allclose(got, want, rtol=rtol, atol=rtol * 10)
            wide = np.sum(x_val.astype(np.float64), axis=axes, keepdims=len(axes) == 1)
            if op_type == "Mean":
                wide = wide / math.prod(x_val.shape[a] for a in axes)
            np.testing.assert_allclose(got, wide, rtol=rtol, atol=rtol * 10)


def test_numba_reductions_special_values_and_fallbacks():
    value = np.array([[1.0, np.nan, 2.0], [np.inf, 1.0, -1.0]], np.float32)
    x = gf.placeholder(gf.float32, [2, 3])
    got = evaluate([gf.reduce_sum(x, 1), gf.reduce_mean(x, 0), gf.reduce_sum(x, [])],
                   {x: value})
    np.testing.assert_array_equal(got[0], [np.nan, np.inf])
    np.testing.assert_array_equal(got[1], [np.inf, np.nan, 0.5])
    np.testing.assert_array_equal(got[2], value)
    empty = evaluate([gf.reduce_sum(np.zeros((0, 3), np.float32), 0),
                      gf.reduce_mean(np.zeros((0, 3), np.float32), 0)])
    np.testing.assert_array_equal(empty[0], [0, 0, 0])
    assert np.isnan(empty[1]).all()


@pytest.mark.parametrize("op_type", ["Sigmoid", "Rsqrt", "SquaredDifference"])
@pytest.mark.parametrize("dtype", [F32, F64])
def test_numba_elementwise_match_reference(op_type, dtype):
    specials = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1e-30, 50.0, -50.0], dtype)
    for size in (8, 70000):                                  # serial and parallel paths
        xv = sample((size,), dtype, "positive" if op_type == "Rsqrt" else "any")
        xv[:8] = specials
        yv = sample((size,), dtype)
        for x_arr, y_arr in ((xv, yv), (xv[::-1], yv[::-1])):  # contiguous and strided
            x = gf.placeholder(dtype, x_arr.shape)
            if op_type == "SquaredDifference":
                y = gf.placeholder(dtype, y_arr.shape)
                out, args = gf.squared_difference(x, y), (x_arr, y_arr)
            else:
                out, args = getattr(gf, op_type.lower())(x), (x_arr,)
            cpu, ref = _cpu_and_reference(out)
            (got,), (want,) = cpu(*args), ref(*args)
            np.testing.assert_allclose(got, want, rtol=1e-6 if dtype == F32 else 1e-14)
            real = ~np.isnan(want)
            assert np.array_equal(np.signbit(got[real]), np.signbit(want[real]))


def test_numba_squared_difference_fallbacks():
    for xv, yv in ((sample((3, 4), F32), sample((4,), F32)), (sample((5,), I32), sample((5,), I32)),
                   (sample((2, 3), F16), sample((2, 3), F16))):
        x, y = gf.placeholder(xv.dtype, xv.shape), gf.placeholder(yv.dtype, yv.shape)
        cpu, _ = _cpu_and_reference(gf.squared_difference(x, y))
        close(cpu(xv, yv)[0], elementwise(lambda a, b: (a - b) * (a - b), xv.dtype, xv, yv),
              xv.dtype)
