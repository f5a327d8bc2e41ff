"""Symbolic reverse-mode differentiation: `tf.gradients` adds gradient nodes to the graph.

Gradient nodes are ordinary nodes under `gradients/` (one `<op name>_grad` scope per op), so
they run, export and show in TensorBoard like any other, and can be differentiated again.
"""

import collections

from graphflow import graph as graph_lib
from graphflow import registry
from graphflow.ops import array_ops
from graphflow.ops import constant_op
from graphflow.ops import math_ops


class UnconnectedGradients:
    NONE = "none"
    ZERO = "zero"


def _is_differentiable_dtype(dtype):
    return dtype.base_dtype.is_floating


def gradients(ys, xs, grad_ys=None, name="gradients", colocate_gradients_with_ops=False,
              gate_gradients=False, aggregation_method=None, stop_gradients=None,
              unconnected_gradients=UnconnectedGradients.NONE):
    """Symbolic derivatives of `sum(ys)` with respect to each tensor in `xs`.

    Args:
        ys: a Tensor or list of Tensors to differentiate (their gradients are summed).
        xs: a Tensor, Variable, or list of them.
        grad_ys: optional initial gradients, one per y (default: ones shaped like y).
        name: scope for the gradient nodes.
        stop_gradients: tensors treated as constants.
        unconnected_gradients: "none" (None for xs that ys do not depend on) or "zero".

    Returns:
        A list with one gradient Tensor (or None) per x.

    Raises:
        LookupError: an op on the path has no registered gradient (names its type).
        ValueError: grad_ys has the wrong length, or unconnected_gradients is unknown.
    """
    ys = _as_list(ys)
    xs = _as_list(xs)
    if unconnected_gradients not in (UnconnectedGradients.NONE, UnconnectedGradients.ZERO):
        raise ValueError(f"Unknown value for unconnected_gradients: {unconnected_gradients!r}")
    graph = _graph_of(ys + xs)
    with graph.as_default(), graph_lib.name_scope(name, "gradients", ys + xs) as scope:
        ys = [constant_op.convert_to_tensor(y, name="y") for y in ys]
        xs = [x._as_tensor(as_ref=True) if hasattr(x, "_as_tensor") else
              constant_op.convert_to_tensor(x, name="x") for x in xs]
        grad_ys = _default_grad_ys(ys, grad_ys)
        stops = {t.op for t in _as_list(stop_gradients or [])}
        between = _ops_between([y.op for y in ys], [x.op for x in xs])
        grads = collections.defaultdict(list)
        for y, g in zip(ys, grad_ys):
            grads[y].append(g)
        _backprop(ys, between, stops, grads, scope, gate_gradients)
        return [_result(x, grads.get(x), unconnected_gradients) for x in xs]


def _as_list(value):
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _graph_of(values):
    for v in values:
        g = getattr(v, "graph", None)
        if isinstance(g, graph_lib.Graph):
            return g
    return graph_lib.get_default_graph()


def _default_grad_ys(ys, grad_ys):
    if grad_ys is None:
        grad_ys = [None] * len(ys)
    grad_ys = _as_list(grad_ys)
    if len(grad_ys) != len(ys):
        raise ValueError(f"Passed {len(grad_ys)} grad_ys for {len(ys)} ys")
    result = []
    for i, (y, g) in enumerate(zip(ys, grad_ys)):
        if g is None:
            if not _is_differentiable_dtype(y.dtype):
                raise TypeError(f"Gradients of non-float tensor {y.name} (dtype "
                                f"{y.dtype.name}) are not defined; pass grad_ys explicitly.")
            from graphflow.ops import manip_ops
            shape = _shape_of(y)
            with graph_lib.name_scope(f"grad_ys_{i}") as scope:
                ones = constant_op.constant(1, dtype=y.dtype.base_dtype, name="Const")
                g = manip_ops.fill(shape, ones, name=scope)
        else:
            g = constant_op.convert_to_tensor(g, dtype=y.dtype.base_dtype, name=f"grad_ys_{i}")
        result.append(g)
    return result


def _ops_between(from_ops, to_ops):
    """Ops on some path from an op of `to_ops` (the xs) forward to an op of `from_ops` (ys)."""
    reached = set()
    stack = list(to_ops)
    while stack:
        op = stack.pop()
        if op in reached:
            continue
        reached.add(op)
        for t in op._outputs:
            stack.extend(c for c in t._consumers if c not in reached)
    between = set()
    stack = [op for op in from_ops if op in reached]
    while stack:
        op = stack.pop()
        if op in between:
            continue
        between.add(op)
        stack.extend(t.op for t in op._inputs if t.op in reached and t.op not in between)
    return between


