"""`tf.layers`: TF1's functional layers (dense, conv2d, max/average pooling, flatten, dropout).

Each call opens a variable scope as TF1's `tf.layers.Layer` does: `variable_scope(None,
default_name=name or "<layer>")` (so repeated layers are "dense", "dense_1", ...), or, with
`reuse`, `variable_scope(name, reuse=reuse)`; variables come from `get_variable` there
("dense/kernel", "dense/bias") and the ops are created in the scope's name scope
("dense/MatMul", "dense/BiasAdd", "dense/Relu"). TF 2.21 lost `tf.compat.v1.layers` with
Keras 3; these keep TF1 course code running.

`dropout(training=<bool tensor>)` is built without control flow: the rate becomes
`where(training, rate, 0)`, so the mask keeps everything when not training (TF builds a
`cond`; the values are the same).
"""

import contextlib

import numpy as np

from graphflow import dtypes
from graphflow import graph as graph_lib
from graphflow.ops import array_ops
from graphflow.ops import constant_op
from graphflow.ops import conv_ops
from graphflow.ops import init_ops
from graphflow.ops import linalg_ops
from graphflow.ops import manip_ops
from graphflow.ops import math_ops
from graphflow.ops import nn_impl
from graphflow.ops import nn_ops
from graphflow.variable_scope import get_variable, variable_scope


@contextlib.contextmanager
def _layer_scope(name, base_name, inputs, reuse):
    """The variable scope of one layer call, chosen as TF1's Layer._set_scope chooses it."""
    if reuse:
        with variable_scope(name or base_name, reuse=reuse) as scope:
            yield scope
    else:
        with variable_scope(None, default_name=name or base_name, values=[inputs]) as scope:
            yield scope


def _add_activity_loss(regularizer, outputs):
    if regularizer is None:
        return
    with graph_lib.name_scope("ActivityRegularizer"):
        loss = regularizer(outputs)
    if loss is not None:
        graph_lib.add_to_collection(graph_lib.GraphKeys.REGULARIZATION_LOSSES, loss)


def _weights(shape, dtype, kernel_initializer, bias_initializer, regularizers, constraints,
             trainable, use_bias):
    """The layer's `kernel` and (optionally) `bias` variables, in TF's creation order."""
    kernel = get_variable("kernel", shape, dtype=dtype, initializer=kernel_initializer,
                             regularizer=regularizers[0], trainable=trainable,
                             constraint=constraints[0])
    bias = None
    if use_bias:
        bias = get_variable("bias", [shape[-1]], dtype=dtype, initializer=bias_initializer,
                               regularizer=regularizers[1], trainable=trainable,
                               constraint=constraints[1])
    return kernel, bias


def _finish(outputs, bias, activation, activity_regularizer, data_format="NHWC"):
    if bias is not None:
        outputs = nn_ops.bias_add(outputs, bias, data_format=data_format)
    if activation is not None:
        outputs = activation(outputs)
    _add_activity_loss(activity_regularizer, outputs)
    return outputs


