"""Tests of graphflow/ops/linalg_ops.py: matmul (MatMul, BatchMatMulV2/V3, SparseMatMul) and
tensordot, against np.einsum (an oracle independent of the np.matmul kernels) and real TF."""

import numpy as np
import pytest

import graphflow as gf
from graphflow import errors
from graphflow.kernels import reference
from graphflow.kernels import registry as kernel_registry
from graphflow.op_builder import apply_op
from tests.helpers import assert_close, check_fully_inferred, evaluate

RNG = np.random.default_rng(7)


def _sample(shape, dtype):
    dtype = np.dtype(dtype)
    if dtype.kind == "f":
        return RNG.standard_normal(shape).astype(dtype)
    low = 0 if dtype.kind == "u" else -5
    return RNG.integers(low, 6, shape).astype(dtype)


def _oracle(a, b, ta=False, tb=False, out_dtype=None):
    """op(a) @ op(b) by einsum in float64 / int64, cast back (wraps like the C kernels)."""
    wide = np.float64 if np.dtype(a.dtype).kind == "f" else np.int64
    x = np.swapaxes(a, -1, -2) if ta else a
    y = np.swapaxes(b, -1, -2) if tb else b
    out = np.einsum("...ij,...jk->...ik", x.astype(wide), y.astype(wide))
    return out.astype(out_dtype or a.dtype)


# ------------------------------------------------------------------------ MatMul
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64, np.int32, np.int64,
                                   np.uint8, np.uint16, np.uint32, np.uint64])
def test_matmul_dtypes(dtype):
    a_val, b_val = _sample((3, 4), dtype), _sample((4, 2), dtype)
    a = gf.placeholder(dtype, [3, 4])
    b = gf.placeholder(dtype, [4, 2])
    c = gf.matmul(a, b)
    assert c.op.type == "MatMul" and c.dtype == gf.as_dtype(dtype)
    got = evaluate(c, {a: a_val, b: b_val})
    check_fully_inferred(c, got)
    assert_close(got, _oracle(a_val, b_val), dtype=dtype)


@pytest.mark.parametrize("ta,tb", [(False, False), (True, False), (False, True), (True, True)])
@pytest.mark.parametrize("flag", ["transpose", "adjoint"])
def test_matmul_transposes(ta, tb, flag):
    a_val = _sample((4, 3) if ta else (3, 4), np.float64)
    b_val = _sample((2, 4) if tb else (4, 2), np.float64)
    c = gf.matmul(gf.constant(a_val), gf.constant(b_val), **{f"{flag}_a": ta, f"{flag}_b": tb})
    assert c.op.type == "MatMul"
    assert (c.op.get_attr("transpose_a"), c.op.get_attr("transpose_b")) == (ta, tb)
    got = evaluate(c)
    check_fully_inferred(c, got)
    assert_close(got, _oracle(a_val, b_val, ta, tb))


def test_matmul_scalar_like_and_size_zero_shapes():
    cases = [((1, 1), (1, 1)), ((2, 0), (0, 3)), ((0, 3), (3, 4)), ((3, 4), (4, 0))]
    for sa, sb in cases:
        a_val, b_val = _sample(sa, np.float32), _sample(sb, np.float32)
        c = gf.matmul(a_val, b_val)
        got = evaluate(c)
        check_fully_inferred(c, got)
        assert_close(got, _oracle(a_val, b_val))


def test_matmul_non_contiguous_feeds():
    base_a = _sample((6, 12), np.float32)
    base_b = _sample((8, 5), np.float32)
    a_val = base_a[::2, ::3]          # (3, 4), strided
    b_val = base_b[::2]               # (4, 5), strided rows
    b_t = base_b[:4].T                # (5, 4), a transposed view
    assert not (a_val.flags.c_contiguous or b_val.flags.c_contiguous or b_t.flags.c_contiguous)
    a = gf.placeholder(gf.float32, [None, None])
    b = gf.placeholder(gf.float32, [None, None])
    c = gf.matmul(a, b)
    d = gf.matmul(a, b, transpose_b=True)
    assert_close(evaluate(c, {a: a_val, b: b_val}), _oracle(a_val, b_val))
    assert_close(evaluate(d, {a: a_val, b: b_t}), _oracle(a_val, b_t, tb=True))


