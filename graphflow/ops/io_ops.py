"""Checkpoint ops with TensorFlow's signatures: SaveV2 and RestoreV2.

Their CPU kernels (`graphflow/kernels/cpu/io.py`) write and read graphflow's checkpoint file
(`graphflow/io/checkpoint_format.py`); RestoreV2 also reads TensorFlow's V2 checkpoints. A
`tf.train.Saver` builds them as TF1 does (`save/SaveV2`, `save/RestoreV2`, `save/Assign_*`),
so exported meta graphs carry a meaningful SaverDef.
"""

from graphflow import dtypes
from graphflow import registry
from graphflow import tensor_shape
from graphflow.op_builder import apply_op
from graphflow.ops import shape_fns


def _check_vector(op, index, what):
    shape = op.inputs[index].shape
    if shape.rank is not None and shape.rank != 1:
        raise ValueError(f"Shape must be rank 1 but is rank {shape.rank} for '{op.name}' "
                         f"(op: '{op.type}') input {what} with shape {shape}")
    return shape


def _check_io_inputs(op, count):
    """prefix is a scalar; tensor_names and shape_and_slices are vectors of `count`."""
    prefix = op.inputs[0].shape
    if prefix.rank is not None and prefix.rank != 0:
        raise ValueError(f"Shape must be rank 0 but is rank {prefix.rank} for '{op.name}' "
                         f"(op: '{op.type}') input prefix with shape {prefix}")
    for index, what in ((1, "tensor_names"), (2, "shape_and_slices")):
        shape = _check_vector(op, index, what)
        if shape.rank == 1 and shape._values[0] is not None and shape._values[0] != count:
            raise ValueError(f"Dimension 0 in {what} of '{op.name}' (op: '{op.type}') is "
                             f"{shape._values[0]}, expected {count} (one per tensor)")


def _save_shape(op):
    _check_io_inputs(op, len(op.get_attr("dtypes")))
    return shape_fns.no_outputs(op)


def _restore_shape(op):
    count = len(op.get_attr("dtypes"))
    _check_io_inputs(op, count)
    return [tensor_shape.unknown_shape()] * count


registry.register_op(
    "SaveV2", inputs=["prefix: string", "tensor_names: string", "shape_and_slices: string",
                      "tensors: dtypes"],
    attrs=["dtypes: list(type) >= 1"], shape_fn=_save_shape, grad=registry.NOT_DIFFERENTIABLE,
    stateful=True,
    doc="SaveV2: writes `tensors` under `tensor_names` to the checkpoint `prefix`.\n"
        "prefix: scalar; tensor_names, shape_and_slices: [N] (slices must be empty); no "
        "outputs.")

registry.register_op(
    "RestoreV2", inputs=["prefix: string", "tensor_names: string", "shape_and_slices: string"],
    outputs=["tensors: dtypes"], attrs=["dtypes: list(type) >= 1"], shape_fn=_restore_shape,
    grad=registry.NOT_DIFFERENTIABLE, stateful=True,
    doc="RestoreV2: reads `tensor_names` from the checkpoint `prefix`; output i has dtype "
        "dtypes[i] and the stored shape (unknown statically).")


def save_v2(prefix, tensor_names, shape_and_slices, tensors, name=None):
    """Saves `tensors` under `tensor_names` in the checkpoint `prefix` (op SaveV2).

    Args:
        prefix: scalar string Tensor: the checkpoint prefix (graphflow writes
            `prefix.gfckpt`).
        tensor_names: the names to store the tensors under (a list or 1-D string Tensor).
        shape_and_slices: one "" per tensor (graphflow stores whole tensors only).
        tensors: the tensors (or Variables) to save.
        name: optional op name.

    Returns:
        The SaveV2 Operation.
    """
    return apply_op("SaveV2", prefix=prefix, tensor_names=tensor_names,
                    shape_and_slices=shape_and_slices, tensors=list(tensors), name=name)


def restore_v2(prefix, tensor_names, shape_and_slices, dtypes_list, name=None):
    """Reads tensors from the checkpoint `prefix` (op RestoreV2).

    Args:
        prefix: scalar string Tensor: the checkpoint prefix.
        tensor_names: the names to read.
        shape_and_slices: one "" per tensor.
        dtypes_list: the dtype of each tensor; must match the stored dtypes.
        name: optional op name.

    Returns:
        A list of Tensors, one per name.
    """
    return apply_op("RestoreV2", prefix=prefix, tensor_names=tensor_names,
                    shape_and_slices=shape_and_slices,
                    dtypes=[dtypes.as_dtype(d) for d in dtypes_list], name=name)
