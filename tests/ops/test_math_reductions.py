"""Reductions (every axis form, keepdims spellings, unknown shapes) and AddN."""

import math

import numpy as np
import pytest

import graphflow as gf
from graphflow import errors
from tests.helpers import check_fully_inferred, evaluate
from tests.ops.math_oracles import *  # noqa: F401,F403 - dtype aliases, samplers, oracles


# ------------------------------------------------------------------------ reductions
REDUCTIONS = {
    "Sum": (gf.reduce_sum, NUMBER),
    "Mean": (gf.reduce_mean, NUMBER),
    "Prod": (gf.reduce_prod, (F32, F64, I32, I64, U8)),
    "Max": (gf.reduce_max, NUMBER),
    "Min": (gf.reduce_min, NUMBER),
}


def reduce_oracle(op_type, x, axes, keepdims):
    """Python-int / float64 reductions over `axes` (a tuple), wrapped or rounded to x's dtype."""
    dtype = x.dtype
    axes = tuple(a % max(x.ndim, 1) for a in axes) if x.ndim else ()
    moved = np.moveaxis(x, axes, tuple(range(x.ndim - len(axes), x.ndim))) if axes else x
    rest = moved.shape[:x.ndim - len(axes)]
    count = math.prod(x.shape[a] for a in axes)
    rows = moved.reshape(rest + (count,)).astype(object if dtype.kind in "iu" else np.float64)
    out = np.empty(rest, dtype=object)
    for idx in np.ndindex(*rest):
        out[idx] = _reduce_row(op_type, list(rows[idx]), dtype)
    out = elementwise(lambda v: v, dtype, out) if dtype.kind in "iu" else \
        np.asarray(out.astype(np.float64)).astype(dtype)
    if keepdims:
        out = out.reshape(tuple(1 if i in axes else d for i, d in enumerate(x.shape)))
    return out


def _reduce_row(op_type, row, dtype):
    is_int = dtype.kind in "iu"
    if op_type == "Sum":
        return sum(row)
    if op_type == "Prod":
        return math.prod(row)
    if op_type == "Mean":
        if not row:
            return 0 if is_int else math.nan
        return trunc_div(sum(row), len(row)) if is_int else sum(row) / len(row)
    if not row:
        info = np.iinfo(dtype) if is_int else None
        if op_type == "Max":
            return int(info.min) if is_int else -math.inf
        return int(info.max) if is_int else math.inf
    return max(row) if op_type == "Max" else min(row)


REDUCE_PARAMS = [(t, d) for t, rec in REDUCTIONS.items() for d in rec[1]]
AXIS_FORMS = [None, 0, -1, [0, 2], (1,), [2, 0], [-3, -1], [0, 1, 2], np.array([1]), [],
              np.array([], np.int64)]


@pytest.mark.parametrize("op_type,dtype", REDUCE_PARAMS,
                         ids=[f"{t}-{np.dtype(d).name}" for t, d in REDUCE_PARAMS])
def test_reductions_every_axis_form(op_type, dtype):
    fn = REDUCTIONS[op_type][0]
    domain = "small" if op_type == "Prod" else "any"
    values = [sample((2, 3, 4), dtype, domain), sample((4, 3, 2), dtype, domain).transpose(2, 1, 0),
              sample((2, 0, 3), dtype, domain)]
    feeds, outs, expected = {}, [], []
    for value in values:
        x = gf.placeholder(dtype, value.shape)
        feeds[x] = value
        for axis in AXIS_FORMS:
            for keep in (False, True):
                out = fn(x, axis=axis, keepdims=keep)
                assert out.op.type == op_type
                outs.append(out)
                axes = tuple(range(3)) if axis is None else tuple(np.atleast_1d(axis).tolist())
                expected.append(reduce_oracle(op_type, value, axes, keep))
    for out, got, want in zip(outs, evaluate(outs, feeds), expected):
        check_fully_inferred(out, got)
        close(got, want, dtype)


def test_reduction_argument_spellings_and_names():
    x = gf.placeholder(gf.float32, [2, 3], name="x")
    value = np.arange(6, dtype=np.float32).reshape(2, 3)
    outs = [gf.reduce_sum(x), gf.reduce_sum(x, 1, True), gf.reduce_sum(x, reduction_indices=[0]),
            gf.reduce_sum(x, axis=1, keep_dims=True), gf.reduce_mean(x, gf.constant(-1)),
            gf.reduce_max(x, keepdims=True, name="mx")]
    got = evaluate(outs, {x: value})
    np.testing.assert_array_equal(got[0], 15)
    np.testing.assert_array_equal(got[1], [[3], [12]])
    np.testing.assert_array_equal(got[2], [3, 5, 7])
    np.testing.assert_array_equal(got[3], [[3], [12]])
    np.testing.assert_array_equal(got[4], [1, 4])
    np.testing.assert_array_equal(got[5], [[5]])
    assert outs[0].op.inputs[1].op.name == "Const"
    assert outs[1].op.inputs[1].op.name == "Sum_1/reduction_indices"
    assert outs[5].op.name == "mx" and outs[5].op.get_attr("keep_dims") is True
    assert sorted(outs[0].op._attrs) == ["T", "Tidx", "keep_dims"]


