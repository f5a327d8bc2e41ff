"""Slicing and indexing (graphflow/ops/slicing.py): Slice, StridedSlice and `tensor[key]`,
GatherV2, OneHot. Values against numpy for every dtype group, exact static shapes, scalars,
size-0 and non-contiguous inputs, the numba kernels against the reference, every error, and
node names, masks and values against real TensorFlow."""

import numpy as np
import pytest

import graphflow as tf
from graphflow import errors
from graphflow.kernels import reference
from graphflow.kernels.cpu import manip as cpu_manip
from helpers import assert_close, check_fully_inferred, check_static_shape
from test_manip_ops import DTYPES, run, sample  # shared value generators


def run_exact(fn, x):
    """fn(placeholder of x's exact shape) run on x; the static shape must be the real one."""
    ph = tf.placeholder(tf.as_dtype(x.dtype), x.shape)
    out = fn(ph)
    value = run(out, {ph: x})
    check_fully_inferred(out, value)
    return value


# Keys whose numpy meaning equals TF's (TF has no advanced indexing).
KEYS = [1, -1, slice(1, 3), slice(None, None, 2), slice(None, None, -1), slice(-1, 0, -2),
        slice(-100, 100), slice(3, 1), (1, slice(None), 2), (None, 1), (Ellipsis, 1),
        (1, Ellipsis, None, -2), Ellipsis, (), (slice(None), None, slice(1, -1, 2)),
        (slice(None, None, -2), Ellipsis, slice(2, None)), (None, None, Ellipsis, None)]


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_getitem_values_every_dtype(dtype):
    x = sample((4, 5, 6), dtype)
    ph = tf.placeholder(tf.as_dtype(dtype), x.shape)
    outs = [ph[key] for key in KEYS]
    values = run(outs, {ph: x})
    for key, out, value in zip(KEYS, outs, values):
        check_fully_inferred(out, value)
        assert_close(value, x[key])


def test_getitem_of_scalars_and_tensor_indices():
    x = np.arange(30, dtype=np.float32).reshape(5, 6)
    ph = tf.placeholder(tf.float32, [5, 6])
    i = tf.placeholder(tf.int32, [])
    j = tf.placeholder(tf.int64, [])
    outs = [ph[i], ph[i:i + 2, ::-1], ph[1:j], ph[j], tf.constant(3.0)[()], tf.constant(3.0)[...],
            ph[np.int64(2)], ph[[1, 2]]]
    assert outs[0].shape.as_list() == [6] and outs[1].shape.as_list() == [None, 6]
    values = run(outs, {ph: x, i: 1, j: 3})
    for value, want in zip(values, [x[1], x[1:3, ::-1], x[1:3], x[3], 3.0, 3.0, x[2], x[1, 2]]):
        assert_close(value, np.asarray(want, np.float32))


def test_getitem_boolean_keys_mask():
    x = np.arange(10, dtype=np.int32).reshape(5, 2)
    keep = np.array([True, False, True, False, True])
    out = tf.constant(x)[keep]
    assert out.op.name == "boolean_mask/GatherV2"
    assert_close(run(out), x[keep])


def test_getitem_noncontiguous_and_empty():
    x = np.arange(24, dtype=np.float64).reshape(4, 6)
    ph = tf.placeholder(tf.float64, [4, 6])
    view = tf.transpose(ph)  # the reference Transpose hands a strided view on
    outs = [view[::2, 1:], view[2:2], tf.zeros([0, 3])[:, 1]]
    values = run(outs, {ph: x})
    assert_close(values[0], x.T[::2, 1:])
    assert values[1].shape == (0, 4) and values[2].shape == (0,)


def test_slice_values_and_shapes():
    for dtype in DTYPES:
        x = sample((3, 4, 5), dtype)
        assert_close(run_exact(lambda p: tf.slice(p, [1, 0, 2], [2, -1, 3]), x), x[1:, :, 2:])
    scalar = run_exact(lambda p: tf.slice(p, [], []), np.float32(2.5))
    assert scalar == np.float32(2.5)
    empty = run_exact(lambda p: tf.slice(p, [0, 0], [0, 1]), np.zeros((0, 2), np.float32))
    assert empty.shape == (0, 1)
    size = tf.placeholder(tf.int32, [3])
    assert tf.slice(tf.zeros([2, 3, 4]), [0, 0, 0], size).shape.as_list() == [None] * 3
    assert tf.slice(tf.zeros([2, 3, 4]), size, [1, -1, 2]).shape.as_list() == [1, None, 2]


