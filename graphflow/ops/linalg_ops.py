"""Matrix products: `MatMul`, `BatchMatMulV2`, `BatchMatMulV3`, `SparseMatMul` and tensordot.

`tf.matmul` picks the op as TF 2.x does: rank-2 (or statically known rank <= 2) operands give
`MatMul` (attrs transpose_a/transpose_b), anything else `BatchMatMulV2` (adj_x/adj_y with
numpy-broadcast batch dimensions); an `output_type` other than the inputs' dtype gives
`BatchMatMulV3`, and `a_is_sparse`/`b_is_sparse` on float32 matrices give `SparseMatMul`.
For real dtypes the adjoint is the transpose, so TF's `conj` calls add no node.
"""

import builtins
import numbers

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
        return _matrix_matmul(a, b, transpose_a or adjoint_a, transpose_b or adjoint_b,
                              (a_is_sparse, b_is_sparse), output_type if use_v3 else None,
                              (grad_a, grad_b), name)


def _matrix_matmul(a, b, transpose_a, transpose_b, sparse, output_type, grads, name):
    """The rank-2 branch of matmul: SparseMatMul, BatchMatMulV3 or MatMul, as TF picks."""
    float32 = a.dtype.base_dtype == dtypes.float32 and b.dtype.base_dtype == dtypes.float32
    if any(sparse) and float32:
        return sparse_matmul(a, b, transpose_a=transpose_a, transpose_b=transpose_b,
                             a_is_sparse=sparse[0], b_is_sparse=sparse[1], name=name)
    if output_type is not None:
        return _batch_matmul(a, b, transpose_a, transpose_b, output_type, *grads, name)
    return apply_op("MatMul", a=a, b=b, transpose_a=transpose_a, transpose_b=transpose_b,
                    grad_a=grads[0], grad_b=grads[1], name=name)


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



# ------------------------------------------------------------------------ tensordot
def tensordot(a, b, axes, name=None):
    """Tensor contraction of `a` and `b` over `axes`, built as TF builds it from MatMul.

    `a` is transposed so that its free axes come first and reshaped to a matrix, `b` likewise
    with its contracted axes first; their MatMul is reshaped to `a_free + b_free`. Fully known
    shapes give constant perms and shapes (and skip identity transposes and reshapes); partly
    known ones compute the shapes with Shape, GatherV2, Prod, ConcatV2 and Pack, as TF does.

    Args:
        a: Tensor.
        b: Tensor of a's dtype.
        axes: an int N (the last N axes of `a` with the first N of `b`), a pair of lists of
            axes `[a_axes, b_axes]` (or a pair of ints), or an int32 Tensor of shape [2, k].
        name: optional name (default "Tensordot").

    Returns:
        A Tensor of a's dtype with the free dimensions of `a`, then those of `b`.

    Raises:
        ValueError: `axes` is negative or larger than a's rank, is not an int or a pair, or
            its two lists differ in length; or the contracted dimensions differ.
        IndexError: an axis exceeds the rank of its tensor.
    """
    from graphflow.ops import manip_ops
    with graph_lib.name_scope(name, "Tensordot", [a, b, axes]) as name:
        a = constant_op.convert_to_tensor(a, name="a")
        b = constant_op.convert_to_tensor(b, name="b")
        a_axes, b_axes = _tensordot_axes(a, axes)
        a_matrix, a_free, a_free_static = _tensordot_reshape(a, a_axes)
        b_matrix, b_free, b_free_static = _tensordot_reshape(b, b_axes, flipped=True)
        product = matmul(a_matrix, b_matrix)
        if isinstance(a_free, list) and isinstance(b_free, list):
            if product.shape.is_fully_defined() and product.shape.as_list() == a_free + b_free:
                return product
            return manip_ops.reshape(product, a_free + b_free, name=name)
        a_free = constant_op.convert_to_tensor(a_free, dtype=dtypes.int32)
        b_free = constant_op.convert_to_tensor(b_free, dtype=dtypes.int32)
        result = manip_ops.reshape(product, manip_ops.concat([a_free, b_free], 0), name=name)
        if a_free_static is not None and b_free_static is not None:
            result.set_shape(a_free_static + b_free_static)
        return result


def _is_int(value):
    return isinstance(value, (numbers.Integral, np.integer))


