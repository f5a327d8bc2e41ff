"""Gradients of the neural-network ops (nn_ops, conv_ops, losses_impl), as TF's nn_grad.py
builds them, so that they can be differentiated again: the gradient ops (ReluGrad,
Conv2DBackpropInput, MaxPoolGrad, ...) have gradients too.
"""

import numpy as np

from graphflow import registry
from graphflow.op_builder import apply_op
from graphflow.ops import array_ops
from graphflow.ops import constant_op
from graphflow.ops import conv_ops  # noqa: F401 - declares the conv and pool ops
from graphflow.ops import grad_support_ops
from graphflow.ops import linalg_ops
from graphflow.ops import losses_impl
from graphflow.ops import manip_ops
from graphflow.ops import math_grad
from graphflow.ops import math_ops
from graphflow.ops import nn_ops


def _attrs(op, *names):
    return {name: op.get_attr(name) for name in names}


# ------------------------------------------------------------------------ activations
def _activation_grad(op, grad):
    if op.type == "Softplus":
        return [grad * math_ops.sigmoid(op.inputs[0])]  # TF 2's formula; SoftplusGrad is TF1's
    _, _, _, grad_type, uses_output, key = nn_ops.ACTIVATIONS[op.type]
    second = op.outputs[0] if uses_output else op.inputs[0]
    extra = _attrs(op, "alpha") if op.type == "LeakyRelu" else {}
    return [apply_op(grad_type, gradients=grad, **{key: second}, **extra)]


for _type in nn_ops.ACTIVATIONS:
    registry.set_gradient(_type, _activation_grad)


def _same_grad_again(op, grad):
    """ReluGrad, Relu6Grad, LeakyReluGrad: linear in `gradients`, flat in `features`."""
    x = op.inputs[1]
    extra = _attrs(op, "alpha") if op.type == "LeakyReluGrad" else {}
    return [apply_op(op.type, gradients=grad, features=x, **extra), manip_ops.zeros_like(x)]


def _exp_unit_grad_again(op, grad):
    """EluGrad, SeluGrad: (grad op again, grad * gradients where outputs < 0)."""
    y = op.inputs[1]
    zeros = manip_ops.zeros_like(y)
    return [apply_op(op.type, gradients=grad, outputs=y),
            math_ops.where(y < 0., grad * op.inputs[0], zeros)]


def _softplus_grad_grad(op, grad):
    dy, x = op.inputs
    ddy = apply_op("SoftplusGrad", gradients=grad, features=x)
    d2x = grad * dy / (math_ops.exp(-x) + 2.0 + math_ops.exp(x))
    return [ddy, d2x]


def _softsign_grad_grad(op, grad):
    """d/dx of g / (1 + |x|)^2 is -2 g sign(x) / (1 + |x|)^3."""
    g, x = op.inputs
    denominator = 1.0 + math_ops.abs(x)
    d2x = -2.0 * grad * g * math_ops.sign(x) / (denominator * denominator * denominator)
    return [apply_op("SoftsignGrad", gradients=grad, features=x), d2x]


for _type in ("ReluGrad", "Relu6Grad", "LeakyReluGrad"):
    registry.set_gradient(_type, _same_grad_again)
registry.set_gradient("EluGrad", _exp_unit_grad_again)
registry.set_gradient("SeluGrad", _exp_unit_grad_again)
registry.set_gradient("SoftplusGrad", _softplus_grad_grad)
registry.set_gradient("SoftsignGrad", _softsign_grad_grad)


# ------------------------------------------------------------------------ softmax family
def _softmax_grad(op, grad):
    softmax = op.outputs[0]
    sum_channels = math_ops.reduce_sum(grad * softmax, -1, keepdims=True)
    return [(grad - sum_channels) * softmax]


def _log_softmax_grad(op, grad):
    softmax = math_ops.exp(op.outputs[0])
    return [grad - math_ops.reduce_sum(grad, -1, keepdims=True) * softmax]


def _broadcast_mul(vec, mat):
    """vec[:, None] * mat."""
    return manip_ops.expand_dims(vec, -1) * mat


def _is_zero(tensor):
    """Whether `tensor` is statically all zeros (TF's `_is_zeros_tensor`)."""
    if tensor.op.type == "ZerosLike":
        return True
    value = constant_op.constant_value(tensor)
    return value is not None and not np.any(value)


