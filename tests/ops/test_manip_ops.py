"""Shape manipulation (graphflow/ops/manip_ops.py): values against numpy for every dtype group,
exact static shapes, scalars, size-0 and non-contiguous inputs, every error at build and run
time, and node names, attrs, static shapes and values against real TensorFlow."""

import numpy as np
import pytest

import graphflow as tf
from graphflow import errors
from graphflow.kernels import reference
from helpers import assert_close, check_fully_inferred, check_static_shape

DTYPES = [np.float32, np.float64, np.int32, np.int64, np.bool_, object]


def sample(shape, dtype, seed=0):
    """Deterministic values of `dtype` (object means TF strings: bytes)."""
    rng = np.random.default_rng(seed)
    if dtype is object:
        codes = rng.integers(0, 1000, size=shape)
        return np.vectorize(lambda c: b"s%d" % c, otypes=[object])(codes).reshape(shape)
    if dtype is np.bool_:
        return rng.random(shape) < 0.5
    if np.issubdtype(dtype, np.integer):
        return rng.integers(-50, 50, size=shape).astype(dtype)
    return rng.standard_normal(shape).astype(dtype)


def run(fetches, feed_dict=None):
    with tf.Session() as sess:
        return sess.run(fetches, feed_dict)


def build_and_run(fn, *arrays, exact=True):
    """fn(*placeholders of the arrays' exact shapes), run on the arrays; the static shape of
    every output must equal the real one (be compatible with it where TF's is not exact)."""
    phs = [tf.placeholder(tf.as_dtype(a.dtype), a.shape) for a in arrays]
    out = fn(*phs)
    values = run(out, dict(zip(phs, arrays)))
    for t, v in zip(out if isinstance(out, list) else [out],
                    values if isinstance(out, list) else [values]):
        (check_fully_inferred if exact else check_static_shape)(t, v)
        assert t.dtype == tf.as_dtype(np.asarray(v).dtype)
    return values


def _zero(dtype):
    return b"" if dtype == object else np.zeros((), dtype)


def _zeros_8(x):  # TF's rule: a -1 next to a 0 counts only the non-zero input dims
    return np.zeros((0, 8), x.dtype)


