"""Gradients of the ops declared in graphflow/ops/array_ops.py."""

from graphflow import registry
from graphflow.ops import array_ops
from graphflow.ops import manip_ops


def _pass_through(op, grad):
    return [grad]


def _pack_grad(op, grad):
    return array_ops.unstack(grad, num=op.get_attr("N"), axis=op.get_attr("axis"))


def _unpack_grad(op, *grads):
    filled = [g if g is not None else manip_ops.zeros_like(t)
              for g, t in zip(grads, op.outputs)]
    return [array_ops.stack(filled, axis=op.get_attr("axis"))]


registry.set_gradient("Identity", _pass_through)
registry.set_gradient("PlaceholderWithDefault", _pass_through)
registry.set_gradient("Pack", _pack_grad)
registry.set_gradient("Unpack", _unpack_grad)
