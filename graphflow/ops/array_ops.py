"""Placeholders, identity, shape queries, packing and control-flow helpers.

Shape-manipulation ops (reshape, transpose, concat, slicing, gather, ...) live in
`graphflow/ops/manip_ops.py`.
"""


from graphflow import dtypes
from graphflow import graph as graph_lib
from graphflow import registry
from graphflow import tensor_shape
from graphflow.op_builder import apply_op
from graphflow.ops import constant_op
from graphflow.ops import shape_fns


def _placeholder_shape(op):
    return [op.get_attr("shape")]


registry.register_op(
    "Placeholder", outputs=["output: dtype"], attrs=["dtype: type", "shape: shape = unknown"],
    shape_fn=_placeholder_shape, grad=registry.NOT_DIFFERENTIABLE,
    doc="Placeholder: a value that must be fed when the graph runs.")


def _with_default_shape(op):
    return [op.get_attr("shape")]


registry.register_op(
    "PlaceholderWithDefault", inputs=["input: dtype"], outputs=["output: dtype"],
    attrs=["dtype: type", "shape: shape"], shape_fn=_with_default_shape,
    doc="PlaceholderWithDefault: `input` unless fed.")

registry.register_op("Identity", inputs=["input: T"], outputs=["output: T"], attrs=["T: type"],
                     shape_fn=shape_fns.unchanged, doc="Identity: output = input.")

registry.register_op(
    "StopGradient", inputs=["input: T"], outputs=["output: T"], attrs=["T: type"],
    shape_fn=shape_fns.unchanged, grad=registry.NOT_DIFFERENTIABLE,
    doc="StopGradient: output = input; gradients do not flow through it.")

registry.register_op("NoOp", shape_fn=shape_fns.no_outputs, grad=registry.NOT_DIFFERENTIABLE,
                     doc="NoOp: does nothing; used as a target with control inputs.")


def _shape_shape(op):
    rank = op.inputs[0].shape.rank
    return [tensor_shape.TensorShape([rank])]


registry.register_op(
    "Shape", inputs=["input: T"], outputs=["output: out_type"],
    attrs=["T: type", "out_type: {int32, int64} = int32"], shape_fn=_shape_shape,
    grad=registry.NOT_DIFFERENTIABLE, doc="Shape: the 1-D shape of `input`.")

registry.register_op(
    "Size", inputs=["input: T"], outputs=["output: out_type"],
    attrs=["T: type", "out_type: {int32, int64} = int32"], shape_fn=shape_fns.scalar,
    grad=registry.NOT_DIFFERENTIABLE, doc="Size: the number of elements of `input`.")

registry.register_op(
    "Rank", inputs=["input: T"], outputs=["output: int32"], attrs=["T: type"],
    shape_fn=shape_fns.scalar, grad=registry.NOT_DIFFERENTIABLE,
    doc="Rank: the number of dimensions of `input`.")


def _pack_shape(op):
    shape = tensor_shape.unknown_shape()
    for t in op.inputs:
        try:
            shape = shape.merge_with(t.shape)
        except ValueError:
            raise ValueError(f"Shapes must be equal rank, but are {shape} and {t.shape}: From "
                             f"merging shape of input to '{op.name}' (op: 'Pack')") from None
    if shape.rank is None:
        return [tensor_shape.unknown_shape()]
    axis = op.get_attr("axis")
    rank = shape.rank + 1
    axis = shape_fns.normalize_axis(axis, rank, op.name)
    dims = list(shape._values)
    dims.insert(axis, len(op.inputs))
    return [tensor_shape.TensorShape(dims)]


registry.register_op(
    "Pack", inputs=["values: N * T"], outputs=["output: T"],
    attrs=["N: int >= 1", "T: type", "axis: int = 0"], shape_fn=_pack_shape,
    doc="Pack: stacks N same-shaped tensors along a new axis `axis`.")


def _unpack_shape(op):
    shape = op.inputs[0].shape
    num = op.get_attr("num")
    if shape.rank is None:
        return [tensor_shape.unknown_shape()] * num
    axis = shape_fns.normalize_axis(op.get_attr("axis"), shape.rank, op.name)
    if shape._values[axis] is not None and shape._values[axis] != num:
        raise ValueError(f"Dimension must be {num} but is {shape._values[axis]} for "
                         f"'{op.name}' (op: 'Unpack') with input shapes: {shape}")
    dims = list(shape._values)
    del dims[axis]
    return [tensor_shape.TensorShape(dims)] * num


registry.register_op(
    "Unpack", inputs=["value: T"], outputs=["output: num * T"],
    attrs=["num: int >= 0", "T: type", "axis: int = 0"], shape_fn=_unpack_shape,
    doc="Unpack: splits `value` along `axis` into `num` tensors of rank one less.")


# ------------------------------------------------------------------------ public functions
def placeholder(dtype, shape=None, name=None):
    """A value to be fed to `Session.run` (op `Placeholder`).

    Args:
        dtype: element type.
        shape: optional static shape; None means any shape, and None entries any size.
        name: node name.
    Running a graph that needs an unfed placeholder raises InvalidArgumentError naming it.
    """
    shape = tensor_shape.as_shape(shape)
    return apply_op("Placeholder", dtype=dtypes.as_dtype(dtype), shape=shape, name=name)