# name -> (graphflow builder, numpy twin, input shapes)
CASES = {
    "reshape": (lambda x: tf.reshape(x, [3, -1]), lambda x: x.reshape(3, -1), [(2, 3, 2)]),
    "reshape_scalar": (lambda x: tf.reshape(x, []), lambda x: x.reshape(()), [(1, 1)]),
    "reshape_to_vector": (lambda x: tf.reshape(x, [-1]), lambda x: x.reshape(-1), [()]),
    "reshape_empty": (lambda x: tf.reshape(x, [0, -1]), _zeros_8, [(2, 0, 4)]),
    "reshape_noncontiguous": (lambda x: tf.reshape(tf.transpose(x), [-1]),
                              lambda x: x.T.reshape(-1), [(3, 4)]),
    "transpose": (lambda x: tf.transpose(x), lambda x: x.T, [(2, 3, 4)]),
    "transpose_perm": (lambda x: tf.transpose(x, [1, 0, 2]), lambda x: x.transpose(1, 0, 2),
                       [(2, 3, 4)]),
    "transpose_negative_perm": (lambda x: tf.transpose(x, [-1, 0, 1]),
                                lambda x: x.transpose(2, 0, 1), [(2, 3, 4)]),
    "transpose_scalar": (lambda x: tf.transpose(x), lambda x: x, [()]),
    "squeeze_all": (lambda x: tf.squeeze(x), np.squeeze, [(1, 3, 1)]),
    "squeeze_axis": (lambda x: tf.squeeze(x, -1), lambda x: x[:, :, 0], [(1, 3, 1)]),
    "squeeze_empty": (lambda x: tf.squeeze(x, [1]), lambda x: x[:, 0], [(0, 1)]),
    "expand_dims": (lambda x: tf.expand_dims(x, 1), lambda x: x[:, None], [(2, 3)]),
    "expand_dims_last": (lambda x: tf.expand_dims(x, -1), lambda x: x[..., None], [(2, 3)]),
    "expand_dims_scalar": (lambda x: tf.expand_dims(x, 0), lambda x: x[None], [()]),
    "concat": (lambda x, y: tf.concat([x, y], 1), lambda x, y: np.concatenate([x, y], 1),
               [(2, 3), (2, 4)]),
    "concat_negative_axis": (lambda x, y: tf.concat([x, y, x], -2),
                             lambda x, y: np.concatenate([x, y, x], 0), [(2, 3), (1, 3)]),
    "concat_empty": (lambda x, y: tf.concat([x, y], 0), lambda x, y: np.concatenate([x, y]),
                     [(0, 3), (2, 3)]),
    "split": (lambda x: tf.split(x, 3, 1), lambda x: np.split(x, 3, 1), [(2, 6)]),
    "split_sizes": (lambda x: tf.split(x, [1, -1, 2], 1), lambda x: np.split(x, [1, 4], 1),
                    [(2, 6)]),
    "split_zero_size": (lambda x: tf.split(x, [0, 2], 0), lambda x: np.split(x, [0]),
                        [(2, 3)]),
    "tile": (lambda x: tf.tile(x, [2, 1, 3]), lambda x: np.tile(x, [2, 1, 3]), [(2, 3, 1)]),
    "tile_zero": (lambda x: tf.tile(x, [0, 2]), lambda x: np.tile(x, [0, 2]), [(2, 3)]),
    "tile_scalar": (lambda x: tf.tile(x, np.zeros(0, np.int32)), lambda x: x, [()]),
    "pad": (lambda x: tf.pad(x, [[1, 0], [2, 1]]),
            lambda x: np.pad(x, [[1, 0], [2, 1]], constant_values=_zero(x.dtype)),
            [(2, 3)]),
    "pad_reflect": (lambda x: tf.pad(x, [[1, 1], [2, 1]], "REFLECT"),
                    lambda x: np.pad(x, [[1, 1], [2, 1]], "reflect"), [(2, 3)]),
    "pad_symmetric": (lambda x: tf.pad(x, [[2, 0], [3, 1]], "symmetric"),
                      lambda x: np.pad(x, [[2, 0], [3, 1]], "symmetric"), [(2, 3)]),
    "pad_scalar": (lambda x: tf.pad(x, np.zeros((0, 2), np.int32)), lambda x: x, [()]),
    "reverse": (lambda x: tf.reverse(x, [0, -1]), lambda x: x[::-1, :, ::-1], [(2, 3, 4)]),
    "reverse_nothing": (lambda x: tf.reverse(x, np.zeros(0, np.int32)), lambda x: x, [(2, 3)]),
    "broadcast_to": (lambda x: tf.broadcast_to(x, [4, 2, 3]),
                     lambda x: np.broadcast_to(x, (4, 2, 3)), [(2, 1)]),
    "broadcast_scalar": (lambda x: tf.broadcast_to(x, [2, 2]), lambda x: np.full((2, 2), x),
                         [()]),
    "zeros_like": (lambda x: tf.zeros_like(x), lambda x: np.zeros_like(x), [(2, 3)]),
    "zeros_like_dynamic": (lambda x: tf.zeros_like(tf.boolean_mask(x, [True, False])),
                           lambda x: np.zeros_like(x[:1]), [(2, 3)]),
    "fill": (lambda x: tf.fill([2, 3], x), lambda x: np.full((2, 3), x), [()]),
}
NO_STRINGS = {"zeros_like", "zeros_like_dynamic"}  # TF's ZerosLike has no string kernel
NOT_EXACT = {"reshape_empty", "zeros_like_dynamic"}  # TF does not know these dims either


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("case", sorted(CASES))
def test_values_match_numpy(case, dtype):
    if dtype is object and case in NO_STRINGS:
        pytest.skip("no string kernel in TF")
    fn, twin, shapes = CASES[case]
    arrays = [sample(s, dtype, seed=i) for i, s in enumerate(shapes)]
    got = build_and_run(fn, *arrays, exact=case not in NOT_EXACT)
    want = twin(*arrays)
    if isinstance(want, list):
        for g, w in zip(got, want):
            assert_close(g, w)
    else:
        assert_close(got, want)


