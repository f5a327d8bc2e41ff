"""The `checkpoint` state file and checkpoint queries (`tf.train.latest_checkpoint`, ...).

The state file (`<dir>/checkpoint`, a text-format CheckpointState, as TensorFlow writes it)
names the latest checkpoint prefix and those still kept. Paths are stored relative to the
directory when the directory was given as a relative path, as TF does. A checkpoint prefix
`P` exists when graphflow's `P.gfckpt` or TensorFlow's `P.index` exists.
"""

import logging
import os
import re

from google.protobuf import text_format

from graphflow.io import checkpoint_format
from graphflow.io import files
from graphflow.io import tf_bundle
from graphflow.proto import meta_graph_pb2

CheckpointState = meta_graph_pb2.CheckpointState
_LOG = logging.getLogger("graphflow")
_STATE_FILE = "checkpoint"


def _state_path(save_dir, latest_filename):
    return os.path.join(save_dir, latest_filename or _STATE_FILE)


def generate_checkpoint_state_proto(save_dir, model_checkpoint_path,
                                    all_model_checkpoint_paths=None,
                                    all_model_checkpoint_timestamps=None,
                                    last_preserved_timestamp=None):
    """A CheckpointState naming `model_checkpoint_path` as the latest checkpoint.

    The latest path is appended to `all_model_checkpoint_paths` when missing; with a relative
    `save_dir`, relative paths are rewritten relative to it.

    Raises:
        ValueError: the timestamps do not match the paths.
    """
    paths = list(all_model_checkpoint_paths or [])
    if not paths or paths[-1] != model_checkpoint_path:
        paths.append(model_checkpoint_path)
    timestamps = all_model_checkpoint_timestamps
    if timestamps is not None and len(timestamps) != len(paths):
        raise ValueError(f"Checkpoint timestamps, if provided, must match checkpoint paths "
                         f"(got paths {paths} and timestamps {timestamps})")
    if not os.path.isabs(save_dir):
        if not os.path.isabs(model_checkpoint_path):
            model_checkpoint_path = os.path.relpath(model_checkpoint_path, save_dir)
        paths = [p if os.path.isabs(p) else os.path.relpath(p, save_dir) for p in paths]
    state = CheckpointState(model_checkpoint_path=model_checkpoint_path,
                            all_model_checkpoint_paths=paths)
    if timestamps is not None:
        state.all_model_checkpoint_timestamps.extend(timestamps)
    if last_preserved_timestamp is not None:
        state.last_preserved_timestamp = last_preserved_timestamp
    return state


def update_checkpoint_state(save_dir, model_checkpoint_path, all_model_checkpoint_paths=None,
                            latest_filename=None, all_model_checkpoint_timestamps=None,
                            last_preserved_timestamp=None, save_relative_paths=False):
    """Writes the `checkpoint` state file of `save_dir` (atomically).

    Raises:
        RuntimeError: the state file would overwrite a checkpoint of the same name.
    """
    path = _state_path(save_dir, latest_filename)
    if save_relative_paths:
        model_checkpoint_path = _relative(model_checkpoint_path, save_dir)
        all_model_checkpoint_paths = [_relative(p, save_dir)
                                      for p in all_model_checkpoint_paths or []]
    state = generate_checkpoint_state_proto(
        save_dir, model_checkpoint_path, all_model_checkpoint_paths,
        all_model_checkpoint_timestamps, last_preserved_timestamp)
    if os.path.abspath(path) == os.path.abspath(state.model_checkpoint_path):
        raise RuntimeError(f"Save path '{model_checkpoint_path}' conflicts with path used for "
                           "checkpoint state.  Please use a different save path.")
    files.atomic_write(path, text_format.MessageToString(state).encode("utf-8"))


def _relative(path, save_dir):
    return os.path.relpath(path, save_dir) if os.path.isabs(path) else path


def get_checkpoint_state(checkpoint_dir, latest_filename=None):
    """The CheckpointState of `checkpoint_dir`, with relative paths joined to it, or None.

    A missing or unreadable state file gives None (TF logs a warning for the latter).
    """
    path = _state_path(checkpoint_dir, latest_filename)
    if not os.path.isfile(path):
        return None
    try:
        with open(path, encoding="utf-8") as f:
            state = text_format.Parse(f.read(), CheckpointState())
    except (text_format.ParseError, UnicodeDecodeError, OSError) as err:
        _LOG.warning("%s: Checkpoint ignored (%s)", path, err)
        return None
    if not state.model_checkpoint_path:
        raise ValueError(f"Invalid checkpoint state loaded from {checkpoint_dir}")
    if not os.path.isabs(state.model_checkpoint_path):
        state.model_checkpoint_path = os.path.join(checkpoint_dir, state.model_checkpoint_path)
    for i, p in enumerate(state.all_model_checkpoint_paths):
        if not os.path.isabs(p):
            state.all_model_checkpoint_paths[i] = os.path.join(checkpoint_dir, p)
    return state


