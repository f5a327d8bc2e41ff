"""Matrix products: `MatMul`, `BatchMatMulV2`, `BatchMatMulV3`, `SparseMatMul` and tensordot.

`tf.matmul` picks the op as TF 2.x does: rank-2 (or statically known rank <= 2) operands give
`MatMul` (attrs transpose_a/transpose_b), anything else `BatchMatMulV2` (adj_x/adj_y with
numpy-broadcast batch dimensions); an `output_type` other than the inputs' dtype gives
`BatchMatMulV3`, and `a_is_sparse`/`b_is_sparse` on float32 matrices give `SparseMatMul`.
For real dtypes the adjoint is the transpose, so TF's `conj` calls add no node.
"""

import builtins

import numpy as np

from graphflow import dtypes
from graphflow import graph as graph_lib
from graphflow import registry
from graphflow import tensor_shape
from graphflow.op_builder import apply_op
from graphflow.ops import constant_op


# ------------------------------------------------------------------------ shape functions
def _dims_text(shape):
    if shape.rank is None:
        return "?"
    return "[" + ",".join("?" if d is None else str(d) for d in shape._values) + "]"


def _attr_text(value):
    if isinstance(value, builtins.bool):
        return "true" if value else "false"
    if isinstance(value, dtypes.DType):
        return "DT_" + value.tf_name.upper()
    return str(value)


def _node_text(op):
    """TF's description of a node in shape errors: `{{node N}} = Op[attrs](inputs)`."""
    attrs = ", ".join(f"{k}={_attr_text(v)}" for k, v in sorted(op._attrs.items()))
    inputs = ", ".join(t.op.name if t.value_index == 0 else t.name for t in op.inputs)
    shapes = ", ".join(_dims_text(t.shape) for t in op.inputs)
    return (f"for '{{{{node {op.name}}}}} = {op.type}[{attrs}]({inputs})' with input shapes: "
            f"{shapes}.")


def _merge_dim(x, y, op):
    """Two dimensions that must be equal (None is unknown); ValueError naming the node."""
    if x is None:
        return y
    if y is None or x == y:
        return x
    raise ValueError(f"Dimensions must be equal, but are {x} and {y} {_node_text(op)}")


def _broadcast_dim(x, y, op):
    if x == 1:
        return y
    if y == 1:
        return x
    return _merge_dim(x, y, op)


def _matrix_dims(shape, transposed):
    """(rows, cols) of the matrix part of `shape` after an optional transpose."""
    rows, cols = shape._values[-2:]
    return (cols, rows) if transposed else (rows, cols)


def _matmul_shape(op):
    """[m, k] x [k, n] -> [m, n]; both inputs must be rank 2 with equal inner dimensions."""
    a, b = (t.shape for t in op.inputs)
    for shape in (a, b):
        if shape.rank is not None and shape.rank != 2:
            raise ValueError(f"Shape must be rank 2 but is rank {shape.rank} {_node_text(op)}")
    a = a if a.rank is not None else tensor_shape.unknown_shape(2)
    b = b if b.rank is not None else tensor_shape.unknown_shape(2)
    rows, inner_a = _matrix_dims(a, op._attrs["transpose_a"])
    inner_b, cols = _matrix_dims(b, op._attrs["transpose_b"])
    _merge_dim(inner_a, inner_b, op)
    return [tensor_shape.TensorShape([rows, cols])]


def _batch_matmul_shape(op):
    """[..., m, k] x [..., k, n] -> [broadcast(...), m, n]."""
    x, y = (t.shape for t in op.inputs)
    for shape in (x, y):
        if shape.rank is not None and shape.rank < 2:
            raise ValueError(f"Shape must be at least rank 2 but is rank {shape.rank} "
                             f"{_node_text(op)}")
    if x.rank is None or y.rank is None:
        return [tensor_shape.unknown_shape()]
    rows, inner_x = _matrix_dims(x, op._attrs["adj_x"])
    inner_y, cols = _matrix_dims(y, op._attrs["adj_y"])
    bx, by = x._values[:-2], y._values[:-2]
    n = max(len(bx), len(by))
    bx = (1,) * (n - len(bx)) + bx
    by = (1,) * (n - len(by)) + by
    batch = [_broadcast_dim(dx, dy, op) for dx, dy in zip(bx, by)]
    _merge_dim(inner_x, inner_y, op)
    return [tensor_shape.TensorShape(batch + [rows, cols])]