def test_strided_slice_function_defaults_strides():
    x = np.arange(10, dtype=np.int64)
    out = tf.strided_slice(tf.constant(x), [1], [8])
    assert out.op.inputs[3].op.name == "ones_like"
    assert_close(run(out), x[1:8])
    masked = tf.strided_slice(tf.constant(x), [5], [0], [-2], begin_mask=1)
    assert_close(run(masked), x[::-2])


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_gather_every_dtype(dtype):
    params = sample((4, 3, 5), dtype)
    for axis, indices in ((0, [[3, 0], [1, 1]]), (1, [2, 0, 2]), (-1, [[4], [0]])):
        indices = np.array(indices, np.int32)
        got = run_exact(lambda p: tf.gather(p, indices, axis=axis), params)
        assert_close(got, np.take(params, indices, axis=axis))


def test_gather_batch_dims_scalar_empty_and_noncontiguous():
    params = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    idx = np.array([[0, 3], [1, 2]], np.int64)
    got = run_exact(lambda p: tf.gather(p, idx, axis=2, batch_dims=1), params)
    assert_close(got, np.stack([params[b][:, idx[b]] for b in range(2)]))
    got = run_exact(lambda p: tf.gather(p, np.int32(2), axis=1), params)
    assert_close(got, params[:, 2])
    got = run_exact(lambda p: tf.gather(p, np.zeros(0, np.int32)), params)
    assert got.shape == (0, 3, 4)
    got = run_exact(lambda p: tf.gather(tf.transpose(p), [1, 0], axis=1), params)
    assert_close(got, params.T[:, [1, 0]])


@pytest.mark.parametrize("threshold", [1, 1 << 40], ids=["parallel", "serial"])
def test_gather_numba_kernels_match_reference(monkeypatch, threshold):
    monkeypatch.setattr(cpu_manip, "PARALLEL_THRESHOLD", threshold)
    rng = np.random.default_rng(1)
    params = rng.standard_normal((6, 30, 4)).astype(np.float16)  # moved as uint16
    indices = rng.integers(0, 30, size=(5, 3))
    ph = tf.placeholder(tf.float16, params.shape)
    got = run(tf.gather(ph, indices, axis=1), {ph: params})
    want = reference.evaluate("GatherV2", {"batch_dims": 0}, params, indices, np.array(1))[0]
    assert_close(got, want)
    assert_close(got, np.take(params, indices, axis=1))
    per_batch = rng.integers(0, 30, size=(6, 2))
    batched = run(tf.gather(ph, per_batch, axis=1, batch_dims=1), {ph: params})
    assert_close(batched, np.stack([params[b][per_batch[b]] for b in range(6)]))


def test_gather_axis_from_a_tensor():
    params = np.arange(6, dtype=np.int32).reshape(2, 3)
    axis = tf.placeholder(tf.int32, [])
    out = tf.gather(tf.constant(params), [2, 0], axis=axis)
    assert out.shape.as_list() == [None, None]
    assert_close(run(out, {axis: 1}), params[:, [2, 0]])


def _one_hot_twin(indices, depth, on, off, axis=-1):
    hot = np.asarray(indices)[..., None] == np.arange(depth)
    return np.moveaxis(np.where(hot, on, off), -1, axis)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_one_hot_every_dtype(dtype):
    on, off = sample((2,), dtype, seed=3)
    indices = np.array([[0, 2, -1], [5, 1, 2]], np.int64)  # -1 and 5 are all-off rows
    for axis in (-1, 0, 1):
        got = run_exact(lambda i: tf.one_hot(i, 4, on_value=on, off_value=off, axis=axis),
                        indices)
        assert_close(got, _one_hot_twin(indices, 4, on, off, axis))


def test_one_hot_defaults_dtypes_and_edge_cases():
    values = run([tf.one_hot([0, 2], 3), tf.one_hot(np.uint8(1), 2),
                  tf.one_hot(np.zeros((0, 2), np.int32), 3, dtype=tf.int32),
                  tf.one_hot([1], 0), tf.one_hot([1, 0], 2, off_value=-1)])
    assert values[0].dtype == np.float32 and values[0].tolist() == [[1, 0, 0], [0, 0, 1]]
    assert values[1].tolist() == [0.0, 1.0]
    assert values[2].shape == (0, 2, 3) and values[2].dtype == np.int32
    assert values[3].shape == (1, 0)
    assert values[4].tolist() == [[-1, 1], [1, -1]]


