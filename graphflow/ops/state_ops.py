"""Variable storage and assignment ops: VariableV2, Assign, AssignAdd, AssignSub,
IsVariableInitialized. A variable's output has a reference dtype (`float32_ref`)."""

from graphflow import registry
from graphflow import tensor_shape
from graphflow.op_builder import apply_op
from graphflow.ops import shape_fns


def _variable_shape(op):
    return [op.get_attr("shape")]


registry.register_op(
    "VariableV2", outputs=["ref: Ref(dtype)"],
    attrs=["shape: shape", "dtype: type", "container: string = ''",
           "shared_name: string = ''"],
    shape_fn=_variable_shape, grad=registry.NOT_DIFFERENTIABLE, stateful=True,
    doc="VariableV2: a mutable tensor whose value persists across runs of one session.")


def _assign_shape(op):
    ref, value = op.inputs[0].shape, op.inputs[1].shape
    if op.get_attr("validate_shape"):
        try:
            return [ref.merge_with(value)]
        except ValueError:
            raise ValueError(f"Shapes must be equal rank, but are {ref.rank} and {value.rank} "
                             f"for '{op.name}' (op: 'Assign') with input shapes: {ref}, "
                             f"{value}.") if ref.rank != value.rank else ValueError(
                f"Dimension mismatch for '{op.name}' (op: 'Assign') with input shapes: {ref}, "
                f"{value}.") from None
    return [value]


registry.register_op(
    "Assign", inputs=["ref: Ref(T)", "value: T"], outputs=["output_ref: Ref(T)"],
    attrs=["T: type", "validate_shape: bool = true", "use_locking: bool = true"],
    shape_fn=_assign_shape, grad=registry.NOT_DIFFERENTIABLE, stateful=True,
    doc="Assign: ref = value; outputs ref (its new value).")


def _update_shape(op):
    ref, value = op.inputs[0].shape, op.inputs[1].shape
    try:
        return [ref.merge_with(value)]
    except ValueError:
        raise ValueError(f"Shapes {ref} and {value} are incompatible for '{op.name}' "
                         f"(op: '{op.type}')") from None


for _type, _math in (("AssignAdd", "ref += value"), ("AssignSub", "ref -= value")):
    registry.register_op(
        _type, inputs=["ref: Ref(T)", "value: T"], outputs=["output_ref: Ref(T)"],
        attrs=["T: {numbertype}", "use_locking: bool = false"], shape_fn=_update_shape,
        grad=registry.NOT_DIFFERENTIABLE, stateful=True,
        doc=f"{_type}: {_math} (same shapes); outputs ref.")

registry.register_op(
    "IsVariableInitialized", inputs=["ref: Ref(dtype)"], outputs=["is_initialized: bool"],
    attrs=["dtype: type"], shape_fn=shape_fns.scalar, grad=registry.NOT_DIFFERENTIABLE,
    stateful=True, doc="IsVariableInitialized: whether the variable holds a value.")


def variable_op_v2(shape, dtype, name="Variable", container="", shared_name=""):
    """Creates a VariableV2 node (the raw storage; use `tf.Variable` normally)."""
    return apply_op("VariableV2", shape=tensor_shape.as_shape(shape), dtype=dtype,
                    container=container, shared_name=shared_name, name=name)


def assign(ref, value, validate_shape=None, use_locking=None, name=None):
    """Assigns `value` to the variable `ref`; returns `ref` (its value after the assignment)."""
    kwargs = {}
    if validate_shape is not None:
        kwargs["validate_shape"] = validate_shape
    if use_locking is not None:
        kwargs["use_locking"] = use_locking
    if hasattr(ref, "_as_tensor") and not hasattr(ref, "op"):
        ref = ref._as_tensor(as_ref=True)
    return apply_op("Assign", ref=ref, value=value, name=name, **kwargs)


def assign_add(ref, value, use_locking=None, name=None):
    """ref += value; returns ref."""
    kwargs = {} if use_locking is None else {"use_locking": use_locking}
    return apply_op("AssignAdd", ref=ref, value=value, name=name, **kwargs)


def assign_sub(ref, value, use_locking=None, name=None):
    """ref -= value; returns ref."""
    kwargs = {} if use_locking is None else {"use_locking": use_locking}
    return apply_op("AssignSub", ref=ref, value=value, name=name, **kwargs)


def is_variable_initialized(ref, name=None):
    """A bool scalar: whether variable `ref` has been initialized in the running session."""
    dtype = ref.dtype.base_dtype
    return apply_op("IsVariableInitialized", ref=ref, dtype=dtype, name=name)
