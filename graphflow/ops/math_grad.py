"""Gradients of the ops declared in graphflow/ops/math_ops.py, built from public ops.

Broadcasting is undone explicitly: with fully known static shapes the reduction axes are
constants; otherwise `BroadcastGradientArgs` computes them at run time.
"""

import numpy as np

from graphflow import registry
from graphflow.ops import array_ops
from graphflow.ops import constant_op
from graphflow.ops import grad_support_ops
from graphflow.ops import manip_ops
from graphflow.ops import math_ops


def _static_axes(grad_shape, x_shape):
    """Axes to sum a broadcast gradient over to get x's shape, or None if not static."""
    if not (grad_shape.is_fully_defined() and x_shape.is_fully_defined()):
        return None
    g, x = grad_shape.as_list(), x_shape.as_list()
    lead = len(g) - len(x)
    return [i for i in range(len(g)) if i < lead or (x[i - lead] == 1 and g[i] != 1)]


def unbroadcast(grad, x):
    """Sums `grad` (of the broadcast output's shape) back to the shape of input `x`."""
    axes = _static_axes(grad.shape, x.shape)
    if axes is not None:
        if not axes:
            return grad
        reduced = math_ops.reduce_sum(grad, axes, keepdims=True)
        return manip_ops.reshape(reduced, x.shape.as_list())
    sx = array_ops.shape(x)
    rx, _ = grad_support_ops.broadcast_gradient_args(sx, array_ops.shape(grad))
    return manip_ops.reshape(math_ops.reduce_sum(grad, rx), sx)


def _binary(fn):
    """Wraps `fn(op, grad, x, y) -> (gx, gy)` with broadcasting undone for each input."""
    def grad_fn(op, grad):
        x, y = op.inputs
        gx, gy = fn(op, grad, x, y)
        return [None if gx is None else unbroadcast(gx, x),
                None if gy is None else unbroadcast(gy, y)]
    return grad_fn


def _conj(x):
    return x


UNARY_GRADS = {
    "Neg": lambda op, g: -g,
    "Abs": lambda op, g: g * math_ops.sign(op.inputs[0]),
    "Sign": lambda op, g: manip_ops.zeros_like(op.inputs[0]),
    "Square": lambda op, g: g * (op.inputs[0] * 2.0),
    "Sqrt": lambda op, g: g * 0.5 / op.outputs[0],
    "Rsqrt": lambda op, g: g * (-0.5 * op.outputs[0] * op.outputs[0] * op.outputs[0]),
    "Exp": lambda op, g: g * op.outputs[0],
    "Expm1": lambda op, g: g * math_ops.exp(op.inputs[0]),
    "Log": lambda op, g: g * math_ops.reciprocal(op.inputs[0]),
    "Log1p": lambda op, g: g * math_ops.reciprocal(1.0 + op.inputs[0]),
    "Sin": lambda op, g: g * math_ops.cos(op.inputs[0]),
    "Cos": lambda op, g: -g * math_ops.sin(op.inputs[0]),
    "Tan": lambda op, g: g * math_ops.square(math_ops.reciprocal(math_ops.cos(op.inputs[0]))),
    "Tanh": lambda op, g: g * (1.0 - op.outputs[0] * op.outputs[0]),
    "Sigmoid": lambda op, g: g * (op.outputs[0] * (1.0 - op.outputs[0])),
    "Reciprocal": lambda op, g: -g * (op.outputs[0] * op.outputs[0]),
    "Floor": lambda op, g: None,
    "Ceil": lambda op, g: None,
    "Round": lambda op, g: None,
}

for _type, _fn in UNARY_GRADS.items():
    registry.set_gradient(_type, lambda op, g, _fn=_fn: [_fn(op, g)])


def _pow_grad(op, g, x, y):
    z = op.outputs[0]
    gx = g * y * math_ops.pow(x, y - 1.0)
    positive = math_ops.greater(x, 0.0)
    safe_x = math_ops.where_v2(positive, x, manip_ops.ones_like(x))
    log_x = math_ops.where_v2(positive, math_ops.log(safe_x), manip_ops.zeros_like(x))
    return gx, g * z * log_x


