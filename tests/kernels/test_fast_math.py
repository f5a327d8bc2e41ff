"""Accuracy of graphflow/kernels/cpu/fast_math.py over the whole float32 range.

The oracle is numpy's float64 function rounded to float32 (within 0.5 ulp of the true value
plus float64's own tiny error). Inputs: every 251st float32 bit pattern (all signs, exponents,
denormals), a dense grid where each function bends, and the IEEE special values.
"""

import platform

import numba
import numpy as np
import pytest

from graphflow.kernels.cpu import fast_math

# The documented bounds of fast_math's docstring.
MAX_ULP = {"exp": 1, "log": 1, "tanh": 2, "sigmoid": 2}


@numba.njit(error_model="numpy")
def _apply(which, x, out):
    for i in range(x.shape[0]):
        v = x[i]
        if which == 0:
            out[i] = fast_math.exp(v)
        elif which == 1:
            out[i] = fast_math.log(v)
        elif which == 2:
            out[i] = fast_math.tanh(v)
        else:
            out[i] = fast_math.sigmoid(v)


_WHICH = {"exp": 0, "log": 1, "tanh": 2, "sigmoid": 3}


def fast(name, x):
    x = np.ascontiguousarray(x, dtype=np.float32)
    out = np.empty_like(x)
    _apply(_WHICH[name], x, out)
    return out


def _sigmoid64(x):
    return 0.5 * (1 + np.tanh(0.5 * x))  # no overflow, accurate in the tails' relative sense


def _exact_sigmoid(x):
    x = np.asarray(x, np.float64)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


ORACLES = {"exp": np.exp, "log": np.log, "tanh": np.tanh, "sigmoid": _exact_sigmoid}


def oracle(name, x):
    with np.errstate(all="ignore"):
        return ORACLES[name](np.asarray(x, np.float64)).astype(np.float32)


def ulp_distance(a, b):
    """|a - b| in float32 ulps (steps between adjacent floats; +0.0 and -0.0 are one value).
    Equal NaN positions count 0; a NaN against a number counts 2**40."""
    a = np.atleast_1d(np.asarray(a, np.float32))
    b = np.atleast_1d(np.asarray(b, np.float32))

    def ordinal(v):
        bits = v.view(np.int32).astype(np.int64)
        return np.where(bits < 0, -(bits & 0x7FFFFFFF), bits)

    distance = np.abs(ordinal(a) - ordinal(b))
    nan_a, nan_b = np.isnan(a), np.isnan(b)
    distance[nan_a & nan_b] = 0
    distance[nan_a != nan_b] = 1 << 40
    return distance


def all_float32_sample(stride=251):
    bits = np.arange(0, 1 << 32, stride, dtype=np.int64).astype(np.uint32)
    return bits.view(np.float32)


DENSE = {
    "exp": (-104.0, 89.0),
    "log": (0.0, 4.0),
    "tanh": (-10.0, 10.0),
    "sigmoid": (-105.0, 30.0),
}
SPECIALS = np.float32([0.0, -0.0, np.inf, -np.inf, np.nan, 1e-45, -1e-45, 1.1754942e-38,
                       -1.1754942e-38, 1.0, -1.0, 3.4028235e38, -3.4028235e38])


@pytest.mark.parametrize("name", sorted(MAX_ULP))
def test_max_ulp_over_float32_range(name):
    low, high = DENSE[name]
    x = np.concatenate([all_float32_sample(),
                        np.linspace(low, high, 1_000_003, dtype=np.float32), SPECIALS])
    errors = ulp_distance(fast(name, x), oracle(name, x))
    worst = int(np.argmax(errors))
    assert errors[worst] <= MAX_ULP[name], (
        f"{name}({x[worst]!r}) = {fast(name, x[worst:worst + 1])[0]!r}, "
        f"expected {oracle(name, x[worst:worst + 1])[0]!r}: {errors[worst]} ulp")


def test_ulp_distance_counts_steps_across_zero():
    one = np.float32(1.0)
    assert ulp_distance(one, np.nextafter(one, np.float32(2)))[0] == 1
    assert ulp_distance(np.float32(-1e-45), np.float32(1e-45))[0] == 2
    assert ulp_distance(np.float32(0.0), np.float32(-0.0))[0] == 0
    assert ulp_distance(np.float32(np.nan), one)[0] == 1 << 40