@pytest.mark.parametrize("threshold", [1, 1 << 40], ids=["parallel", "serial"])
def test_one_hot_numba_kernels_match_numpy(monkeypatch, threshold):
    monkeypatch.setattr(cpu_manip, "PARALLEL_THRESHOLD", threshold)
    indices = np.random.default_rng(2).integers(-1, 9, size=(40, 3))
    for axis in (0, 1, -1):
        got = run(tf.one_hot(indices, 8, axis=axis, on_value=True, off_value=False))
        assert_close(got, _one_hot_twin(indices, 8, True, False, axis))


BUILD_ERRORS = [
    (lambda: tf.zeros([5, 6])[7], ValueError, "slice index 7 of dimension 0 out of bounds"),
    (lambda: tf.zeros([5, 6])[1, 1, 1], ValueError, "Index out of range using input dim 2"),
    (lambda: tf.zeros([5])[..., 1, ...], ValueError, "Multiple ellipses"),
    (lambda: tf.zeros([5])[::0], ValueError, "strides\\[0\\] must be non-zero"),
    (lambda: tf.zeros([])[0], ValueError, "Attempting to slice scalar input"),
    (lambda: tf.zeros([5])[1.5], TypeError, "Only integers, slices"),
    (lambda: tf.zeros([5])[tf.constant([1, 2])], TypeError, "Only integers, slices"),
    (lambda: tf.zeros([5])[tf.constant(1.0)], TypeError, "Only integers, slices"),
    (lambda: tf.strided_slice(tf.zeros([5]), [1], [2], [-1], shrink_axis_mask=1), ValueError,
     "only stride 1 allowed on non-range indexing"),
    (lambda: tf.strided_slice(tf.zeros([5]), [0, 1], [1], [1]), ValueError,
     "Dimension 0 in both shapes must be equal"),
    (lambda: tf.slice(tf.zeros([2, 3]), [0, 0, 0], [1, 1, 1]), ValueError,
     "Shape must be rank 3 but is rank 2"),
    (lambda: tf.slice(tf.zeros([2, 3]), [0, 0], [1, -2]), ValueError,
     "sizes vector cannot be < -1, but was -2"),
    (lambda: tf.slice(tf.zeros([2, 3]), [3, 0], [-1, 1]), ValueError,
     "Negative dimension size caused by subtracting 3 from 2"),
    (lambda: tf.gather(tf.zeros([2, 3]), [0], axis=2), ValueError, "at least rank 3"),
    (lambda: tf.gather(tf.zeros([]), [0]), ValueError, "at least rank 1 but is rank 0"),
    (lambda: tf.gather(tf.zeros([3]), [0.0]), TypeError, "not in list of allowed values"),
    (lambda: tf.one_hot([1], 3, axis=-2), ValueError, "axis must be >= -1"),
    (lambda: tf.one_hot([1], -3), ValueError, "must be non-negative but is -3"),
    (lambda: tf.one_hot([1.0], 3), TypeError, "not in list of allowed values"),
    (lambda: tf.one_hot([1], 3, on_value=1, off_value=0.0), TypeError, "does not match"),
    (lambda: tf.one_hot([1], 3, on_value=tf.constant(1), dtype=tf.float32), TypeError,
     "dtype parameter"),
]


@pytest.mark.parametrize("build,error,message", BUILD_ERRORS)
def test_build_time_errors(build, error, message):
    with pytest.raises(error, match=message):
        build()


X = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
RUN_ERRORS = [
    (lambda x, i: x[i], [X, 5], "slice index 5 of dimension 0 out of bounds"),
    (lambda x, i: x[i], [X, -3], "slice index -1 of dimension 0 out of bounds"),
    (lambda x, i: x[::i], [X, 0], "strides\\[0\\] must be non-zero"),
    (lambda x, i: tf.strided_slice(x, i, i, i), [X, [1, 1, 1, 1]],
     "Index out of range using input dim 3; input has only 3 dims"),
    (lambda x, i: tf.strided_slice(x, i, i, i), [np.float32(1), [1]],
     "Attempting to slice scalar input"),
    (lambda x, i: tf.strided_slice(x, i, [1], [1]), [X, [1, 1]],
     "Expected begin, end, and strides to be 1D equal size tensors"),
    (lambda x, i: tf.slice(x, i, [1, 1, 1]), [X, [2, 0, 0]],
     "Expected size\\[0\\] in \\[0, 0\\], but got 1"),
    (lambda x, i: tf.slice(x, i, [1, 1, 1]), [X, [-1, 0, 0]],
     "Expected begin\\[0\\] in \\[0, 2\\], but got -1"),
    (lambda x, i: tf.slice(x, [0, 1, 0], i), [X, [1, 3, 1]],
     "Expected size\\[1\\] in \\[0, 2\\], but got 3"),
    (lambda x, i: tf.slice(x, i, [1, 1]), [X, [0, 0]],
     "Expected begin and size arguments to be 1-D tensors of size 3"),
    (lambda x, i: tf.slice(x, i, [0, 0]), [np.zeros((0, 2), np.float32), [1, 0]],
     "Expected begin\\[0\\] == 0 \\(got 1\\)"),
    (lambda x, i: tf.gather(x, i), [np.zeros(5, np.float32), [0, 1, 2, 7]],
     "indices\\[3\\] = 7 is not in \\[0, 5\\)"),
    (lambda x, i: tf.gather(x, i), [np.zeros(5, np.float32), [[0, 1], [-1, 2]]],
     "= -1 is not in \\[0, 5\\)"),
    (lambda x, i: tf.gather(x, [0], axis=i), [X, 3], "Expected axis in the range \\[-3, 3\\)"),
    (lambda x, i: tf.gather(x, i), [np.float32(1), [0]], "params must be at least 1 dim"),
    (lambda x, i: tf.gather(x, i, axis=1, batch_dims=2), [X, np.zeros((2, 3, 5), np.int32)],
     "batch_dims \\(2\\) must be less than or equal to axis \\(1\\)"),
    (lambda x, i: tf.gather(x, i, axis=1, batch_dims=1), [X, np.zeros((3, 5), np.int32)],
     "params.shape\\[0\\]: 2 should be equal to indices.shape\\[0\\]: 3"),
    (lambda x, i: tf.gather(x, i, axis=2, batch_dims=3), [X, np.zeros((2, 2), np.int32)],
     "Expected batch_dims in the range \\[-2, 2\\], but got 3"),
    (lambda x, i: tf.one_hot(i, tf.cast(x, tf.int32)), [np.float32(-1), [0, 1]],
     "depth must be non-negative, got: -1"),
    (lambda x, i: tf.one_hot(i, 3, on_value=x), [np.ones(1, np.float32), [0, 1]],
     "on_value must be a scalar, but got: \\[1\\]"),
    (lambda x, i: tf.one_hot(i, 3, axis=5), [X, [1, 2]],
     "Expected axis to be -1 or between \\[0, 2\\)"),
]


@pytest.mark.parametrize("build,feeds,message", RUN_ERRORS)
def test_run_time_errors(build, feeds, message):
    x = tf.placeholder(tf.float32)
    i = tf.placeholder(tf.int32)
    out = build(x, i)
    with pytest.raises(errors.InvalidArgumentError, match=message):
        run(out, {x: feeds[0], i: feeds[1]})


def test_static_shape_with_unknown_parts():
    x = tf.placeholder(tf.float32, [None, 3])
    assert x[1:, 0].shape.as_list() == [None]
    assert x[:, ::-2].shape.as_list() == [None, 2]
    assert tf.placeholder(tf.float32)[1:, 0].shape.rank is None
    begin = tf.placeholder(tf.int32, [2])
    assert tf.strided_slice(tf.zeros([2, 3, 4]), begin, [2, 3], [1, 2], begin_mask=1,
                            end_mask=3).shape.as_list() == [2, None, 4]
    assert tf.one_hot(tf.placeholder(tf.int32, [None]), tf.placeholder(tf.int32, [])).shape \
        .as_list() == [None, None]
    check_static_shape(x[0], np.zeros(3))


# ----------------------------------------------------------------------------- against TensorFlow
def build_graph(lib, key_fn):
    graph = lib.Graph()
    with graph.as_default():
        x = lib.placeholder(lib.float32, [4, 5, 6], name="x")
        i = lib.placeholder(lib.int32, [], name="i")
        j = lib.placeholder(lib.int64, [], name="j")
        try:
            out = x[key_fn(lib, i, j)]
        except (TypeError, ValueError) as err:
            return graph, type(err), None
    return graph, out, (x, i, j)


def graph_nodes(graph):
    nodes = []
    for op in graph.get_operations():
        attrs = sorted((k, op.get_attr(k)) for k in op.node_def.attr if k.endswith("_mask"))
        nodes.append((op.name, op.type, [t.name for t in op.inputs], attrs))
    return nodes


def gf_graph_nodes(graph):
    nodes = []
    for op in graph.get_operations():
        attrs = sorted((k, v) for k, v in op._attrs.items() if k.endswith("_mask"))
        nodes.append((op.name, op.type, [t.name for t in op.inputs], attrs))
    return nodes


