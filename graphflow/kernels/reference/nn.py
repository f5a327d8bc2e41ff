"""Numpy reference kernels for the neural-network ops of graphflow/ops/nn_ops.py.

Activations follow TF's Eigen functors (Softplus with TF's thresholds, Selu's constants,
gradients written with the op outputs where TF uses them). Softmax and the cross entropies
shift by the row maximum (log-sum-exp), so they never overflow. The validators below are
shared with the CPU kernels: they raise InvalidArgumentError with TF's messages before any
kernel runs.
"""

import numpy as np

from graphflow.kernels import checks
from graphflow.kernels.reference import reference

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def _cast(value, like):
    return np.asarray(value, dtype=like.dtype)


def _softplus(x):
    threshold = np.log(np.finfo(x.dtype).eps) + 2
    with np.errstate(over="ignore"):
        x_exp = np.exp(x)
        middle = np.log(x_exp + 1)
    return np.where(x > -threshold, x, np.where(x < threshold, x_exp, middle))


def _selu(x):
    scale_alpha = x.dtype.type(SELU_SCALE * SELU_ALPHA)
    return np.where(x < 0, scale_alpha * np.expm1(np.minimum(x, 0)), x.dtype.type(SELU_SCALE) * x)


ACTIVATIONS = {
    "Relu": lambda attrs, x: np.maximum(x, x.dtype.type(0)),
    "Relu6": lambda attrs, x: np.minimum(np.maximum(x, x.dtype.type(0)), x.dtype.type(6)),
    "Elu": lambda attrs, x: np.where(x < 0, np.expm1(np.minimum(x, 0)), x),
    "Selu": lambda attrs, x: _selu(x),
    "LeakyRelu": lambda attrs, x: np.where(x > 0, x, x * x.dtype.type(attrs["alpha"])),
    "Softplus": lambda attrs, x: _softplus(x),
    "Softsign": lambda attrs, x: x / (1 + np.abs(x)),
}


def _relu6_mask(x):
    return (x > 0) & (x < 6)


def _selu_grad(g, y):
    scale_alpha = y.dtype.type(SELU_SCALE * SELU_ALPHA)
    return np.where(y < 0, g * (y + scale_alpha), g * y.dtype.type(SELU_SCALE))


# Gradient ops: (gradients, features or outputs) -> backprops, as TF's functors.
ACTIVATION_GRADS = {
    "ReluGrad": lambda attrs, g, x: g * (x > 0),
    "Relu6Grad": lambda attrs, g, x: g * _relu6_mask(x),
    "EluGrad": lambda attrs, g, y: np.where(y < 0, g * (y + 1), g),
    "SeluGrad": lambda attrs, g, y: _selu_grad(g, y),
    "LeakyReluGrad": lambda attrs, g, x: np.where(x > 0, g, g * x.dtype.type(attrs["alpha"])),
    "SoftplusGrad": lambda attrs, g, x: g / (1 + np.exp(-x)),
    "SoftsignGrad": lambda attrs, g, x: g / np.square(1 + np.abs(x)),
}


def _activation_kernel(fn):
    def run(attrs, *arrays):
        with np.errstate(over="ignore", invalid="ignore"):
            return (_cast(fn(attrs, *arrays), arrays[-1]),)
    return run


for _type, _fn in {**ACTIVATIONS, **ACTIVATION_GRADS}.items():
    reference(_type)(_activation_kernel(_fn))


# ------------------------------------------------------------------------ softmax family
def shifted_logits(x):
    """x minus its maximum over the last axis (keeping dims): the log-sum-exp shift."""
    return x - np.max(x, axis=-1, keepdims=True)


@reference("Softmax")
def softmax(attrs, logits):
    with np.errstate(invalid="ignore", over="ignore"):
        e = np.exp(shifted_logits(logits))
        return (_cast(e / np.sum(e, axis=-1, keepdims=True), logits),)


@reference("LogSoftmax")
def log_softmax(attrs, logits):
    with np.errstate(invalid="ignore", divide="ignore"):
        shifted = shifted_logits(logits)
        lse = np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))
        return (_cast(shifted - lse, logits),)


def check_xent_shapes(features, labels):
    """Features and labels must be 2-D and broadcastable; returns the broadcast shape."""
    if features.ndim != 2 or labels.ndim != 2:
        raise checks.invalid(f"logits and labels must be either 2-dimensional, or "
                             f"broadcasted to be 2-dimensional: logits_size="
                             f"{list(features.shape)} labels_size={list(labels.shape)}")
    try:
        return np.broadcast_shapes(features.shape, labels.shape)
    except ValueError:
        raise checks.invalid(f"logits and labels must be broadcastable: logits_size="
                             f"{_dims(features.shape)} labels_size={_dims(labels.shape)}") from None


def _dims(shape):
    return "[" + ",".join(str(d) for d in shape) + "]"


@reference("SoftmaxCrossEntropyWithLogits")
def softmax_xent(attrs, features, labels):
    shape = check_xent_shapes(features, labels)
    features = np.broadcast_to(features, shape)
    labels = np.broadcast_to(labels, shape)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        shifted = shifted_logits(features)
        e = np.exp(shifted)
        sum_e = np.sum(e, axis=-1, keepdims=True)
        loss = np.sum(labels * (np.log(sum_e) - shifted), axis=-1)
        backprop = e / sum_e - labels
    return _cast(loss, features), _cast(backprop, features)


