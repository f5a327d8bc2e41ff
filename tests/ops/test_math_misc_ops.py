"""Cast, clipping, Select/Where, Range, ArgMax/ArgMin and Cumsum/Cumprod."""

import math

import numpy as np
import pytest

import graphflow as gf
from graphflow import errors
from graphflow.kernels import reference
from graphflow.op_builder import apply_op
from tests.helpers import check_fully_inferred, evaluate
from tests.ops.math_oracles import *  # noqa: F401,F403 - dtype aliases, samplers, oracles


# ------------------------------------------------------------------------ Cast
CAST_SOURCES = {
    F32: np.array([-2.7, -0.5, -0.0, 0.0, 0.5, 2.7, 100.9, np.nan], np.float32),
    F64: np.array([-1e3 - 0.9, -1.5, 0.0, 1.5, 126.99], np.float64),
    F16: np.array([-3.5, 0.0, 3.5, 64.75], np.float16),
    I32: np.array([-300, -1, 0, 1, 300, 70000], np.int32),
    I64: np.array([-(2 ** 40) - 1, -7, 0, 7, 2 ** 40 + 1], np.int64),
    U8: np.array([0, 1, 200, 255], np.uint8),
    np.bool_: np.array([True, False, True]),
}
CAST_TARGETS = (F16, F32, F64, I8, I16, I32, I64, U8, U16, U32, U64, np.bool_)


def cast_oracle(value, dst):
    """float -> int truncates toward zero (then wraps); -> bool is x != 0 (NaN is true)."""
    dst = np.dtype(dst)
    if dst == np.bool_:
        return np.array([bool(v != 0 or v != v) for v in value.tolist()], bool)
    if dst.kind in "iu":
        if value.dtype.kind == "f":
            return wrap_ints(np.array([math.trunc(v) for v in value.tolist()], object), dst)
        return wrap_ints(np.array([int(v) for v in value.tolist()], object), dst)
    with np.errstate(over="ignore"):
        return np.array([float(v) for v in value.tolist()], np.float64).astype(dst)


CAST_PARAMS = [(s, d) for s in CAST_SOURCES for d in CAST_TARGETS]


@pytest.mark.parametrize("src,dst", CAST_PARAMS,
                         ids=[f"{np.dtype(s).name}-{np.dtype(d).name}" for s, d in CAST_PARAMS])
def test_cast(src, dst):
    value = CAST_SOURCES[src]
    if np.dtype(dst).kind in "iu" and np.dtype(src).kind == "f":
        # Out-of-range float -> int casts (NaN, negative -> unsigned) are undefined in C++.
        info = np.iinfo(dst)
        wide = value.astype(np.float64)
        value = value[(wide > info.min - 1) & (wide < info.max + 1)]
    x = gf.placeholder(src, value.shape)
    out = gf.cast(x, dst)
    if np.dtype(src) == np.dtype(dst):
        assert out is x
        return
    assert out.op.type == "Cast" and out.op.get_attr("DstT") == gf.as_dtype(dst)
    assert out.op.get_attr("SrcT") == gf.as_dtype(src) and out.op.get_attr("Truncate") is False
    got = evaluate(out, {x: value})
    check_fully_inferred(out, got)
    close(got, cast_oracle(value, dst), dst)


def test_cast_helpers_names_and_truncation():
    x = gf.placeholder(gf.float32, [4], name="x")
    outs = [gf.to_float([1, 2]), gf.to_int32(x), gf.to_int64(x), gf.to_double(x),
            gf.cast(x, gf.bool, name="b"), gf.cast(x, "int32")]
    assert [o.op.name for o in outs] == ["ToFloat", "ToInt32", "ToInt64", "ToDouble", "b", "Cast"]
    assert outs[0].op.inputs[0].op.name == "ToFloat/x"
    assert gf.to_float(x) is x
    got = evaluate(outs, {x: np.float32([-2.7, 2.7, 0.0, -0.5])})
    np.testing.assert_array_equal(got[1], [-2, 2, 0, 0])
    assert got[2].dtype == np.int64 and got[3].dtype == np.float64
    np.testing.assert_array_equal(got[4], [True, True, False, True])


