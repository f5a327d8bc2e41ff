"""`tf.summary.FileWriter` and `tf.summary.FileWriterCache` (TF1).

A FileWriter turns graphs, summaries, session logs and run metadata into `Event` protos and
appends them to an events file (graphflow/summary/event_file.py). The graph event holds the
GraphDef with `_output_shapes`, so TensorBoard draws shapes on the edges without TensorFlow.
"""

import threading
import time
import warnings

from graphflow import graph as graph_lib
from graphflow.io import meta_graph
from graphflow.proto import event_pb2
from graphflow.proto import graph_pb2
from graphflow.proto import meta_graph_pb2
from graphflow.proto import step_stats_pb2
from graphflow.proto import summary_pb2
from graphflow.summary import event_file

_CLOSED_WARNING = ("Attempting to use a closed FileWriter. The operation will be a noop unless "
                   "the FileWriter is explicitly reopened.")


def _as_message(value, message_type, what):
    """`value` as graphflow's `message_type`: ours as is, bytes parsed, and another library's
    message of the same type (TensorFlow's, tensorboardX's) converted through its bytes."""
    if isinstance(value, message_type):
        return value
    if isinstance(value, (bytes, bytearray)):
        data = bytes(value)
    else:
        descriptor = getattr(value, "DESCRIPTOR", None)
        if getattr(descriptor, "name", None) != message_type.DESCRIPTOR.name:
            raise TypeError(f"{what} must be a {message_type.DESCRIPTOR.name} protocol buffer "
                            f"or its serialized bytes, got {type(value).__name__}")
        data = value.SerializeToString()
    result = message_type()
    result.ParseFromString(data)
    return result