def check_sparse_labels(features, labels):
    """TF's checks: rank-2 logits, labels of matching batch, labels in [0, num_classes)."""
    if features.ndim != 2:
        raise checks.invalid(f"logits must be 2-D, but got shape {_dims(features.shape)}")
    if labels.ndim != 1:
        raise checks.invalid(f"labels must be 1-D, but got shape {_dims(labels.shape)}")
    if features.shape[0] != labels.shape[0]:
        raise checks.invalid(f"logits and labels must have the same first dimension, got "
                             f"logits shape {_dims(features.shape)} and labels shape "
                             f"{_dims(labels.shape)}")
    classes = features.shape[1]
    if labels.size and classes == 0:
        raise checks.invalid(f"Must have at least one class, but got logits shape "
                             f"{_dims(features.shape)}")
    bad = (labels < 0) | (labels >= classes)
    if bad.any():
        value = int(labels[np.argmax(bad)])
        shown = " ".join(str(int(v)) for v in labels[:10])
        raise checks.invalid(f"Received a label value of {value} which is outside the valid "
                             f"range of [0, {classes}).  Label values: {shown}")


@reference("SparseSoftmaxCrossEntropyWithLogits")
def sparse_softmax_xent(attrs, features, labels):
    check_sparse_labels(features, labels)
    rows = np.arange(labels.shape[0])
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        shifted = shifted_logits(features)
        e = np.exp(shifted)
        sum_e = np.sum(e, axis=-1)
        loss = np.log(sum_e) - shifted[rows, labels]
        backprop = e / sum_e[:, None]
    backprop[rows, labels] -= 1
    return _cast(loss, features), _cast(backprop, features)


# ------------------------------------------------------------------------ bias, l2
def bias_axis(data_format, ndim):
    """The channel axis BiasAdd adds along: the last one (NHWC) or axis 1 (NCHW, rank >= 3)."""
    return 1 if data_format.startswith("NC") and ndim >= 3 else ndim - 1


def check_bias(value, bias, data_format):
    if value.ndim < 2:
        raise checks.invalid(f"Input tensor must be at least 2D: {_dims(value.shape)}")
    if bias.ndim != 1:
        raise checks.invalid(f"Biases must be 1D: {_dims(bias.shape)}")
    axis = bias_axis(data_format, value.ndim)
    if value.shape[axis] != bias.shape[0]:
        raise checks.invalid(f"Must provide as many biases as the channel dimension of the "
                             f"input tensor: {_dims(bias.shape)} vs. {_dims(value.shape)}")
    return axis


@reference("BiasAdd")
def bias_add(attrs, value, bias):
    axis = check_bias(value, bias, attrs["data_format"])
    shape = [1] * value.ndim
    shape[axis] = bias.shape[0]
    return (value + bias.reshape(shape),)


@reference("BiasAddGrad")
def bias_add_grad(attrs, out_backprop):
    if out_backprop.ndim < 2:
        raise checks.invalid(f"Input tensor must be at least 2D: "
                             f"{_dims(out_backprop.shape)}")
    axis = bias_axis(attrs["data_format"], out_backprop.ndim)
    axes = tuple(a for a in range(out_backprop.ndim) if a != axis)
    return (_cast(np.sum(out_backprop, axis=axes), out_backprop),)


@reference("L2Loss")
def l2_loss(attrs, t):
    return (_cast(np.sum(np.square(t)) / 2, t),)


# ------------------------------------------------------------------------ top k
def check_top_k(x, k):
    k = int(np.asarray(k).reshape(()))
    if k < 0:
        raise checks.invalid(f"Need k >= 0, got {k}")
    if x.ndim < 1:
        raise checks.invalid(f"input must be >= 1-D, got shape {_dims(x.shape)}")
    if x.shape[-1] < k:
        raise checks.invalid(f"input must have at least k columns. Had {x.shape[-1]}, "
                             f"needed {k}")
    return k


def top_k_order(x):
    """Indices sorting the last axis descending, ties by lower index, NaN last (as TF)."""
    if x.dtype.kind == "f":
        key = np.where(np.isnan(x), np.inf, -x)
        return np.argsort(key, axis=-1, kind="stable")
    ascending = np.argsort(x[..., ::-1], axis=-1, kind="stable")
    return (x.shape[-1] - 1) - ascending[..., ::-1]


@reference("TopKV2")
def top_k(attrs, x, k):
    k = check_top_k(x, k)
    order = top_k_order(x)[..., :k]
    values = np.take_along_axis(x, order, axis=-1)
    return values, order.astype(attrs["index_type"].as_numpy_dtype)


def check_in_top_k(predictions, targets, k):
    if predictions.ndim != 2:
        raise checks.invalid(f"predictions must be 2-dimensional: {_dims(predictions.shape)}")
    if targets.ndim != 1:
        raise checks.invalid(f"targets must be 1-dimensional: {_dims(targets.shape)}")
    if predictions.shape[0] != targets.shape[0]:
        raise checks.invalid(f"First dimension of predictions {predictions.shape[0]} must "
                             f"match length of targets {targets.shape[0]}")
    return int(np.asarray(k).reshape(()))


@reference("InTopKV2")
def in_top_k(attrs, predictions, targets, k):
    """True where the target's prediction has fewer than k strictly larger ones; a target out
    of range or any non-finite prediction in the row gives False (TF's rule)."""
    k = check_in_top_k(predictions, targets, k)
    classes = predictions.shape[1]
    valid = (targets >= 0) & (targets < classes)
    safe = np.where(valid, targets, 0)
    target_pred = predictions[np.arange(targets.shape[0]), safe]
    larger = np.sum(predictions > target_pred[:, None], axis=1)
    finite = np.all(np.isfinite(predictions), axis=1)
    return (valid & finite & (larger < k),)


@reference("DivNoNan")
def div_no_nan(attrs, x, y):
    with np.errstate(divide="ignore", invalid="ignore"):
        quotient = np.true_divide(x, y)
    return (_cast(np.where(y == 0, 0, quotient), quotient),)