def test_matmul_int32_wraps_like_tf():
    a = gf.constant([[2 ** 30, 2 ** 30]], gf.int32)
    b = gf.constant([[4], [4]], gf.int32)
    np.testing.assert_array_equal(evaluate(gf.matmul(a, b)), [[0]])


def test_matmul_float16_accumulates_in_float():
    ones = np.ones((1, 3000), np.float16)
    got = evaluate(gf.matmul(ones, ones.T))
    assert got.dtype == np.float16 and got[0, 0] == np.float16(3000)


def test_matmul_does_not_mutate_inputs():
    a_val = _sample((3, 3), np.float64)
    keep = a_val.copy()
    a = gf.placeholder(gf.float64, [3, 3])
    evaluate(gf.matmul(a, a, transpose_a=True), {a: a_val})
    np.testing.assert_array_equal(a_val, keep)


def test_matmul_names_and_conversion():
    x = gf.placeholder(gf.float32, [2, 3], name="x")
    c = gf.matmul([[1.0, 2.0]], [[3.0], [4.0]])
    assert c.op.name == "MatMul"
    assert [t.op.name for t in c.op.inputs] == ["MatMul/a", "MatMul/b"]
    d = gf.matmul(x, [[1], [2], [3]], name="proj")      # ints take a's dtype (dtype_hint)
    assert d.name == "proj:0" and d.op.inputs[1].dtype == gf.float32
    e = x @ np.ones((3, 2), np.float32)
    assert e.op.name == "matmul_1" and e.op.type == "MatMul"   # "MatMul" taken: case-blind
    f = np.ones((4, 2), np.float32) @ x
    assert f.op.name == "matmul_2" and f.shape.as_list() == [4, 3]
    assert sorted(c.op._attrs) == ["T", "grad_a", "grad_b", "transpose_a", "transpose_b"]
    assert_close(evaluate(c), [[11.0]])


# ------------------------------------------------------------------------ BatchMatMulV2
@pytest.mark.parametrize("sa,sb,expected", [
    ((5, 2, 3), (3, 4), (5, 2, 4)),
    ((2, 3), (5, 3, 4), (5, 2, 4)),
    ((2, 1, 3, 4), (5, 4, 2), (2, 5, 3, 2)),
    ((0, 2, 3), (1, 3, 4), (0, 2, 4)),
    ((3, 2, 0), (3, 0, 4), (3, 2, 4)),
])
def test_batch_matmul_broadcasting(sa, sb, expected):
    a_val, b_val = _sample(sa, np.float64), _sample(sb, np.float64)
    a = gf.placeholder(gf.float64, sa)
    b = gf.placeholder(gf.float64, sb)
    c = gf.matmul(a, b)
    assert c.op.type == "BatchMatMulV2"
    assert sorted(c.op._attrs) == ["T", "adj_x", "adj_y", "grad_x", "grad_y"]
    got = evaluate(c, {a: a_val, b: b_val})
    assert got.shape == expected
    check_fully_inferred(c, got)
    assert_close(got, _oracle(a_val, b_val))


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.int16, np.int32, np.int64, np.uint8])
@pytest.mark.parametrize("ta,tb", [(True, False), (False, True), (True, True)])
def test_batch_matmul_adjoints(dtype, ta, tb):
    a_val = _sample((2, 4, 3) if ta else (2, 3, 4), dtype)
    b_val = _sample((2, 5, 4) if tb else (2, 4, 5), dtype)
    c = gf.matmul(a_val, b_val, transpose_a=ta, adjoint_b=tb)
    assert c.op.type == "BatchMatMulV2"
    assert (c.op.get_attr("adj_x"), c.op.get_attr("adj_y")) == (ta, tb)
    got = evaluate(c)
    check_fully_inferred(c, got)
    assert_close(got, _oracle(a_val, b_val, ta, tb), dtype=dtype)