@pytest.mark.parametrize("name, x, expected", [
    ("exp", 0.0, 1.0), ("exp", -0.0, 1.0), ("exp", np.inf, np.inf), ("exp", -np.inf, 0.0),
    ("exp", 88.8, np.inf), ("exp", -104.0, 0.0), ("exp", 1e-45, 1.0),
    ("log", 0.0, -np.inf), ("log", -0.0, -np.inf), ("log", np.inf, np.inf),
    ("log", -1.0, np.nan), ("log", -np.inf, np.nan), ("log", 1.0, 0.0),
    ("tanh", np.inf, 1.0), ("tanh", -np.inf, -1.0), ("tanh", 20.0, 1.0), ("tanh", 0.0, 0.0),
    ("sigmoid", np.inf, 1.0), ("sigmoid", -np.inf, 0.0), ("sigmoid", 0.0, 0.5),
    ("sigmoid", -0.0, 0.5), ("sigmoid", 120.0, 1.0),
])
def test_special_values(name, x, expected):
    got = fast(name, [x])[0]
    if np.isnan(expected):
        assert np.isnan(got)
    else:
        assert got == np.float32(expected)
        assert np.signbit(got) == np.signbit(np.float32(expected))


@pytest.mark.parametrize("name", sorted(MAX_ULP))
def test_nan_in_nan_out(name):
    assert np.isnan(fast(name, [np.nan, -np.nan])).all()


def test_odd_and_sign_preserving_at_zero_and_denormals():
    x = np.float32([-0.0, 0.0, -1e-45, 1e-45, -1e-39, 1e-39])
    y = fast("tanh", x)
    np.testing.assert_array_equal(y, x)  # tanh(x) == x below 2**-12
    np.testing.assert_array_equal(np.signbit(y), np.signbit(x))
    grid = np.linspace(0, 10, 10001, dtype=np.float32)
    np.testing.assert_array_equal(fast("tanh", -grid), -fast("tanh", grid))


def test_log_of_denormals_is_accurate():
    bits = np.arange(1, 1 << 23, 97, dtype=np.uint32)
    x = bits.view(np.float32)  # every 97th positive denormal
    assert ulp_distance(fast("log", x), oracle("log", x)).max() <= MAX_ULP["log"]


def test_sigmoid_keeps_denormal_results():
    x = np.float32([-90.0, -100.0, -103.0])
    y = fast("sigmoid", x)
    assert (y > 0).all()
    assert ulp_distance(y, oracle("sigmoid", x)).max() <= MAX_ULP["sigmoid"]


def test_exp_denormal_results_round_once():
    x = np.linspace(-103.9, -87.4, 200_001, dtype=np.float32)
    assert ulp_distance(fast("exp", x), oracle("exp", x)).max() <= 1


_PAIRS = np.float32([[0.0, -0.0], [-0.0, 0.0], [np.nan, 1.0], [1.0, np.nan], [np.nan, np.nan],
                     [2.0, 3.0], [3.0, 2.0], [-np.inf, np.inf], [1.0, 1.0]])


@numba.njit
def _min_max(pairs, out):
    for i in range(pairs.shape[0]):
        out[i, 0] = fast_math.maximum(pairs[i, 0], pairs[i, 1])
        out[i, 1] = fast_math.minimum(pairs[i, 0], pairs[i, 1])


def test_maximum_minimum_match_numpy_bitwise():
    out = np.empty_like(_PAIRS)
    _min_max(_PAIRS, out)
    expected = np.stack([np.maximum(_PAIRS[:, 0], _PAIRS[:, 1]),
                         np.minimum(_PAIRS[:, 0], _PAIRS[:, 1])], axis=1)
    np.testing.assert_array_equal(out, expected)
    np.testing.assert_array_equal(np.signbit(out), np.signbit(expected))


@numba.njit(error_model="numpy")
def _vector_loop(x, out):
    for i in range(x.shape[0]):
        out[i] = fast_math.sigmoid(x[i]) * fast_math.tanh(x[i]) + fast_math.log(x[i])


@pytest.mark.skipif(platform.machine() not in ("x86_64", "AMD64"), reason="x86 assembly")
def test_loops_calling_them_vectorise():
    x = np.ones(16, np.float32)
    _vector_loop(x, np.empty_like(x))
    asm = _vector_loop.inspect_asm(_vector_loop.signatures[0])
    assert "mulps" in asm  # packed (SIMD) float32 multiplies
    assert "expf" not in asm and "tanhf" not in asm and "logf" not in asm  # no libm calls
