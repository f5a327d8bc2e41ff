"""The CPU convolution, pooling and relu kernels against the numpy reference kernels: the
direct loops (few taps) and im2col + GEMM on odd shapes (strides, explicit padding,
dilations, groups, NCHW, float64), col2im on narrow and wide channels, MaxPoolGrad on
tiling and overlapping windows, and the recycled outputs (kernels/cpu/recycle.py). The
generated few-tap kernels (kernels/cpu/conv_direct.py) and the window-specialised max
pooling also against the oracle loops of tests/nn/conv_oracles.py."""

import numpy as np
import pytest

import graphflow as gf
from graphflow.kernels import reference
from graphflow.kernels import registry as kernel_registry
from graphflow.kernels.cpu import conv as cpu_conv
from graphflow.kernels.cpu import conv_direct
from graphflow.kernels.cpu import nn as cpu_nn
from graphflow.kernels.cpu import recycle
from tests.helpers import evaluate
from tests.nn import conv_oracles

RNG = np.random.default_rng(11)

# name: (input NHWC, filter, strides, padding, dilations); K = KH*KW*C/groups from 2 to 72
CONV_CASES = {
    "c1_same": ((3, 7, 6, 1), (5, 5, 1, 4), (1, 1), "SAME", (1, 1)),
    "c2_valid_stride_2x3": ((2, 9, 8, 2), (3, 2, 2, 3), (2, 3), "VALID", (1, 1)),
    "c3_same_dilated": ((2, 8, 7, 3), (3, 3, 3, 5), (1, 1), "SAME", (2, 1)),
    "c3_explicit_stride_dilated": ((1, 9, 9, 3), (2, 3, 3, 2), (2, 1),
                                   [[0, 0], [1, 2], [2, 0], [0, 0]], (1, 2)),
    "c1_one_tap_stride": ((2, 5, 6, 1), (1, 2, 1, 3), (2, 2), "SAME", (1, 1)),
    "groups_3": ((2, 6, 5, 6), (3, 3, 2, 9), (1, 2), "SAME", (1, 1)),
    "c5_wide": ((2, 6, 7, 5), (3, 3, 5, 4), (1, 1), "SAME", (1, 1)),
    "c8_valid_stride_dilated": ((1, 9, 8, 8), (3, 3, 8, 3), (2, 2), "VALID", (2, 2)),
}
# DIRECT_MAX_TAPS: im2col + GEMM only, the default, direct loops for every window
PATHS = {"im2col": 0, "default": cpu_conv.DIRECT_MAX_TAPS, "direct": 1 << 30}


def _kernels(op):
    """The CPU kernel and the reference kernel of `op`, as run(*arrays) callables."""
    return kernel_registry.lookup(op.type, "CPU")(op, None), reference.factory(op, None)


def _check_against_reference(ops, feeds, dtype, exact=False):
    for op in ops:
        inputs = evaluate(list(op.inputs), feeds)
        cpu, ref = _kernels(op)
        (got,), (want,) = cpu(*inputs), ref(*inputs)
        assert got.dtype == want.dtype and got.shape == want.shape, op.type
        if exact:
            np.testing.assert_array_equal(got, want)
            real = ~np.isnan(want)
            assert np.array_equal(np.signbit(got[real]), np.signbit(want[real])), op.type
        else:
            tol = 1e-12 if dtype == np.float64 else 2e-5
            np.testing.assert_allclose(got, want, rtol=tol, atol=tol * 10, err_msg=op.type)