def test_batch_matmul_unknown_ranks_and_strided_feeds():
    a = gf.placeholder(gf.float32)
    b = gf.placeholder(gf.float32, [None, None, None])
    c = gf.matmul(a, b)
    assert c.op.type == "BatchMatMulV2" and c.shape.rank is None
    a_val = _sample((4, 6, 3), np.float32)[::2, ::2]
    b_val = np.transpose(_sample((2, 4, 3), np.float32), (0, 2, 1))
    got = evaluate(c, {a: a_val, b: b_val})
    assert_close(got, _oracle(a_val, b_val))
    assert gf.matmul(gf.placeholder(gf.float32, [None, None, 3]),
                     gf.placeholder(gf.float32, [2, 1, 3, 4])).shape.as_list() == [2, None, None, 4]


def test_batch_matmul_v3_output_type():
    a_val = np.full((2, 3), 100, np.int8)
    b_val = np.full((3, 2), 100, np.int8)
    c = gf.matmul(a_val, b_val, output_type=gf.int32)
    assert c.op.type == "BatchMatMulV3" and c.dtype == gf.int32
    assert c.op.get_attr("Ta") == gf.int8 and c.op.get_attr("Tout") == gf.int32
    np.testing.assert_array_equal(evaluate(c), np.full((2, 2), 30000, np.int32))
    same = gf.matmul(np.ones((2, 2), np.float32), np.ones((2, 2), np.float32),
                     output_type=gf.float32)
    assert same.op.type == "MatMul"


def test_sparse_matmul():
    a_val, b_val = _sample((3, 4), np.float32), _sample((2, 4), np.float32)
    c = gf.matmul(a_val, b_val, transpose_b=True, a_is_sparse=True)
    assert c.op.type == "SparseMatMul" and c.op.get_attr("a_is_sparse")
    assert_close(evaluate(c), _oracle(a_val, b_val, tb=True))
    d = gf.sparse_matmul(a_val, b_val, transpose_b=True, b_is_sparse=True, name="sp")
    assert d.op.name == "sp" and d.dtype == gf.float32
    assert_close(evaluate(d), _oracle(a_val, b_val, tb=True))
    e = gf.matmul(np.ones((2, 2)), np.ones((2, 2)), b_is_sparse=True)   # float64: MatMul
    assert e.op.type == "MatMul"


# ------------------------------------------------------------------------ errors
def test_matmul_static_errors():
    a = gf.placeholder(gf.float32, [2, 3], name="a")
    with pytest.raises(ValueError, match=r"Dimensions must be equal, but are 3 and 2 for "
                       r"'\{\{node MatMul\}\} = MatMul\[T=DT_FLOAT, grad_a=false, grad_b=false, "
                       r"transpose_a=false, transpose_b=false\]\(a, a\)' with input shapes: "
                       r"\[2,3\], \[2,3\]\."):
        gf.matmul(a, a)
    with pytest.raises(ValueError, match="Shape must be rank 2 but is rank 1"):
        gf.matmul(gf.placeholder(gf.float32, [3]), a)
    with pytest.raises(ValueError, match="Shape must be at least rank 2 but is rank 1"):
        gf.matmul(gf.placeholder(gf.float32, [2]), gf.placeholder(gf.float32, [5, 2, 3]))
    with pytest.raises(ValueError, match="Dimensions must be equal, but are 2 and 3"):
        gf.matmul(gf.placeholder(gf.float32, [2, 2, 3]), gf.placeholder(gf.float32, [3, 3, 4]))
    with pytest.raises(ValueError, match="Only one of `transpose_a` and `adjoint_a`"):
        gf.matmul(a, a, transpose_a=True, adjoint_a=True)
    with pytest.raises(ValueError, match="Only one of `transpose_b` and `adjoint_b`"):
        gf.matmul(a, a, transpose_b=True, adjoint_b=True)


def test_matmul_rank_two_static_error_for_sparse():
    with pytest.raises(ValueError, match="Shape must be rank 2 but is rank 3"):
        gf.matmul(gf.placeholder(gf.float32, [1, 3, 4]), gf.placeholder(gf.float32, [4, 2]),
                  a_is_sparse=True)