def test_saturate_cast():
    f = gf.placeholder(gf.float32, [4], name="f")
    i = gf.placeholder(gf.int32, [4], name="i")
    outs = [gf.saturate_cast(f, gf.uint8), gf.saturate_cast(i, gf.int8),
            gf.saturate_cast(f, gf.int32), gf.saturate_cast(i, gf.int64)]
    assert outs[0].op.inputs[0].op.type == "ClipByValue"
    assert outs[0].op.inputs[0].op.name == "saturate_cast/clamp"
    got = evaluate(outs, {f: np.float32([-5.0, 300.0, 3.7, 1e10]),
                          i: np.int32([-300, 300, 5, -2 ** 31])})
    np.testing.assert_array_equal(got[0], [0, 255, 3, 255])
    np.testing.assert_array_equal(got[1], [-128, 127, 5, -128])
    np.testing.assert_array_equal(got[2], [-5, 300, 3, 2 ** 31 - 128])   # nudged below 2^31
    np.testing.assert_array_equal(got[3], [-300, 300, 5, -2 ** 31])


def test_clip_by_value():
    t = gf.placeholder(gf.float32, [2, 3], name="t")
    value = np.float32([[-2, 0.5, 3], [np.nan, 1, 9]])
    lo = gf.placeholder(gf.float32, [2, 3])
    outs = [gf.clip_by_value(t, 0.0, 1.0), gf.clip_by_value(t, lo, 2.0),
            gf.clip_by_value(np.array([1, 5, 9], np.int32), 2, 8, name="ints")]
    assert [o.op.name for o in outs] == ["clip_by_value", "clip_by_value_1", "ints"]
    assert outs[0].op.inputs[0].op.name == "clip_by_value/Minimum"
    got = evaluate(outs, {t: value, lo: np.zeros((2, 3), np.float32)})
    np.testing.assert_array_equal(got[0], [[0, 0.5, 1], [np.nan, 1, 1]])
    np.testing.assert_array_equal(got[1], [[0, 0.5, 2], [np.nan, 1, 2]])
    np.testing.assert_array_equal(got[2], [2, 5, 8])
    with pytest.raises(ValueError, match="incompatible"):
        gf.clip_by_value(gf.placeholder(gf.float32, [2, 1]), [0.0, 0.0], 1.0)


def test_clip_by_value_op_checks_bound_shapes():
    attrs = {"T": gf.float32}
    with pytest.raises(errors.InvalidArgumentError, match="clip_value_min must be"):
        reference.evaluate("ClipByValue", attrs, np.ones((2, 2)), np.ones(2), np.float64(1))
    with pytest.raises(ValueError, match="ClipByValue"):
        apply_op("ClipByValue", t=gf.placeholder(gf.float32, [2, 2]),
                 clip_value_min=gf.placeholder(gf.float32, [3]), clip_value_max=1.0)


# ------------------------------------------------------------------------ Select / Where
def select_oracle(cond, t, e):
    shape = np.broadcast_shapes(np.shape(cond), np.shape(t), np.shape(e))
    cond, t, e = (np.broadcast_to(a, shape) for a in (cond, t, e))
    out = np.empty(shape, dtype=t.dtype)
    for idx in np.ndindex(*shape):
        out[idx] = t[idx] if cond[idx] else e[idx]
    return out


@pytest.mark.parametrize("dtype", [F32, I32, U8, np.bool_, F16])
def test_select(dtype):
    t, e = sample((3, 4), dtype), sample((4, 3), dtype).T
    cases = [(sample((3, 4), np.bool_), t, e), (sample((3,), np.bool_), t, e),
             (np.array(False), t, e), (np.array(True), t[0, 0], e[0, 0]),
             (sample((0, 4), np.bool_), t[:0], e[:0])]
    for cond, tv, ev in cases:
        c = gf.placeholder(gf.bool, cond.shape)
        x, y = gf.placeholder(dtype, tv.shape), gf.placeholder(dtype, ev.shape)
        out = gf.where(c, x, y)
        assert out.op.type == "Select"
        got = evaluate(out, {c: cond, x: tv, y: ev})
        check_fully_inferred(out, got)
        cond_b = cond.reshape(cond.shape + (1,) * (tv.ndim - cond.ndim)) if cond.ndim else cond
        np.testing.assert_array_equal(got, select_oracle(cond_b, tv, ev))