def _xent_logits_grad(op, grad_loss, grad_grad):
    """grad_loss * backprop, plus the second-order term when `backprop` itself is used."""
    grad = _broadcast_mul(grad_loss, op.outputs[1])
    if not _is_zero(grad_grad):
        logits = op.inputs[0]
        softmax = apply_op("Softmax", logits=logits)
        inner = manip_ops.squeeze(linalg_ops.matmul(manip_ops.expand_dims(grad_grad, 1),
                                                    manip_ops.expand_dims(softmax, 2)), axis=1)
        grad += (grad_grad - inner) * softmax
    return grad


def _softmax_xent_grad(op, grad_loss, grad_grad):
    grad = _xent_logits_grad(op, grad_loss, grad_grad)
    log_softmax = apply_op("LogSoftmax", logits=op.inputs[0])
    labels_grad = _broadcast_mul(grad_loss, -log_softmax)
    return [math_grad.unbroadcast(grad, op.inputs[0]),
            math_grad.unbroadcast(labels_grad, op.inputs[1])]


def _sparse_softmax_xent_grad(op, grad_loss, grad_grad):
    return [_xent_logits_grad(op, grad_loss, grad_grad), None]


registry.set_gradient("Softmax", _softmax_grad)
registry.set_gradient("LogSoftmax", _log_softmax_grad)
registry.set_gradient("SoftmaxCrossEntropyWithLogits", _softmax_xent_grad)
registry.set_gradient("SparseSoftmaxCrossEntropyWithLogits", _sparse_softmax_xent_grad)


# ------------------------------------------------------------------------ bias, l2, top-k
def _bias_add_grad(op, grad):
    return [grad, apply_op("BiasAddGrad", out_backprop=grad,
                           data_format=op.get_attr("data_format"))]


def _bias_add_grad_grad(op, grad):
    """Broadcasts the [C] gradient back over every non-channel axis of out_backprop."""
    x = op.inputs[0]
    rank = x.shape.rank
    if rank is None:
        raise NotImplementedError(f"gradient of BiasAddGrad '{op.name}' needs a known rank")
    kept = [1] * rank
    kept[nn_ops._channel_axis(op, rank)] = -1
    return [manip_ops.broadcast_to(manip_ops.reshape(grad, kept), array_ops.shape(x))]


def _l2_loss_grad(op, grad):
    return [op.inputs[0] * grad]


def _top_k_grad(op, grad, _):
    """Scatters the values' gradient back to the selected positions of each row."""
    x, indices = op.inputs[0], op.outputs[1]
    in_shape = array_ops.shape(x)
    in_last = in_shape[-1]
    index_2d = manip_ops.reshape(indices, array_ops.stack([-1, array_ops.shape(indices)[-1]]))
    rows = array_ops.shape(index_2d)[0]
    offsets = manip_ops.expand_dims(math_ops.range(0, rows * in_last, in_last), -1)
    flat = manip_ops.reshape(math_ops.cast(index_2d, offsets.dtype) + offsets, [-1])
    scattered = grad_support_ops.unsorted_segment_sum(
        manip_ops.reshape(grad, [-1]), flat, array_ops.size(x))
    return [manip_ops.reshape(scattered, in_shape), None]


def _div_no_nan_grad(op, grad):
    x, y = op.inputs
    gx = losses_impl.div_no_nan(grad, y)
    gy = grad * losses_impl.div_no_nan(losses_impl.div_no_nan(-x, y), y)
    return [math_grad.unbroadcast(gx, x), math_grad.unbroadcast(gy, y)]


registry.set_gradient("BiasAdd", _bias_add_grad)
registry.set_gradient("BiasAddGrad", _bias_add_grad_grad)
registry.set_gradient("L2Loss", _l2_loss_grad)
registry.set_gradient("TopKV2", _top_k_grad)
registry.set_gradient("DivNoNan", _div_no_nan_grad)


# ------------------------------------------------------------------------ convolutions
# forward op -> (input-gradient op, filter-gradient op, attrs the three share)
_CONV_FAMILIES = {
    "Conv2D": ("Conv2DBackpropInput", "Conv2DBackpropFilter",
               ("strides", "padding", "explicit_paddings", "use_cudnn_on_gpu", "data_format",
                "dilations")),
    "DepthwiseConv2dNative": ("DepthwiseConv2dNativeBackpropInput",
                              "DepthwiseConv2dNativeBackpropFilter",
                              ("strides", "padding", "explicit_paddings", "data_format",
                               "dilations")),
}