@pytest.mark.parametrize("dtype", [np.float32, np.int64, np.bool_])
def test_ones_like_and_zeros_ones(dtype):
    x = sample((2, 3), dtype)
    ph = tf.placeholder(tf.as_dtype(dtype), [None, 3])
    outs = [tf.ones_like(ph), tf.zeros_like(ph), tf.ones([2, 3], dtype), tf.zeros([3], dtype),
            tf.ones(tf.shape(ph), dtype), tf.zeros([2000], dtype), tf.ones_like(x)]
    values = run(outs, {ph: x})
    one, zero = np.ones((), dtype), np.zeros((), dtype)
    for value, shape, fill in zip(values, [(2, 3), (2, 3), (2, 3), (3,), (2, 3), (2000,), (2, 3)],
                                  [one, zero, one, zero, one, zero, one]):
        assert_close(value, np.full(shape, fill))
    assert outs[0].shape.as_list() == [None, 3] and outs[1].shape.as_list() == [None, 3]
    assert outs[4].shape.as_list() == [None, 3]


def test_zeros_of_strings_and_python_shapes():
    values = run([tf.zeros([2], tf.string), tf.zeros(3), tf.zeros((2, 2), tf.int32)])
    assert values[0].tolist() == [b"", b""]
    assert_close(values[1], np.zeros(3, np.float32))
    assert_close(values[2], np.zeros((2, 2), np.int32))


def test_ops_on_scalars_and_python_values():
    values = run([tf.concat([[1, 2], [3]], 0), tf.tile([1, 2], [2]), tf.reverse([1, 2, 3], [0]),
                  tf.fill([], 7), tf.zeros_like(3.0), tf.expand_dims(5, 0)])
    assert [v.tolist() for v in values] == [[1, 2, 3], [1, 2, 1, 2], [3, 2, 1], 7, 0.0, [5]]


def test_concat_of_one_value_is_identity():
    x = tf.placeholder(tf.float32, [2, 3])
    y = tf.concat([x], 1)
    assert y.op.type == "Identity" and y.op.name == "concat/concat"
    with pytest.raises(ValueError, match="must have rank 0"):
        tf.concat([x], [1])


def test_shape_n_and_split_num():
    x = tf.placeholder(tf.float32, [None, 3])
    a, b = tf.shape_n([x, tf.zeros([4])])
    assert a.shape.as_list() == [2] and b.dtype == tf.int32
    values = run([a, b], {x: np.zeros((5, 3), np.float32)})
    assert [v.tolist() for v in values] == [[5, 3], [4]]
    sizes = tf.placeholder(tf.int32, [None])
    parts = tf.split(tf.zeros([6]), sizes, num=2)
    assert [v.tolist() for v in run(parts, {sizes: [2, 4]})] == [[0] * 2, [0] * 4]


def test_boolean_mask_values_and_shapes():
    x = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    mask = np.array([[True, False, True], [False, False, True]])
    px, pm = tf.placeholder(tf.float32, [2, 3, 4]), tf.placeholder(tf.bool, [2, 3])
    full = tf.boolean_mask(px, pm)
    inner = tf.boolean_mask(px, pm[0], axis=1)
    assert full.shape.as_list() == [None, 4] and inner.shape.as_list() == [2, None, 4]
    got = run([full, inner], {px: x, pm: mask})
    assert_close(got[0], x[mask])
    assert_close(got[1], x[:, mask[0]])
    empty = run(tf.boolean_mask(px, pm), {px: x, pm: np.zeros((2, 3), bool)})
    assert empty.shape == (0, 4)


