"""`tf.nn`: activations, softmax, cross entropies, convolutions, pooling, dropout,
normalization and embedding lookups, with TF1's names and signatures.

The functions are defined in graphflow/ops/nn_ops.py, conv_ops.py and nn_impl.py;
`tf.nn.sigmoid` and `tf.nn.tanh` are the math ops of the same names.
"""

from graphflow.ops.conv_ops import (  # noqa: F401
    avg_pool, conv2d, conv2d_backprop_filter, conv2d_backprop_input, conv2d_transpose,
    depthwise_conv2d, depthwise_conv2d_native, max_pool)
from graphflow.ops.math_ops import sigmoid, tanh  # noqa: F401
from graphflow.ops.nn_impl import (  # noqa: F401
    batch_normalization, dropout, embedding_lookup, l2_normalize, moments,
    sigmoid_cross_entropy_with_logits, softmax_cross_entropy_with_logits,
    softmax_cross_entropy_with_logits_v2, sparse_softmax_cross_entropy_with_logits,
    weighted_cross_entropy_with_logits, xw_plus_b)
from graphflow.ops.nn_ops import (  # noqa: F401
    bias_add, elu, in_top_k, l2_loss, leaky_relu, log_softmax, relu, relu6, selu, softmax,
    softplus, softsign, top_k)

max_pool2d = max_pool
avg_pool2d = avg_pool
