"""`tf.losses`: weighted losses reduced as TF1's `compute_weighted_loss`, and the `DivNoNan`
op the reductions divide with.

Each loss opens its scope (e.g. "mean_squared_error"), computes elementwise losses in float32,
multiplies by the weights, reduces (`Reduction`), names the result "<scope>/value" for the
averaging reductions and adds it to the `losses` collection. TF's `assert_broadcastable`
subgraph (constants and a NoOp) is replaced by a static check with TF's message.
"""

from graphflow import dtypes
from graphflow import graph as graph_lib
from graphflow import registry
from graphflow.op_builder import apply_op
from graphflow.ops import array_ops
from graphflow.ops import constant_op
from graphflow.ops import manip_ops
from graphflow.ops import math_ops
from graphflow.ops import nn_impl
from graphflow.ops import nn_ops
from graphflow.ops import shape_fns

registry.register_op(
    "DivNoNan", inputs=["x: T", "y: T"], outputs=["z: T"], attrs=["T: {half, float, double}"],
    shape_fn=shape_fns.broadcast_binary,
    doc="DivNoNan: z = x / y, or 0 where y == 0, with broadcasting.")


def div_no_nan(x, y, name=None):
    """x / y, 0 where y is 0 (op `DivNoNan`, scope "div_no_nan").

    Args:
        x: a float Tensor.
        y: a Tensor of x's dtype.
        name: optional name.

    Returns:
        The broadcast quotient.
    """
    with graph_lib.name_scope(name, "div_no_nan", [x, y]) as scope:
        x = constant_op.convert_to_tensor(x, name="x")
        y = constant_op.convert_to_tensor(y, dtype=x.dtype.base_dtype, name="y")
        return apply_op("DivNoNan", x=x, y=y, name=scope)


class Reduction:
    """How a weighted loss tensor becomes the returned loss (TF1's tf.losses.Reduction)."""

    NONE = "none"
    SUM = "weighted_sum"
    SUM_OVER_BATCH_SIZE = "weighted_sum_over_batch_size"
    MEAN = "weighted_mean"
    SUM_BY_NONZERO_WEIGHTS = "weighted_sum_by_nonzero_weights"
    SUM_OVER_NONZERO_WEIGHTS = SUM_BY_NONZERO_WEIGHTS

    @classmethod
    def all(cls):
        return (cls.NONE, cls.SUM, cls.MEAN, cls.SUM_OVER_BATCH_SIZE,
                cls.SUM_OVER_NONZERO_WEIGHTS, cls.SUM_BY_NONZERO_WEIGHTS)

    @classmethod
    def validate(cls, key):
        if key not in cls.all():
            raise ValueError(f"Invalid Reduction Key {key}. Key should be one of "
                             f"{cls.all()}.")


LOSSES = graph_lib.GraphKeys.LOSSES


_NOT_BROADCASTABLE = "weights can not be broadcast to values."


def _assert_broadcastable(weights, values):
    """TF's static `assert_broadcastable`: its scope, constants and the NoOp marking success
    (None when shapes are not static: TF's run-time check is not built). Weights must be a
    scalar, or have values' rank with each dimension 1 or equal.

    Raises:
        ValueError: weights that cannot broadcast to values.
    """
    with graph_lib.name_scope(None, "assert_broadcastable", (weights, values)):
        with graph_lib.name_scope(None, "weights", (weights,)) as scope:
            weights = constant_op.convert_to_tensor(weights, name=scope)
            w_shape = array_ops.shape(weights, name="shape")
            w_rank = array_ops.rank(weights, name="rank")
        with graph_lib.name_scope(None, "values", (values,)) as scope:
            values = constant_op.convert_to_tensor(values, name=scope)
            v_shape = array_ops.shape(values, name="shape")
            v_rank = array_ops.rank(values, name="rank")
        w_rank, v_rank = constant_op.constant_value(w_rank), constant_op.constant_value(v_rank)
        if w_rank is None or v_rank is None:
            return None
        if w_rank == 0:
            return array_ops.no_op(name="static_scalar_check_success")
        if w_rank != v_rank:
            raise ValueError(f"{_NOT_BROADCASTABLE} values.rank={v_rank}. weights.rank="
                             f"{w_rank}. values.shape={values.shape}. weights.shape="
                             f"{weights.shape}.")
        w_dims, v_dims = constant_op.constant_value(w_shape), constant_op.constant_value(v_shape)
        if w_dims is None or v_dims is None:
            return None
        for i, (wd, vd) in enumerate(zip(w_dims.tolist(), v_dims.tolist())):
            if wd not in (1, vd):
                raise ValueError(f"{_NOT_BROADCASTABLE} Mismatch at dim {i}. values.shape="
                                 f"{v_dims.tolist()}, weights.shape={w_dims.tolist()}.")
        return array_ops.no_op(name="static_dims_check_success")