def test_select_errors():
    t = gf.placeholder(gf.float32, [2, 3])
    with pytest.raises(ValueError, match="Dimension 0 in both shapes must be equal"):
        gf.where(gf.placeholder(gf.bool, [3]), t, t)
    with pytest.raises(ValueError):
        gf.where(gf.placeholder(gf.bool, [2, 3]), t, gf.placeholder(gf.float32, [3, 2]))
    with pytest.raises(ValueError, match="both be non-None"):
        gf.where(gf.placeholder(gf.bool, [2]), x=t)
    with pytest.raises(TypeError):
        gf.where(gf.placeholder(gf.float32, [2, 3]), t, t)
    c, x, y = gf.placeholder(gf.bool), gf.placeholder(gf.float32), gf.placeholder(gf.float32)
    with pytest.raises(errors.InvalidArgumentError, match="'cond' must be a vector"):
        evaluate(gf.where(c, x, y), {c: np.ones((3,), bool), x: np.ones((2, 3)),
                                     y: np.ones((2, 3))})
    with pytest.raises(errors.InvalidArgumentError, match="same size"):
        evaluate(gf.where(c, x, y), {c: True, x: np.ones((2, 3)), y: np.ones((3, 2))})


def test_select_v2_broadcasts():
    cond = np.array([True, False, True])
    t = sample((2, 3), F32)
    out = gf.where_v2(cond, t, np.float32(-1.0))
    assert out.op.type == "SelectV2"
    got = evaluate(out)
    check_fully_inferred(out, got)
    np.testing.assert_array_equal(got, select_oracle(cond, t, np.float32(-1.0)))
    c = gf.placeholder(gf.bool, [None, 1])
    col = evaluate(gf.where_v2(c, 1, 0), {c: [[True], [False]]})
    np.testing.assert_array_equal(col, [[1], [0]])
    with pytest.raises(ValueError, match="Dimensions must be equal"):
        gf.where_v2(np.ones((2,), bool), np.ones((3,)), np.ones((3,)))


def where_oracle(x):
    return np.array([idx for idx in np.ndindex(*x.shape) if x[idx]], np.int64).reshape(-1, x.ndim)


@pytest.mark.parametrize("fn", [gf.where, gf.where_v2])
def test_where_coordinates(fn):
    cases = [sample((3, 4), np.bool_), np.array([0.0, 2.0, -1.0, 0.0], np.float32),
             sample((2, 3, 2), I32), np.zeros((0, 2), bool), sample((4, 6), np.bool_)[::2, ::3]]
    for value in cases:
        x = gf.placeholder(value.dtype, value.shape)
        out = fn(x)
        assert out.op.type == "Where" and out.dtype == gf.int64
        assert out.shape.as_list() == [None, value.ndim]
        np.testing.assert_array_equal(evaluate(out, {x: value}), where_oracle(value))
    assert fn([True, False], name="w").op.inputs[0].op.name == "w/condition"
    s = gf.placeholder(gf.bool)
    with pytest.raises(errors.InvalidArgumentError, match="Unhandled input dimensions: 0"):
        evaluate(fn(s), {s: True})


# ------------------------------------------------------------------------ Range
RANGE_CASES = [((5,), I32), ((1, 7, 2), I32), ((7, 1, -2), I32), ((3, 3), I32),
               ((0.5, 3.0, 0.7), F32), ((5.0, 1.0, -1.5), F32), ((1, 5, 10), I32),
               ((2, 2.5), F32), ((np.int64(2), 9, 3), I64), ((np.float64(1), 2, 0.25), F64)]


def range_oracle(start, limit=None, delta=1):
    if limit is None:
        start, limit = 0, start
    n = max(0, math.ceil((limit - start) / delta))
    return [start + i * delta for i in range(n)]