def test_static_shapes_with_unknown_dims():
    x = tf.placeholder(tf.float32, [None, 3, 4])
    n = tf.placeholder(tf.int32, [])
    assert tf.reshape(x, [-1, 12]).shape.as_list() == [None, 12]
    assert tf.reshape(x, [2, -1]).shape.as_list() == [2, None]
    assert tf.reshape(x, tf.shape(x)).shape.as_list() == [None, 3, 4]
    assert tf.reshape(x, tf.stack([n, 12])).shape.as_list() == [None, 12]
    assert tf.reshape(x, tf.concat([[2], tf.shape(x)[1:]], 0)).shape.as_list() == [2, 3, 4]
    assert tf.transpose(x).shape.as_list() == [4, 3, None]
    assert tf.transpose(tf.placeholder(tf.float32)).shape.rank is None
    assert tf.squeeze(tf.placeholder(tf.float32, [None, 1])).shape.rank is None
    assert tf.squeeze(tf.placeholder(tf.float32, [None, 1]), [0]).shape.as_list() == [1]
    assert tf.concat([x, x], n).shape.as_list() == [None, None, None]
    assert tf.concat([x, tf.placeholder(tf.float32, [2, None, 4])], 0).shape.as_list() == [
        None, 3, 4]
    assert [p.shape.as_list() for p in tf.split(x, [1, -1], 1)] == [[None, 1, 4], [None, 2, 4]]
    assert tf.tile(x, [0, 2, 1]).shape.as_list() == [0, 6, 4]
    assert tf.pad(x, [[1, 1], [0, n], [0, 0]]).shape.as_list() == [None, None, 4]
    assert tf.pad(tf.zeros([2, 3]), [[1, 1], [0, n]]).shape.as_list() == [4, None]
    assert tf.broadcast_to(x, tf.placeholder(tf.int32, [4])).shape.as_list() == [None, None, 3, 4]
    assert tf.fill(tf.stack([n, 2]), 1.0).shape.as_list() == [None, 2]
    assert tf.expand_dims(x, n).shape.rank is None