def test_reductions_with_unknown_shapes():
    u = gf.placeholder(gf.float32, name="u")
    axis = gf.placeholder(gf.int32, name="axis")
    total = gf.reduce_sum(u)
    assert total.shape.as_list() == [] and total.op.inputs[1].op.type == "Range"
    keep = gf.reduce_sum(u, keepdims=True)
    assert keep.shape.rank is None
    partial = gf.reduce_mean(gf.placeholder(gf.float32, [2, None]), axis=axis, keepdims=True)
    assert partial.shape.as_list() == [None, None]
    value = np.arange(12, dtype=np.float32).reshape(3, 4)
    got = evaluate([total, keep, gf.reduce_sum(u, axis=axis)], {u: value, axis: [-1]})
    np.testing.assert_array_equal(got[0], 66)
    np.testing.assert_array_equal(got[1], [[66]])
    np.testing.assert_array_equal(got[2], [6, 22, 38])
    scalar = gf.reduce_sum(gf.constant(3.0))
    assert scalar.shape.as_list() == [] and evaluate(scalar) == 3.0


def test_reduction_errors():
    x = gf.placeholder(gf.float32, [2, 3])
    with pytest.raises(ValueError, match="Invalid reduction dimension 2 for input with 2"):
        gf.reduce_sum(x, axis=2)
    with pytest.raises(ValueError, match="Invalid reduction dimension -3"):
        gf.reduce_max(x, axis=[0, -3])
    with pytest.raises(ValueError, match="Cannot specify both 'reduction_indices' and 'axis'"):
        gf.reduce_sum(x, axis=0, reduction_indices=0)
    with pytest.raises(ValueError, match="Cannot specify both 'keep_dims' and 'keepdims'"):
        gf.reduce_sum(x, keepdims=True, keep_dims=True)
    axis = gf.placeholder(gf.int32)
    with pytest.raises(errors.InvalidArgumentError, match="Invalid reduction dimension"):
        evaluate(gf.reduce_sum(x, axis=axis), {x: np.ones((2, 3)), axis: 5})


def test_reduction_accumulation_matches_tf():
    big32 = np.full((3,), 2 ** 30, np.int32)
    u8 = np.full((4,), 250, np.uint8)
    h = np.full((3,), 60000, np.float16)
    ones = np.ones((3000,), np.float16)
    got = evaluate([gf.reduce_mean(big32), gf.reduce_mean(u8), gf.reduce_mean(h),
                    gf.reduce_sum(ones), gf.reduce_mean(ones), gf.reduce_mean([-7, 2])])
    assert got[0] == 2 ** 30 and got[1] == 250       # 64-bit sums for small integer types
    assert np.isinf(got[2])                          # float16 sum overflows, then divides
    assert got[3] == 3000 and got[4] == 1.0          # but accumulates in float32
    assert got[5] == -2                              # integer means truncate toward zero


@pytest.mark.parametrize("fn,expected", [(gf.reduce_any, [True, False, True]),
                                         (gf.reduce_all, [False, False, True])])
def test_any_all(fn, expected):
    value = np.array([[True, False, True], [False, False, True]])
    b = gf.placeholder(gf.bool, [2, 3])
    outs = [fn(b, axis=0), fn(b), fn(b, axis=[0, 1], keepdims=True), fn(b, axis=-1)]
    got = evaluate(outs, {b: value})
    np.testing.assert_array_equal(got[0], expected)
    np.testing.assert_array_equal(got[1], all(expected) if fn is gf.reduce_all else True)
    assert got[2].shape == (1, 1) and got[3].shape == (2,)
    for out, v in zip(outs, got):
        check_fully_inferred(out, v)
    empty = evaluate(fn(np.zeros((0, 2), bool), axis=0))
    np.testing.assert_array_equal(empty, [fn is gf.reduce_all] * 2)


# ------------------------------------------------------------------------ AddN
@pytest.mark.parametrize("dtype", [F16, F32, F64, I8, I32, I64, U8, U64])
def test_add_n(dtype):
    values = [sample((3, 4), dtype) for _ in range(3)]
    values[1] = sample((4, 3), dtype).T
    phs = [gf.placeholder(dtype, [3, 4]) for _ in values]
    out = gf.add_n(phs)
    assert out.op.type == "AddN" and out.op.get_attr("N") == 3
    got = evaluate(out, dict(zip(phs, values)))
    check_fully_inferred(out, got)
    close(got, elementwise(lambda a, b, c: a + b + c, dtype, *values), dtype)


def test_add_n_forms_and_errors():
    x = gf.placeholder(gf.float32, [2], name="x")
    assert gf.add_n([x]) is x
    ident = gf.add_n([x], name="single")
    assert ident.op.type == "Identity" and ident.op.name == "single"
    merged = gf.add_n([gf.placeholder(gf.float32, [None, 3]),
                       gf.placeholder(gf.float32, [2, None])])
    assert merged.shape.as_list() == [2, 3]
    with pytest.raises(ValueError, match="at least one"):
        gf.add_n([])
    with pytest.raises(ValueError):
        gf.add_n([gf.placeholder(gf.float32, [2, 3]), gf.placeholder(gf.float32, [3, 2])])
    a, b = gf.placeholder(gf.float32), gf.placeholder(gf.float32)
    with pytest.raises(errors.InvalidArgumentError):
        evaluate(gf.add_n([a, b]), {a: np.ones(2), b: np.ones(3)})