def _tensordot_axes(a, axes):
    """The contracted axes of `a` and of `b`: lists of ints, or int32 tensors."""
    from graphflow.ops import math_ops
    if _is_int(axes):
        if axes < 0:
            raise ValueError(f"`axes` must be at least 0. Received: {axes}.")
        rank = a.shape.rank
        if rank is not None:
            if axes > rank:
                raise ValueError(f"`axes` must not be larger than the number of dimensions of "
                                 f"tensor {a}.  Received {axes}, vs tensor dimensions {rank}.")
            return list(builtins.range(rank - axes, rank)), list(builtins.range(axes))
        from graphflow.ops import array_ops
        rank = array_ops.rank(a)
        return (math_ops.range(rank - axes, rank, dtype=dtypes.int32),
                math_ops.range(axes, dtype=dtypes.int32))
    if isinstance(axes, (list, tuple)):
        if len(axes) != 2:
            raise ValueError(f"`axes` must be an integer or have length 2. Received {axes}.")
        a_axes, b_axes = axes
        if _is_int(a_axes) and _is_int(b_axes):
            a_axes, b_axes = [a_axes], [b_axes]
        if len(a_axes) != len(b_axes):
            raise ValueError(f"Different number of contraction axes `a` and `b`, "
                             f"{len(a_axes)} != {len(b_axes)}.")
        return a_axes, b_axes
    axes = constant_op.convert_to_tensor(axes, name="axes", dtype=dtypes.int32)
    return axes[0], axes[1]


def _tensordot_reshape(a, axes, flipped=False):
    """(a as a matrix, a's free dims, their static value or None), as TF's helper.

    The free dims are a list of ints when a's shape is fully known, else an int32 tensor.
    """
    from graphflow.ops import manip_ops
    if a.shape.is_fully_defined() and isinstance(axes, (list, tuple)):
        shape = a.shape.as_list()
        axes = [i if i >= 0 else i + len(shape) for i in axes]
        free = [i for i in builtins.range(len(shape)) if i not in axes]
        free_dims = [shape[i] for i in free]
        prod_free = int(np.prod([shape[i] for i in free]))
        prod_axes = int(np.prod([shape[i] for i in axes]))
        perm = list(axes) + free if flipped else free + list(axes)
        new_shape = [prod_axes, prod_free] if flipped else [prod_free, prod_axes]
        if perm != list(builtins.range(len(shape))):
            a = manip_ops.transpose(a, perm)
        if a.shape.as_list() != new_shape:
            a = manip_ops.reshape(a, new_shape)
        return a, free_dims, free_dims
    shape_a, free, axes, free_static = _dynamic_free_axes(a, axes)
    matrix, free_dims = _dynamic_matrix(a, shape_a, free, axes, flipped)
    return matrix, free_dims, free_static


def _dynamic_free_axes(a, axes):
    """(Shape(a), free axes, contracted axes, static free dims or None) as int32 tensors."""
    from graphflow.ops import array_ops
    from graphflow.ops import math_ops
    if a.shape.rank is not None and isinstance(axes, (list, tuple)):
        shape = a.shape.as_list()
        axes = [i if i >= 0 else i + len(shape) for i in axes]
        free = [i for i in builtins.range(len(shape)) if i not in axes]
        free_static = [shape[i] for i in free]
        axes = constant_op.convert_to_tensor(axes, dtype=dtypes.int32, name="axes")
        free = constant_op.convert_to_tensor(free, dtype=dtypes.int32, name="free")
        return array_ops.shape(a), free, axes, free_static
    shape_a = array_ops.shape(a)
    rank_a = array_ops.rank(a)
    axes = constant_op.convert_to_tensor(axes, dtype=dtypes.int32, name="axes")
    axes = math_ops.where(axes >= 0, axes, axes + rank_a)
    if "ListDiff" not in registry.registered_ops():
        raise NotImplementedError("tensordot of a tensor of unknown rank, or with `axes` given "
                                  "as a Tensor, needs the ListDiff op, which is not declared")
    free, _ = apply_op("ListDiff", x=math_ops.range(rank_a), y=axes, out_idx=dtypes.int32)
    return shape_a, free, axes, None


def _dynamic_matrix(a, shape_a, free, axes, flipped):
    """(`a` transposed and reshaped to a matrix by shapes computed in the graph, free dims)."""
    from graphflow.ops import array_ops
    from graphflow.ops import manip_ops
    from graphflow.ops import math_ops
    from graphflow.ops import slicing
    free_dims = slicing.gather(shape_a, free)
    axes_dims = slicing.gather(shape_a, axes)
    prod_free = math_ops.reduce_prod(free_dims)
    prod_axes = math_ops.reduce_prod(axes_dims)
    if flipped:
        perm = manip_ops.concat([axes, free], 0)
        new_shape = array_ops.stack([prod_axes, prod_free])
    else:
        perm = manip_ops.concat([free, axes], 0)
        new_shape = array_ops.stack([prod_free, prod_axes])
    return manip_ops.reshape(manip_ops.transpose(a, perm), new_shape), free_dims