BUILD_ERRORS = [
    (lambda: tf.reshape(tf.zeros([2, 3]), [5, -1]), "evenly divisible by 5 but is 6"),
    (lambda: tf.reshape(tf.zeros([2, 3]), [4, 2]), "Cannot reshape a tensor with 6 elements"),
    (lambda: tf.reshape(tf.zeros([2, 3]), [-2, 3]), "Invalid value in tensor used for shape"),
    (lambda: tf.reshape(tf.zeros([2, 3]), 6), "Shape must be rank 1 but is rank 0"),
    (lambda: tf.transpose(tf.zeros([2, 3]), [0]), "Dimension must be 2 but is 1"),
    (lambda: tf.transpose(tf.zeros([2, 3]), [0, 2]), "perm dim 2 is out of range"),
    (lambda: tf.squeeze(tf.zeros([2, 1]), [0]), "Can not squeeze dim\\[0\\]"),
    (lambda: tf.squeeze(tf.zeros([2, 1]), [2]), "squeeze_dims\\[0\\] not in \\[-2,2\\)"),
    (lambda: tf.squeeze(tf.zeros([1]), 0, squeeze_dims=0), "Cannot specify both"),
    (lambda: tf.expand_dims(tf.zeros([2]), 3), "dim 3 not in the interval \\[-2, 1\\]"),
    (lambda: tf.expand_dims(tf.zeros([2]), [0, 1]), "must be a tensor with a single value"),
    (lambda: tf.expand_dims(tf.zeros([2])), "Must specify an axis"),
    (lambda: tf.expand_dims(tf.zeros([2]), 0, dim=0), "Cannot specify both"),
    (lambda: tf.concat([tf.zeros([2, 3]), tf.zeros([3, 3])], 1), "Dimension 0 in both shapes"),
    (lambda: tf.concat([tf.zeros([2, 3]), tf.zeros([2, 3, 1])], 0), "must be rank 2"),
    (lambda: tf.concat([tf.zeros([2]), tf.zeros([2])], 1), "at least rank 2 but is rank 1"),
    (lambda: tf.concat([tf.zeros([]), tf.zeros([])], 0), "Can't concatenate scalars"),
    (lambda: tf.split(tf.zeros([2, 3]), 2, 1), "evenly divisible by 2 but is 3"),
    (lambda: tf.split(tf.zeros([2, 3]), 2, 2), "must be in range \\[-2, 2\\)"),
    (lambda: tf.split(tf.zeros([2, 3]), [1, 1], 1), "can't split axis of size 3"),
    (lambda: tf.split(tf.zeros([2, 3]), [-1, -1], 1), "can only have one -1"),
    (lambda: tf.split(tf.zeros([2, 3]), [1, 2], 1, num=3), "Length of size_splits"),
    (lambda: tf.split(tf.zeros([2, 3]), tf.constant(2)), "Rank-0 tensors are not supported"),
    (lambda: tf.split(tf.zeros([]), [1, 2]), "Can't split scalars"),
    (lambda: tf.tile(tf.zeros([2, 3]), [2]), "Shape must be rank 2 but is rank 1"),
    (lambda: tf.pad(tf.zeros([2, 3]), [[0, -1], [0, 0]]), "Paddings must be non-negative"),
    (lambda: tf.pad(tf.zeros([2, 3]), [[0, 1]]), "Shape must be rank 1 but is rank 2"),
    (lambda: tf.pad(tf.zeros([2, 3]), [[0, 1], [0, 1]], "WRAP"), "expected to be one of"),
    (lambda: tf.reverse(tf.zeros([2, 3]), [2]), "out of valid range \\[0, 1"),
    (lambda: tf.reverse(tf.zeros([2, 3]), [1, -1]), "axis 1 specified more than once"),
    (lambda: tf.fill([2, -1], 0.0), "Fill dimensions must be >= 0"),
    (lambda: tf.fill([2], [1.0]), "Shape must be rank 0 but is rank 1"),
    (lambda: tf.broadcast_to(tf.zeros([2, 3]), [4, 3]), "Dimensions must be equal"),
    (lambda: tf.broadcast_to(tf.zeros([2, 3]), [3]), "at most rank 1 but is rank 2"),
    (lambda: tf.boolean_mask(tf.zeros([2]), True), "mask cannot be scalar"),
    (lambda: tf.boolean_mask(tf.zeros([2]), tf.placeholder(tf.bool)), "must be specified"),
    (lambda: tf.boolean_mask(tf.zeros([2]), [True]), "are incompatible"),
]


@pytest.mark.parametrize("build,message", BUILD_ERRORS)
def test_build_time_errors(build, message):
    with pytest.raises(ValueError, match=message):
        build()


def test_shape_arguments_given_as_static_shapes():
    x = tf.placeholder(tf.float32, [2, 3])
    assert tf.reshape(x, tf.zeros([3, 2]).shape).shape.as_list() == [3, 2]
    assert tf.reshape(x, [x.shape[1], -1]).shape.as_list() == [3, 2]
    assert tf.tile(x, tf.TensorShape([1, 2])).shape.as_list() == [2, 6]
    with pytest.raises(ValueError, match="partially known TensorShape"):
        tf.reshape(x, tf.placeholder(tf.float32, [None, 2]).shape)
    with pytest.raises(ValueError, match="unknown Dimension"):
        tf.reshape(x, [tf.placeholder(tf.float32, [None]).shape[0], 2])


def test_type_errors():
    with pytest.raises(TypeError):
        tf.reshape(tf.zeros([2]), [2.0])
    with pytest.raises(TypeError):
        tf.concat([tf.zeros([2]), tf.zeros([2], tf.int32)], 0)
    with pytest.raises(TypeError):
        tf.reverse(tf.zeros([2], tf.string), [0.5])


