"""Shape functions shared by op declarations (pure: input shapes and attrs in, shapes out)."""

from graphflow import tensor_shape
from graphflow.ops import constant_op


def unchanged(op):
    """Output 0 has the shape of input 0."""
    return [op.inputs[0].shape]


def scalar(op):
    return [tensor_shape.TensorShape([])]


def no_outputs(op):
    return []


def broadcast_shapes(a, b, op=None):
    """The numpy-broadcast of two TensorShapes; ValueError naming the op if incompatible."""
    if a.rank is None or b.rank is None:
        return tensor_shape.unknown_shape()
    da, db = a._values, b._values
    n = max(len(da), len(db))
    da = (1,) * (n - len(da)) + da
    db = (1,) * (n - len(db)) + db
    out = []
    for x, y in zip(da, db):
        if x == 1:
            out.append(y)
        elif y == 1:
            out.append(x)
        elif x is None:
            out.append(y)
        elif y is None or x == y:
            out.append(x)
        else:
            where = f" for '{{node {op.name}}} = {op.type}'" if op is not None else ""
            raise ValueError(f"Dimensions must be equal, but are {x} and {y}{where} with input "
                             f"shapes: {a.as_list()}, {b.as_list()}.")
    return tensor_shape.TensorShape(out)


def broadcast_binary(op):
    return [broadcast_shapes(op.inputs[0].shape, op.inputs[1].shape, op)]


def broadcast_all(op):
    shape = op.inputs[0].shape
    for t in op.inputs[1:]:
        shape = broadcast_shapes(shape, t.shape, op)
    return [shape]


def merge_all(op):
    """All inputs must have compatible shapes (AddN); the output is their merge."""
    shape = tensor_shape.unknown_shape()
    for t in op.inputs:
        try:
            shape = shape.merge_with(t.shape)
        except ValueError:
            raise ValueError(f"Shapes must be equal rank, but are {shape} and {t.shape} for "
                             f"'{op.name}' (op: '{op.type}')") from None
    return [shape]


def reduction(op):
    """Shape of reducing input 0 over the axes in input 1 (`keep_dims` attr)."""
    shape = op.inputs[0].shape
    keep = op.get_attr("keep_dims")
    axes = constant_op.constant_value(op.inputs[1])
    if axes is None:
        if keep and shape.rank is not None:
            return [tensor_shape.unknown_shape(shape.rank)]
        if not keep and shape.rank is not None and op.inputs[1].shape.num_elements() == 0:
            return [shape]
        return [tensor_shape.unknown_shape()]
    if shape.rank is None:
        return [tensor_shape.unknown_shape()]
    rank = shape.rank
    axes_set = set()
    for a in axes.reshape(-1).tolist():
        if not -rank <= a < max(rank, 1):
            raise ValueError(f"Invalid reduction dimension {a} for input with {rank} "
                             f"dimensions. for '{op.name}' (op: '{op.type}') with input shapes: "
                             f"{shape}, {op.inputs[1].shape}")
        axes_set.add(a % rank if rank else 0)
    dims = []
    for i, d in enumerate(shape._values):
        if i in axes_set:
            if keep:
                dims.append(1)
        else:
            dims.append(d)
    return [tensor_shape.TensorShape(dims)]


def normalize_axis(axis, rank, op_name, what="axis"):
    """Wraps a negative axis; ValueError when out of [-rank, rank)."""
    if not -rank <= axis < rank:
        raise ValueError(f"{what} {axis} is out of range for a tensor of rank {rank} "
                         f"(node '{op_name}')")
    return axis % rank