TF_KEYS = {
    "int": lambda t, i, j: 1, "negative": lambda t, i, j: -2, "slice": lambda t, i, j: slice(1, 3),
    "steps": lambda t, i, j: (slice(None, None, -1), slice(1, None, 2)),
    "newaxis_ellipsis": lambda t, i, j: (t.newaxis, Ellipsis, 0),
    "mixed": lambda t, i, j: (slice(1, None), slice(None, None, 2), t.newaxis, Ellipsis, -1),
    "ellipsis_only": lambda t, i, j: Ellipsis, "empty": lambda t, i, j: (),
    "list": lambda t, i, j: [1, 2], "tensor": lambda t, i, j: i,
    "tensor_slice": lambda t, i, j: (slice(i, i + 2), slice(None, None, -1)),
    "int64_slice": lambda t, i, j: slice(1, j), "int64_index": lambda t, i, j: j,
    "out_of_range": lambda t, i, j: 9, "float": lambda t, i, j: 1.5,
    "too_many": lambda t, i, j: (1, 1, 1, 1),
}


@pytest.mark.tf
@pytest.mark.parametrize("case", sorted(TF_KEYS))
def test_getitem_nodes_and_values_match_tensorflow(tf1, case):
    results = []
    x = np.random.default_rng(0).standard_normal((4, 5, 6)).astype(np.float32)
    for lib in (tf1, tf):
        graph, out, feeds = build_graph(lib, TF_KEYS[case])
        if feeds is None:
            results.append((out, None))
            continue
        nodes = graph_nodes(graph) if lib is tf1 else gf_graph_nodes(graph)
        with graph.as_default(), lib.Session() as sess:
            value = sess.run(out, dict(zip(feeds, (x, 1, 3))))
        results.append((nodes, value, str(out.shape)))
    assert results[0][0] == results[1][0]
    if results[0][1] is not None:
        assert_close(results[1][1], results[0][1])
        assert results[1][2] == results[0][2]


def _strided_outcome(lib, x, spec):
    """Static shapes (known and unknown input shape) and value, or the error class."""
    graph = lib.Graph()
    with graph.as_default():
        known = lib.placeholder(lib.float32, x.shape)
        unknown = lib.placeholder(lib.float32)
        try:
            outs = [lib.strided_slice(p, *spec) for p in (known, unknown)]
        except ValueError:
            return "ValueError at build"
        with lib.Session() as sess:
            try:
                value = sess.run(outs[1], {unknown: x})
            except Exception as err:  # noqa: BLE001 - comparing the classes TF and we raise
                return type(err).__name__
    return str(outs[0].shape), str(outs[1].shape), value


@pytest.mark.tf
def test_strided_slice_masks_match_tensorflow(tf1):
    rng = np.random.default_rng(7)
    x = rng.standard_normal((3, 4, 5)).astype(np.float32)
    for _ in range(120):
        k = int(rng.integers(1, 4))
        spec = [rng.integers(-5, 6, k).tolist(), rng.integers(-5, 6, k).tolist(),
                [int(rng.choice([-2, -1, 1, 2])) for _ in range(k)]]
        masks = [int(rng.integers(0, 1 << k)) for _ in range(5)]
        masks[2] = masks[2] & -masks[2] if rng.random() < 0.5 else 0  # at most one ellipsis
        want = _strided_outcome(tf1, x, spec + masks)
        got = _strided_outcome(tf, x, spec + masks)
        if isinstance(want, str) or isinstance(got, str):
            assert got == want, (spec, masks)
            continue
        assert got[:2] == want[:2], (spec, masks)
        assert_close(got[2], want[2])


@pytest.mark.tf
def test_gather_and_one_hot_nodes_match_tensorflow(tf1):
    def build(lib):
        graph = lib.Graph()
        with graph.as_default():
            p = lib.placeholder(lib.float32, [2, 3, 4], name="p")
            lib.gather(p, [0, 1, 0], axis=1)
            lib.gather(p, lib.placeholder(lib.int32, [2, 5]), axis=1, batch_dims=1)
            lib.one_hot([0, 3], 3, on_value=2, off_value=0)
            lib.one_hot(lib.placeholder(lib.int64, [3]), 4, axis=0)
            lib.slice(p, [0, 1, 0], [-1, 2, 2])
        return graph
    want = [(n, t, i) for n, t, i, _ in graph_nodes(build(tf1))]
    got = [(n, t, i) for n, t, i, _ in gf_graph_nodes(build(tf))]
    assert got == want