A234 = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
# (builder of placeholders of unknown shape, feeds, message)
RUN_ERRORS = [
    (lambda x, s: tf.reshape(x, s), [A234, [5, 5]], "has 25"),
    (lambda x, s: tf.reshape(x, s), [A234, [5, -1]], "requires a multiple of 5"),
    (lambda x, s: tf.reshape(x, s), [A234, [-1, -1]], "Only one input size may be -1"),
    (lambda x, s: tf.reshape(x, s), [A234, [-2, -12]], "Size 0 must be non-negative"),
    (lambda x, s: tf.reshape(x, s), [A234, [[24]]], "sizes input must be 1-D"),
    (lambda x, s: tf.transpose(x, s), [A234, [1, 0]], "expects a vector of size 3"),
    (lambda x, s: tf.transpose(x, s), [A234, [1, 0, 1]], "2 is missing from \\{1,0,1\\}"),
    (lambda x, s: tf.transpose(x, s), [A234, [1, 0, 3]], "3 is out of range \\[0 .. 3\\)"),
    (lambda x, s: tf.expand_dims(x, s), [A234, 4], "Tried to expand dim index 4"),
    (lambda x, s: tf.expand_dims(x, s), [A234, [1, 2]], "must be a tensor with a single"),
    (lambda x, s: tf.concat([x, s], 1), [A234, np.zeros((3, 3, 4), np.float32)],
     "Dimension 0 in both shapes must be equal"),
    (lambda x, s: tf.concat([x, s], 1), [A234, np.zeros((2, 3), np.float32)],
     "Ranks of all input tensors should match"),
    (lambda x, s: tf.concat([x, x], s), [A234, 3], "in the range \\[-3, 3\\), but got 3"),
    (lambda x, s: tf.concat([x, x], s), [np.float32(1), 0], "Can't concatenate scalars"),
    (lambda x, s: tf.split(x, 2, s), [A234, 1], "should evenly divide the split dimension"),
    (lambda x, s: tf.split(x, 2, s), [A234, -4], "-input rank\\(-3\\) <= split_dim"),
    (lambda x, s: tf.split(x, s, 1, num=2), [A234, [1, 1]], "Determined shape must either"),
    (lambda x, s: tf.split(x, s, 1, num=2), [A234, [-2, 5]], "Split size at index 0 must"),
    (lambda x, s: tf.split(x, s, 1, num=2), [A234, [-1, -1]], "only be one -1"),
    (lambda x, s: tf.split(x, s, 1, num=2), [A234, [1, 1, 1]], "same elements as outputs"),
    (lambda x, s: tf.tile(x, s), [A234, [1, 2]], "vector of length 3 but got length 2"),
    (lambda x, s: tf.tile(x, s), [A234, [1, -2, 1]], "Expected multiples\\[1\\] >= 0"),
    (lambda x, s: tf.pad(x, s), [A234, [[0, 1], [1, 1]]], "must be the rank of inputs"),
    (lambda x, s: tf.pad(x, s), [A234, [[0, 1], [1, -1], [0, 0]]], "must be non-negative"),
    (lambda x, s: tf.pad(x, s), [A234, np.zeros((3, 3), np.int32)], "matrix with 2 columns"),
    (lambda x, s: tf.pad(x, s, "REFLECT"), [A234, [[0, 2], [0, 0], [0, 0]]],
     "less than the dimension size: 0, 2 not less than 2"),
    (lambda x, s: tf.pad(x, s, "SYMMETRIC"), [A234, [[0, 3], [0, 0], [0, 0]]],
     "no greater than the dimension size"),
    (lambda x, s: tf.pad(x, [[1, 0], [0, 0], [0, 0]], constant_values=s),
     [A234, np.ones(2, np.float32)], "constant_values must be a scalar"),
    (lambda x, s: tf.reverse(x, s), [A234, [3]], "out of valid range \\[0, 2"),
    (lambda x, s: tf.reverse(x, s), [A234, [1, -2]], "axis 1 specified more than once"),
    (lambda x, s: tf.fill(s, x), [np.float32(1), [2, -1]], "Dimension -1 must be >= 0"),
    (lambda x, s: tf.fill(s, x), [np.float32(1), [[2]]], "dims must represent a vector"),
    (lambda x, s: tf.broadcast_to(x, s), [A234, [4, 4]], "Rank of input \\(3\\) must be"),
    (lambda x, s: tf.broadcast_to(x, s), [A234, [3, 3, 4]], "Incompatible shapes"),
    (lambda x, s: tf.squeeze(x + tf.cast(s, tf.float32), [1]), [A234, 0],
     "Can not squeeze dim\\[1\\], expected a dimension of 1, got 3"),
]