def dense(inputs, units, activation=None, use_bias=True, kernel_initializer=None,
          bias_initializer=init_ops.zeros_initializer(), kernel_regularizer=None,
          bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
          bias_constraint=None, trainable=True, name=None, reuse=None):
    """A fully connected layer: activation(inputs @ kernel + bias).

    Args:
        inputs: a float Tensor [..., in_units] with a known last dimension.
        units: the number of outputs.
        activation: a function such as tf.nn.relu, or None for linear.
        use_bias: whether to add a bias.
        kernel_initializer: initializer of the kernel (default: glorot uniform, from
            get_variable).
        bias_initializer: initializer of the bias (zeros).
        kernel_regularizer, bias_regularizer: functions of a variable giving a loss added to
            the regularization losses.
        activity_regularizer: a function of the output giving such a loss.
        kernel_constraint, bias_constraint: passed to get_variable.
        trainable: whether the variables are trainable.
        name: the layer's scope name (default "dense", made unique).
        reuse: reuse the variables of the layer `name`.

    Returns:
        A Tensor [..., units].

    Raises:
        ValueError: the last dimension of inputs is unknown.
    """
    with _layer_scope(name, "dense", inputs, reuse):
        inputs = constant_op.convert_to_tensor(inputs)
        rank = inputs.shape.rank
        last = inputs.shape[-1].value if rank is not None else None
        if last is None:
            raise ValueError("The last dimension of the inputs to `Dense` should be defined. "
                             "Found `None`.")
        kernel, bias = _weights([last, units], inputs.dtype.base_dtype, kernel_initializer,
                                bias_initializer, (kernel_regularizer, bias_regularizer),
                                (kernel_constraint, bias_constraint), trainable, use_bias)
        if rank == 2:
            outputs = linalg_ops.matmul(inputs, kernel)
        else:
            outputs = linalg_ops.tensordot(inputs, kernel, [[rank - 1], [0]])
            outputs.set_shape(inputs.shape.as_list()[:-1] + [units])
        return _finish(outputs, bias, activation, activity_regularizer)


def _pair(value, what):
    if isinstance(value, int):
        return [value, value]
    value = list(value)
    if len(value) != 2:
        raise ValueError(f"The `{what}` argument must be a tuple of 2 integers. Received: "
                         f"{value}")
    return [int(v) for v in value]


def _padding(padding):
    padding = padding.upper() if isinstance(padding, str) else padding
    if padding not in ("SAME", "VALID"):
        raise ValueError(f"The `padding` argument must be a list/tuple or one of \"valid\", "
                         f"\"same\". Received: {padding}")
    return padding


def _data_format(data_format):
    formats = {"channels_last": "NHWC", "channels_first": "NCHW"}
    if data_format not in formats:
        raise ValueError(f"The `data_format` argument must be one of \"channels_first\", "
                         f"\"channels_last\". Received: {data_format}")
    return formats[data_format]


def conv2d(inputs, filters, kernel_size, strides=(1, 1), padding="valid",
           data_format="channels_last", dilation_rate=(1, 1), activation=None, use_bias=True,
           kernel_initializer=None, bias_initializer=init_ops.zeros_initializer(),
           kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
           kernel_constraint=None, bias_constraint=None, trainable=True, name=None,
           reuse=None):
    """A 2-D convolution layer: activation(conv2d(inputs, kernel) + bias).

    Args:
        inputs: a 4-D float Tensor with a known channel dimension.
        filters: the number of output channels.
        kernel_size: an int or (height, width).
        strides: an int or (height, width).
        padding: "valid" or "same" (any case).
        data_format: "channels_last" (NHWC) or "channels_first" (NCHW).
        dilation_rate: an int or (height, width).
        activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
            bias_regularizer, activity_regularizer, kernel_constraint, bias_constraint,
            trainable, reuse: as in dense.
        name: the layer's scope name (default "conv2d", made unique).

    Returns:
        A 4-D Tensor.

    Raises:
        ValueError: bad padding, data_format or sizes, or an unknown channel dimension.
    """
    fmt = _data_format(data_format)
    kh, kw = _pair(kernel_size, "kernel_size")
    with _layer_scope(name, "conv2d", inputs, reuse):
        inputs = constant_op.convert_to_tensor(inputs)
        channels = inputs.shape[1 if fmt == "NCHW" else -1].value
        if channels is None:
            raise ValueError("The channel dimension of the inputs should be defined. Found "
                             "`None`.")
        kernel, bias = _weights([kh, kw, channels, filters], inputs.dtype.base_dtype,
                                kernel_initializer, bias_initializer,
                                (kernel_regularizer, bias_regularizer),
                                (kernel_constraint, bias_constraint), trainable, use_bias)
        outputs = conv_ops.conv2d(inputs, kernel, strides=_pair(strides, "strides"),
                                  padding=_padding(padding), data_format=fmt,
                                  dilations=_pair(dilation_rate, "dilation_rate"))
        return _finish(outputs, bias, activation, activity_regularizer, fmt)