def _control(dependency):
    return graph_lib.control_dependencies([dependency] if dependency is not None else [])


def _broadcast_weights(weights, values):
    """weights broadcast to values' shape (weights itself when the static shapes agree)."""
    with graph_lib.name_scope(None, "broadcast_weights", (weights, values)) as scope:
        values = constant_op.convert_to_tensor(values, name="values")
        weights = constant_op.convert_to_tensor(weights, dtype=values.dtype.base_dtype,
                                                name="weights")
        if (weights.shape.is_fully_defined() and values.shape.is_fully_defined()
                and weights.shape.is_compatible_with(values.shape)):
            return weights
        with _control(_assert_broadcastable(weights, values)):
            return math_ops.multiply(weights, manip_ops.ones_like(values), name=scope)


def _safe_mean(loss, denominator):
    return div_no_nan(math_ops.reduce_sum(loss), denominator, name="value")


def _num_present(losses, weights):
    """The number of elements with a non-zero weight (weights broadcast to losses)."""
    with graph_lib.name_scope(None, "num_present", (losses, weights)) as scope:
        weights = math_ops.cast(weights, dtypes.float32)
        present = math_ops.where(math_ops.equal(weights, 0.0), manip_ops.zeros_like(weights),
                                 manip_ops.ones_like(weights))
        present = _broadcast_weights(present, losses)
        return math_ops.reduce_sum(present, name=scope)


def _num_elements(losses):
    with graph_lib.name_scope(None, "num_elements") as scope:
        return math_ops.cast(array_ops.size(losses, name=scope), dtype=losses.dtype)


def _reduce(weighted, losses, weights, reduction):
    if reduction == Reduction.NONE:
        return weighted
    loss = math_ops.reduce_sum(weighted)
    if reduction == Reduction.MEAN:
        return _safe_mean(loss, math_ops.reduce_sum(manip_ops.ones_like(losses) * weights))
    if reduction == Reduction.SUM_BY_NONZERO_WEIGHTS:
        return _safe_mean(loss, _num_present(losses, weights))
    if reduction == Reduction.SUM_OVER_BATCH_SIZE:
        return _safe_mean(loss, _num_elements(losses))
    return loss


