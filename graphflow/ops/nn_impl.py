"""`tf.nn` functions that TF builds from several ops: the cross-entropy wrappers, dropout,
moments, batch normalization, l2_normalize, xw_plus_b and embedding_lookup.

Each builds the nodes TF1 builds, with TF's names (e.g. the Rank/Shape/Slice/Reshape dance
of softmax_cross_entropy_with_logits_v2 that flattens the outer dimensions).
"""

import numbers

import numpy as np

from graphflow import dtypes
from graphflow import graph as graph_lib
from graphflow import tensor_shape
from graphflow.op_builder import apply_op
from graphflow.ops import array_ops
from graphflow.ops import constant_op
from graphflow.ops import linalg_ops
from graphflow.ops import manip_ops
from graphflow.ops import math_ops
from graphflow.ops import nn_ops
from graphflow.ops import random_ops
from graphflow.ops import slicing


def _ensure_xent_args(name, labels, logits):
    if labels is None or logits is None:
        raise ValueError(f"Both `labels` and `logits` must be provided for {name}. Received: "
                         f"labels={labels} and logits={logits}")


def _flatten_outer_dims(logits):
    """Reshapes to [-1, last dim] with TF's nodes (Rank, Shape, Sub, Slice, concat)."""
    rank = array_ops.rank(logits)
    last_dim_size = slicing.slice(array_ops.shape(logits), [math_ops.subtract(rank, 1)], [1])
    output = manip_ops.reshape(logits, manip_ops.concat([[-1], last_dim_size], 0))
    dims = logits.shape.as_list() if logits.shape.rank is not None else None
    if dims is not None and all(d is not None for d in dims[:-1]):
        output.set_shape([int(np.prod(dims[:-1], dtype=np.int64)), dims[-1]])
    return output


def _move_dim_to_end(tensor, dim_index, rank):
    perm = manip_ops.concat([math_ops.range(dim_index), math_ops.range(dim_index + 1, rank),
                             [dim_index]], 0)
    return manip_ops.transpose(tensor, perm)


def softmax_cross_entropy_with_logits_v2(labels, logits, axis=None, name=None, dim=None):
    """Softmax cross entropy between `logits` and label distributions along `axis`.

    Gradients flow into both logits and labels (wrap labels in tf.stop_gradient to stop
    them). Computed with the fused op `SoftmaxCrossEntropyWithLogits` on the flattened
    [-1, classes] matrices, stable for any logits.

    Args:
        labels: a Tensor of logits' shape: a probability distribution along `axis`.
        logits: unscaled log probabilities.
        axis: the class axis (default -1).
        name: optional name scope (default "softmax_cross_entropy_with_logits").
        dim: deprecated alias of axis.

    Returns:
        A Tensor with logits' shape minus `axis`.

    Raises:
        ValueError: incompatible shapes of logits and labels.
    """
    axis = nn_ops._axis_arg(axis, dim)
    with graph_lib.name_scope(name, "softmax_cross_entropy_with_logits",
                              [logits, labels]) as scope:
        logits = constant_op.convert_to_tensor(logits, name="logits")
        labels = constant_op.convert_to_tensor(labels, name="labels")
        labels = math_ops.cast(labels, logits.dtype.base_dtype)
        input_rank = array_ops.rank(logits)
        shape = logits.shape
        if axis != -1:
            logits = _move_dim_to_end(logits, axis, input_rank)
            labels = _move_dim_to_end(labels, axis, input_rank)
        input_shape = array_ops.shape(logits)
        flat_logits = _flatten_outer_dims(logits)
        flat_labels = _flatten_outer_dims(labels)
        cost, _ = apply_op("SoftmaxCrossEntropyWithLogits", features=flat_logits,
                           labels=flat_labels, name=scope)
        output_shape = slicing.slice(input_shape, [0], [math_ops.subtract(input_rank, 1)])
        cost = manip_ops.reshape(cost, output_shape)
        if shape.rank is not None:
            dims = shape.as_list()
            del dims[axis]
            cost.set_shape(dims)
        return cost


