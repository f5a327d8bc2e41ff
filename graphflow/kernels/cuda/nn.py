"""CUDA kernels of the nn ops: bias_add and its gradient, softmax, log-softmax and the two
softmax cross-entropies.

They are composed from the shared pieces (broadcast elementwise bodies, block reductions) plus
two small row kernels for the sparse cross-entropy. Validation, including the label range of
the sparse cross-entropy (one device->host copy of the labels), reuses the reference's checks,
so the messages are TF's.
"""

import math

from numba import cuda

from graphflow.kernels import registry
from graphflow.kernels import scalar
from graphflow.kernels.cuda import elementwise
from graphflow.kernels.cuda import memory
from graphflow.kernels.cuda import reduction
from graphflow.kernels.cuda.launch import flat, launch
from graphflow.kernels.reference import nn as ref_nn


def _exp_shifted(x, m):
    d = x - m
    return math.exp(d) if d < 709.0 else math.inf


def _log_softmax_body(x, m, s):
    return (x - m) - math.log(s)


def _divide(x, y):
    return x / y


def _log_sum_exp(m, s):
    return m + math.log(s)


def _xent_terms(labels, x, lse):
    return labels * (lse - x)


def _xent_backprop(e, s, labels):
    return e / s - labels


def _row_stats(x):
    """Row max, exp(x - max) and row sum of the exponentials, keeping dims for broadcasting."""
    last = (x.ndim - 1,)
    m = reduction.reduce(x, last, True, scalar.maximum, -math.inf)
    e = elementwise.apply(_exp_shifted, x.shape, x.dtype, x, m)
    s = reduction.reduce(e, last, True, scalar.add, 0)
    return m, e, s


@registry.register("BiasAdd", "GPU")
def _bias_add(node, state):
    data_format = node.get_attr("data_format")

    def run(value, bias):
        axis = ref_nn.check_bias(value, bias, data_format)
        shape = [1] * value.ndim
        shape[axis] = bias.shape[0]
        return (elementwise.apply(scalar.add, value.shape, value.dtype, value,
                                  bias.reshape(tuple(shape))),)
    return run


@registry.register("BiasAddGrad", "GPU")
def _bias_add_grad(node, state):
    data_format = node.get_attr("data_format")

    def run(dy):
        if dy.ndim < 2:
            raise ref_nn.checks.invalid(f"Input tensor must be at least 2D: "
                                        f"{ref_nn._dims(dy.shape)}")
        return (reduction.reduce_all_but(dy, ref_nn.bias_axis(data_format, dy.ndim)),)
    return run


def _softmax_factory(log):
    def factory(node, state):
        def run(x):
            if x.size == 0:
                return (memory.allocate(x.shape, x.dtype),)
            m, e, s = _row_stats(x)
            if log:
                return (elementwise.apply(_log_softmax_body, x.shape, x.dtype, x, m, s),)
            return (elementwise.apply(_divide, x.shape, x.dtype, e, s),)
        return run
    return factory


registry.register("Softmax", "GPU")(_softmax_factory(log=False))
registry.register("LogSoftmax", "GPU")(_softmax_factory(log=True))


@registry.register("SoftmaxCrossEntropyWithLogits", "GPU")
def _softmax_xent(node, state):
    def run(features, labels):
        shape = ref_nn.check_xent_shapes(features, labels)
        if features.shape != shape:
            features = elementwise.apply(elementwise._identity_body, shape, features.dtype,
                                         features)
        m, e, s = _row_stats(features)
        lse = elementwise.apply(_log_sum_exp, m.shape, m.dtype, m, s)
        terms = elementwise.apply(_xent_terms, shape, features.dtype, labels, features, lse)
        loss = reduction.reduce(terms, (1,), False, scalar.add, 0)
        backprop = elementwise.apply(_xent_backprop, shape, features.dtype, e, s, labels)
        return loss, backprop
    return run


@cuda.jit
def _sparse_loss(loss, x, m, s, labels, classes):
    for r in range(cuda.grid(1), loss.size, cuda.gridsize(1)):
        loss[r] = math.log(s[r]) - (x[r * classes + labels[r]] - m[r])


@cuda.jit
def _sparse_backprop(out, e, s, labels, classes):
    for i in range(cuda.grid(1), out.size, cuda.gridsize(1)):
        r = i // classes
        hit = 1 if i - r * classes == labels[r] else 0
        out[i] = e[i] / s[r] - hit


@registry.register("SparseSoftmaxCrossEntropyWithLogits", "GPU")
def _sparse_softmax_xent(node, state):
    def run(features, labels):
        ref_nn.check_sparse_labels(features, memory.to_host(labels))
        batch, classes = features.shape
        if features.size == 0:
            return (elementwise.fill((batch,), features.dtype, 0),
                    memory.allocate(features.shape, features.dtype))
        m, e, s = _row_stats(features)
        loss = memory.allocate((batch,), features.dtype)
        launch(_sparse_loss, batch, loss, flat(features), flat(m), flat(s), labels, classes)
        backprop = memory.allocate(features.shape, features.dtype)
        launch(_sparse_backprop, backprop.size, flat(backprop), flat(e), flat(s), labels,
               classes)
        return loss, backprop
    return run