def _pooling(pool, base_name, inputs, pool_size, strides, padding, data_format, name):
    fmt = _data_format(data_format)
    with _layer_scope(name, base_name, inputs, None):
        return pool(inputs, _pair(pool_size, "pool_size"), _pair(strides, "strides"),
                    _padding(padding), data_format=fmt)


def max_pooling2d(inputs, pool_size, strides, padding="valid", data_format="channels_last",
                  name=None):
    """2-D max pooling layer (op MaxPool in scope "max_pooling2d").

    Args:
        inputs: a 4-D Tensor.
        pool_size: an int or (height, width).
        strides: an int or (height, width).
        padding: "valid" or "same".
        data_format: "channels_last" or "channels_first".
        name: the layer's scope name.

    Returns:
        A 4-D Tensor.
    """
    return _pooling(conv_ops.max_pool, "max_pooling2d", inputs, pool_size, strides, padding,
                    data_format, name)


def average_pooling2d(inputs, pool_size, strides, padding="valid",
                      data_format="channels_last", name=None):
    """2-D average pooling layer (op AvgPool in scope "average_pooling2d"); padding is not
    counted in the averages.

    Args:
        inputs, pool_size, strides, padding, data_format, name: as in max_pooling2d.

    Returns:
        A 4-D float Tensor.
    """
    return _pooling(conv_ops.avg_pool, "average_pooling2d", inputs, pool_size, strides,
                    padding, data_format, name)


def flatten(inputs, name=None, data_format="channels_last"):
    """Flattens all but the first dimension: [batch, ...] -> [batch, prod(...)].

    Args:
        inputs: a Tensor of rank >= 1.
        name: the layer's scope name (default "flatten").
        data_format: "channels_first" moves the channels last before flattening, as Keras.

    Returns:
        A 2-D Tensor.
    """
    with _layer_scope(name, "flatten", inputs, None):
        inputs = constant_op.convert_to_tensor(inputs)
        rank = inputs.shape.rank
        if data_format == "channels_first" and rank is not None and rank > 1:
            inputs = manip_ops.transpose(inputs, [0] + list(range(2, rank)) + [1])
        rest = inputs.shape[1:] if rank is not None else None
        if rest is not None and rest.is_fully_defined():
            flat = int(np.prod(rest.as_list(), dtype=np.int64))
            shape = constant_op.constant([-1, flat], dtype=dtypes.int32)
        else:
            shape = manip_ops.concat([array_ops.shape(inputs)[:1], [-1]], 0)
        return manip_ops.reshape(inputs, shape)


def dropout(inputs, rate=0.5, noise_shape=None, seed=None, training=False, name=None):
    """Dropout layer: tf.nn.dropout when `training`, the identity otherwise.

    Args:
        inputs: a float Tensor.
        rate: the fraction of inputs to drop.
        noise_shape: shape of the keep mask (see tf.nn.dropout).
        seed: op-level random seed.
        training: a Python bool or a bool scalar Tensor (e.g. a placeholder).
        name: the layer's scope name (default "dropout").

    Returns:
        A Tensor of inputs' shape.
    """
    with _layer_scope(name, "dropout", inputs, None):
        if isinstance(training, (bool, np.bool_)):
            if not training:
                return array_ops.identity(inputs)
            return nn_impl.dropout(inputs, noise_shape=noise_shape, seed=seed, rate=rate)
        inputs = constant_op.convert_to_tensor(inputs)
        dtype = inputs.dtype.base_dtype
        rate = math_ops.where(constant_op.convert_to_tensor(training, dtype=dtypes.bool),
                              constant_op.constant(rate, dtype=dtype),
                              constant_op.constant(0, dtype=dtype))
        return nn_impl.dropout(inputs, noise_shape=noise_shape, seed=seed, rate=rate)