def softmax_cross_entropy_with_logits(labels=None, logits=None, dim=-1, name=None, axis=None):
    """TF1's softmax cross entropy: as the v2 function with labels under stop_gradient.

    Args:
        labels: label distributions, shaped like logits.
        logits: unscaled log probabilities.
        dim: the class axis (default -1; `axis` is the newer spelling).
        name: optional name scope (default "softmax_cross_entropy_with_logits_sg").
        axis: alias of dim.

    Returns:
        A Tensor with logits' shape minus the class axis.

    Raises:
        ValueError: labels or logits is missing.
    """
    _ensure_xent_args("softmax_cross_entropy_with_logits", labels, logits)
    if axis is not None:
        dim = axis
    with graph_lib.name_scope(name, "softmax_cross_entropy_with_logits_sg",
                              [logits, labels]) as scope:
        labels = array_ops.stop_gradient(labels, name="labels_stop_gradient")
    return softmax_cross_entropy_with_logits_v2(labels=labels, logits=logits, axis=dim,
                                                name=scope)


def sparse_softmax_cross_entropy_with_logits(labels=None, logits=None, name=None):
    """Softmax cross entropy with integer class labels (op
    `SparseSoftmaxCrossEntropyWithLogits`, in scope "SparseSoftmaxCrossEntropyWithLogits").

    Args:
        labels: int32/int64 class ids of shape logits.shape[:-1], each in [0, classes).
        logits: unscaled log probabilities [..., classes] (float16/32/64).
        name: optional name.

    Returns:
        A Tensor shaped like labels, of logits' dtype.

    Raises:
        ValueError: labels' rank is not logits' rank - 1, or the shapes disagree.
        InvalidArgumentError (at run time): a label outside [0, classes), naming it.
    """
    _ensure_xent_args("sparse_softmax_cross_entropy_with_logits", labels, logits)
    with graph_lib.name_scope(name, "SparseSoftmaxCrossEntropyWithLogits", [labels, logits]):
        labels = constant_op.convert_to_tensor(labels)
        logits = constant_op.convert_to_tensor(logits)
        labels_shape_static = labels.shape
        labels_shape = array_ops.shape(labels)
        _check_sparse_shapes(labels_shape_static, logits.shape)
        if logits.shape.rank == 2:
            cost, _ = apply_op("SparseSoftmaxCrossEntropyWithLogits", features=logits,
                               labels=labels, name=name)
            return cost
        num_classes = array_ops.shape(logits)[array_ops.rank(logits) - 1]
        flat_logits = manip_ops.reshape(logits, [-1, num_classes])
        flat_labels = manip_ops.reshape(labels, [-1])
        cost, _ = apply_op("SparseSoftmaxCrossEntropyWithLogits", features=flat_logits,
                           labels=flat_labels, name=name)
        cost = manip_ops.reshape(cost, labels_shape)
        cost.set_shape(labels_shape_static)
        return cost


def _check_sparse_shapes(labels_shape, logits_shape):
    if logits_shape.rank == 0:
        raise ValueError(f"`logits` cannot be a scalar. Received logits.shape={logits_shape}`")
    if (logits_shape.rank is not None and labels_shape.rank is not None
            and labels_shape.rank != logits_shape.rank - 1):
        raise ValueError(f"`labels.shape.rank` must equal `logits.shape.rank - 1`. Received: "
                         f"labels.shape={labels_shape} of rank {labels_shape.rank} and "
                         f"logits.shape={logits_shape} of rank {logits_shape.rank}")
    if (labels_shape.is_fully_defined() and logits_shape.rank is not None
            and logits_shape[:-1].is_fully_defined() and labels_shape != logits_shape[:-1]):
        raise ValueError(f"`labels.shape` must equal `logits.shape` except for the last "
                         f"dimension. Received: labels.shape={labels_shape} and "
                         f"logits.shape={logits_shape}")


def _same_shapes(labels, logits):
    if not labels.shape.is_compatible_with(logits.shape):
        raise ValueError(f"`logits` and `labels` must have the same shape, received "
                         f"({logits.shape} vs {labels.shape}).")


def sigmoid_cross_entropy_with_logits(labels=None, logits=None, name=None):
    """Elementwise logistic loss max(x, 0) - x * z + log(1 + exp(-|x|)), stable for any x.

    Args:
        labels: targets z in [0, 1], shaped like logits.
        logits: unscaled log odds x.
        name: optional name (default "logistic_loss").

    Returns:
        A Tensor of logits' shape.

    Raises:
        ValueError: labels or logits is missing, or their shapes differ.
    """
    _ensure_xent_args("sigmoid_cross_entropy_with_logits", labels, logits)
    with graph_lib.name_scope(name, "logistic_loss", [logits, labels]) as scope:
        logits = constant_op.convert_to_tensor(logits, name="logits")
        labels = constant_op.convert_to_tensor(labels, name="labels")
        _same_shapes(labels, logits)
        zeros = manip_ops.zeros_like(logits, dtype=logits.dtype)
        cond = logits >= zeros
        relu_logits = math_ops.where(cond, logits, zeros)
        neg_abs_logits = math_ops.where(cond, -logits, logits)
        return math_ops.add(relu_logits - logits * labels,
                            math_ops.log1p(math_ops.exp(neg_abs_logits)), name=scope)