@pytest.mark.parametrize("args,dtype", RANGE_CASES, ids=[str(a) for a, _ in RANGE_CASES])
def test_range(args, dtype):
    out = gf.range(*args)
    assert out.op.type == "Range" and out.dtype == gf.as_dtype(dtype)
    got = evaluate(out)
    check_fully_inferred(out, got)
    np.testing.assert_allclose(got, np.array(range_oracle(*args), dtype), rtol=1e-6)


def test_range_dtype_argument_and_tensors():
    outs = [gf.range(3, dtype=gf.float32), gf.range(gf.constant(4)),
            gf.range(gf.constant(3.0)), gf.range(2, gf.constant(6, gf.int64))]
    assert [o.dtype for o in outs] == [gf.float32, gf.int32, gf.float32, gf.int64]
    assert [t.op.type for t in outs[2].op.inputs] == ["Cast", "Const", "Cast"]
    got = evaluate(outs)
    np.testing.assert_array_equal(got[0], [0.0, 1.0, 2.0])
    np.testing.assert_array_equal(got[3], [2, 3, 4, 5])
    limit = gf.placeholder(gf.int32, [])
    fed = gf.range(limit)
    assert fed.shape.as_list() == [None]
    np.testing.assert_array_equal(evaluate(fed, {limit: 3}), [0, 1, 2])


def test_range_errors():
    with pytest.raises(ValueError, match="Requires delta != 0"):
        gf.range(0, 5, 0)
    with pytest.raises(ValueError, match="Requires start <= limit when delta > 0"):
        gf.range(5, 0, 1)
    with pytest.raises(ValueError, match="Requires start >= limit when delta < 0"):
        gf.range(0, 5, -1)
    with pytest.raises(TypeError):
        gf.range(gf.constant(3, gf.int8))
    start = gf.placeholder(gf.int32, [])
    with pytest.raises(errors.InvalidArgumentError, match="Requires start <= limit"):
        evaluate(gf.range(start, 2), {start: 5})
    with pytest.raises(errors.InvalidArgumentError, match="Requires start >= limit"):
        evaluate(gf.range(start, 2, -1), {start: 0})
    delta = gf.placeholder(gf.float32, [])
    with pytest.raises(errors.InvalidArgumentError, match="Requires delta != 0"):
        evaluate(gf.range(0.0, 1.0, delta), {delta: 0.0})


# ------------------------------------------------------------------------ ArgMax / ArgMin
def arg_oracle(x, axis, largest):
    """First index of the max (min) along `axis`, never a NaN (all-NaN slices give 0)."""
    moved = np.moveaxis(x, axis, -1)
    out = np.zeros(moved.shape[:-1], np.int64)
    for idx in np.ndindex(*moved.shape[:-1]):
        best, best_i = None, 0
        for i, v in enumerate(moved[idx].tolist()):
            if v != v:
                continue
            if best is None or (v > best if largest else v < best):
                best, best_i = v, i
        out[idx] = best_i
    return out


@pytest.mark.parametrize("fn,largest", [(gf.argmax, True), (gf.argmin, False)])
@pytest.mark.parametrize("dtype", [F32, F64, I32, U8, I8, np.bool_, F16])
def test_argmax_argmin(fn, largest, dtype):
    value = sample((4, 5), dtype, "small")              # small values: many ties
    if np.dtype(dtype).kind == "f":
        value[1, 2] = np.nan
        value[:, 4] = np.nan
    x = gf.placeholder(dtype, value.shape)
    strided = gf.placeholder(dtype, [3, 2, 2])
    sv = sample((3, 4, 4), dtype, "small")[:, ::2, 1::2]
    outs = [fn(x), fn(x, 1), fn(x, axis=-1, output_type=gf.int32), fn(x, dimension=0),
            fn(strided, 2), fn(x, gf.constant(1, gf.int64))]
    got = evaluate(outs, {x: value, strided: sv})
    want = [arg_oracle(value, 0, largest), arg_oracle(value, 1, largest),
            arg_oracle(value, 1, largest), arg_oracle(value, 0, largest),
            arg_oracle(sv, 2, largest), arg_oracle(value, 1, largest)]
    for out, g, w in zip(outs, got, want):
        check_fully_inferred(out, g)
        np.testing.assert_array_equal(g, w)
    assert got[2].dtype == np.int32 and got[0].dtype == np.int64


