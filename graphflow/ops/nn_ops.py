"""Neural-network primitives: activations, softmax, bias, L2 loss, the fused cross entropies
and top-k. Op declarations and the public `tf.nn` functions that create them.

Convolutions and pooling are in graphflow/ops/conv_ops.py, composite functions (dropout,
moments, the cross-entropy wrappers) in graphflow/ops/nn_impl.py, gradients in
graphflow/ops/nn_grad.py.
"""

import collections

import numpy as np

from graphflow import dtypes
from graphflow import graph as graph_lib
from graphflow import registry
from graphflow import tensor_shape
from graphflow.op_builder import apply_op
from graphflow.ops import constant_op
from graphflow.ops import math_ops
from graphflow.ops import shape_fns
from graphflow.ops import slicing

_FLOAT = "{half, float, double}"
_REAL = "{float, double, int32, uint8, int16, int8, int64, uint16, half, uint32, uint64}"

# type -> (allowed dtypes, extra attrs, math, gradient op, whether the gradient is computed
# from the forward op's output (else from its input), the gradient op's second argument).
# Softplus's gradient is grad * sigmoid(features), as TF 2 builds it; SoftplusGrad is kept for
# TF1 graphs that contain it.
ACTIVATIONS = {
    "Relu": (_REAL, [], "max(features, 0)", "ReluGrad", True, "features"),
    "Relu6": (_REAL, [], "min(max(features, 0), 6)", "Relu6Grad", True, "features"),
    "Elu": (_FLOAT, [], "features if > 0 else exp(features) - 1", "EluGrad", True, "outputs"),
    "Selu": (_FLOAT, [], "scale * (features if > 0 else alpha * (exp(features) - 1))",
             "SeluGrad", True, "outputs"),
    "LeakyRelu": (_FLOAT + " = float", ["alpha: float = 0.2"],
                  "features if > 0 else alpha * features", "LeakyReluGrad", False, "features"),
    "Softplus": (_FLOAT, [], "log(exp(features) + 1), exact in the tails", "SoftplusGrad",
                 False, "features"),
    "Softsign": (_FLOAT, [], "features / (|features| + 1)", "SoftsignGrad", False, "features"),
}

# gradient op -> math of its output (`gradients` times the derivative)
ACTIVATION_GRADS = {
    "ReluGrad": "gradients * (features > 0)",
    "Relu6Grad": "gradients * (0 < features < 6)",
    "EluGrad": "gradients * (outputs + 1) where outputs < 0, else gradients",
    "SeluGrad": "gradients * (outputs + scale * alpha) where outputs < 0, else * scale",
    "LeakyReluGrad": "gradients where features > 0, else gradients * alpha",
    "SoftplusGrad": "gradients / (1 + exp(-features))",
    "SoftsignGrad": "gradients / (1 + |features|)^2",
}

for _type, (_allowed, _attrs, _math, _grad_type, _, _second) in ACTIVATIONS.items():
    registry.register_op(
        _type, inputs=["features: T"], outputs=["activations: T"],
        attrs=_attrs + [f"T: {_allowed}"], shape_fn=shape_fns.unchanged,
        doc=f"{_type}: activations = {_math}, elementwise. Gradient: {_grad_type}.")
    registry.register_op(
        _grad_type, inputs=["gradients: T", f"{_second}: T"], outputs=["backprops: T"],
        attrs=_attrs + [f"T: {_allowed}"], shape_fn=shape_fns.broadcast_binary,
        doc=f"{_grad_type}: backprops = {ACTIVATION_GRADS[_grad_type]} (the gradient of "
            f"{_type}), elementwise on equal shapes.")


def _at_least_rank(op, index, rank):
    shape = op.inputs[index].shape
    if shape.rank is not None and shape.rank < rank:
        raise slicing.shape_error(op, f"Shape must be at least rank {rank} but is rank "
                                      f"{shape.rank}")
    return shape


def _softmax_shape(op):
    return [_at_least_rank(op, 0, 1)]


for _type, _math in (("Softmax", "exp(logits) / sum(exp(logits))"),
                     ("LogSoftmax", "logits - log(sum(exp(logits)))")):
    registry.register_op(
        _type, inputs=["logits: T"], outputs=[f"{_type.lower()}: T"], attrs=[f"T: {_FLOAT}"],
        shape_fn=_softmax_shape,
        doc=f"{_type}: {_math} over the last axis, shifted by the row maximum so that it "
            "never overflows. Same shape as logits.")


def merge_dim(op, a, b):
    """Two dimensions that must agree (None is unknown); shape_error as TF's otherwise."""
    if a is not None and b is not None and a != b:
        raise slicing.shape_error(op, f"Dimensions must be equal, but are {a} and {b}")
    return a if a is not None else b