def weighted_cross_entropy_with_logits(labels=None, logits=None, pos_weight=None, name=None,
                                       targets=None):
    """Logistic loss with the positive term weighted: (1 - z) * x + (1 + (q - 1) * z) *
    (log(1 + exp(-|x|)) + max(-x, 0)).

    Args:
        labels: targets z, shaped like logits (`targets` is the TF1 alias).
        logits: unscaled log odds x.
        pos_weight: the weight q of positive examples.
        name: optional name (default "logistic_loss").
        targets: alias of labels.

    Returns:
        A Tensor of logits' shape.

    Raises:
        ValueError: the shapes of labels and logits differ.
    """
    labels = _labels_or_targets(labels, targets)
    with graph_lib.name_scope(name, "logistic_loss", [logits, labels]) as scope:
        logits = constant_op.convert_to_tensor(logits, name="logits")
        labels = constant_op.convert_to_tensor(labels, name="labels")
        _same_shapes(labels, logits)
        log_weight = 1 + (pos_weight - 1) * labels
        return math_ops.add((1 - labels) * logits,
                            log_weight * (math_ops.log1p(math_ops.exp(-math_ops.abs(logits)))
                                          + nn_ops.relu(-logits)), name=scope)


def _labels_or_targets(labels, targets):
    if labels is not None and targets is not None:
        raise ValueError("Cannot specify both 'labels' and 'targets'.")
    return labels if labels is not None else targets


# ------------------------------------------------------------------------ dropout
def _noise_shape(x, noise_shape):
    if noise_shape is None:
        return array_ops.shape(x)
    try:
        shape = tensor_shape.as_shape(noise_shape)
    except (TypeError, ValueError):
        return noise_shape
    if x.shape.rank is not None and x.shape.rank == shape.rank:
        dims = [xd if nd is None and xd is not None else nd
                for xd, nd in zip(x.shape._values, shape._values)]
        return dims
    return noise_shape


def _scaled_input(x, rate):
    """x / (1 - rate): a Mul by a constant for a Python rate, RealDiv for a tensor."""
    if isinstance(rate, numbers.Real):
        scale = constant_op.convert_to_tensor(1 / (1 - rate), dtype=x.dtype.base_dtype)
        return apply_op("Mul", x=x, y=scale), rate
    rate = constant_op.convert_to_tensor(rate)
    if rate.shape.rank not in (None, 0):
        raise ValueError(f"Shape {rate.shape} must have rank 0")
    if rate.dtype.base_dtype != x.dtype.base_dtype:
        rate = apply_op("Cast", x=rate, DstT=x.dtype.base_dtype, name="rate")
    one = constant_op.constant(1, dtype=x.dtype.base_dtype)
    return apply_op("RealDiv", x=x, y=apply_op("Sub", x=one, y=rate)), rate


