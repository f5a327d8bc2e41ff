"""CPU kernels of the neural-network ops (graphflow/ops/nn_ops.py).

Softmax, LogSoftmax and the two fused cross entropies are one numba pass per row (max, exp,
sum, normalise: the log-sum-exp shift, so they never overflow), parallel over rows for large
inputs. Relu and ReluGrad on large float tensors are one numba pass into a recycled output
(recycle.py: no fresh pages per step), bit-identical to the numpy reference, which runs
below ELEMENTWISE_MIN elements; the other activations, bias and top-k are single numpy
passes: the reference is their kernel. Validation (label ranges, shapes) runs in Python
first, through the reference's checks.
"""

import numba
import numpy as np

from graphflow.kernels import reference
from graphflow.kernels import registry
from graphflow.kernels.cpu import recycle
from graphflow.kernels.cpu import use_reference
from graphflow.kernels.reference import nn as ref_nn

PARALLEL_THRESHOLD = 1 << 18
ELEMENTWISE_MIN = 1 << 14  # numba Relu/ReluGrad from this size (small graphs never JIT)

use_reference(*(t for t in ref_nn.ACTIVATIONS if t != "Relu"),
              *(t for t in ref_nn.ACTIVATION_GRADS if t != "ReluGrad"))
use_reference("BiasAdd", "BiasAddGrad", "L2Loss", "TopKV2", "InTopKV2", "DivNoNan")

_FLOATS = (np.float32, np.float64)


@numba.njit(cache=True, nogil=True, inline="always")
def _row_softmax(x, out, log):
    """out = softmax(x) (or log_softmax) of one row; returns log(sum(exp(x - max)))."""
    m = x[0]
    for j in range(1, x.shape[0]):
        if x[j] > m or np.isnan(x[j]):
            m = x[j]
    total = 0.0
    for j in range(x.shape[0]):
        e = np.exp(x[j] - m)
        out[j] = e
        total += e
    lse = np.log(total)
    for j in range(x.shape[0]):
        out[j] = (x[j] - m) - lse if log else out[j] / total
    return lse, m


@numba.njit(cache=True, nogil=True)
def _softmax_serial(x, out, log):
    for i in range(x.shape[0]):
        _row_softmax(x[i], out[i], log)


@numba.njit(cache=True, nogil=True, parallel=True)
def _softmax_parallel(x, out, log):
    for i in numba.prange(x.shape[0]):
        _row_softmax(x[i], out[i], log)


@numba.njit(cache=True, nogil=True, inline="always")
def _row_xent(x, labels, backprop):
    """Writes softmax(x) - labels into backprop; returns sum(labels * (lse - (x - max)))."""
    lse, m = _row_softmax(x, backprop, False)
    loss = 0.0
    for j in range(x.shape[0]):
        loss += labels[j] * (lse - (x[j] - m))
        backprop[j] -= labels[j]
    return loss


@numba.njit(cache=True, nogil=True)
def _xent_serial(x, labels, loss, backprop):
    for i in range(x.shape[0]):
        loss[i] = _row_xent(x[i], labels[i], backprop[i])


@numba.njit(cache=True, nogil=True, parallel=True)
def _xent_parallel(x, labels, loss, backprop):
    for i in numba.prange(x.shape[0]):
        loss[i] = _row_xent(x[i], labels[i], backprop[i])


@numba.njit(cache=True, nogil=True, inline="always")
def _row_sparse_xent(x, label, backprop):
    lse, m = _row_softmax(x, backprop, False)
    backprop[label] -= 1.0
    return lse - (x[label] - m)


@numba.njit(cache=True, nogil=True)
def _sparse_xent_serial(x, labels, loss, backprop):
    for i in range(x.shape[0]):
        loss[i] = _row_sparse_xent(x[i], labels[i], backprop[i])


@numba.njit(cache=True, nogil=True, parallel=True)
def _sparse_xent_parallel(x, labels, loss, backprop):
    for i in numba.prange(x.shape[0]):
        loss[i] = _row_sparse_xent(x[i], labels[i], backprop[i])


def _is_float(node):
    return node.inputs[0].dtype.base_dtype.as_numpy_dtype in _FLOATS


