"""GPU gather, one_hot and the shape-only copy ops vs the CPU kernels (simulator)."""

import numpy as np
import pytest
from cuda_helpers import assert_same_as_cpu, assert_same_error, node_inputs

import graphflow as gf
from graphflow.op_builder import apply_op

RNG = np.random.default_rng(3)
A = RNG.normal(size=(2, 3, 4)).astype(np.float32)


def _x(shape=(2, 3, 4), dtype=gf.float32):
    return gf.placeholder(dtype, shape)


SHAPE_OPS = [
    ("reshape", lambda x: gf.reshape(x, [4, -1])),
    ("reshape_scalar_shape", lambda x: gf.reshape(x, [24])),
    ("transpose", lambda x: gf.transpose(x, [2, 0, 1])),
    ("expand_dims", lambda x: gf.expand_dims(x, -1)),
    ("squeeze", lambda x: gf.squeeze(gf.reshape(x, [2, 1, 12]), [1])),
    ("slice", lambda x: gf.slice(x, [1, 0, 1], [1, -1, 2])),
    ("strided_slice", lambda x: x[:, ::-2, 1:]),
    ("strided_shrink_newaxis", lambda x: x[1, gf.newaxis, ..., 2]),
    ("concat", lambda x: gf.concat([x, x * 2.0, x[:, :1]], axis=1)),
    ("stack", lambda x: gf.stack([x, -x], axis=2)),
    ("tile", lambda x: gf.tile(x, [2, 1, 3])),
    ("pad", lambda x: gf.pad(x, [[1, 0], [0, 2], [1, 1]])),
    ("pad_v2", lambda x: gf.pad(x, [[0, 1], [2, 0], [0, 0]], constant_values=7.5)),
    ("reverse", lambda x: gf.reverse(x, [0, 2])),
    ("broadcast_to", lambda x: gf.broadcast_to(x[:, :1], [3, 2, 3, 4])),
]


@pytest.mark.parametrize("build", [b for _, b in SHAPE_OPS], ids=[n for n, _ in SHAPE_OPS])
def test_shape_ops_match_cpu(build):
    x = _x()
    assert_same_as_cpu(build(x), {x: A})


def test_multi_output_ops_and_views():
    x = _x()
    for outputs in (gf.split(x, 2, axis=0), gf.split(x, [1, -1, 1], axis=2), gf.unstack(x,
                                                                                      axis=1)):
        for out in outputs:
            assert_same_as_cpu(out, {x: A})
    op, values = node_inputs(gf.reshape(x, [6, 4]), {x: A})
    from graphflow.kernels import registry
    from graphflow.kernels.cuda import HOST_MEMORY_INPUTS, memory
    run = registry.lookup("Reshape", "GPU")(op, None)
    dev = memory.to_device(values[0])
    before = memory.stats()
    out = run(dev, values[1])[0]
    assert out.shape == (6, 4)
    assert memory.stats() == before  # a view: nothing allocated
    np.testing.assert_array_equal(memory.to_host(out), A.reshape(6, 4))
    assert "Reshape" in HOST_MEMORY_INPUTS


def test_int_bool_and_empty():
    i = _x((None, 3), gf.int32)
    ints = np.arange(12, dtype=np.int32).reshape(4, 3)
    assert_same_as_cpu(gf.transpose(i), {i: ints})
    assert_same_as_cpu(gf.pad(i, [[1, 1], [0, 0]]), {i: ints})
    assert_same_as_cpu(gf.pad(i, [[1, 1], [0, 0]]), {i: ints[:0]})
    b = _x((2, 2), gf.bool)
    assert_same_as_cpu(gf.reverse(b, [1]), {b: np.array([[True, False], [False, False]])})


def test_strided_slice_grad():
    x = _x()
    y = x[1:, ::2, gf.newaxis, -1]
    grad = gf.gradients(y, [x])[0]
    assert grad.op.type == "StridedSliceGrad"
    dy = gf.placeholder(gf.float32, None)
    node = apply_op("StridedSliceGrad", shape=gf.shape(x), begin=y.op.inputs[1],
                    end=y.op.inputs[2], strides=y.op.inputs[3], dy=dy,
                    **{k: y.op.get_attr(k) for k in ("begin_mask", "end_mask", "ellipsis_mask",
                                                     "new_axis_mask", "shrink_axis_mask")})
    feed = {x: A, dy: RNG.normal(size=(1, 2, 1)).astype(np.float32)}
    out = assert_same_as_cpu(node, feed)[0]
    assert out.shape == A.shape and np.count_nonzero(out) == 2


def test_shape_op_errors_match_cpu():
    x = _x((None, None, None))
    shape = gf.placeholder(gf.int32, [None])
    assert_same_error(gf.reshape(x, shape), {x: A, shape: [5, -1]})
    assert_same_error(gf.transpose(x, shape), {x: A, shape: [0, 0, 1]})
    assert_same_error(gf.slice(x, shape, [1, 1, 1]), {x: A, shape: [0, 3, 0]})
    assert_same_error(gf.tile(x, shape), {x: A, shape: [1, 2]})
    assert_same_error(gf.concat([x, x[:1, :1]], 0), {x: A})
    err = assert_same_error(gf.split(x, 5, axis=2)[0], {x: A})
    assert "evenly divide" in err.message


@pytest.mark.parametrize("axis,batch_dims", [(0, 0), (1, 0), (2, 0), (1, 1)])
def test_gather(axis, batch_dims):
    params = _x((2, 3, 4))
    indices = gf.placeholder(gf.int64, None)
    idx = RNG.integers(0, A.shape[axis], size=(2, 5)).astype(np.int64)
    out = gf.gather(params, indices, axis=axis, batch_dims=batch_dims)
    assert_same_as_cpu(out, {params: A, indices: idx})


def test_gather_errors():
    params = _x((2, 3, 4))
    indices = gf.placeholder(gf.int32, None)
    err = assert_same_error(gf.gather(params, indices, axis=1),
                            {params: A, indices: np.array([0, 3, -1], np.int32)})
    assert "indices[1] = 3 is not in [0, 3)" in err.message
    unknown = _x(None)
    assert_same_error(gf.gather(unknown, indices, axis=3), {unknown: A, indices: [0]})


@pytest.mark.parametrize("axis", [-1, 0, 1])
def test_one_hot(axis):
    indices = gf.placeholder(gf.int32, None)
    idx = np.array([[0, 3, -1], [2, 5, 1]], np.int32)  # out-of-range rows are all off
    assert_same_as_cpu(gf.one_hot(indices, 4, on_value=2.0, off_value=-1.0, axis=axis),
                       {indices: idx})
    assert_same_as_cpu(gf.one_hot(indices, 3, dtype=gf.int64), {indices: idx})


def test_one_hot_errors():
    indices = gf.placeholder(gf.int32, None)
    depth = gf.placeholder(gf.int32, [])
    assert_same_error(gf.one_hot(indices, depth), {indices: [0, 1], depth: -1})


def test_int64_shape_arguments_work_from_host_memory():
    x = _x()
    axis = gf.placeholder(gf.int64, [])
    for out in (gf.concat([x, -x], axis=axis), gf.reduce_sum(x, axis=gf.constant([2], gf.int64)),
                gf.tile(x, gf.constant([1, 2, 1], gf.int64))):
        assert_same_as_cpu(out, {x: A, axis: 1})