def _channel_axis(op, rank):
    return 1 if op.get_attr("data_format").startswith("NC") and rank >= 3 else rank - 1


def _bias_add_shape(op):
    value = _at_least_rank(op, 0, 2)
    bias = slicing.with_rank(op, op.inputs[1], 1)
    if value.rank is None:
        return [value]
    dims = list(value._values)
    axis = _channel_axis(op, value.rank)
    dims[axis] = merge_dim(op, dims[axis], None if bias.rank is None else bias._values[0])
    return [tensor_shape.TensorShape(dims)]


def _bias_add_grad_shape(op):
    shape = _at_least_rank(op, 0, 2)
    if shape.rank is None:
        return [tensor_shape.unknown_shape(1)]
    return [tensor_shape.TensorShape([shape._values[_channel_axis(op, shape.rank)]])]


_NUMBER = "{numbertype}"
registry.register_op(
    "BiasAdd", inputs=["value: T", "bias: T"], outputs=["output: T"],
    attrs=[f"T: {_NUMBER}", "data_format: string = 'NHWC'"], shape_fn=_bias_add_shape,
    doc="BiasAdd: output = value + bias along the channel axis (the last one for NHWC, axis 1 "
        "for NCHW); value has rank >= 2, bias is 1-D. Gradient: (grad, BiasAddGrad(grad)).")
registry.register_op(
    "BiasAddGrad", inputs=["out_backprop: T"], outputs=["output: T"],
    attrs=[f"T: {_NUMBER}", "data_format: string = 'NHWC'"], shape_fn=_bias_add_grad_shape,
    doc="BiasAddGrad: out_backprop summed over every axis but the channel axis.")
registry.register_op(
    "L2Loss", inputs=["t: T"], outputs=["output: T"], attrs=[f"T: {_FLOAT}"],
    shape_fn=shape_fns.scalar, doc="L2Loss: output = sum(t ** 2) / 2, a scalar. Gradient t*g.")


def _xent_shape(op):
    features = slicing.with_rank(op, op.inputs[0], 2)
    labels = slicing.with_rank(op, op.inputs[1], 2)
    if features.rank is None or labels.rank is None:
        known = features if features.rank is not None else labels
        dims = list(known._values) if known.rank is not None else [None, None]
        dims = [d if d != 1 else None for d in dims]
    else:
        dims = shape_fns.broadcast_shapes(features, labels, op)._values
    return [tensor_shape.TensorShape(dims[:1]), tensor_shape.TensorShape(dims)]


def _sparse_xent_shape(op):
    features = slicing.with_rank(op, op.inputs[0], 2)
    labels = slicing.with_rank(op, op.inputs[1], 1)
    dims = list(features._values) if features.rank is not None else [None, None]
    if labels.rank is not None:
        dims[0] = merge_dim(op, dims[0], labels._values[0])
    return [tensor_shape.TensorShape(dims[:1]), tensor_shape.TensorShape(dims)]


registry.register_op(
    "SoftmaxCrossEntropyWithLogits", inputs=["features: T", "labels: T"],
    outputs=["loss: T", "backprop: T"], attrs=[f"T: {_FLOAT}"], shape_fn=_xent_shape,
    doc="SoftmaxCrossEntropyWithLogits: for [batch, classes] logits and label distributions "
        "(broadcastable), loss = sum(labels * (logsumexp(features) - features)) per row and "
        "backprop = softmax(features) - labels.")
registry.register_op(
    "SparseSoftmaxCrossEntropyWithLogits", inputs=["features: T", "labels: Tlabels"],
    outputs=["loss: T", "backprop: T"],
    attrs=[f"T: {_FLOAT}", "Tlabels: {int32, int64} = int64"], shape_fn=_sparse_xent_shape,
    doc="SparseSoftmaxCrossEntropyWithLogits: as SoftmaxCrossEntropyWithLogits with one-hot "
        "labels given as class indices [batch]; an index outside [0, classes) is an "
        "InvalidArgumentError naming it.")


def _top_k_shape(op):
    shape = _at_least_rank(op, 0, 1)
    slicing.with_rank(op, op.inputs[1], 0)
    k = slicing.constant_value(op.inputs[1])
    if shape.rank is None:
        return [tensor_shape.unknown_shape()] * 2
    last = shape._values[-1]
    if k is not None:
        k = int(k)
        if k < 0:
            raise slicing.shape_error(op, f"Need k >= 0, got {k}")
        if last is not None and last < k:
            raise slicing.shape_error(op, f"input must have last dimension >= k = {k} but "
                                          f"is {last}")
    out = tensor_shape.TensorShape(list(shape._values[:-1]) + [k])
    return [out, out]