# ------------------------------------------------------------------------ declarations
_MATMUL_TYPES = "{half, float, double, int32, int64, uint8, uint16, uint32, uint64}"
_BATCH_TYPES = "{half, float, double, int16, int32, int64, uint8, uint16, uint32, uint64}"

registry.register_op(
    "MatMul", inputs=["a: T", "b: T"], outputs=["product: T"],
    attrs=["transpose_a: bool = false", "transpose_b: bool = false", f"T: {_MATMUL_TYPES}",
           "grad_a: bool = false", "grad_b: bool = false"],
    shape_fn=_matmul_shape,
    doc="MatMul: product = op(a) @ op(b), op the transpose when transpose_a/transpose_b.\n"
        "Shapes [m, k] x [k, n] -> [m, n]. dtype: T of both inputs. Gradient: "
        "da = g @ b^T, db = a^T @ g (transposes adjusted).")

registry.register_op(
    "BatchMatMulV2", inputs=["x: T", "y: T"], outputs=["output: T"],
    attrs=[f"T: {_BATCH_TYPES}", "adj_x: bool = false", "adj_y: bool = false",
           "grad_x: bool = false", "grad_y: bool = false"],
    shape_fn=_batch_matmul_shape,
    doc="BatchMatMulV2: output[..., :, :] = adj(x)[..., :, :] @ adj(y)[..., :, :] with numpy "
        "broadcasting of the batch dimensions. Gradient: as MatMul per batch, summed over "
        "broadcast batch dimensions.")

_V3_IN = "{half, float, double, uint8, int8, int16, int32, int64}"
registry.register_op(
    "BatchMatMulV3", inputs=["x: Ta", "y: Tb"], outputs=["output: Tout"],
    attrs=[f"Ta: {_V3_IN}", f"Tb: {_V3_IN}", "Tout: {half, float, double, int16, int32, int64}",
           "adj_x: bool = false", "adj_y: bool = false", "grad_x: bool = false",
           "grad_y: bool = false"],
    shape_fn=_batch_matmul_shape,
    doc="BatchMatMulV3: BatchMatMulV2 with inputs of dtypes Ta, Tb and output dtype Tout "
        "(the product is computed in Tout).")

registry.register_op(
    "SparseMatMul", inputs=["a: Ta", "b: Tb"], outputs=["product: float"],
    attrs=["transpose_a: bool = false", "transpose_b: bool = false",
           "a_is_sparse: bool = false", "b_is_sparse: bool = false",
           "Ta: {float} = float", "Tb: {float} = float"],
    shape_fn=_matmul_shape,
    doc="SparseMatMul: MatMul of float32 matrices hinted to hold many zeros (the hint only "
        "changes the algorithm, never the value).")


# ------------------------------------------------------------------------ public functions
def _conj(x):
    """TF's `conj` for real tensors: the tensor itself (no node); TypeError for non-numbers."""
    if not (x.dtype.is_floating or x.dtype.is_integer):
        raise TypeError(f"Expected numeric or variant tensor, got dtype {x.dtype!r}")
    return x


def _check_flags(transpose, adjoint, which):
    if transpose and adjoint:
        raise ValueError(f"Only one of `transpose_{which}` and `adjoint_{which}` can be True. "
                         f"Received `transpose_{which}`={transpose}, "
                         f"`adjoint_{which}`={adjoint}.")


def _may_be_batched(shape):
    return shape.rank is None or shape.rank > 2