def test_matmul_dtype_errors():
    a = gf.placeholder(gf.float32, [2, 2])
    with pytest.raises(TypeError, match="does not match type float32"):
        gf.matmul(a, gf.placeholder(gf.int32, [2, 2]))
    with pytest.raises(TypeError, match="Expected numeric or variant tensor"):
        gf.matmul(gf.placeholder(gf.bool, [2, 2, 2]), gf.placeholder(gf.bool, [2, 2]),
                  transpose_a=True)


@pytest.mark.parametrize("dtype", [gf.bool, gf.int8, gf.int16])
def test_matmul_rejects_dtypes_outside_tf_list(dtype):
    with pytest.raises(TypeError, match="not in list of allowed values"):
        gf.matmul(gf.placeholder(dtype, [2, 2]), gf.placeholder(dtype, [2, 2]))


@pytest.mark.parametrize("sa,sb,message", [
    ((2, 3), (2, 3), r"Matrix size-incompatible: In\[0\]: \[2,3\], In\[1\]: \[2,3\]"),
])
def test_matmul_runtime_shape_error(sa, sb, message):
    a = gf.placeholder(gf.float32, [None, None])
    b = gf.placeholder(gf.float32, [None, None])
    with pytest.raises(errors.InvalidArgumentError, match=message):
        evaluate(gf.matmul(a, b), {a: np.ones(sa), b: np.ones(sb)})


@pytest.mark.parametrize("sa,sb,message", [
    ((2,), (2, 2), r"In\[0\] ndims must be >= 2: 1"),
    ((2, 2), (2,), r"In\[1\] ndims must be >= 2: 1"),
    ((), (), r"In\[0\] ndims must be >= 2: 0"),
    ((2, 2, 3), (3, 3, 4), r"In\[0\] and In\[1\] must have compatible batch dimensions: "
                           r"\[2,2,3\] vs. \[3,3,4\]"),
    ((2, 2, 3), (2, 4, 4), r"Matrix size-incompatible: In\[0\]: \[2,2,3\], In\[1\]: \[2,4,4\]"),
])
def test_batch_matmul_runtime_errors(sa, sb, message):
    a = gf.placeholder(gf.float32)
    b = gf.placeholder(gf.float32)
    with pytest.raises(errors.InvalidArgumentError, match=message):
        evaluate(gf.matmul(a, b), {a: np.ones(sa), b: np.ones(sb)})


def test_matmul_kernel_rank_check():
    attrs = {"transpose_a": False, "transpose_b": False}
    with pytest.raises(errors.InvalidArgumentError, match=r"In\[0\] is not a matrix"):
        reference.evaluate("MatMul", attrs, np.ones((2, 2, 2)), np.ones((2, 2)))


@pytest.mark.parametrize("ta,tb", [(False, False), (True, False), (False, True), (True, True)])
def test_cpu_kernels_equal_reference_values_and_errors(ta, tb):
    """The CPU MatMul/BatchMatMulV2 kernels (validation memoised per shape) agree with the
    reference kernels on values, and raise the same errors for mismatched fed shapes."""
    rng = np.random.default_rng(3)
    a = gf.placeholder(gf.float32, None)
    b = gf.placeholder(gf.float32, None)
    for out in (gf.matmul(a, b, transpose_a=ta, transpose_b=tb),
                apply_op("BatchMatMulV2", x=a, y=b, adj_x=ta, adj_y=tb)):
        op = out.op
        cpu = kernel_registry.lookup(op.type, "CPU")(op, None)
        ref = reference.factory(op, None)
        rank = 2 if op.type == "MatMul" else 3
        x = rng.normal(size=(2,) * (rank - 2) + ((4, 3) if ta else (3, 4))).astype(np.float32)
        y = rng.normal(size=(2,) * (rank - 2) + ((5, 4) if tb else (4, 5))).astype(np.float32)
        for _ in range(2):  # the second call takes the memoised path
            np.testing.assert_array_equal(cpu(x, y)[0], ref(x, y)[0])
        bad = np.ones((2,) * (rank - 2) + (7, 7), np.float32)
        for kernel in (cpu, ref):
            with pytest.raises(errors.InvalidArgumentError, match="size-incompatible"):
                kernel(x, bad)


