"""`tf.train.Saver` and meta-graph export/import, as in TF1.

A Saver adds TF1's nodes to the graph (`save/filename`, `save/Const`, `save/SaveV2`,
`save/control_dependency`, `save/RestoreV2`, `save/Assign*`, `save/restore_all`) and describes
them with a SaverDef, so an exported meta graph can be restored by a process that never ran
the model-building code. Checkpoints are graphflow's checksummed files (`<prefix>.gfckpt`,
see `graphflow/io/checkpoint_format.py`); restoring also reads TensorFlow's V2 checkpoints.
"""

import logging
import numbers
import os
import time

from graphflow import dtypes
from graphflow import errors
from graphflow import graph as graph_lib
from graphflow import variables as variables_lib
from graphflow.io import meta_graph
from graphflow.op_builder import apply_op
from graphflow.ops import array_ops
from graphflow.ops import io_ops
from graphflow.ops import state_ops
from graphflow.proto import meta_graph_pb2
from graphflow.train import checkpoint_management
from graphflow.train import training_util

SaverDef = meta_graph_pb2.SaverDef
_LOG = logging.getLogger("graphflow")


def _var_dict(var_list):
    """{checkpoint key: Variable}: keys are the variables' op names (or the dict's keys).

    Raises:
        ValueError: two variables share a name, or an entry is not a variable.
    """
    if isinstance(var_list, dict):
        return dict(var_list)
    result = {}
    for var in var_list:
        if not isinstance(var, variables_lib.Variable) and not (
                isinstance(var, graph_lib.Tensor) and var.dtype.is_ref_dtype):
            raise TypeError(f"Variable to save is not a Variable: {var}")
        name = var.op.name
        if name in result:
            raise ValueError(f"At least two variables have the same name: {name}")
        result[name] = var
    return result


def _ref_of(var):
    return var._ref() if isinstance(var, variables_lib.Variable) else var


def _build_saver_def(names_to_vars, name, filename):
    """Adds the save and restore nodes (TF1's names) and returns their SaverDef."""
    keys = sorted(names_to_vars)
    refs = [_ref_of(names_to_vars[k]) for k in keys]
    graph = refs[0].graph
    with graph.as_default(), graph_lib.name_scope(name, "save", [r.op for r in refs]):
        filename_tensor = apply_op("PlaceholderWithDefault", input=filename or "model",
                                   dtype=dtypes.string, shape=[], name="filename")
        filename_tensor = apply_op("PlaceholderWithDefault", input=filename_tensor,
                                   dtype=dtypes.string, shape=[], name="Const")
        save = io_ops.save_v2(filename_tensor, keys, [""] * len(keys), refs)
        with graph.control_dependencies([save]):
            save_tensor = array_ops.identity(filename_tensor, name="control_dependency")
        restored = io_ops.restore_v2(filename_tensor, keys, [""] * len(keys),
                                     [r.dtype.base_dtype for r in refs])
        assigns = [state_ops.assign(ref, value, validate_shape=ref.shape.is_fully_defined())
                   for ref, value in zip(refs, restored)]
        restore_op = array_ops.group(*assigns, name="restore_all")
    return SaverDef(filename_tensor_name=filename_tensor.name,
                    save_tensor_name=save_tensor.name, restore_op_name=restore_op.name,
                    version=SaverDef.V2)


def _restore_error(err, verbiage):
    """TF's wrapping of a failed restore, naming the variable when an Assign failed."""
    message = (f"Restoring from checkpoint failed. This is most likely due to {verbiage} from "
               "the checkpoint. Please ensure that you have not altered the graph expected "
               f"based on the checkpoint. Original error:\n\n{err.message}")
    op = err.op
    if op is not None and op.type == "Assign":
        message += f"\n\nVariable: '{op.inputs[0].op.name}' (restored by node '{op.name}')"
    return type(err)(err.node_def, err.op, message)