def placeholder_with_default(input, shape, name=None):  # noqa: A002
    """`input` unless a value is fed (op `PlaceholderWithDefault`)."""
    input = constant_op.convert_to_tensor(input)
    return apply_op("PlaceholderWithDefault", input=input, dtype=input.dtype,
                    shape=tensor_shape.as_shape(shape), name=name)


def identity(input, name=None):  # noqa: A002
    """Returns a tensor with the same value as `input` (op `Identity`)."""
    return apply_op("Identity", input=input, name=name)


def stop_gradient(input, name=None):  # noqa: A002
    """Identity in the forward pass; blocks gradients (op `StopGradient`)."""
    return apply_op("StopGradient", input=input, name=name)


def no_op(name=None):
    """An op that does nothing (op `NoOp`)."""
    return apply_op("NoOp", name=name)


def shape(input, name=None, out_type=dtypes.int32):  # noqa: A002
    """The shape of `input` as a 1-D int32 (or int64) tensor: a Const when the static shape
    is fully known (as TF's `shape_internal` with optimize=True), else op `Shape`."""
    with graph_lib.name_scope(name, "Shape", [input]) as scope:
        input = constant_op.convert_to_tensor(input)
        if input.shape.is_fully_defined():
            return constant_op.constant(input.shape.as_list(), dtype=out_type, name=scope)
        return apply_op("Shape", input=input, out_type=out_type, name=scope)


def size(input, name=None, out_type=dtypes.int32):  # noqa: A002
    """The number of elements of `input`: a Const when statically known, else op `Size`."""
    with graph_lib.name_scope(name, "Size", [input]) as scope:
        input = constant_op.convert_to_tensor(input)
        n = input.shape.num_elements()
        if n is not None:
            return constant_op.constant(n, dtype=out_type, name=scope)
        return apply_op("Size", input=input, out_type=out_type, name=scope)


def rank(input, name=None):  # noqa: A002
    """The number of dimensions of `input`: a Const when statically known, else op `Rank`."""
    with graph_lib.name_scope(name, "Rank", [input]) as scope:
        input = constant_op.convert_to_tensor(input)
        if input.shape.rank is not None:
            return constant_op.constant(input.shape.rank, dtype=dtypes.int32, name=scope)
        return apply_op("Rank", input=input, name=scope)


def stack(values, axis=0, name="stack"):
    """Stacks a list of rank-R tensors into one rank-(R+1) tensor along `axis` (op `Pack`)."""
    with graph_lib.name_scope(name) as scope:
        values = [constant_op.convert_to_tensor(v, name=f"values_{i}" if i else "values")
                  if not isinstance(v, graph_lib.Tensor) else v for i, v in enumerate(values)]
        return apply_op("Pack", values=values, axis=axis, name=scope)


pack = stack


def unstack(value, num=None, axis=0, name="unstack"):
    """Splits `value` along `axis` into a list of tensors (op `Unpack`).

    Raises:
        ValueError: `num` is not given and the dimension is unknown.
    """
    value = constant_op.convert_to_tensor(value)
    if num is None:
        shape = value.shape
        if shape.rank is None:
            raise ValueError(f"Cannot infer argument `num` from shape {shape}")
        axis_n = shape_fns.normalize_axis(axis, shape.rank, value.op.name)
        num = shape._values[axis_n]
        if num is None:
            raise ValueError(f"Cannot infer argument `num` from shape {shape}")
    return apply_op("Unpack", value=value, num=num, axis=axis, name=name)


unpack = unstack


def pack_nested(values, dtype=None, name="packed"):
    """Converts a nested list holding Tensors into one tensor with Pack ops (as TF does)."""
    with graph_lib.name_scope(name) as scope:
        items = []
        for i, v in enumerate(values):
            if isinstance(v, (list, tuple)):
                items.append(pack_nested(v, dtype=dtype, name=str(i)))
            else:
                items.append(constant_op.convert_to_tensor(v, dtype=dtype, name=str(i)))
        return apply_op("Pack", values=items, axis=0, name=scope)


def group(*inputs, **kwargs):
    """A NoOp that runs after all `inputs` (control dependencies only)."""
    name = kwargs.pop("name", None)
    if kwargs:
        raise TypeError(f"Unknown keyword arguments: {list(kwargs)}")
    flat = []
    for item in inputs:
        flat.extend(item if isinstance(item, (list, tuple)) else [item])
    graph = graph_lib.get_default_graph()
    with graph_lib.name_scope(name, "group_deps", flat) as scope:
        with graph.control_dependencies(flat):
            return no_op(name=scope)


def with_dependencies(dependencies, output_tensor, name=None):
    """An Identity of `output_tensor` that runs only after `dependencies` (TF's name
    `control_dependency`)."""
    with graph_lib.name_scope(name, "control_dependency",
                              list(dependencies) + [output_tensor]) as scope:
        with graph_lib.control_dependencies(dependencies):
            return identity(output_tensor, name=scope)


def tuple_(tensors, name=None, control_inputs=None):
    """Tensors with the same values as `tensors`, each available only after all of them are
    (TF's `tf.tuple`: a `group_deps` NoOp and `control_dependency` Identities)."""
    with graph_lib.name_scope(name, "tuple", [t for t in tensors if t is not None]):
        gating = [t.op for t in tensors if t is not None]
        gating.extend(_as_ops(control_inputs or []))
        gate = group(*gating)
        return [None if t is None else with_dependencies([gate], t) for t in tensors]


def _as_ops(items):
    return [getattr(item, "op", item) for item in items]