@pytest.mark.parametrize("build,feeds,message", RUN_ERRORS)
def test_run_time_errors(build, feeds, message):
    second = feeds[1].dtype if isinstance(feeds[1], np.ndarray) else np.int32
    x = tf.placeholder(tf.as_dtype(np.asarray(feeds[0]).dtype))
    s = tf.placeholder(tf.as_dtype(second))
    out = build(x, s)
    with pytest.raises(errors.InvalidArgumentError, match=message):
        run(out, {x: feeds[0], s: feeds[1]})


OP_TYPES = ["Reshape", "Transpose", "Squeeze", "ExpandDims", "ConcatV2", "Split", "SplitV",
            "Tile", "Pad", "PadV2", "MirrorPad", "ReverseV2", "Fill", "ZerosLike", "OnesLike",
            "ShapeN", "BroadcastTo", "Slice", "StridedSlice", "GatherV2", "OneHot"]


@pytest.mark.parametrize("op_type", OP_TYPES)
def test_every_op_has_reference_cpu_kernel_and_gradient_decision(op_type):
    from graphflow import registry
    from graphflow.kernels import registry as kernels
    op_def = registry.get_op_def(op_type)
    assert op_type in reference.REFERENCE and kernels.has_kernel(op_type, "CPU")
    assert op_def.__doc__
    if op_type in ("ZerosLike", "OnesLike", "ShapeN", "OneHot"):
        assert op_def.grad is registry.NOT_DIFFERENTIABLE


def test_reference_kernels_return_views_without_copying():
    x = np.arange(12).reshape(3, 4)
    attrs = {"squeeze_dims": []}
    for out in (reference.evaluate("Reshape", {}, x, np.array([4, 3]))[0],
                reference.evaluate("Transpose", {}, x, np.array([1, 0]))[0],
                reference.evaluate("Squeeze", attrs, x[None])[0]):
        assert np.shares_memory(out, x)
    assert x.tolist() == np.arange(12).reshape(3, 4).tolist()


# ----------------------------------------------------------------------------- against TensorFlow
def tf_nodes(graph, tfm):
    nodes = []
    for op in graph.get_operations():
        attrs = {}
        for key, value in op.node_def.attr.items():
            kind = value.WhichOneof("value")
            if key == "value" or kind == "shape":
                continue
            if kind == "list":
                attrs[key] = list(value.list.i)
            elif kind == "type":
                attrs[key] = tfm.as_dtype(value.type).name
            elif kind == "s":
                attrs[key] = value.s.decode()
            else:
                attrs[key] = getattr(value, kind)
        nodes.append((op.name, op.type, [t.name for t in op.inputs], attrs,
                      [str(t.shape) for t in op.outputs]))
    return nodes


def gf_nodes(graph):
    nodes = []
    for op in graph.get_operations():
        attrs = {}
        for key, value in op._attrs.items():
            if key == "value" or isinstance(value, tf.TensorShape):
                continue
            attrs[key] = value.name if isinstance(value, tf.DType) else value
        nodes.append((op.name, op.type, [t.name for t in op.inputs], attrs,
                      [str(t.shape) for t in op.outputs]))
    return nodes


def run_both(tf1, build):
    """Builds `build(lib, ph)` in TF and graphflow; returns both node lists and values."""
    results = []
    for lib in (tf1, tf):
        graph = lib.Graph()
        feeds = {}
        with graph.as_default():
            def ph(value, shape="known", name=None, lib=lib, feeds=feeds):
                value = np.asarray(value)
                p = lib.placeholder(lib.as_dtype(value.dtype),
                                    value.shape if shape == "known" else shape, name=name)
                feeds[p] = value
                return p
            out = build(lib, ph)
            with lib.Session() as sess:
                values = sess.run(out, feeds)
        nodes = tf_nodes(graph, tf1) if lib is tf1 else gf_nodes(graph)
        results.append((nodes, values))
    return results


X = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
TF_CASES = {
    "reshape": lambda t, ph: t.reshape(ph(X), [4, -1]),
    "reshape_partial": lambda t, ph: t.reshape(ph(X, [None, 3, 4]), [-1, 12]),
    "reshape_to_tensor_shape": lambda t, ph: t.reshape(ph(X), ph(X.reshape(4, 6)).shape),
    "reshape_dimensions": lambda t, ph: (lambda x: t.reshape(x, [x.shape[0], -1]))(ph(X)),
    "zeros_of_tensor_shape": lambda t, ph: t.zeros(ph(X).shape, t.int64),
    "transpose": lambda t, ph: t.transpose(ph(X)),
    "transpose_unknown_rank": lambda t, ph: t.transpose(ph(X, None), name="T"),
    "squeeze": lambda t, ph: t.squeeze(ph(X[:1, :, :1]), axis=[0]),
    "expand_dims": lambda t, ph: t.expand_dims(ph(X), dim=-1),
    "concat": lambda t, ph: t.concat([ph(X), [[[1.0] * 4] * 3] * 2], 2),
    "concat_one": lambda t, ph: t.concat([ph(X)], 0),
    "split": lambda t, ph: t.split(ph(X), 2, axis=2),
    "split_sizes": lambda t, ph: t.split(ph(X), [1, -1], 1),
    "tile": lambda t, ph: t.tile(ph(X), [1, 2, 1]),
    "pad": lambda t, ph: t.pad(ph(X), [[0, 1], [1, 1], [0, 0]]),
    "pad_v2": lambda t, ph: t.pad(ph(X), [[0, 1], [1, 1], [0, 0]], constant_values=1.5),
    "mirror_pad": lambda t, ph: t.pad(ph(X), [[0, 1], [1, 1], [0, 0]], mode="reflect"),
    "reverse": lambda t, ph: t.reverse(ph(X), [1]),
    "fill": lambda t, ph: t.fill(ph(np.array([2, 3], np.int32)), 3),
    "zeros": lambda t, ph: [t.zeros([2, 3]), t.zeros([2000]), t.zeros(5, t.int32),
                            t.zeros(ph(np.array([2, 3], np.int32)))],
    "ones": lambda t, ph: [t.ones([2, 3], t.int32), t.ones([], t.bool)],
    "zeros_like": lambda t, ph: [t.zeros_like(ph(X)), t.zeros_like(ph(X, [None, 3, 4])),
                                 t.zeros_like(ph(X, [None, 3, 4]), dtype=t.int32)],
    "ones_like": lambda t, ph: [t.ones_like(ph(X)), t.ones_like(ph(X, None))],
    "shape_n": lambda t, ph: t.shape_n([ph(X), ph(X, [None, 3, 4])]),
    "broadcast_to": lambda t, ph: t.broadcast_to(ph(X), [5, 2, 3, 4]),
    "boolean_mask": lambda t, ph: t.boolean_mask(ph(X), ph(X[:, :, 0] > 5)),
    "boolean_mask_axis": lambda t, ph: t.boolean_mask(ph(X, [2, None, 4]),
                                                      ph(np.array([True, False, True])), axis=1),
    "boolean_mask_unknown": lambda t, ph: t.boolean_mask(ph(X, [None, 3, 4]),
                                                         ph(np.array([True, False]), [None])),
}


@pytest.mark.tf
@pytest.mark.parametrize("case", sorted(TF_CASES))
def test_nodes_and_values_match_tensorflow(tf1, case):
    (tf_graph, tf_values), (gf_graph, gf_values) = run_both(tf1, TF_CASES[case])
    assert gf_graph == tf_graph
    if not isinstance(tf_values, list):
        tf_values, gf_values = [tf_values], [gf_values]
    for a, b in zip(gf_values, tf_values):
        assert_close(a, b)
