"""Numeric gradient checking, as TF's `tf.test.compute_gradient` (central differences).

Theoretical Jacobians are built by running the symbolic gradient of each output element;
numerical ones by perturbing each input element by +-delta. Use float64 graphs for tight
tolerances.
"""

import numpy as np

from graphflow import gradients_impl as gradients_lib
from graphflow import session as session_lib
from graphflow.ops import array_ops


def _as_list(value):
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _theoretical(sess, x, x_value, y, y_shape, feed):
    y_size = int(np.prod(y_shape))
    dy = array_ops.placeholder(y.dtype.base_dtype, y_shape)
    (grad,) = gradients_lib.gradients(y, x, grad_ys=dy)
    jacobian = np.zeros((x_value.size, y_size), dtype=np.float64)
    if grad is None:
        return jacobian
    for j in range(y_size):
        unit = np.zeros(y_size, dtype=y.dtype.base_dtype.as_numpy_dtype)
        unit[j] = 1
        feed_j = dict(feed)
        feed_j[x] = x_value
        feed_j[dy] = unit.reshape(y_shape)
        jacobian[:, j] = np.asarray(sess.run(grad, feed_j), dtype=np.float64).reshape(-1)
    return jacobian


def _numerical(sess, x, x_value, y, y_shape, delta, feed):
    y_size = int(np.prod(y_shape))
    jacobian = np.zeros((x_value.size, y_size), dtype=np.float64)
    flat = x_value.reshape(-1)
    for i in range(flat.size):
        values = []
        for sign in (1, -1):
            perturbed = flat.copy()
            perturbed[i] += sign * delta
            feed_i = dict(feed)
            feed_i[x] = perturbed.reshape(x_value.shape)
            values.append(np.asarray(sess.run(y, feed_i), dtype=np.float64).reshape(-1))
        jacobian[i, :] = (values[0] - values[1]) / (2 * delta)
    return jacobian


def compute_gradient(x, x_shape, y, y_shape, x_init_value=None, delta=1e-3,
                     init_targets=None, extra_feed_dict=None):
    """Theoretical and numerical Jacobians of y with respect to x.

    Args:
        x: a Tensor (usually a placeholder) or list of Tensors.
        x_shape: the shape(s) of x.
        y: the output Tensor.
        y_shape: the shape of y.
        x_init_value: value(s) at which to evaluate (default: uniform in [-1, 1), seeded).
        delta: the finite-difference step.
        init_targets: ops to run first (e.g. variable initializers).
        extra_feed_dict: other feeds.

    Returns:
        (theoretical, numerical), each of shape (x_size, y_size) - or a list of such pairs
        when x is a list.
    """
    xs = _as_list(x)
    shapes = list(x_shape) if isinstance(x, (list, tuple)) else [x_shape]
    init = _as_list(x_init_value) if x_init_value is not None else [None] * len(xs)
    rng = np.random.RandomState(0)
    feed = dict(extra_feed_dict or {})
    values = []
    for t, shape, v in zip(xs, shapes, init):
        np_dtype = t.dtype.base_dtype.as_numpy_dtype
        values.append(np.asarray(v, dtype=np_dtype) if v is not None else
                      rng.uniform(-1, 1, shape).astype(np_dtype))
    sess = session_lib.get_default_session()
    own = sess is None
    if own:
        sess = session_lib.Session(graph=y.graph)
    try:
        if init_targets:
            sess.run(init_targets)
        results = []
        for i, (t, value) in enumerate(zip(xs, values)):
            others = {o: ov for j, (o, ov) in enumerate(zip(xs, values)) if j != i}
            base = {**feed, **others}
            results.append((_theoretical(sess, t, value, y, y_shape, base),
                            _numerical(sess, t, value, y, y_shape, delta, base)))
    finally:
        if own:
            sess.close()
    return results if isinstance(x, (list, tuple)) else results[0]


def compute_gradient_error(x, x_shape, y, y_shape, x_init_value=None, delta=1e-3,
                           init_targets=None, extra_feed_dict=None):
    """The maximum absolute difference between theoretical and numerical Jacobians."""
    result = compute_gradient(x, x_shape, y, y_shape, x_init_value, delta, init_targets,
                              extra_feed_dict)
    pairs = result if isinstance(result, list) else [result]
    return max(float(np.max(np.abs(a - b))) if a.size else 0.0 for a, b in pairs)