def _select_mask(compare):
    def fn(op, g, x, y):
        mask = compare(x, y)
        zeros = manip_ops.zeros_like(g)
        return math_ops.where_v2(mask, g, zeros), math_ops.where_v2(mask, zeros, g)
    return fn


def _squared_difference_grad(op, g, x, y):
    gx = g * (2.0 * (x - y))
    return gx, -gx


BINARY_GRADS = {
    "AddV2": lambda op, g, x, y: (g, g),
    "Sub": lambda op, g, x, y: (g, -g),
    "Mul": lambda op, g, x, y: (g * y, x * g),
    "RealDiv": lambda op, g, x, y: (g / y, -g * x / (y * y)),
    "FloorMod": lambda op, g, x, y: (g, -g * math_ops.floordiv(x, y)),
    "Pow": _pow_grad,
    "Maximum": _select_mask(math_ops.greater_equal),
    "Minimum": _select_mask(math_ops.less_equal),
    "SquaredDifference": _squared_difference_grad,
}

for _type, _fn in BINARY_GRADS.items():
    registry.set_gradient(_type, _binary(_fn))

for _type in ("FloorDiv", "TruncateDiv"):
    registry.set_gradient(_type, lambda op, g: [None, None])


def _add_n_grad(op, grad):
    return [grad] * len(op.inputs)


def _cast_grad(op, grad):
    src = op.get_attr("SrcT")
    if src.is_floating and op.get_attr("DstT").is_floating:
        return [math_ops.cast(grad, src)]
    return [None]


def _select_grad(op, grad):
    cond = op.inputs[0]
    zeros = manip_ops.zeros_like(grad)
    return [None, math_ops.where(cond, grad, zeros), math_ops.where(cond, zeros, grad)]


def _select_v2_grad(op, grad):
    cond, t, e = op.inputs
    zeros = manip_ops.zeros_like(grad)
    return [None, unbroadcast(math_ops.where_v2(cond, grad, zeros), t),
            unbroadcast(math_ops.where_v2(cond, zeros, grad), e)]


registry.set_gradient("AddN", _add_n_grad)
registry.set_gradient("Cast", _cast_grad)
registry.set_gradient("Select", _select_grad)
registry.set_gradient("SelectV2", _select_v2_grad)


# ------------------------------------------------------------------ reductions
def _kept_shape(op):
    """The input shape with reduced axes set to 1: a numpy constant when the rank, the axes and
    every kept dimension are static, else built with DynamicStitch as TF's reduced_shape."""
    x, axes = op.inputs
    axes_value = constant_op.constant_value(axes)
    rank = x.shape.rank
    if rank is not None and axes_value is not None:
        reduced = {int(a) % max(rank, 1) for a in axes_value.reshape(-1)} if rank else set()
        dims = x.shape.as_list()
        if all(d is not None for i, d in enumerate(dims) if i not in reduced):
            return np.array([1 if i in reduced else d for i, d in enumerate(dims)],
                            dtype=np.int32)
    shape = array_ops.shape(x)
    rank_t = array_ops.size(shape)
    axes = math_ops.floormod(math_ops.cast(axes, shape.dtype) + rank_t, rank_t)
    return grad_support_ops.dynamic_stitch(
        [math_ops.range(rank_t), axes],
        [shape, manip_ops.fill(array_ops.shape(axes), constant_op.constant(1))])


def _broadcast_back(op, grad):
    """Reshapes a reduced gradient to keep-dims form and tiles it to the input shape."""
    x = op.inputs[0]
    kept = _kept_shape(op)
    grad = manip_ops.reshape(grad, kept)
    if isinstance(kept, np.ndarray) and x.shape.is_fully_defined():
        multiples = np.array(x.shape.as_list(), dtype=np.int32) // np.maximum(kept, 1)
        return grad if np.all(multiples == 1) else manip_ops.tile(grad, multiples)
    return manip_ops.tile(grad, math_ops.floordiv(array_ops.shape(x), kept))