# ------------------------------------------------------------------------ real TF
def _matmul_graph(lib):
    a = lib.placeholder(lib.float32, [2, 3], name="a")
    b = lib.placeholder(lib.float32, [3, 4], name="b")
    x = lib.placeholder(lib.float32, [5, 2, 3], name="x")
    outs = [lib.matmul(a, b), a @ b, lib.matmul(a, a, transpose_b=True), lib.matmul(x, b),
            lib.matmul(x, x, adjoint_b=True), lib.matmul(x, b, transpose_a=False),
            lib.matmul([[1.0, 2.0]], [[3.0], [4.0]]), lib.matmul(a, b, a_is_sparse=True),
            lib.matmul(a, [[1.0], [2.0], [3.0]], name="named")]
    return outs, {"a": a, "b": b, "x": x}


@pytest.mark.tf
def test_matmul_matches_tf(tf1):
    feeds = {"a": _sample((2, 3), np.float32), "b": _sample((3, 4), np.float32),
             "x": _sample((5, 2, 3), np.float32)}
    results = []
    for lib in (tf1, gf):
        graph = lib.Graph()
        with graph.as_default():
            outs, phs = _matmul_graph(lib)
            ops = [(op.name, op.type, [t.name for t in op.inputs]) for op in graph.get_operations()]
            shapes = [t.shape.as_list() for t in outs]
            with lib.Session(graph=graph) as sess:
                values = sess.run(outs, {phs[k]: v for k, v in feeds.items()})
        results.append((ops, shapes, values))
    (tf_ops, tf_shapes, tf_values), (gf_ops, gf_shapes, gf_values) = results
    assert gf_ops == tf_ops
    assert gf_shapes == tf_shapes
    for got, want in zip(gf_values, tf_values):
        assert_close(got, want, rtol=1e-5, atol=1e-5)


# ------------------------------------------------------------------------ tensordot
TENSORDOT_CASES = [
    ([2, 3, 4], [4, 3, 5], [[1, 2], [1, 0]], [2, 5]),
    ([2, 3], [3, 5], 1, [2, 5]),
    ([2, 3, 4], [3, 4, 5], 2, [2, 5]),
    ([2, 3], [4, 5], 0, [2, 3, 4, 5]),
    ([2, 3, 4], [4, 3], [[-1, -2], [0, 1]], [2]),
    ([3, 4], [3, 4], [[0, 1], [0, 1]], []),
    ([2, 3], [3], (1, 0), [2]),
    ([2, 0, 3], [3, 4], 1, [2, 0, 4]),
]


def _np_tensordot(a, b, axes):
    if not isinstance(axes, int) and isinstance(axes[0], int):
        axes = ([axes[0]], [axes[1]])
    return np.tensordot(a.astype(np.float64), b.astype(np.float64), axes)


@pytest.mark.parametrize("sa,sb,axes,expected", TENSORDOT_CASES,
                         ids=[str(c[2]) + str(c[0]) for c in TENSORDOT_CASES])
def test_tensordot_known_shapes(sa, sb, axes, expected):
    a_val, b_val = _sample(sa, np.float32), _sample(sb, np.float32)
    a, b = gf.placeholder(gf.float32, sa), gf.placeholder(gf.float32, sb)
    out = gf.tensordot(a, b, axes)
    got = evaluate(out, {a: a_val, b: b_val})
    assert got.shape == tuple(expected)
    check_fully_inferred(out, got)
    assert_close(got, _np_tensordot(a_val, b_val, axes).astype(np.float32))
    types = {op.type for op in gf.get_default_graph().get_operations()}
    assert not types & {"Shape", "GatherV2", "Prod"}        # shapes are Python constants


def test_tensordot_skips_identity_transpose_and_reshape():
    a, b = gf.placeholder(gf.float32, [2, 3], name="a"), gf.placeholder(gf.float32, [3, 5])
    out = gf.tensordot(a, b, 1)
    assert out.op.name == "Tensordot/MatMul" and out.op.inputs[0] is a