class Saver:
    """Saves and restores variables (`tf.train.Saver`).

    Args:
        var_list: Variables to save: a list (keyed by op name), a dict {key: Variable}, or
            None for all global variables.
        max_to_keep: how many recent checkpoints to keep (None or 0: all).
        keep_checkpoint_every_n_hours: additionally keep one checkpoint per this period.
        name: name scope of the save/restore nodes (default "save").
        saver_def: rebuild the Saver around existing nodes (used by `import_meta_graph`).
        defer_build: do not add nodes until `build()`.
        allow_empty: with no variables, do nothing instead of raising.
        pad_step_number: write `-00000007` instead of `-7` for global steps.
        save_relative_paths: write relative paths into the `checkpoint` state file.
        filename: default checkpoint path of the `save/filename` node.
        reshape, sharded, restore_sequentially, builder, write_version: accepted for TF
            compatibility (graphflow writes one unsharded V2-style checkpoint).

    Raises:
        ValueError: no variables to save (without `allow_empty`), or duplicate names.
    """

    def __init__(self, var_list=None, reshape=False, sharded=False, max_to_keep=5,
                 keep_checkpoint_every_n_hours=10000.0, name=None, restore_sequentially=False,
                 saver_def=None, builder=None, defer_build=False, allow_empty=False,
                 write_version=SaverDef.V2, pad_step_number=False, save_relative_paths=False,
                 filename=None):
        del reshape, sharded, restore_sequentially, builder, write_version
        self._var_list = var_list
        self._max_to_keep = max_to_keep
        self._keep_every_n_hours = keep_checkpoint_every_n_hours
        self._name = name
        self._allow_empty = allow_empty
        self._pad_step_number = pad_step_number
        self._save_relative_paths = save_relative_paths
        self._filename = filename
        self._last_checkpoints = []
        self._checkpoints_to_be_deleted = []
        self._next_checkpoint_time = time.time() + keep_checkpoint_every_n_hours * 3600
        self._is_empty = False
        self.saver_def = saver_def
        self._is_built = False
        if saver_def is not None or not defer_build:
            self.build()

    def build(self):
        """Adds the save/restore nodes (once)."""
        if self._is_built:
            return
        self._is_built = True
        if self.saver_def is not None:
            if self._name:
                self.saver_def = _prefixed_saver_def(self.saver_def, self._name)
            return
        var_list = self._var_list
        if var_list is None:
            var_list = variables_lib.global_variables()
        names_to_vars = _var_dict(var_list)
        if not names_to_vars:
            if self._allow_empty:
                self._is_empty = True
                return
            raise ValueError("No variables to save")
        self.saver_def = _build_saver_def(names_to_vars, self._name, self._filename)
        self.saver_def.max_to_keep = self._max_to_keep or 0
        self.saver_def.keep_checkpoint_every_n_hours = self._keep_every_n_hours

    # ------------------------------------------------------------ checkpoints kept
    @property
    def last_checkpoints(self):
        """The checkpoint prefixes not yet deleted, oldest first."""
        return [path for path, _ in self._last_checkpoints]

    def set_last_checkpoints(self, last_checkpoints):
        self._last_checkpoints = [(p, None) for p in last_checkpoints]

    def set_last_checkpoints_with_time(self, last_checkpoints_with_time):
        self._last_checkpoints = list(last_checkpoints_with_time)

    def recover_last_checkpoints(self, checkpoint_paths):
        """Takes over the checkpoints of an earlier process (those that still exist)."""
        times = checkpoint_management.get_checkpoint_mtimes(checkpoint_paths)
        existing = [p for p in checkpoint_paths if checkpoint_management.checkpoint_exists(p)]
        self.set_last_checkpoints_with_time(list(zip(existing, times)))

    def _record(self, path):
        if not self.saver_def.max_to_keep:
            return
        self._last_checkpoints = [(p, t) for p, t in self._last_checkpoints if p != path]
        self._last_checkpoints.append((path, time.time()))
        if len(self._last_checkpoints) > self.saver_def.max_to_keep:
            self._checkpoints_to_be_deleted.append(self._last_checkpoints.pop(0))

    def _delete_old(self, meta_graph_suffix):
        while self._checkpoints_to_be_deleted:
            path, stamp = self._checkpoints_to_be_deleted.pop(0)
            hours = self.saver_def.keep_checkpoint_every_n_hours
            if hours and stamp is not None and stamp > self._next_checkpoint_time:
                self._next_checkpoint_time += hours * 3600
                continue
            checkpoint_management.remove_checkpoint(path, meta_graph_suffix=meta_graph_suffix)

    # ------------------------------------------------------------ save / restore
    def save(self, sess, save_path, global_step=None, latest_filename=None,
             meta_graph_suffix="meta", write_meta_graph=True, write_state=True,
             strip_default_attrs=False, save_debug_info=False):
        """Saves the variables' values in `sess` to `save_path` (`-<global_step>` appended).

        Also writes the meta graph (`<prefix>.meta`) and the `checkpoint` state file, and
        deletes checkpoints beyond `max_to_keep`.

        Returns:
            The checkpoint prefix written (e.g. "dir/model-7"), or None for an empty Saver.

        Raises:
            ValueError: the parent directory does not exist, or bad `latest_filename`.
            TypeError: `sess` is not a Session.
            FailedPreconditionError: a variable is not initialized.
        """
        del strip_default_attrs, save_debug_info
        if not self._is_built:
            raise RuntimeError("`build()` should be called before save if defer_build==True")
        latest_filename = latest_filename or "checkpoint"
        if os.path.split(latest_filename)[0]:
            raise ValueError("'latest_filename' must not contain path components")
        save_path = os.fspath(save_path)
        checkpoint_file = self._checkpoint_file(sess, save_path, global_step, latest_filename)
        from graphflow import session as session_lib
        if not isinstance(sess, session_lib.BaseSession):
            raise TypeError(f"'sess' must be a Session; {sess}")
        result = None
        if not self._is_empty:
            result = self._run_save(sess, checkpoint_file, save_path)
            if write_state:
                self._record(result)
                checkpoint_management.update_checkpoint_state(
                    os.path.dirname(save_path), result, self.last_checkpoints, latest_filename,
                    save_relative_paths=self._save_relative_paths)
                self._delete_old(meta_graph_suffix)
        if write_meta_graph:
            filename = checkpoint_management.meta_graph_filename(checkpoint_file,
                                                                 meta_graph_suffix)
            with sess.graph.as_default():
                self.export_meta_graph(filename)
        return result

    def _checkpoint_file(self, sess, save_path, global_step, latest_filename):
        if global_step is None:
            if os.path.basename(save_path) == latest_filename:
                raise ValueError(f"'latest_filename' collides with 'save_path': "
                                 f"'{latest_filename}' and '{save_path}'")
            return save_path
        if not isinstance(global_step, numbers.Integral):
            global_step = training_util.global_step(sess, global_step)
        step = f"{global_step:08d}" if self._pad_step_number else str(global_step)
        return f"{save_path}-{step}"

    def _run_save(self, sess, checkpoint_file, save_path):
        try:
            path = sess.run(self.saver_def.save_tensor_name,
                            {self.saver_def.filename_tensor_name: checkpoint_file})
        except (errors.FailedPreconditionError, errors.NotFoundError):
            parent = os.path.dirname(save_path)
            if parent and not os.path.isdir(parent):
                raise ValueError(f"Parent directory of {save_path} doesn't exist, can't "
                                 "save.") from None
            raise
        return path.decode("utf-8") if isinstance(path, bytes) else str(path)

    def restore(self, sess, save_path):
        """Restores the variables in `sess` from the checkpoint `save_path`.

        Raises:
            ValueError: `save_path` is None or no checkpoint exists there.
            NotFoundError: a variable is missing from the checkpoint.
            InvalidArgumentError: a stored shape or dtype differs from the variable's (the
                message names the variable).
            DataLossError: the checkpoint file is corrupted (names the tensor).
        """
        if self._is_empty:
            return
        if save_path is None:
            raise ValueError("Can't load save_path when it is None.")
        save_path = os.fspath(save_path)
        if not checkpoint_management.checkpoint_exists(save_path):
            raise ValueError(f"The passed save_path is not a valid checkpoint: {save_path}")
        _LOG.info("Restoring parameters from %s", save_path)
        try:
            sess.run(self.saver_def.restore_op_name,
                     {self.saver_def.filename_tensor_name: save_path})
        except errors.NotFoundError as err:
            raise _restore_error(err, "a Variable name or other graph key that is missing") \
                from None
        except errors.InvalidArgumentError as err:
            raise _restore_error(err, "a mismatch between the current graph and the graph") \
                from None

    # ------------------------------------------------------------ protos
    def as_saver_def(self):
        return self.saver_def

    def to_proto(self, export_scope=None):
        """The SaverDef with names relative to `export_scope`."""
        if export_scope is None:
            return self.saver_def
        return _prefixed_saver_def(self.saver_def, export_scope, strip=True)

    @staticmethod
    def from_proto(saver_def, import_scope=None):
        """A Saver around the nodes a SaverDef names (under `import_scope`)."""
        return Saver(saver_def=saver_def, name=import_scope)

    def export_meta_graph(self, filename=None, collection_list=None, as_text=False,
                          export_scope=None, clear_devices=False,
                          clear_extraneous_savers=False, strip_default_attrs=False,
                          save_debug_info=False):
        """Writes the default graph's meta graph with this Saver's SaverDef."""
        return export_meta_graph(filename=filename, saver_def=self.saver_def,
                                 collection_list=collection_list, as_text=as_text,
                                 export_scope=export_scope, clear_devices=clear_devices)