def dropout(x, keep_prob=None, noise_shape=None, seed=None, name=None, rate=None):
    """Randomly zeroes elements with probability `rate` and scales the rest by 1/(1 - rate).

    Args:
        x: a float Tensor.
        keep_prob: the probability of keeping an element (TF1 spelling; rate = 1 - keep_prob).
        noise_shape: shape of the random keep mask, broadcast against x (default x's shape).
        seed: op-level random seed (see tf.set_random_seed).
        name: optional name scope (default "dropout").
        rate: the probability of dropping an element, a float in [0, 1) or a scalar tensor.

    Returns:
        A Tensor of x's shape; x itself when rate is the Python number 0 (keep_prob 1.0).

    Raises:
        ValueError: both or neither of keep_prob and rate, a rate outside [0, 1), or a
            non-float x.
    """
    if keep_prob is not None:
        if rate is not None:
            raise ValueError("Cannot specify both 'keep_prob' and 'rate'.")
        try:
            rate = 1. - keep_prob
        except TypeError:
            raise ValueError(f"keep_prob must be a floating point number or Tensor. Received: "
                             f"keep_prob={keep_prob}") from None
    if rate is None:
        raise ValueError("You must provide a rate to dropout.")
    with graph_lib.name_scope(name, "dropout", [x]):
        if isinstance(rate, numbers.Real) and not 0 <= rate < 1:
            raise ValueError(f"`rate` must be a scalar tensor or a float in the range [0, 1). "
                             f"Received: rate={rate}")
        x = constant_op.convert_to_tensor(x, name="x")
        if not x.dtype.is_floating:
            raise ValueError(f"`x.dtype` must be a floating point tensor as `x` will be scaled. "
                             f"Received: x_dtype={x.dtype!r}")
        if isinstance(rate, numbers.Real) and rate == 0:
            return x
        scaled, rate = _scaled_input(x, rate)
        noise = random_ops.random_uniform(_noise_shape(x, noise_shape), seed=seed,
                                          dtype=x.dtype.base_dtype)
        keep_mask = noise >= rate
        zero = constant_op.constant(0, dtype=x.dtype.base_dtype)
        result = math_ops.where_v2(keep_mask, scaled, zero)
        result.set_shape(x.shape)
        return result


# ------------------------------------------------------------------------ normalization
def moments(x, axes, shift=None, name=None, keep_dims=None, keepdims=None):
    """Mean and variance of x over `axes` (variance against the mean under stop_gradient).

    Args:
        x: a float Tensor.
        axes: the axes to reduce (a list of ints).
        shift: unused (as in TF).
        name: optional name scope (default "moments").
        keep_dims / keepdims: keep the reduced axes with length 1.

    Returns:
        (mean, variance); float16 inputs are reduced in float32 and cast back.
    """
    if keep_dims is not None and keepdims is not None:
        raise ValueError("Cannot specify both 'keep_dims' and 'keepdims'.")
    keep = bool(keepdims if keepdims is not None else keep_dims)
    with graph_lib.name_scope(name, "moments", [x, axes]):
        x = constant_op.convert_to_tensor(x, name="x")
        y = math_ops.cast(x, dtypes.float32) if x.dtype.base_dtype == dtypes.float16 else x
        mean = math_ops.reduce_mean(y, axes, keepdims=True, name="mean")
        variance = math_ops.reduce_mean(
            math_ops.squared_difference(y, array_ops.stop_gradient(mean)), axes, keepdims=True,
            name="variance")
        if not keep:
            mean = manip_ops.squeeze(mean, axes)
            variance = manip_ops.squeeze(variance, axes)
        if x.dtype.base_dtype == dtypes.float16:
            return math_ops.cast(mean, dtypes.float16), math_ops.cast(variance, dtypes.float16)
        return mean, variance


def batch_normalization(x, mean, variance, offset, scale, variance_epsilon, name=None):
    """(x - mean) * scale / sqrt(variance + epsilon) + offset, as TF writes it:
    x * inv + (offset - mean * inv) with inv = scale * rsqrt(variance + epsilon).

    Args:
        x: the input Tensor.
        mean, variance: statistics broadcastable to x.
        offset: beta, or None.
        scale: gamma, or None.
        variance_epsilon: a small float avoiding division by zero.
        name: optional name scope (default "batchnorm").

    Returns:
        The normalized Tensor.
    """
    with graph_lib.name_scope(name, "batchnorm", [x, mean, variance, scale, offset]):
        inv = math_ops.rsqrt(variance + variance_epsilon)
        if scale is not None:
            inv *= scale
        return x * math_ops.cast(inv, x.dtype) + math_ops.cast(
            offset - mean * inv if offset is not None else -mean * inv, x.dtype)


def l2_normalize(x, axis=None, epsilon=1e-12, name=None, dim=None):
    """x / sqrt(max(sum(x ** 2, axis), epsilon)).

    Args:
        x: a float Tensor.
        axis: the axes to normalise over (None: all).
        epsilon: lower bound of the squared norm.
        name: optional name (default "l2_normalize").
        dim: deprecated alias of axis.

    Returns:
        A Tensor of x's shape.
    """
    if dim is not None:
        if axis is not None:
            raise ValueError("Cannot specify both 'axis' and 'dim'.")
        axis = dim
    with graph_lib.name_scope(name, "l2_normalize", [x]) as scope:
        x = constant_op.convert_to_tensor(x, name="x")
        square_sum = math_ops.reduce_sum(math_ops.square(x), axis, keepdims=True)
        x_inv_norm = math_ops.rsqrt(math_ops.maximum(square_sum, epsilon))
        return math_ops.multiply(x, x_inv_norm, name=scope)