@pytest.mark.parametrize("sa,sb,axes,feed_a,feed_b,static", [
    ([None, 3], [3, 5], 1, (4, 3), (3, 5), [None, 5]),
    ([None, 3, 4], [None, 4, 3], [[1, 2], [2, 1]], (2, 3, 4), (6, 4, 3), [None, None]),
    ([None, 3], [2, None], 0, (2, 3), (2, 4), [None, 3, 2, None]),
    ([4, 3], [None, 3], [[1], [1]], (4, 3), (5, 3), [4, None]),
])
def test_tensordot_partially_known_shapes(sa, sb, axes, feed_a, feed_b, static):
    a_val, b_val = _sample(feed_a, np.float64), _sample(feed_b, np.float64)
    a, b = gf.placeholder(gf.float64, sa), gf.placeholder(gf.float64, sb)
    out = gf.tensordot(a, b, axes)
    assert out.shape.as_list() == static and out.op.name == "Tensordot"
    names = {op.name for op in gf.get_default_graph().get_operations()}
    assert {"Tensordot/axes", "Tensordot/free", "Tensordot/Shape", "Tensordot/GatherV2",
            "Tensordot/Prod", "Tensordot/concat", "Tensordot/stack", "Tensordot/transpose",
            "Tensordot/Reshape", "Tensordot/MatMul"} <= names
    got = evaluate(out, {a: a_val, b: b_val})
    assert_close(got, _np_tensordot(a_val, b_val, axes))


def test_tensordot_python_values_and_name():
    out = gf.tensordot([[1.0, 2.0], [3.0, 4.0]], [[1.0], [1.0]], axes=1, name="td")
    assert out.op.name == "td/MatMul"
    assert [t.op.name for t in out.op.inputs] == ["td/a", "td/b"]
    assert_close(evaluate(out), np.float32([[3.0], [7.0]]))


def test_tensordot_errors():
    a = gf.placeholder(gf.float32, [2, 3])
    b = gf.placeholder(gf.float32, [3, 4])
    with pytest.raises(ValueError, match="`axes` must be at least 0"):
        gf.tensordot(a, b, -1)
    with pytest.raises(ValueError, match="must not be larger than the number of dimensions"):
        gf.tensordot(a, b, 3)
    with pytest.raises(ValueError, match="must be an integer or have length 2"):
        gf.tensordot(a, b, [[1], [0], [0]])
    with pytest.raises(ValueError, match="Different number of contraction axes"):
        gf.tensordot(a, b, [[1], [0, 1]])
    with pytest.raises(ValueError, match="Dimensions must be equal"):
        gf.tensordot(a, b, [[0], [0]])
    with pytest.raises(TypeError):
        gf.tensordot(a, gf.placeholder(gf.float64, [3, 4]), 1)
    with pytest.raises(NotImplementedError, match="ListDiff"):
        gf.tensordot(gf.placeholder(gf.float32), b, [[1], [0]])


@pytest.mark.tf
def test_tensordot_matches_tf(tf1):
    cases = [([2, 3, 4], [4, 3, 5], [[1, 2], [1, 0]]), ([None, 3], [3, 5], 1),
             ([None, 3, 4], [None, 4, 3], [[1, 2], [2, 1]]), ([2, 3], [4, 5], 0),
             ([None, 3], [2, None], 0), ([2, 3, 4], [4, 3], [[-1, -2], [0, 1]])]
    feeds = [((2, 3, 4), (4, 3, 5)), ((4, 3), (3, 5)), ((2, 3, 4), (6, 4, 3)),
             ((2, 3), (4, 5)), ((2, 3), (2, 4)), ((2, 3, 4), (4, 3))]
    for (sa, sb, axes), (fa, fb) in zip(cases, feeds):
        a_val, b_val = _sample(fa, np.float32), _sample(fb, np.float32)
        results = []
        for lib in (tf1, gf):
            graph = lib.Graph()
            with graph.as_default():
                a, b = lib.placeholder(lib.float32, sa, name="a"), lib.placeholder(lib.float32, sb)
                out = lib.tensordot(a, b, axes)
                nodes = [(op.name, op.type, [t.name for t in op.inputs])
                         for op in graph.get_operations()]
                with lib.Session(graph=graph) as sess:
                    value = sess.run(out, {a: a_val, b: b_val})
            results.append((nodes, out.name, out.shape.as_list(), value))
        assert results[1][:3] == results[0][:3]
        assert_close(results[1][3], results[0][3], rtol=1e-5, atol=1e-5)