class FileWriter:
    """Writes summaries, graphs and run metadata to an events file in `logdir`.

    Args:
        logdir: the directory of the events file (created if missing).
        graph: a `Graph` (e.g. `sess.graph`) written at once, followed by its meta graph
            (GraphDef, stripped op list and collections).
        max_queue: pending events that force a flush to disk.
        flush_secs: the longest time (seconds) an added event stays in memory.
        graph_def: deprecated: a `GraphDef` to write instead of `graph`.
        filename_suffix: appended to the events file's name.
        session: not supported (TF's summary-op based writer); must be None.

    Raises:
        FailedPreconditionError, NotFoundError, PermissionDeniedError: `logdir` cannot be
            created or written (e.g. a path component is a file).
        NotImplementedError: `session` is given.
    """

    def __init__(self, logdir, graph=None, max_queue=10, flush_secs=120, graph_def=None,
                 filename_suffix=None, session=None):
        if session is not None:
            raise NotImplementedError("FileWriter(session=...) is not supported by graphflow")
        self.event_writer = event_file.EventFileWriter(logdir, max_queue, flush_secs,
                                                       filename_suffix)
        self._closed = False
        self._session_run_tags = {}
        self._seen_summary_tags = set()
        if graph is not None or graph_def is not None:
            graph_def = self.add_graph(graph=graph, graph_def=graph_def)
            source = graph if isinstance(graph, graph_lib.Graph) else graph_lib.Graph()
            self.add_meta_graph(meta_graph.create_meta_graph_def(graph=source,
                                                                 graph_def=graph_def))

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        self.close()

    def get_logdir(self):
        """The directory the events file is in."""
        return self.event_writer.get_logdir()

    def _warn_if_closed(self):
        if self._closed:
            warnings.warn(_CLOSED_WARNING, stacklevel=3)
            return True
        return False

    def add_event(self, event):
        """Adds an `Event` protocol buffer to the events file (a no-op, with a warning, after
        `close()`)."""
        event = _as_message(event, event_pb2.Event, "event")
        if not self._warn_if_closed():
            self.event_writer.add_event(event)

    def _add_event(self, event, step):
        event.wall_time = time.time()
        if step is not None:
            event.step = int(step)
        self.add_event(event)

    def add_summary(self, summary, global_step=None):
        """Adds a `Summary` (a proto, or the bytes a summary op returns) for `global_step`.

        A value's plugin metadata is written only the first time its tag is seen, as TF does.

        Raises:
            TypeError: `summary` is neither a Summary proto nor bytes.
            google.protobuf.message.DecodeError: the bytes are not a Summary.
        """
        summary = _as_message(summary, summary_pb2.Summary, "summary")
        for value in summary.value:
            if not value.HasField("metadata"):
                continue
            if value.tag in self._seen_summary_tags:
                value.ClearField("metadata")
                continue
            self._seen_summary_tags.add(value.tag)
        self._add_event(event_pb2.Event(summary=summary), global_step)

    def add_session_log(self, session_log, global_step=None):
        """Adds a `SessionLog` (START, STOP, CHECKPOINT) for `global_step`."""
        session_log = _as_message(session_log, event_pb2.SessionLog, "session_log")
        self._add_event(event_pb2.Event(session_log=session_log), global_step)

    def add_graph(self, graph, global_step=None, graph_def=None):
        """Adds a graph: a `Graph` (written with `_output_shapes`) or a `GraphDef`.

        Returns:
            The GraphDef written.

        Raises:
            ValueError: both `graph` and `graph_def` are given.
            TypeError: neither is a Graph nor a GraphDef.
        """
        if graph is not None and graph_def is not None:
            raise ValueError("Please pass only graph, or graph_def (deprecated), but not both.")
        value = graph if graph is not None else graph_def
        if isinstance(value, graph_lib.Graph):
            true_graph_def = value.as_graph_def(add_shapes=True)
        elif getattr(getattr(value, "DESCRIPTOR", None), "name", None) == "GraphDef":
            true_graph_def = _as_message(value, graph_pb2.GraphDef, "graph_def")
        else:
            raise TypeError("The passed graph must be an instance of `Graph` or the deprecated "
                            "`GraphDef`")
        event = event_pb2.Event(graph_def=true_graph_def.SerializeToString())
        self._add_event(event, global_step)
        return true_graph_def

    def add_meta_graph(self, meta_graph_def, global_step=None):
        """Adds a `MetaGraphDef`.

        Raises:
            TypeError: `meta_graph_def` is not a MetaGraphDef.
        """
        if getattr(getattr(meta_graph_def, "DESCRIPTOR", None), "name", None) != "MetaGraphDef":
            raise TypeError(f"meta_graph_def must be type MetaGraphDef, saw type: "
                            f"{type(meta_graph_def)}")
        meta_graph_def = _as_message(meta_graph_def, meta_graph_pb2.MetaGraphDef,
                                     "meta_graph_def")
        event = event_pb2.Event(meta_graph_def=meta_graph_def.SerializeToString())
        self._add_event(event, global_step)

    def add_run_metadata(self, run_metadata, tag, global_step=None):
        """Adds the `RunMetadata` of a traced run under `tag` (TensorBoard's "Session runs").

        Raises:
            ValueError: `tag` was already used by this writer.
        """
        if tag in self._session_run_tags:
            raise ValueError("The provided tag was already used for this event type")
        run_metadata = _as_message(run_metadata, step_stats_pb2.RunMetadata, "run_metadata")
        self._session_run_tags[tag] = True
        tagged = event_pb2.TaggedRunMetadata(tag=tag,
                                             run_metadata=run_metadata.SerializeToString())
        self._add_event(event_pb2.Event(tagged_run_metadata=tagged), global_step)

    def flush(self):
        """Writes every event added so far to disk."""
        if not self._warn_if_closed():
            self.event_writer.flush()

    def close(self):
        """Flushes the events file and closes it; later adds warn and do nothing."""
        self.event_writer.close()
        self._closed = True

    def reopen(self):
        """After `close()`, opens a new events file in the same directory."""
        self.event_writer.reopen()
        self._closed = False


class FileWriterCache:
    """One FileWriter per logdir, shared by every caller (`tf.summary.FileWriterCache`)."""

    _cache = {}
    _lock = threading.RLock()

    @staticmethod
    def clear():
        """Closes and forgets every cached FileWriter."""
        with FileWriterCache._lock:
            for writer in FileWriterCache._cache.values():
                writer.close()
            FileWriterCache._cache = {}

    @staticmethod
    def get(logdir):
        """The FileWriter of `logdir`, created (with the default graph) on first use."""
        with FileWriterCache._lock:
            writer = FileWriterCache._cache.get(logdir)
            if writer is None:
                writer = FileWriter(logdir, graph=graph_lib.get_default_graph())
                FileWriterCache._cache[logdir] = writer
            return writer