def _conv_grad(op, grad):
    input_type, filter_type, keys = _CONV_FAMILIES[op.type]
    attrs = _attrs(op, *keys)
    if op.type == "Conv2D":
        input_shape, filter_shape = manip_ops.shape_n([op.inputs[0], op.inputs[1]])
    else:
        input_shape, filter_shape = array_ops.shape(op.inputs[0]), array_ops.shape(op.inputs[1])
    return [apply_op(input_type, input_sizes=input_shape, filter=op.inputs[1],
                     out_backprop=grad, **attrs),
            apply_op(filter_type, input=op.inputs[0], filter_sizes=filter_shape,
                     out_backprop=grad, **attrs)]


def _backprop_grad(forward_type, wrt_input):
    """The gradient of a backprop op, built from the other backprop op and the forward op:
    the three are bilinear in (input, filter, out_backprop)."""
    input_type, filter_type, keys = _CONV_FAMILIES[forward_type]

    def grad_fn(op, grad):
        attrs = _attrs(op, *keys)
        if wrt_input:  # op is the input gradient: inputs (input_sizes, filter, out_backprop)
            return [None,
                    apply_op(filter_type, input=grad,
                             filter_sizes=array_ops.shape(op.inputs[1]),
                             out_backprop=op.inputs[2], **attrs),
                    apply_op(forward_type, input=grad, filter=op.inputs[1], **attrs)]
        return [apply_op(input_type, input_sizes=array_ops.shape(op.inputs[0]), filter=grad,
                         out_backprop=op.inputs[2], **attrs),
                None,
                apply_op(forward_type, input=op.inputs[0], filter=grad, **attrs)]
    return grad_fn


for _type, (_input_type, _filter_type, _) in _CONV_FAMILIES.items():
    registry.set_gradient(_type, _conv_grad)
    registry.set_gradient(_input_type, _backprop_grad(_type, True))
    registry.set_gradient(_filter_type, _backprop_grad(_type, False))


# ------------------------------------------------------------------------ pooling
_POOL_KEYS = ("ksize", "strides", "padding", "data_format")


def _max_pool_grad(op, grad):
    return [apply_op("MaxPoolGrad", orig_input=op.inputs[0], orig_output=op.outputs[0],
                     grad=grad, explicit_paddings=op.get_attr("explicit_paddings"),
                     **_attrs(op, *_POOL_KEYS))]


def _max_pool_grad_grad(op, grad):
    if op.get_attr("padding") == "EXPLICIT":
        raise NotImplementedError("the gradient of MaxPoolGrad with EXPLICIT padding is not "
                                  "supported (MaxPoolGradGrad has no explicit_paddings)")
    x, y = op.inputs[0], op.inputs[1]
    return [manip_ops.zeros_like(x), manip_ops.zeros_like(y),
            apply_op("MaxPoolGradGrad", orig_input=x, orig_output=y, grad=grad,
                     **_attrs(op, *_POOL_KEYS))]


def _max_pool_grad_grad_grad(op, grad):
    x, y = op.inputs[0], op.inputs[1]
    return [manip_ops.zeros_like(x), manip_ops.zeros_like(y),
            apply_op("MaxPoolGrad", orig_input=x, orig_output=y, grad=grad,
                     **_attrs(op, *_POOL_KEYS))]


def _avg_pool_grad(op, grad):
    return [apply_op("AvgPoolGrad", orig_input_shape=array_ops.shape(op.inputs[0]), grad=grad,
                     **_attrs(op, *_POOL_KEYS))]


def _avg_pool_grad_grad(op, grad):
    return [None, apply_op("AvgPool", value=grad, **_attrs(op, *_POOL_KEYS))]


registry.set_gradient("MaxPool", _max_pool_grad)
registry.set_gradient("MaxPoolGrad", _max_pool_grad_grad)
registry.set_gradient("MaxPoolGradGrad", _max_pool_grad_grad_grad)
registry.set_gradient("AvgPool", _avg_pool_grad)
registry.set_gradient("AvgPoolGrad", _avg_pool_grad_grad)