def _prefixed_saver_def(saver_def, scope, strip=False):
    out = SaverDef()
    out.CopyFrom(saver_def)
    for field in ("filename_tensor_name", "save_tensor_name", "restore_op_name"):
        name = getattr(saver_def, field)
        if strip:
            name = meta_graph._strip_scope(name, scope)
        else:
            name = meta_graph._prepend_scope(name, scope)
        setattr(out, field, name)
    return out


meta_graph.register_proto_function(graph_lib.GraphKeys.SAVERS, SaverDef, Saver.to_proto,
                                   Saver.from_proto)


def export_meta_graph(filename=None, meta_info_def=None, graph_def=None, saver_def=None,
                      collection_list=None, as_text=False, graph=None, export_scope=None,
                      clear_devices=False, clear_extraneous_savers=False,
                      strip_default_attrs=False, save_debug_info=False, **kwargs):
    """Returns (and writes to `filename`, if given) the MetaGraphDef of `graph`.

    Args:
        filename: optional file to write (binary, or text with `as_text`).
        meta_info_def, graph_def, saver_def: override the defaults (the graph's GraphDef with
            shapes; no SaverDef).
        collection_list: collection keys to export (default: all).
        graph: the graph (default: the default graph).
        export_scope: export only the nodes under this name scope, relative to it.
        clear_devices: drop device assignments.

    Returns:
        A `MetaGraphDef`.
    """
    del clear_extraneous_savers, strip_default_attrs, save_debug_info, kwargs
    meta = meta_graph.create_meta_graph_def(
        graph=graph, graph_def=graph_def, saver_def=saver_def, collection_list=collection_list,
        export_scope=export_scope, clear_devices=clear_devices, meta_info_def=meta_info_def)
    if filename:
        meta_graph.write_meta_graph(meta, filename, as_text=as_text)
    return meta


def import_meta_graph(meta_graph_or_file, clear_devices=False, import_scope=None, **kwargs):
    """Recreates a graph saved in a meta graph and returns a Saver for its variables.

    Args:
        meta_graph_or_file: a MetaGraphDef (graphflow's or TensorFlow's) or a file name.
        clear_devices: drop device assignments.
        import_scope: name scope to import under.
        **kwargs: `input_map` is passed on to `import_graph_def`.

    Returns:
        A Saver built from the meta graph's SaverDef (or over all global variables when it
        has none), or None when the graph has no variables.
    """
    meta = meta_graph.import_scoped_meta_graph(meta_graph_or_file, clear_devices, import_scope,
                                               input_map=kwargs.get("input_map"))
    if meta.HasField("saver_def"):
        return Saver(saver_def=meta.saver_def, name=import_scope)
    if variables_lib.global_variables(scope=import_scope):
        return Saver()
    _LOG.info("Saver not created because there are no variables in the graph to restore")
    return None
