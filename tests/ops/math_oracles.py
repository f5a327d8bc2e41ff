"""Oracles and input samplers shared by the math-op tests (independent of the kernels)."""

import math

import numpy as np

import graphflow as gf
from tests.helpers import assert_close, check_fully_inferred, evaluate

F16, F32, F64 = np.float16, np.float32, np.float64
I8, I16, I32, I64 = np.int8, np.int16, np.int32, np.int64
U8, U16, U32, U64 = np.uint8, np.uint16, np.uint32, np.uint64
FLOATS = (F16, F32, F64)
SIGNED = FLOATS + (I8, I16, I32, I64)
NUMBER = SIGNED + (U8, U16, U32, U64)
RNG = np.random.default_rng(2024)


# ------------------------------------------------------------------------ oracle helpers
def sample(shape, dtype, domain="any"):
    """Random values of `dtype` in `domain`: any, positive, above_minus_one, nonzero, small."""
    dtype = np.dtype(dtype)
    if dtype == np.bool_:
        return RNG.integers(0, 2, shape).astype(bool)
    if dtype.kind == "f":
        x = RNG.standard_normal(shape) * 3
        if domain == "positive":
            x = np.abs(x) + 0.1
        elif domain == "above_minus_one":
            x = np.abs(x) - 0.9
        elif domain == "nonzero":
            x = np.where(np.abs(x) < 0.1, 0.5, x)
        elif domain == "small":
            x = np.abs(x) % 3
        return x.astype(dtype)
    low = 0 if dtype.kind == "u" else -9
    if domain == "positive":
        low = 1
    x = RNG.integers(low, 10, shape)
    if domain == "nonzero":
        x = np.where(x == 0, 3, x)
    elif domain == "small":
        x = np.abs(x) % 4
    return x.astype(dtype)


def wrap_ints(values, dtype):
    """Python ints -> `dtype` with two's-complement wrap-around (C integer semantics)."""
    bits = np.dtype(dtype).itemsize * 8
    flat = [int(v) & ((1 << bits) - 1) for v in np.asarray(values, dtype=object).reshape(-1)]
    unsigned = np.array(flat, dtype=np.dtype(f"u{bits // 8}"))
    return unsigned.view(np.dtype(dtype)).reshape(np.shape(values))


def elementwise(fn, dtype, *arrays):
    """Applies the Python scalar function `fn` elementwise with broadcasting; casts to dtype.

    Integer inputs are passed as Python ints and the result wrapped; floats as Python floats.
    """
    out_dtype = np.dtype(dtype)
    args = np.broadcast_arrays(*[np.asarray(a) for a in arrays])
    shape = args[0].shape if args else ()
    objs = [a.astype(object).reshape(-1) for a in args]
    results = [fn(*vals) for vals in zip(*objs)]
    if out_dtype.kind in "iu":
        return wrap_ints(np.array(results, dtype=object).reshape(shape), out_dtype)
    with np.errstate(over="ignore", invalid="ignore"):
        return np.array(results, dtype=np.float64 if out_dtype.kind == "f" else out_dtype) \
            .reshape(shape).astype(out_dtype)


def _py(fn):
    """Wraps a math function so that domain errors give nan and overflow inf, as IEEE does."""
    def run(*args):
        try:
            return fn(*[float(a) for a in args])
        except ValueError:
            return math.nan
        except (OverflowError, ZeroDivisionError):
            return math.inf
    return run


def trunc_div(a, b):
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


def float_floor_div(a, b):
    if b == 0:
        return math.copysign(math.inf, a) * math.copysign(1, b) if a else math.nan
    return math.floor(a / b)


def float_mod(a, b):
    return math.nan if b == 0 else a % b


def close(actual, expected, dtype):
    """Tolerances: exact for ints/bools, 2 ulp-ish for floats (NaN == NaN, inf == inf)."""
    dtype = np.dtype(dtype)
    if dtype.kind == "f":
        tol = {2: 2e-3, 4: 2e-6, 8: 1e-12}[dtype.itemsize]
        assert np.asarray(actual).dtype == dtype
        np.testing.assert_allclose(actual, expected, rtol=tol, atol=tol)
    else:
        assert_close(actual, expected, dtype=dtype)


def input_cases(dtype, domain, shapes=((), (5,), (3, 4), (0, 4))):
    """Contiguous arrays of `shapes`, plus a strided and a transposed view."""
    cases = [sample(s, dtype, domain) for s in shapes]
    cases.append(sample((6, 8), dtype, domain)[::2, ::3])
    cases.append(sample((4, 3), dtype, domain).T)
    return cases


def run_cases(build, cases, out_dtype, oracle):
    """Feeds each tuple of `cases` to fully shaped placeholders and checks value and shape."""
    feeds, outputs, expected = {}, [], []
    for arrays in cases:
        phs = [gf.placeholder(a.dtype, a.shape) for a in arrays]
        feeds.update(zip(phs, arrays))
        outputs.append(build(*phs))
        expected.append(oracle(*arrays))
    got = evaluate(outputs, feeds)
    for out, value, want in zip(outputs, got, expected):
        check_fully_inferred(out, value)
        close(value, want, out_dtype)