def _pick(size, serial, parallel):
    return parallel if size >= PARALLEL_THRESHOLD else serial


def _softmax_factory(op_type, log):
    fallback = ref_nn.softmax if op_type == "Softmax" else ref_nn.log_softmax

    def factory(node, state):
        attrs = node._attrs
        if not _is_float(node):
            return lambda logits: fallback(attrs, logits)

        def run(logits):
            if logits.size == 0:
                return fallback(attrs, logits)
            rows = np.ascontiguousarray(logits).reshape(-1, logits.shape[-1])
            out = np.empty_like(rows)
            _pick(rows.size, _softmax_serial, _softmax_parallel)(rows, out, log)
            return (out.reshape(logits.shape),)
        return run
    return factory


registry.register("Softmax")(_softmax_factory("Softmax", False))
registry.register("LogSoftmax")(_softmax_factory("LogSoftmax", True))


@registry.register("SoftmaxCrossEntropyWithLogits")
def _softmax_xent(node, state):
    attrs = node._attrs
    if not _is_float(node):
        return lambda features, labels: ref_nn.softmax_xent(attrs, features, labels)

    def run(features, labels):
        shape = ref_nn.check_xent_shapes(features, labels)
        if 0 in shape:
            return ref_nn.softmax_xent(attrs, features, labels)
        x = np.ascontiguousarray(np.broadcast_to(features, shape))
        y = np.ascontiguousarray(np.broadcast_to(labels, shape))
        loss = np.empty(shape[0], dtype=x.dtype)
        backprop = np.empty_like(x)
        _pick(x.size, _xent_serial, _xent_parallel)(x, y, loss, backprop)
        return loss, backprop
    return run


@registry.register("SparseSoftmaxCrossEntropyWithLogits")
def _sparse_softmax_xent(node, state):
    attrs = node._attrs
    if not _is_float(node):
        return lambda features, labels: ref_nn.sparse_softmax_xent(attrs, features, labels)

    def run(features, labels):
        ref_nn.check_sparse_labels(features, labels)
        if features.size == 0:
            return ref_nn.sparse_softmax_xent(attrs, features, labels)
        x = np.ascontiguousarray(features)
        loss = np.empty(x.shape[0], dtype=x.dtype)
        backprop = np.empty_like(x)
        _pick(x.size, _sparse_xent_serial, _sparse_xent_parallel)(
            x, np.ascontiguousarray(labels, dtype=np.int64), loss, backprop)
        return loss, backprop
    return run


# ------------------------------------------------------------------------ relu
@numba.njit(cache=True, nogil=True)
def _relu(x, out):
    """np.maximum(x, 0): NaN stays NaN, -0.0 becomes 0."""
    for i in range(x.shape[0]):
        v = x[i]
        out[i] = v if v > 0 or np.isnan(v) else 0


@numba.njit(cache=True, nogil=True)
def _relu_grad(g, x, out):
    """g * (x > 0), including its signed zeros and NaN for g = ±inf/NaN where x <= 0."""
    for i in range(g.shape[0]):
        out[i] = g[i] if x[i] > 0 else g[i] * 0


def _flat_factory(op_type, kernel):
    """The numba `kernel(*flat inputs, flat out)` for same-shape contiguous float arrays of
    at least ELEMENTWISE_MIN elements, the reference for anything else."""
    fallback = reference.REFERENCE[op_type]

    def factory(node, state):
        attrs = node._attrs
        if not _is_float(node):
            return lambda *arrays: fallback(attrs, *arrays)
        outputs = recycle.Outputs()

        def run(*arrays):
            first = arrays[0]
            if first.size < ELEMENTWISE_MIN or any(
                    a.shape != first.shape or a.dtype != first.dtype or not a.flags.c_contiguous
                    for a in arrays):
                return fallback(attrs, *arrays)
            out = outputs.empty(first.shape, first.dtype)
            kernel(*[a.reshape(-1) for a in arrays], out.reshape(-1))
            return (out,)
        return run
    registry.register(op_type)(factory)


_flat_factory("Relu", _relu)
_flat_factory("ReluGrad", _relu_grad)