def compute_weighted_loss(losses, weights=1.0, scope=None, loss_collection=LOSSES,
                          reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """Multiplies `losses` by `weights` and reduces them.

    Args:
        losses: a Tensor of per-element losses.
        weights: a scalar, or a Tensor of losses' rank whose dimensions are 1 or equal.
        scope: name scope (default "weighted_loss").
        loss_collection: the collection the loss is added to (None: none).
        reduction: a `Reduction` key.

    Returns:
        The loss, of losses' dtype: a scalar unless reduction is NONE.

    Raises:
        ValueError: an unknown reduction, or weights that cannot broadcast to losses.
    """
    Reduction.validate(reduction)
    with graph_lib.name_scope(scope, "weighted_loss", (losses, weights)):
        with _control(_assert_broadcastable(weights, losses)):
            losses = constant_op.convert_to_tensor(losses)
            input_dtype = losses.dtype.base_dtype
            losses = math_ops.cast(losses, dtypes.float32)
            weights = math_ops.cast(weights, dtypes.float32)
            weighted = math_ops.multiply(losses, weights)
            loss = math_ops.cast(_reduce(weighted, losses, weights, reduction), input_dtype)
            add_loss(loss, loss_collection)
            return loss


def add_loss(loss, loss_collection=LOSSES):
    """Adds `loss` to the collection `loss_collection` (nothing when it is None).

    Args:
        loss: a loss Tensor.
        loss_collection: the collection name, or None.
    """
    if loss_collection:
        graph_lib.add_to_collection(loss_collection, loss)


def get_losses(scope=None, loss_collection=LOSSES):
    """The losses in `loss_collection` whose names match `scope`.

    Args:
        scope: a regular expression filtering by name (None: all).
        loss_collection: the collection to read.

    Returns:
        A list of Tensors.
    """
    return graph_lib.get_collection(loss_collection, scope)


def get_regularization_losses(scope=None):
    """The regularization losses (collection `regularization_losses`) matching `scope`."""
    return graph_lib.get_collection(graph_lib.GraphKeys.REGULARIZATION_LOSSES, scope)


def get_regularization_loss(scope=None, name="total_regularization_loss"):
    """The sum of the regularization losses, or a constant 0.0 when there are none."""
    losses = get_regularization_losses(scope)
    if losses:
        return math_ops.add_n(losses, name=name)
    return constant_op.constant(0.0)


def get_total_loss(add_regularization_losses=True, name="total_loss", scope=None):
    """The sum of the collected losses (and regularization losses), named `name`.

    Args:
        add_regularization_losses: include the `regularization_losses` collection.
        name: the name of the sum.
        scope: a regular expression filtering the losses by name.

    Returns:
        A scalar Tensor.

    Raises:
        ValueError: there are no losses.
    """
    losses = get_losses(scope=scope)
    if add_regularization_losses:
        losses += get_regularization_losses(scope=scope)
    return math_ops.add_n(losses, name=name)


def _require(labels, predictions, label_name="labels", prediction_name="predictions"):
    if labels is None:
        raise ValueError(f"Argument `{label_name}` must not be None.")
    if predictions is None:
        raise ValueError(f"Argument `{prediction_name}` must not be None.")


def _as_float_pair(predictions, labels):
    predictions = math_ops.cast(predictions, dtypes.float32)
    labels = math_ops.cast(labels, dtypes.float32)
    predictions.shape.assert_is_compatible_with(labels.shape)
    return predictions, labels


def _elementwise_loss(default_name, labels, predictions, weights, scope, loss_collection,
                      reduction, body):
    """The common frame of the regression-style losses: cast, body, weight and reduce."""
    _require(labels, predictions)
    with graph_lib.name_scope(scope, default_name, (predictions, labels, weights)) as scope:
        predictions, labels = _as_float_pair(predictions, labels)
        losses = body(labels, predictions)
        return compute_weighted_loss(losses, weights, scope, loss_collection, reduction)


_DEFAULT = Reduction.SUM_BY_NONZERO_WEIGHTS


def mean_squared_error(labels, predictions, weights=1.0, scope=None, loss_collection=LOSSES,
                       reduction=_DEFAULT):
    """Weighted (predictions - labels) ** 2, reduced (see compute_weighted_loss).

    Args:
        labels: the ground truth.
        predictions: predicted values of labels' shape.
        weights: loss weights (scalar or broadcastable).
        scope: name scope (default "mean_squared_error").
        loss_collection: collection the loss is added to.
        reduction: a Reduction key.

    Returns:
        The weighted loss, float32.

    Raises:
        ValueError: None arguments or incompatible shapes.
    """
    return _elementwise_loss("mean_squared_error", labels, predictions, weights, scope,
                             loss_collection, reduction,
                             lambda y, p: math_ops.squared_difference(p, y))


def absolute_difference(labels, predictions, weights=1.0, scope=None, loss_collection=LOSSES,
                        reduction=_DEFAULT):
    """Weighted |predictions - labels|, reduced (see compute_weighted_loss).

    Args:
        labels: the ground truth.
        predictions: predicted values of labels' shape.
        weights, scope, loss_collection, reduction: as mean_squared_error.

    Returns:
        The weighted loss, float32.
    """
    return _elementwise_loss("absolute_difference", labels, predictions, weights, scope,
                             loss_collection, reduction,
                             lambda y, p: math_ops.abs(math_ops.subtract(p, y)))


def log_loss(labels, predictions, weights=1.0, epsilon=1e-7, scope=None,
             loss_collection=LOSSES, reduction=_DEFAULT):
    """Weighted -y log(p + eps) - (1 - y) log(1 - p + eps), reduced.

    Args:
        labels: targets in [0, 1].
        predictions: probabilities of labels' shape.
        weights, scope, loss_collection, reduction: as mean_squared_error.
        epsilon: added inside the logarithms.

    Returns:
        The weighted loss, float32.
    """
    def body(y, p):
        return (-math_ops.multiply(y, math_ops.log(p + epsilon))
                - math_ops.multiply(1 - y, math_ops.log(1 - p + epsilon)))
    return _elementwise_loss("log_loss", labels, predictions, weights, scope, loss_collection,
                             reduction, body)


def huber_loss(labels, predictions, weights=1.0, delta=1.0, scope=None,
               loss_collection=LOSSES, reduction=_DEFAULT):
    """Weighted Huber loss: 0.5 e^2 for |e| <= delta, delta (|e| - 0.5 delta) beyond.

    Args:
        labels, predictions, weights, scope, loss_collection, reduction: as
            mean_squared_error.
        delta: where the loss turns from quadratic to linear.

    Returns:
        The weighted loss, float32.
    """
    def body(y, p):
        abs_error = math_ops.abs(math_ops.subtract(p, y))
        quadratic = math_ops.minimum(abs_error, delta)
        linear = math_ops.subtract(abs_error, quadratic)
        half = constant_op.convert_to_tensor(0.5, dtype=quadratic.dtype.base_dtype)
        return math_ops.add(math_ops.multiply(half, math_ops.multiply(quadratic, quadratic)),
                            math_ops.multiply(delta, linear))
    return _elementwise_loss("huber_loss", labels, predictions, weights, scope,
                             loss_collection, reduction, body)


def hinge_loss(labels, logits, weights=1.0, scope=None, loss_collection=LOSSES,
               reduction=_DEFAULT):
    """Weighted max(0, 1 - (2y - 1) * logits) for labels y in {0, 1}, reduced.

    Args:
        labels: 0/1 targets.
        logits: scores of labels' shape.
        weights, scope, loss_collection, reduction: as mean_squared_error.

    Returns:
        The weighted loss, float32.
    """
    _require(labels, logits, prediction_name="logits")
    with graph_lib.name_scope(scope, "hinge_loss", (logits, labels, weights)) as scope:
        logits, labels = _as_float_pair(logits, labels)
        all_ones = manip_ops.ones_like(labels)
        labels = math_ops.subtract(2 * labels, all_ones)
        losses = nn_ops.relu(math_ops.subtract(all_ones, math_ops.multiply(labels, logits)))
        return compute_weighted_loss(losses, weights, scope, loss_collection, reduction)


def _logits_loss(default_name, label_name, labels, logits, weights, scope, loss_collection,
                 reduction, body):
    """The common frame of the logits losses: labels cast to logits' dtype, then `body`."""
    _require(labels, logits, label_name, "logits")
    with graph_lib.name_scope(scope, default_name, (logits, labels, weights)) as scope:
        logits = constant_op.convert_to_tensor(logits)
        labels = math_ops.cast(labels, logits.dtype.base_dtype)
        logits.shape.assert_is_compatible_with(labels.shape)
        losses = body(labels, logits)
        return compute_weighted_loss(losses, weights, scope, loss_collection, reduction)


def softmax_cross_entropy(onehot_labels, logits, weights=1.0, label_smoothing=0, scope=None,
                          loss_collection=LOSSES, reduction=_DEFAULT):
    """Weighted softmax cross entropy of one-hot labels (labels under stop_gradient).

    Args:
        onehot_labels: [batch, classes] one-hot (or soft) labels.
        logits: [batch, classes] unscaled log probabilities.
        weights: scalar or [batch] weights.
        label_smoothing: if > 0, labels become labels * (1 - s) + s / classes.
        scope, loss_collection, reduction: as mean_squared_error.

    Returns:
        The weighted loss, of logits' dtype.
    """
    def body(labels, logits):
        if label_smoothing > 0:
            classes = math_ops.cast(array_ops.shape(labels)[-1], logits.dtype)
            smooth_positives = 1.0 - label_smoothing
            smooth_negatives = label_smoothing / classes
            labels = labels * smooth_positives + smooth_negatives
        labels = array_ops.stop_gradient(labels, name="labels_stop_gradient")
        return nn_impl.softmax_cross_entropy_with_logits_v2(labels=labels, logits=logits,
                                                            name="xentropy")
    return _logits_loss("softmax_cross_entropy_loss", "onehot_labels", onehot_labels, logits,
                        weights, scope, loss_collection, reduction, body)


def _squeeze_labels(labels, logits, weights):
    """TF's _remove_squeezable_dimensions for static shapes: [batch, 1] labels lose the 1."""
    labels = constant_op.convert_to_tensor(labels)
    logits = constant_op.convert_to_tensor(logits)
    if (labels.shape.rank is not None and logits.shape.rank is not None
            and labels.shape.rank == logits.shape.rank and labels.shape[-1].value == 1):
        labels = manip_ops.squeeze(labels, [-1])
    weights = constant_op.convert_to_tensor(weights)
    if (weights.shape.rank not in (None, 0) and labels.shape.rank is not None
            and weights.shape.rank == labels.shape.rank + 1 and weights.shape[-1].value == 1):
        weights = manip_ops.squeeze(weights, [-1])
    return labels, logits, weights


def sparse_softmax_cross_entropy(labels, logits, weights=1.0, scope=None,
                                 loss_collection=LOSSES, reduction=_DEFAULT):
    """Weighted softmax cross entropy of integer class labels.

    Args:
        labels: [batch] (or [batch, 1]) int32/int64 class ids in [0, classes).
        logits: [batch, classes] unscaled log probabilities.
        weights, scope, loss_collection, reduction: as mean_squared_error.

    Returns:
        The weighted loss, of logits' dtype.
    """
    _require(labels, logits, prediction_name="logits")
    with graph_lib.name_scope(scope, "sparse_softmax_cross_entropy_loss",
                              (logits, labels, weights)) as scope:
        labels, logits, weights = _squeeze_labels(labels, logits, weights)
        losses = nn_impl.sparse_softmax_cross_entropy_with_logits(
            labels=labels, logits=logits, name="xentropy")
        return compute_weighted_loss(losses, weights, scope, loss_collection, reduction)


def sigmoid_cross_entropy(multi_class_labels, logits, weights=1.0, label_smoothing=0,
                          scope=None, loss_collection=LOSSES, reduction=_DEFAULT):
    """Weighted sigmoid cross entropy (sigmoid_cross_entropy_with_logits), reduced.

    Args:
        multi_class_labels: 0/1 targets of logits' shape.
        logits: unscaled log odds.
        weights: loss weights.
        label_smoothing: if > 0, labels become labels * (1 - s) + 0.5 * s.
        scope, loss_collection, reduction: as mean_squared_error.

    Returns:
        The weighted loss, of logits' dtype.
    """
    def body(labels, logits):
        if label_smoothing > 0:
            labels = labels * (1 - label_smoothing) + 0.5 * label_smoothing
        return nn_impl.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits,
                                                         name="xentropy")
    return _logits_loss("sigmoid_cross_entropy_loss", "multi_class_labels", multi_class_labels,
                        logits, weights, scope, loss_collection, reduction, body)