def _sum_grad(op, grad):
    return [_broadcast_back(op, grad), None]


def _mean_grad(op, grad):
    x, y = op.inputs[0], op.outputs[0]
    n_in, n_out = x.shape.num_elements(), y.shape.num_elements()
    if n_in is not None and n_out is not None:
        factor = constant_op.constant(n_in // max(n_out, 1), dtype=grad.dtype.base_dtype)
    else:
        ratio = math_ops.floordiv(array_ops.size(x), math_ops.maximum(array_ops.size(y), 1))
        factor = math_ops.cast(ratio, grad.dtype.base_dtype)
    return [_broadcast_back(op, grad) / factor, None]


def _min_max_grad(op, grad):
    x, y = op.inputs[0], op.outputs[0]
    kept = _kept_shape(op)
    y = manip_ops.reshape(y, kept)
    grad = manip_ops.reshape(grad, kept)
    indicators = math_ops.cast(math_ops.equal(y, x), grad.dtype.base_dtype)
    num_selected = manip_ops.reshape(
        math_ops.reduce_sum(indicators, op.inputs[1]), kept)
    return [indicators / num_selected * grad, None]


registry.set_gradient("Sum", _sum_grad)
registry.set_gradient("Mean", _mean_grad)
registry.set_gradient("Max", _min_max_grad)
registry.set_gradient("Min", _min_max_grad)


def _cumsum_grad(op, grad):
    axis = op.inputs[1]
    return [math_ops.cumsum(grad, axis, exclusive=op.get_attr("exclusive"),
                            reverse=not op.get_attr("reverse")), None]


registry.set_gradient("Cumsum", _cumsum_grad)


def _cumprod_grad(op, grad):
    """TF's formula: reverse cumsum of grad * out, divided by x (undefined where x == 0)."""
    x, axis = op.inputs
    exclusive, reverse = op.get_attr("exclusive"), op.get_attr("reverse")
    out = math_ops.cumprod(x, axis, exclusive=exclusive, reverse=reverse)
    summed = math_ops.cumsum(out * grad, axis, exclusive=exclusive, reverse=not reverse)
    return [summed / x, None]


def _prod_grad(op, grad):
    """Product of all other elements, via exclusive cumprods from both ends (exact with
    zeros), as TF's _ProdGrad. Needs a known rank and constant axes."""
    x, axes = op.inputs
    rank = x.shape.rank
    axes_value = constant_op.constant_value(axes)
    if rank is None or axes_value is None:
        raise NotImplementedError(f"gradient of Prod '{op.name}' needs a known rank and "
                                  "constant reduction axes")
    reduced = sorted({int(a) % rank for a in axes_value.reshape(-1)}) if rank else []
    other = [i for i in range(rank) if i not in reduced]
    perm = reduced + other
    grad = _broadcast_back(op, grad)
    shape = array_ops.shape(x)
    permuted = manip_ops.transpose(x, perm)
    reduced_num = math_ops.reduce_prod(slicing_gather(shape, reduced))
    other_num = math_ops.reduce_prod(slicing_gather(shape, other))
    flat = manip_ops.reshape(permuted, array_ops.stack([reduced_num, other_num]))
    left = math_ops.cumprod(flat, 0, exclusive=True)
    right = math_ops.cumprod(flat, 0, exclusive=True, reverse=True)
    others = manip_ops.reshape(left * right, array_ops.shape(permuted))
    return [grad * manip_ops.transpose(others, np.argsort(perm)), None]


def slicing_gather(shape, indices):
    from graphflow.ops import slicing
    return slicing.gather(shape, np.array(indices, dtype=np.int32))


registry.set_gradient("Cumprod", _cumprod_grad)
registry.set_gradient("Prod", _prod_grad)