def _conv_graph(name, dtype, data_format):
    x_shape, f_shape, strides, padding, dilations = CONV_CASES[name]
    x = RNG.normal(size=x_shape).astype(dtype)
    if data_format == "NCHW":
        x = np.ascontiguousarray(np.transpose(x, (0, 3, 1, 2)))
        if not isinstance(padding, str):
            padding = [padding[0], padding[3], padding[1], padding[2]]
    f = RNG.normal(size=f_shape).astype(dtype)
    gf_dtype = gf.as_dtype(dtype)
    px, pf = gf.placeholder(gf_dtype, x.shape), gf.placeholder(gf_dtype, f.shape)
    if data_format == "NCHW":
        strides, dilations = [1, 1, *strides], [1, 1, *dilations]
    else:
        strides, dilations = [1, *strides, 1], [1, *dilations, 1]
    out = gf.nn.conv2d(px, pf, strides, padding, data_format=data_format, dilations=dilations)
    pd = gf.placeholder(gf_dtype, out.shape)
    dx, df = gf.gradients(out, [px, pf], grad_ys=pd)
    feeds = {px: x, pf: f, pd: RNG.normal(size=out.shape.as_list()).astype(dtype)}
    return [out.op, dx.op, df.op], feeds


@pytest.mark.parametrize("path", sorted(PATHS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", sorted(CONV_CASES))
def test_conv2d_kernels_match_reference_on_both_paths(name, dtype, path, monkeypatch):
    monkeypatch.setattr(cpu_conv, "DIRECT_MAX_TAPS", PATHS[path])
    ops, feeds = _conv_graph(name, dtype, "NHWC")
    assert [op.type for op in ops] == ["Conv2D", "Conv2DBackpropInput", "Conv2DBackpropFilter"]
    _check_against_reference(ops, feeds, dtype)


@pytest.mark.parametrize("path", ["im2col", "direct"])
@pytest.mark.parametrize("name", ["c1_same", "c3_same_dilated", "groups_3", "c5_wide"])
def test_conv2d_kernels_match_reference_in_nchw(name, path, monkeypatch):
    monkeypatch.setattr(cpu_conv, "DIRECT_MAX_TAPS", PATHS[path])
    ops, feeds = _conv_graph(name, np.float64, "NCHW")
    _check_against_reference(ops, feeds, np.float64)


@pytest.mark.parametrize("name", ["c1_same", "c3_explicit_stride_dilated", "c5_wide"])
def test_direct_and_chunked_paths_agree_with_one_image_per_chunk(name, monkeypatch):
    """Chunk boundaries (one image per chunk) on the im2col path against the direct loops."""
    ops, feeds = _conv_graph(name, np.float64, "NHWC")
    monkeypatch.setattr(cpu_conv, "DIRECT_MAX_TAPS", 1 << 30)
    direct = evaluate([op.outputs[0] for op in ops], feeds)
    monkeypatch.setattr(cpu_conv, "DIRECT_MAX_TAPS", 0)
    monkeypatch.setattr(cpu_conv, "CHUNK_BYTES", 1)
    chunked = evaluate([op.outputs[0] for op in ops], feeds)
    for a, b in zip(direct, chunked):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


# Few-tap windows (at most DIRECT_MAX_TAPS) on the generated kernels: input NHWC, filter,
# strides, padding (tf's form), dilations. Output widths below conv_direct.BLOCK, not a
# multiple of it or of GRAD_BLOCK (tails), output channels not a multiple of a vector.
DIRECT_CASES = {
    "lenet_c1_same_oc32": ((2, 9, 8, 1), (5, 5, 1, 32), (1, 1), "SAME", (1, 1)),
    "c1_oc17_width9": ((2, 7, 9, 1), (3, 3, 1, 17), (1, 1), "SAME", (1, 1)),
    "c3_valid_stride2_oc33": ((2, 9, 11, 3), (3, 3, 3, 33), (2, 2), "VALID", (1, 1)),
    "c2_explicit_dilated": ((1, 8, 10, 2), (2, 4, 2, 5), (1, 2),
                            [[0, 0], [2, 1], [0, 3], [0, 0]], (2, 2)),
    "groups_2_of_c4": ((2, 6, 7, 4), (3, 3, 2, 6), (1, 1), "SAME", (1, 1)),
    "width_1": ((2, 5, 1, 1), (3, 1, 1, 3), (1, 1), "SAME", (1, 1)),
    "stride_3_width_2": ((1, 6, 5, 2), (2, 2, 2, 7), (3, 3), "SAME", (1, 1)),
}


def _oracle_padding(padding):
    return padding if isinstance(padding, str) else (tuple(padding[1]), tuple(padding[2]))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", sorted(DIRECT_CASES))
def test_direct_kernels_match_the_oracle_loops(name, dtype, monkeypatch):
    """Conv2D and its filter gradient on conv_direct (asserted to run), the input gradient
    on col2im, against plain Python sums."""
    x_shape, f_shape, strides, padding, dilations = DIRECT_CASES[name]
    ran = []
    for kernel in ("forward", "filter_grad"):
        real = getattr(conv_direct, kernel)
        monkeypatch.setattr(conv_direct, kernel,
                            lambda *args, real=real, kernel=kernel: ran.append(kernel) or
                            real(*args))
    x = RNG.normal(size=x_shape).astype(dtype)
    f = RNG.normal(size=f_shape).astype(dtype)
    out = gf.nn.conv2d(x, f, [1, *strides, 1], padding, dilations=[1, *dilations, 1])
    dout = RNG.normal(size=out.shape.as_list()).astype(dtype)
    dx, df = gf.gradients(out, [out.op.inputs[0], out.op.inputs[1]], grad_ys=dout)
    got = evaluate([out, dx, df])
    oracle = [conv_oracles.conv2d(x.astype(np.float64), f.astype(np.float64), strides,
                                  _oracle_padding(padding), dilations)]
    oracle += conv_oracles.conv2d(x.astype(np.float64), f.astype(np.float64), strides,
                                  _oracle_padding(padding), dilations, dout=dout)
    assert sorted(set(ran)) == ["filter_grad", "forward"]
    tol = 1e-12 if dtype == np.float64 else 1e-5
    for value, want in zip(got, oracle):
        assert value.dtype == dtype
        np.testing.assert_allclose(value, want, rtol=tol, atol=tol * 10)


def test_direct_kernels_are_generated_once_per_window_shape():
    spec = conv_direct.Spec(5, 5, 1, 1, 32, 1, 1, conv_direct.BLOCK, 0)
    assert conv_direct._kernel("forward", spec) is conv_direct._kernel("forward", spec)
    source = conv_direct.forward_source(spec)
    assert "np.uint64(25)" not in source and "U64 = np.uint64(64)" in source


POOL_CASES = {  # input NHWC, window, strides, padding: tiling or not
    "tiles_2x2_same_odd": ((2, 5, 7, 3), (2, 2), (2, 2), "SAME"),
    "tiles_2x2_valid": ((1, 6, 8, 4), (2, 2), (2, 2), "VALID"),
    "tiles_3x2_same": ((2, 8, 5, 2), (3, 2), (3, 2), "SAME"),
    "leftover_3x3_valid": ((1, 7, 9, 2), (3, 3), (3, 3), "VALID"),
    "padded_top_3x3_same": ((1, 7, 7, 2), (3, 3), (3, 3), "SAME"),
    "gaps_2x2_stride_3": ((1, 8, 8, 2), (2, 2), (3, 3), "VALID"),
    "overlap_3x3_stride_2": ((2, 7, 6, 3), (3, 3), (2, 2), "SAME"),
}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", sorted(POOL_CASES))
def test_max_pool_grad_is_bit_exact_on_tiling_and_other_windows(name, dtype):
    """Ties, NaN inputs and signed-zero gradients: the tiled path writes 0 + grad, so
    -0.0 comes out as the reference's 0.0."""
    shape, ksize, strides, padding = POOL_CASES[name]
    x = RNG.integers(0, 3, size=shape).astype(dtype)
    x.reshape(-1)[::5] = np.nan
    out = gf.nn.max_pool(gf.constant(x), [1, *ksize, 1], [1, *strides, 1], padding)
    assert out.dtype == gf.as_dtype(dtype)
    tiles = cpu_conv._tiles(*_pool_geometry(shape, ksize, strides, padding))
    assert tiles == name.startswith("tiles")
    grad = RNG.normal(size=out.shape.as_list()).astype(dtype)
    grad.reshape(-1)[::3] = -0.0
    (dx,) = gf.gradients(out, [out.op.inputs[0]], grad_ys=grad)
    _check_against_reference([out.op, dx.op], None, dtype, exact=True)


# input NHWC, window, strides, padding in tf's form (pairs: explicit, some windows wholly
# in the padding)
POOL_ORACLE_CASES = {
    "lenet_2x2_same": ((2, 28, 28, 32), (2, 2), (2, 2), "SAME"),
    "row_1x3_same_stride_1": ((1, 4, 7, 3), (1, 3), (1, 1), "SAME"),
    "column_3x1_valid_stride_2": ((2, 7, 4, 2), (3, 1), (2, 1), "VALID"),
    "overlap_3x3_padded_top_left": ((1, 6, 6, 17), (3, 3), (1, 1), "SAME"),
    "explicit_empty_windows": ((1, 5, 5, 3), (2, 2), (2, 2), [[0, 0], [3, 0], [0, 2], [0, 0]]),
}


@pytest.mark.parametrize("parallel", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", sorted(POOL_ORACLE_CASES))
def test_max_pool_kernels_match_reference_and_oracle(name, dtype, parallel, monkeypatch):
    """The window-specialised kernels (clamped taps) against the reference bit for bit and,
    where every window has an element, against the oracle loops."""
    monkeypatch.setattr(cpu_conv, "PARALLEL_THRESHOLD", 0 if parallel else 1 << 60)
    shape, ksize, strides, padding = POOL_ORACLE_CASES[name]
    x = RNG.normal(size=shape).astype(dtype)
    # a constant: MaxPool would take a float64 ndarray as float32 (its default T)
    out = gf.nn.max_pool(gf.constant(x), [1, *ksize, 1], [1, *strides, 1], padding)
    assert out.dtype == gf.as_dtype(dtype)
    grad = RNG.normal(size=out.shape.as_list()).astype(dtype)
    (dx,) = gf.gradients(out, [out.op.inputs[0]], grad_ys=grad)
    _check_against_reference([out.op, dx.op], None, dtype, exact=True)
    if isinstance(padding, str):
        got_out, got_dx = evaluate([out, dx])
        np.testing.assert_array_equal(got_out, conv_oracles.pool(x, ksize, strides, padding,
                                                                 "max"))
        tol = 1e-12 if dtype == np.float64 else 1e-6  # overlapping windows' sums
        np.testing.assert_allclose(got_dx, conv_oracles.pool(x, ksize, strides, padding, "max",
                                                             dout=grad), rtol=tol, atol=tol)


def _pool_geometry(shape, ksize, strides, padding):
    from graphflow.kernels.reference import conv as ref_conv
    attrs = {"ksize": [1, *ksize, 1], "strides": [1, *strides, 1], "padding": padding,
             "data_format": "NHWC", "explicit_paddings": []}
    return ref_conv.pool_geometry(attrs, shape), shape[1], shape[2]


SPECIALS = [0.0, -0.0, np.inf, -np.inf, np.nan, 1e-30, -1e-30, 3.0, -3.0]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("size", [100, cpu_nn.ELEMENTWISE_MIN + 7])   # numpy and numba
def test_relu_and_relu_grad_are_bit_exact(size, dtype):
    x_val = RNG.normal(size=size).astype(dtype)
    g_val = RNG.normal(size=size).astype(dtype)
    n = len(SPECIALS)
    x_val[:n * n] = np.repeat(SPECIALS, n)   # every (x, g) pair of specials
    g_val[:n * n] = np.tile(SPECIALS, n)
    x, g = gf.placeholder(dtype, [size]), gf.placeholder(dtype, [size])
    relu = gf.nn.relu(x)
    (grad,) = gf.gradients(relu, [x], grad_ys=g)
    assert grad.op.type == "ReluGrad"
    _check_against_reference([relu.op, grad.op], {x: x_val, g: g_val}, dtype, exact=True)


def test_relu_kernels_fall_back_for_strided_ints_and_broadcasts():
    big = cpu_nn.ELEMENTWISE_MIN * 2
    x_val = RNG.normal(size=(2, big)).astype(np.float32)
    x = gf.placeholder(gf.float32, [2, big])
    cpu, ref = _kernels(gf.nn.relu(x).op)
    np.testing.assert_array_equal(cpu(x_val[:, ::2])[0], ref(x_val[:, ::2])[0])
    ints = RNG.integers(-5, 5, size=big).astype(np.int32)
    cpu, ref = _kernels(gf.nn.relu(gf.placeholder(gf.int32, [big])).op)
    np.testing.assert_array_equal(cpu(ints)[0], ref(ints)[0])
    relu = gf.nn.relu(x)
    (grad,) = gf.gradients(relu, [x], grad_ys=np.ones((2, big), np.float32))
    cpu, ref = _kernels(grad.op)
    g_val, row = x_val * 2, x_val[:1]
    np.testing.assert_array_equal(cpu(g_val, row)[0], ref(g_val, row)[0])


def test_outputs_pool_reuses_only_unreferenced_arrays():
    pool = recycle.Outputs(keep=2)
    shape = (recycle.MIN_BYTES // 4 + 1,)
    a = pool.empty(shape, np.float32)
    assert pool.empty(shape, np.float32) is not a           # a is still referenced
    address = a.__array_interface__["data"][0]
    del a
    b = pool.zeros(shape, np.float32)
    assert b.__array_interface__["data"][0] == address and not b.any()
    view = b[1:]
    del b
    assert pool.empty(shape, np.float32).__array_interface__["data"][0] != address  # view
    del view
    assert pool.empty(shape, np.float64).dtype == np.float64  # other dtypes: new arrays
    small = pool.empty((4,), np.float32)
    assert pool.empty((4,), np.float32) is not small


def test_scratch_is_reused_and_large_requests_are_not_kept():
    a = recycle.scratch(1000, np.float32)
    assert recycle.scratch(10, np.float32).base is a.base
    big = recycle.scratch(recycle.SCRATCH_BYTES // 4 + 1, np.float32)
    assert recycle.scratch(1000, np.float32).base is a.base and big.base is not a.base


@pytest.mark.parametrize("min_bytes", [0, recycle.MIN_BYTES])
def test_fetched_outputs_survive_later_runs(min_bytes, monkeypatch):
    """Fetched outputs (a convolution, a relu, a pooling gradient, an input gradient) are
    never recycled under the caller, while the unfetched ones are; min_bytes 0 pools every
    output."""
    monkeypatch.setattr(recycle, "MIN_BYTES", min_bytes)
    x = gf.placeholder(gf.float32, [8, 32, 32, 1])
    f = gf.constant(RNG.normal(size=(5, 5, 1, 16)).astype(np.float32))
    conv = gf.nn.conv2d(x, f, [1, 1, 1, 1], "SAME")
    relu = gf.nn.relu(conv)
    pool = gf.nn.max_pool(relu, [1, 2, 2, 1], [1, 2, 2, 1], "SAME")
    dpool, dx = gf.gradients(gf.reduce_sum(pool * pool), [relu, x])
    assert dpool.op.type == "MaxPoolGrad" and dx.op.type == "Conv2DBackpropInput"
    feeds = [RNG.normal(size=(8, 32, 32, 1)).astype(np.float32) for _ in range(3)]
    with gf.Session() as sess:
        first = sess.run([conv, relu, dpool, dx], {x: feeds[0]})
        kept = [a.copy() for a in first]
        for value in feeds[1:]:
            sess.run([conv, relu, dpool, dx], {x: value})
            sess.run(dx, {x: value})
        for a, b in zip(first, kept):
            np.testing.assert_array_equal(a, b)
        for a, b in zip(sess.run([conv, relu, dpool, dx], {x: feeds[0]}), kept):
            np.testing.assert_array_equal(a, b)