registry.register_op(
    "TopKV2", inputs=["input: T", "k: Tk"], outputs=["values: T", "indices: index_type"],
    attrs=["sorted: bool = true", f"T: {_REAL}", "Tk: {int16, int32, int64} = int32",
           "index_type: {int16, int32, int64} = int32"],
    shape_fn=_top_k_shape,
    doc="TopKV2: the k largest entries of the last axis, in descending order (ties: lower "
        "index first), and their indices. Gradient scatters grad back to the indices.")


def _in_top_k_shape(op):
    predictions = slicing.with_rank(op, op.inputs[0], 2)
    targets = slicing.with_rank(op, op.inputs[1], 1)
    slicing.with_rank(op, op.inputs[2], 0)
    batch = predictions._values[0] if predictions.rank is not None else None
    if targets.rank is not None:
        batch = merge_dim(op, batch, targets._values[0])
    return [tensor_shape.TensorShape([batch])]


registry.register_op(
    "InTopKV2", inputs=["predictions: float", "targets: T", "k: T"],
    outputs=["precision: bool"], attrs=["T: {int32, int64} = int32"],
    shape_fn=_in_top_k_shape, grad=registry.NOT_DIFFERENTIABLE,
    doc="InTopKV2: whether predictions[i, targets[i]] is among the k largest of row i (ties "
        "count in its favour); false for out-of-range targets or non-finite rows.")


# ------------------------------------------------------------------------ public functions
def _activation(op_type, public_name, doc):
    def fn(features, name=None):
        return apply_op(op_type, features=features, name=name)
    fn.__name__ = public_name
    fn.__doc__ = (f"Computes {doc} elementwise (op `{op_type}`).\n\n"
                  "Args:\n    features: a float Tensor (Relu also takes integers).\n"
                  "    name: optional node name.\n\nReturns:\n    A Tensor of the same dtype "
                  "and shape.\n\nRaises:\n    TypeError: the dtype is not allowed.")
    return fn


relu = _activation("Relu", "relu", "max(features, 0)")
elu = _activation("Elu", "elu", "the exponential linear unit")
selu = _activation("Selu", "selu", "the scaled exponential linear unit")
softplus = _activation("Softplus", "softplus", "log(exp(features) + 1)")
softsign = _activation("Softsign", "softsign", "features / (|features| + 1)")


def relu6(features, name=None):
    """min(max(features, 0), 6) (op `Relu6`, converted inside the scope "Relu6").

    Args:
        features: a numeric Tensor.
        name: optional name.

    Returns:
        A Tensor of the same dtype and shape.
    """
    with graph_lib.name_scope(name, "Relu6", [features]) as scope:
        features = constant_op.convert_to_tensor(features, name="features")
        return apply_op("Relu6", features=features, name=scope)


def leaky_relu(features, alpha=0.2, name=None):
    """features where positive, alpha * features elsewhere (op `LeakyRelu`).

    Integer features are cast to float32 first, as TF does.

    Args:
        features: a numeric Tensor.
        alpha: slope for negative inputs (a Python float).
        name: optional name.

    Returns:
        A float Tensor of features' shape.
    """
    with graph_lib.name_scope(name, "LeakyRelu", [features, alpha]) as scope:
        features = constant_op.convert_to_tensor(features, name="features")
        if features.dtype.is_integer:
            features = math_ops.cast(features, dtypes.float32)
        if isinstance(alpha, np.ndarray):
            alpha = alpha.item()
        return apply_op("LeakyRelu", features=features, alpha=alpha, name=scope)


def _swap_axis(tensor, dim_index, last_index, name=None):
    """Transposes `dim_index` with the last axis (TF's perm construction, node for node)."""
    from graphflow.ops import manip_ops
    perm = manip_ops.concat([math_ops.range(dim_index), [last_index],
                             math_ops.range(dim_index + 1, last_index), [dim_index]], 0)
    return manip_ops.transpose(tensor, perm, name=name or "transpose")


def wrap_2d_function(inputs, op_type, axis=-1, name=None):
    """Applies a last-axis op along `axis`, transposing there and back with TF's nodes (a
    negative axis becomes `(axis + Rank) % rank`, a tensor, as in TF)."""
    from graphflow.ops import array_ops
    inputs = constant_op.convert_to_tensor(inputs)
    shape = inputs.shape
    if axis == -1 or axis == shape.rank - 1:
        return apply_op(op_type, logits=inputs, name=name)
    if shape.rank is None:
        raise ValueError(f"{op_type} along axis {axis} needs a known rank")
    if not -shape.rank <= axis < shape.rank:
        from graphflow import errors
        raise errors.InvalidArgumentError(
            None, None, f"`dim` must be in the range [{-shape.rank}, {shape.rank}) where "
                        f"{shape.rank} is the number of dimensions in the input. Received: "
                        f"dim={axis}")
    ndims = array_ops.rank(inputs)
    dim = axis + ndims if axis < 0 else axis
    input_rank = array_ops.rank(inputs)
    dim_axis = dim % shape.rank
    swapped = _swap_axis(inputs, dim_axis, math_ops.subtract(input_rank, 1))
    output = apply_op(op_type, logits=swapped)
    output = _swap_axis(output, dim_axis, math_ops.subtract(input_rank, 1), name=name)
    output.set_shape(shape)
    return output


