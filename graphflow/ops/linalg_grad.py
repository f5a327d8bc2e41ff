"""Gradients of matrix products (graphflow/ops/linalg_ops.py), as TF's _MatMulGrad and
_BatchMatMulV2Grad: each case of transposition picks the product that avoids transposes."""

from graphflow import registry
from graphflow.ops import linalg_ops
from graphflow.ops import math_grad


def _products(a, b, g, ta, tb, mm):
    if not ta and not tb:
        return mm(g, b, False, True), mm(a, g, True, False)
    if not ta and tb:
        return mm(g, b, False, False), mm(g, a, True, False)
    if ta and not tb:
        return mm(b, g, False, True), mm(a, g, False, False)
    return mm(b, g, True, True), mm(g, a, True, True)


def _matmul(x, y, tx, ty):
    return linalg_ops.matmul(x, y, transpose_a=tx, transpose_b=ty)


def _matmul_grad(op, grad):
    a, b = op.inputs
    return list(_products(a, b, grad, op.get_attr("transpose_a"), op.get_attr("transpose_b"),
                          _matmul))


def _batch_matmul_grad(op, grad):
    x, y = op.inputs
    gx, gy = _products(x, y, grad, op.get_attr("adj_x"), op.get_attr("adj_y"), _matmul)
    return [math_grad.unbroadcast(gx, x), math_grad.unbroadcast(gy, y)]


registry.set_gradient("MatMul", _matmul_grad)
registry.set_gradient("SparseMatMul", _matmul_grad)
for _type in ("BatchMatMulV2", "BatchMatMulV3"):
    if _type in registry.registered_ops():
        registry.set_gradient(_type, _batch_matmul_grad)