def _backprop(ys, between, stops, grads, scope, gate_gradients=False):
    """Processes ops in reverse topological order (pending counts), as TF's _GradientsHelper."""
    pending = collections.Counter()
    for op in between:
        for t in op._inputs:
            if t.op in between:
                pending[t.op] += 1
    ready = [op for op in {y.op for y in ys} if pending[op] == 0]
    ready.sort(key=lambda o: -o._id)
    seen = set()
    while ready:
        op = ready.pop()
        if op in seen:
            continue
        seen.add(op)
        in_grads = _op_input_grads(op, grads, stops, between, gate_gradients)
        for t, g in zip(op._inputs, in_grads):
            if g is not None and _is_differentiable_dtype(t.dtype):
                grads[t].append(g)
            if t.op in between:
                pending[t.op] -= 1
                if pending[t.op] == 0:
                    ready.append(t.op)
        ready.sort(key=lambda o: -o._id)


def _op_input_grads(op, grads, stops, between, gate_gradients=False):
    """Aggregates op's output gradients and calls its gradient function."""
    out_grads = [_aggregate(grads.get(t)) for t in op._outputs]
    if all(g is None for g in out_grads) or op in stops:
        return [None] * len(op._inputs)
    if not any(_is_differentiable_dtype(t.dtype) for t in op._inputs):
        return [None] * len(op._inputs)
    grad_fn = op.op_def.grad
    if grad_fn is registry.NOT_DIFFERENTIABLE:
        return [None] * len(op._inputs)
    if grad_fn is None:
        raise LookupError(f"No gradient defined for operation '{op.name}' (op type: "
                          f"{op.type}). graphflow has no gradient registered for {op.type}; "
                          f"wrap the input in tf.stop_gradient if no gradient is needed.")
    with graph_lib.name_scope(op.name + "_grad"):
        out_grads = [g if g is not None else _zeros_for(t) for g, t in zip(out_grads, op._outputs)]
        result = grad_fn(op, *out_grads)
        result = list(result) if isinstance(result, (list, tuple)) else [result]
        if gate_gradients and sum(g is not None for g in result) > 1:
            # TF's GATE_OP: no input gradient is usable before all of them are computed, so
            # an update of one input cannot race a gradient that still reads it.
            result = array_ops.tuple_(result)
    if len(result) != len(op._inputs):
        raise ValueError(f"Gradient function for {op.type} returned {len(result)} gradients "
                         f"for {len(op._inputs)} inputs")
    return result


def _zeros_for(t):
    if not _is_differentiable_dtype(t.dtype):
        return None
    return _zeros_like(t)


def _shape_of(t):
    """A Const of t's shape when fully known (as TF's gradients/Shape), else a Shape node."""
    if t.shape.is_fully_defined():
        import numpy as np
        return constant_op.constant(np.array(t.shape.as_list(), dtype=np.int32), name="Shape")
    return array_ops.shape(t)


def _zeros_like(t):
    from graphflow.ops import manip_ops
    if t.dtype.is_ref_dtype:
        t = array_ops.identity(t)
    return manip_ops.zeros_like(t)


def _aggregate(items):
    if not items:
        return None
    if len(items) == 1:
        return items[0]
    return math_ops.add_n(items)


def _result(x, items, unconnected):
    g = _aggregate(items)
    if g is None and unconnected == UnconnectedGradients.ZERO:
        return _zeros_like(x)
    return g


def hessians(ys, xs, name="hessians", colocate_gradients_with_ops=False, gate_gradients=False,
             aggregation_method=None):
    """Second derivatives of `sum(ys)`, one Hessian per x of shape x.shape + x.shape.

    Built by differentiating each element of the gradient (fine for the small cases it is
    meant for: O(n) gradient graphs for n elements of x).
    """
    from graphflow.ops import manip_ops
    xs = _as_list(xs)
    result = []
    with graph_lib.name_scope(name):
        for x in xs:
            x_t = x.value() if hasattr(x, "value") and hasattr(x, "initializer") else x
            (grad,) = gradients(ys, [x])
            n = x_t.shape.num_elements()
            if n is None:
                raise ValueError("hessians needs a fully defined shape for each x, got "
                                 f"{x_t.shape}")
            flat = manip_ops.reshape(grad, [-1])
            rows = []
            for i in range(n):
                (row,) = gradients(flat[i], [x])
                rows.append(row if row is not None else _zeros_like(x_t))
            stacked = array_ops.stack(rows)
            result.append(manip_ops.reshape(stacked, x_t.shape.as_list() * 2))
    return result



# Gradient definitions of each op family, registered against their OpDefs.
from graphflow.ops import array_grad as _array_grad  # noqa: E402,F401
from graphflow.ops import math_grad as _math_grad  # noqa: E402,F401
from graphflow.ops import linalg_grad as _linalg_grad  # noqa: E402,F401
from graphflow.ops import manip_grad as _manip_grad  # noqa: E402,F401
from graphflow.ops import nn_grad as _nn_grad  # noqa: E402,F401