def _axis_arg(axis, dim):
    if dim is not None:
        if axis is not None:
            raise ValueError("Cannot specify both 'axis' and 'dim'.")
        axis = dim
    return -1 if axis is None else axis


def softmax(logits, axis=None, name=None, dim=None):
    """exp(logits) / reduce_sum(exp(logits), axis), computed stably (op `Softmax`).

    Args:
        logits: a non-empty float Tensor.
        axis: the axis to normalise (default -1, the last); other axes are transposed to the
            end and back, as TF does.
        name: optional name.
        dim: deprecated alias of axis.

    Returns:
        A Tensor of logits' dtype and shape.

    Raises:
        InvalidArgumentError: axis is out of range for a known rank.
        TypeError: logits is not a float tensor.
    """
    return wrap_2d_function(logits, "Softmax", _axis_arg(axis, dim), name)


def log_softmax(logits, axis=None, name=None, dim=None):
    """logits - log(reduce_sum(exp(logits), axis)), computed stably (op `LogSoftmax`).

    Args:
        logits: a non-empty float Tensor.
        axis: the axis to normalise (default -1).
        name: optional name.
        dim: deprecated alias of axis.

    Returns:
        A Tensor of logits' dtype and shape.
    """
    return wrap_2d_function(logits, "LogSoftmax", _axis_arg(axis, dim), name)


def bias_add(value, bias, data_format=None, name=None):
    """Adds a 1-D bias along the channel axis of `value` (op `BiasAdd`).

    Args:
        value: a Tensor of rank >= 2.
        bias: a 1-D Tensor as long as value's channel dimension (converted to value's dtype).
        data_format: None or "N...C" (channels last), or "NC..." (channels at axis 1).
        name: optional name (default "BiasAdd").

    Returns:
        A Tensor of value's dtype and shape.

    Raises:
        ValueError: a malformed data_format, or mismatched bias and channel sizes.
    """
    with graph_lib.name_scope(name, "BiasAdd", [value, bias]) as scope:
        if data_format is not None:
            if data_format.startswith("NC"):
                data_format = "NCHW"
            elif data_format.startswith("N") and data_format.endswith("C"):
                data_format = "NHWC"
            else:
                raise ValueError("data_format must be of the form `N...C` or `NC...`")
        value = constant_op.convert_to_tensor(value, name="input")
        bias = constant_op.convert_to_tensor(bias, dtype=value.dtype.base_dtype, name="bias")
        return apply_op("BiasAdd", value=value, bias=bias, data_format=data_format or "NHWC",
                        name=scope)


def l2_loss(t, name=None):
    """sum(t ** 2) / 2 (op `L2Loss`), e.g. for weight decay.

    Args:
        t: a float Tensor.
        name: optional name.

    Returns:
        A scalar Tensor of t's dtype.
    """
    return apply_op("L2Loss", t=t, name=name)


TopKV2 = collections.namedtuple("TopKV2", ["values", "indices"])


def top_k(input, k=1, sorted=True, index_type=dtypes.int32, name=None):  # noqa: A002
    """The k largest entries of the last axis and their indices (op `TopKV2`).

    Args:
        input: a Tensor of rank >= 1 with at least k entries in its last axis.
        k: a 0-D int32 Tensor or Python int.
        sorted: whether the values come out in descending order (graphflow always sorts).
        index_type: dtype of the indices (int16, int32 or int64).
        name: optional name.

    Returns:
        A namedtuple (values, indices), both of shape input.shape[:-1] + [k]. Equal values
        keep the lower index first.

    Raises:
        ValueError: k is negative or larger than the last dimension, when known.
    """
    values, indices = apply_op("TopKV2", input=input, k=k, sorted=sorted,
                               index_type=index_type, name=name)
    return TopKV2(values, indices)


def in_top_k(predictions, targets, k, name=None):
    """Whether each target's prediction is among the k largest of its row (op `InTopKV2`).

    Args:
        predictions: a [batch, classes] float32 Tensor.
        targets: a [batch] int32 or int64 Tensor of class ids.
        k: an int (or 0-D tensor of targets' dtype).
        name: optional name scope (default "in_top_k").

    Returns:
        A [batch] bool Tensor; false where a target is out of range or a row holds NaN/inf.
    """
    with graph_lib.name_scope(name, "in_top_k"):
        return apply_op("InTopKV2", predictions=predictions, targets=targets, k=k, name=name)