def xw_plus_b(x, weights, biases, name=None):
    """matmul(x, weights) + biases (MatMul then BiasAdd named `name`, default "xw_plus_b").

    Args:
        x: a 2-D Tensor [batch, in].
        weights: [in, out].
        biases: [out].
        name: optional name.

    Returns:
        A [batch, out] Tensor.
    """
    with graph_lib.name_scope(name, "xw_plus_b", [x, weights, biases]) as scope:
        x = constant_op.convert_to_tensor(x, name="x")
        weights = constant_op.convert_to_tensor(weights, name="weights")
        biases = constant_op.convert_to_tensor(biases, name="biases")
        return nn_ops.bias_add(linalg_ops.matmul(x, weights), biases, name=scope)


# ------------------------------------------------------------------------ embeddings
def _clip_by_norm(values, max_norm, axes):
    """values scaled so that their L2 norm over `axes` is at most max_norm (TF's
    clip_by_norm, with its "clip_by_norm" scope and nodes)."""
    with graph_lib.name_scope(None, "clip_by_norm", [values, max_norm]) as scope:
        squares = math_ops.reduce_sum(values * values, axes, keepdims=True)
        positive = squares > 0
        safe = math_ops.where(positive, squares, manip_ops.ones_like(squares))
        norm = math_ops.where(positive, math_ops.sqrt(safe), squares)
        clipped = values * max_norm
        return array_ops.identity(clipped / math_ops.maximum(norm, max_norm), name=scope)


def _partitioned_ids(params, ids, strategy):
    """Row indices into concat(params) for ids over static partitions ("mod" or "div")."""
    sizes = [p.shape[0].value for p in params]
    if any(s is None for s in sizes):
        raise NotImplementedError("embedding_lookup over several partitions needs their "
                                  "first dimensions statically known")
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    count, total = len(params), int(sum(sizes))
    rows = np.arange(total)
    if strategy == "mod":
        table = offsets[rows % count] + rows // count
    elif strategy == "div":
        per, extra = divmod(total, count)
        cut = extra * (per + 1)
        part = np.where(rows < cut, rows // (per + 1), extra + (rows - cut) // max(per, 1))
        within = np.where(rows < cut, rows % (per + 1), (rows - cut) % max(per, 1))
        table = offsets[part] + within
    else:
        raise ValueError(f"Unrecognized partition strategy: {strategy}. Must be one of "
                         "either `mod` or `div`.")
    return slicing.gather(constant_op.constant(table.astype(np.int32)), ids)


def embedding_lookup(params, ids, partition_strategy="mod", name=None, validate_indices=True,
                     max_norm=None):
    """Rows `ids` of an embedding table (GatherV2 named `name`, then an Identity).

    Args:
        params: a Tensor or Variable [vocabulary, ...], or a list of partitions of it.
        ids: int32/int64 ids; an id outside the table is an InvalidArgumentError.
        partition_strategy: "mod" or "div", for lists of partitions (static sizes only).
        name: optional name (default "embedding_lookup").
        validate_indices: ignored, as in TF.
        max_norm: if given, each looked-up embedding is clipped to this L2 norm.

    Returns:
        A Tensor of shape ids.shape + params.shape[1:].

    Raises:
        ValueError: params is None or an empty list.
    """
    if params is None:
        raise ValueError("params must be specified")
    if isinstance(params, (list, tuple)) and not params:
        raise ValueError("Length of params is currently 0. Need at least one param.")
    params = list(params) if isinstance(params, (list, tuple)) else [params]
    with graph_lib.name_scope(name, "embedding_lookup", params + [ids]) as scope:
        params = [constant_op.convert_to_tensor(p, name="params") for p in params]
        ids = constant_op.convert_to_tensor(ids, name="ids")
        if len(params) == 1:
            result = slicing.gather(params[0], ids, name=scope)
        else:
            table = manip_ops.concat(params, 0)
            result = slicing.gather(table, _partitioned_ids(params, ids, partition_strategy),
                                    name=scope)
        if max_norm is not None:
            ids_rank, params_rank = ids.shape.rank, result.shape.rank
            result = _clip_by_norm(result, max_norm, list(range(ids_rank, params_rank)))
        return array_ops.identity(result)