def checkpoint_exists(checkpoint_prefix):
    """Whether a checkpoint (graphflow's `P.gfckpt` or TensorFlow's `P.index`) exists."""
    prefix = os.fspath(checkpoint_prefix)
    return checkpoint_format.exists(prefix) or tf_bundle.exists(prefix)


checkpoint_exists_internal = checkpoint_exists


def latest_checkpoint(checkpoint_dir, latest_filename=None):
    """The prefix of the latest checkpoint in `checkpoint_dir`, or None if there is none."""
    state = get_checkpoint_state(checkpoint_dir, latest_filename)
    if state and state.model_checkpoint_path and \
            checkpoint_exists(state.model_checkpoint_path):
        return state.model_checkpoint_path
    return None


def checkpoint_files(checkpoint_prefix):
    """The files that make up a checkpoint (those that exist)."""
    prefix = os.fspath(checkpoint_prefix)
    candidates = [checkpoint_format.checkpoint_file(prefix), prefix + ".index"]
    directory = os.path.dirname(prefix) or "."
    base = os.path.basename(prefix)
    if os.path.isdir(directory):
        pattern = re.compile(re.escape(base) + r"\.data-\d{5}-of-\d{5}$")
        candidates += [os.path.join(directory, n) for n in sorted(os.listdir(directory))
                       if pattern.match(n)]
    return [c for c in candidates if os.path.isfile(c)]


def get_checkpoint_mtimes(checkpoint_prefixes):
    """The modification times of the checkpoints that exist, in order."""
    times = []
    for prefix in checkpoint_prefixes:
        found = checkpoint_files(prefix)
        if found:
            times.append(os.path.getmtime(found[0]))
    return times


def meta_graph_filename(checkpoint_filename, meta_graph_suffix="meta"):
    """`model-7` -> `model-7.meta` (a sharded suffix `-00000-of-00001` is dropped)."""
    basename = re.sub(r"-[\d\?]+-of-\d+$", "", os.fspath(checkpoint_filename))
    return f"{basename}.{meta_graph_suffix}"


def remove_checkpoint(checkpoint_prefix, checkpoint_format_version=None,
                      meta_graph_suffix="meta"):
    """Deletes a checkpoint's files and its meta graph (missing files are ignored)."""
    del checkpoint_format_version
    for path in checkpoint_files(checkpoint_prefix) + \
            [meta_graph_filename(checkpoint_prefix, meta_graph_suffix)]:
        try:
            os.remove(path)
        except FileNotFoundError:
            pass


# ------------------------------------------------------------------ reading values
def _resolve(ckpt_dir_or_file):
    if os.path.isdir(ckpt_dir_or_file):
        latest = latest_checkpoint(ckpt_dir_or_file)
        if latest is None:
            raise ValueError(f"Couldn't find 'checkpoint' file or checkpoints in given "
                             f"directory {ckpt_dir_or_file}")
        return latest
    return ckpt_dir_or_file


class CheckpointReader:
    """`tf.train.NewCheckpointReader`: the tensors of one checkpoint, by name.

    Raises:
        NotFoundError: no checkpoint with this prefix.
        DataLossError: the checkpoint is corrupted.
    """

    def __init__(self, checkpoint_prefix):
        self._reader = checkpoint_format.open_reader(os.fspath(checkpoint_prefix))

    def has_tensor(self, name):
        return self._reader.has_tensor(name)

    def get_tensor(self, name):
        """The value of tensor `name` (NotFoundError if absent)."""
        return self._reader.read(name)

    def get_variable_to_shape_map(self):
        return {n: self._reader.shape(n) for n in self._reader.names()}

    def get_variable_to_dtype_map(self):
        return {n: self._reader.dtype(n) for n in self._reader.names()}

    def debug_string(self):
        lines = [f"{n} ({self._reader.dtype(n).name}) {self._reader.shape(n)}"
                 for n in sorted(self._reader.names())]
        return ("\n".join(lines) + "\n").encode()


def NewCheckpointReader(filepattern):
    """A CheckpointReader for the checkpoint prefix `filepattern`."""
    return CheckpointReader(filepattern)


def load_checkpoint(ckpt_dir_or_file):
    """A CheckpointReader for a checkpoint prefix, or the latest one in a directory."""
    return CheckpointReader(_resolve(ckpt_dir_or_file))


def list_variables(ckpt_dir_or_file):
    """[(name, shape)] of every tensor in a checkpoint, sorted by name."""
    reader = load_checkpoint(ckpt_dir_or_file)
    shapes = reader.get_variable_to_shape_map()
    return [(name, shapes[name]) for name in sorted(shapes)]


def load_variable(ckpt_dir_or_file, name):
    """The value of tensor `name` in a checkpoint ("name:0" is accepted)."""
    name = name.removesuffix(":0")
    return load_checkpoint(ckpt_dir_or_file).get_tensor(name)