def matmul(a, b, transpose_a=False, transpose_b=False, adjoint_a=False, adjoint_b=False,
           a_is_sparse=False, b_is_sparse=False, output_type=None, name=None, grad_a=False,
           grad_b=False):
    """Multiplies matrix `a` by matrix `b` (the last two dimensions), producing `a @ b`.

    Rank-2 operands give a `MatMul` node; operands of higher (or unknown) rank give
    `BatchMatMulV2`, whose leading dimensions broadcast like numpy's.

    Args:
        a: Tensor of rank >= 2 (float16/32/64, int32, int64 or unsigned ints for MatMul).
        b: Tensor of a's dtype (Python values are converted to it).
        transpose_a: transpose the last two dimensions of `a` first.
        transpose_b: transpose the last two dimensions of `b` first.
        adjoint_a: conjugate-transpose `a` first (the transpose for real dtypes).
        adjoint_b: conjugate-transpose `b` first.
        a_is_sparse: hint that `a` holds many zeros (float32 rank-2 only: `SparseMatMul`).
        b_is_sparse: hint that `b` holds many zeros.
        output_type: output dtype; one other than the inputs' gives `BatchMatMulV3`.
        name: optional name of the operation (default "MatMul").
        grad_a: attr marking a gradient node (TF 2.x); has no effect on the value.
        grad_b: attr marking a gradient node (TF 2.x); has no effect on the value.

    Returns:
        A Tensor `[..., m, n]` of a's dtype (or `output_type`).

    Raises:
        ValueError: both transpose_x and adjoint_x are set, a rank is below 2, or the inner
            dimensions (or batch dimensions) are statically incompatible.
        TypeError: a and b have different dtypes, or a dtype the op does not accept.
    """
    with graph_lib.name_scope(name, "MatMul", [a, b]) as name:
        _check_flags(transpose_a, adjoint_a, "a")
        _check_flags(transpose_b, adjoint_b, "b")
        a = constant_op.convert_to_tensor(a, name="a")
        b = constant_op.convert_to_tensor(b, dtype_hint=a.dtype.base_dtype, name="b")
        if output_type is not None:
            output_type = dtypes.as_dtype(output_type)
        use_v3 = output_type is not None and (output_type != a.dtype.base_dtype
                                              or output_type != b.dtype.base_dtype)
        batched = _may_be_batched(a.shape) or _may_be_batched(b.shape)
        if not (a_is_sparse or b_is_sparse) and batched:
            adj_x, adj_y = transpose_a or adjoint_a, transpose_b or adjoint_b
            if transpose_a:
                a = _conj(a)
            if transpose_b:
                b = _conj(b)
            return _batch_matmul(a, b, adj_x, adj_y, output_type if use_v3 else None,
                                 grad_a, grad_b, name)
        if adjoint_a:
            a = _conj(a)
        if adjoint_b:
            b = _conj(b)
        transpose_a = transpose_a or adjoint_a
        transpose_b = transpose_b or adjoint_b
        if (a_is_sparse or b_is_sparse) and a.dtype.base_dtype == dtypes.float32 \
                and b.dtype.base_dtype == dtypes.float32:
            return sparse_matmul(a, b, transpose_a=transpose_a, transpose_b=transpose_b,
                                 a_is_sparse=a_is_sparse, b_is_sparse=b_is_sparse, name=name)
        if use_v3:
            return _batch_matmul(a, b, transpose_a, transpose_b, output_type, grad_a, grad_b,
                                 name)
        return apply_op("MatMul", a=a, b=b, transpose_a=transpose_a, transpose_b=transpose_b,
                        grad_a=grad_a, grad_b=grad_b, name=name)


def _batch_matmul(x, y, adj_x, adj_y, output_type, grad_x, grad_y, name):
    if output_type is None:
        return apply_op("BatchMatMulV2", x=x, y=y, adj_x=adj_x, adj_y=adj_y, grad_x=grad_x,
                        grad_y=grad_y, name=name)
    return apply_op("BatchMatMulV3", x=x, y=y, Tout=output_type, adj_x=adj_x, adj_y=adj_y,
                    grad_x=grad_x, grad_y=grad_y, name=name)


def sparse_matmul(a, b, transpose_a=False, transpose_b=False, a_is_sparse=False,
                  b_is_sparse=False, name=None):
    """`tf.sparse_matmul` (deprecated in TF in favour of tf.matmul): op `SparseMatMul`.

    Args:
        a: float32 matrix.
        b: float32 matrix.
        transpose_a: transpose `a` first.
        transpose_b: transpose `b` first.
        a_is_sparse: hint that `a` holds many zeros.
        b_is_sparse: hint that `b` holds many zeros.
        name: optional node name.

    Returns:
        The float32 product matrix.

    Raises:
        ValueError: an input is not rank 2 or the inner dimensions differ.
    """
    return apply_op("SparseMatMul", a=a, b=b, transpose_a=transpose_a, transpose_b=transpose_b,
                    a_is_sparse=a_is_sparse, b_is_sparse=b_is_sparse, name=name)


def tensordot(a, b, axes, name=None):
    """Placeholder replaced below."""
    raise NotImplementedError