def test_argmax_errors():
    x = gf.placeholder(gf.float32, [2, 3])
    with pytest.raises(ValueError, match="out of range"):
        gf.argmax(x, 2)
    e = gf.placeholder(gf.float32, [None, 3])
    with pytest.raises(errors.InvalidArgumentError, match="empty"):
        evaluate(gf.argmax(e, 0), {e: np.zeros((0, 3), np.float32)})
    axis = gf.placeholder(gf.int32, [])
    with pytest.raises(errors.InvalidArgumentError, match="Invalid dimension"):
        evaluate(gf.argmin(x, axis), {x: np.ones((2, 3)), axis: -3})


# ------------------------------------------------------------------------ Cumsum
def scan_oracle(x, axis, exclusive, reverse, product):
    """Running sum (product) with Python numbers, wrapped or rounded to x's dtype."""
    moved = np.moveaxis(x, axis, -1)
    out = np.empty(moved.shape, dtype=object if x.dtype.kind in "iu" else np.float64)
    for idx in np.ndindex(*moved.shape[:-1]):
        row = moved[idx].tolist()
        order = list(range(len(row)))[::-1] if reverse else list(range(len(row)))
        total = 1 if product else 0
        for i in order:
            if exclusive:
                out[idx + (i,)] = total
            total = total * row[i] if product else total + row[i]
            if not exclusive:
                out[idx + (i,)] = total
    out = np.moveaxis(out, -1, axis)
    return wrap_ints(out, x.dtype) if x.dtype.kind in "iu" else out.astype(x.dtype)


@pytest.mark.parametrize("fn", [gf.cumsum, gf.cumprod])
@pytest.mark.parametrize("dtype", [F32, F64, I32, I64, U8, F16])
def test_cumsum_cumprod(fn, dtype):
    domain = "small" if fn is gf.cumprod else "any"
    values = [sample((3, 4), dtype, domain), sample((4, 3), dtype, domain).T,
              sample((0, 3), dtype, domain), sample((5,), dtype, domain)]
    feeds, outs, want = {}, [], []
    for value in values:
        x = gf.placeholder(dtype, value.shape)
        feeds[x] = value
        for axis in range(-value.ndim, value.ndim):
            for exclusive in (False, True):
                for reverse in (False, True):
                    outs.append(fn(x, axis, exclusive=exclusive, reverse=reverse))
                    want.append(scan_oracle(value, axis, exclusive, reverse, fn is gf.cumprod))
    for out, got, w in zip(outs, evaluate(outs, feeds), want):
        check_fully_inferred(out, got)
        if np.dtype(dtype) == np.float16 and w.size:
            # Each of up to 5 float16 partial results rounds once (the oracle rounds once at
            # the end): allow a few ulp of the largest magnitude.
            finite = np.abs(w[np.isfinite(w)].astype(np.float32))
            ulp = float(np.spacing(np.float16(finite.max() if finite.size else 1)))
            np.testing.assert_allclose(got, w, rtol=0, atol=4 * ulp)
            continue
        close(got, w, dtype)
    assert sorted(outs[0].op._attrs) == ["T", "Tidx", "exclusive", "reverse"]


def test_cumsum_errors():
    x = gf.placeholder(gf.float32, [2, 3])
    with pytest.raises(errors.InvalidArgumentError, match="Invalid axis dimension"):
        evaluate(gf.cumsum(x, 2), {x: np.ones((2, 3))})
    with pytest.raises(errors.InvalidArgumentError, match="Invalid axis dimension"):
        evaluate(gf.cumprod(x, -3), {x: np.ones((2, 3))})
    s = gf.placeholder(gf.float32)
    with pytest.raises(errors.InvalidArgumentError, match="rank >= 1"):
        evaluate(gf.cumsum(s), {s: 1.0})
