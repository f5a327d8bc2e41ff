"""CPU kernels of SaveV2 and RestoreV2: graphflow's checkpoint file (and TF's, for reading).

Arguments are checked in Python with TF's messages before any file is touched; file problems
become `NotFoundError` (missing file or key) or `DataLossError` (corruption).
"""

import os

import numpy as np

from graphflow import dtypes
from graphflow import errors
from graphflow import lazy
from graphflow.kernels import checks
from graphflow.kernels import registry

checkpoint_format = lazy.module("graphflow.io.checkpoint_format")


def _prefix_string(prefix):
    if prefix.ndim != 0:
        raise checks.invalid(f"Input prefix should have a single element, got "
                             f"{prefix.size} in shape {list(prefix.shape)}")
    value = prefix[()]
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def _names(tensor_names, shape_and_slices, count):
    """The tensor names as str; every slice spec must be empty (whole tensors)."""
    for what, arr in (("tensor_names", tensor_names), ("shape_and_slices", shape_and_slices)):
        if arr.shape != (count,):
            raise checks.invalid(f"Input {what} should be a vector of {count} elements, got "
                                 f"shape {list(arr.shape)}")
    for spec in shape_and_slices:
        if spec:
            raise errors.UnimplementedError(
                None, None, f"graphflow checkpoints store whole tensors; slice spec "
                f"{spec!r} is not supported")
    return [n.decode("utf-8") if isinstance(n, bytes) else str(n) for n in tensor_names]


def _make_parent_directory(path):
    """Like TF's bundle writer: the checkpoint's directory is created, one level only."""
    parent = os.path.dirname(path)
    if parent:
        try:
            os.mkdir(parent)
        except FileExistsError:
            pass


@registry.register("SaveV2")
def _save_v2(node, state):
    count = len(node.get_attr("dtypes"))

    def run(prefix, tensor_names, shape_and_slices, *tensors):
        path = _prefix_string(prefix)
        names = _names(tensor_names, shape_and_slices, count)
        try:
            _make_parent_directory(path)
            checkpoint_format.write(path, names, tensors)
        except FileNotFoundError as err:
            raise errors.NotFoundError(None, None, f"Failed to create a NewWriteableFile: "
                                       f"{err.filename} : No such file or directory") from None
        except OSError as err:
            raise errors.UnknownError(None, None, f"Failed to write checkpoint {path}: "
                                      f"{err}") from None
        return ()
    return run


@registry.register("RestoreV2")
def _restore_v2(node, state):
    wanted = [d.base_dtype for d in node.get_attr("dtypes")]

    def run(prefix, tensor_names, shape_and_slices):
        reader = checkpoint_format.open_reader(_prefix_string(prefix))
        names = _names(tensor_names, shape_and_slices, len(wanted))
        results = []
        for name, dtype in zip(names, wanted):
            stored = reader.dtype(name)
            if stored != dtype:
                raise checks.invalid(f"tensor_name = {name}; expected dtype {dtype.tf_name} "
                                     f"does not equal original dtype {stored.tf_name}")
            value = reader.read(name)
            results.append(np.asarray(value, dtype=dtypes.as_dtype(dtype).as_numpy_dtype))
        return tuple(results)
    return run
