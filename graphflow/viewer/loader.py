"""Finding the graph to draw: a Graph, a GraphDef or MetaGraphDef (graphflow's or TensorFlow's),
or a path to a `.pb`/`.pbtxt` GraphDef, a meta graph, an events file or a logdir; and the
run metadata that colors it by compute time and memory.
"""

import os
import re

from graphflow import graph as graph_lib
from graphflow.io import graph_io
from graphflow.proto import graph_pb2
from graphflow.proto import meta_graph_pb2
from graphflow.proto import step_stats_pb2
from graphflow.summary import event_file

_NODE_NAME = re.compile(r"^[A-Za-z0-9._][A-Za-z0-9_.\-/>]*$")
_OP_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_>]*$")


class GraphSource:
    """A graph to draw: its GraphDef, optional StepStats and a title."""

    def __init__(self, graph_def, step_stats=None, title="graph", run_tags=()):
        self.graph_def = graph_def
        self.step_stats = step_stats
        self.title = title
        self.run_tags = list(run_tags)


def _message_name(value):
    return getattr(getattr(value, "DESCRIPTOR", None), "name", None)


def _convert(value, message_type):
    if isinstance(value, message_type):
        return value
    result = message_type()
    result.ParseFromString(value.SerializeToString())
    return result


def load(source, run_metadata=None):
    """The GraphSource for `source` (see the module docstring).

    Args:
        source: a Graph (graphflow's, or anything with `as_graph_def(add_shapes=True)` such
            as TensorFlow's), a GraphDef, a MetaGraphDef, or a path (str or os.PathLike).
        run_metadata: None; a RunMetadata or StepStats proto; or, for events files and
            logdirs, the tag given to `FileWriter.add_run_metadata` (True: the last one).

    Returns:
        A GraphSource.

    Raises:
        FileNotFoundError: the path does not exist.
        ValueError: nothing in it holds a graph, or the run metadata tag is unknown.
        TypeError: `source` is of an unsupported type.
    """
    if isinstance(source, graph_lib.Graph):
        result = GraphSource(source.as_graph_def(add_shapes=True))
    elif _message_name(source) == "GraphDef":
        result = GraphSource(_convert(source, graph_pb2.GraphDef))
    elif _message_name(source) == "MetaGraphDef":
        result = GraphSource(_convert(source, meta_graph_pb2.MetaGraphDef).graph_def)
    elif isinstance(source, (str, os.PathLike)):
        return _load_path(os.fspath(source), run_metadata)
    elif callable(getattr(source, "as_graph_def", None)):  # e.g. a TensorFlow Graph
        result = GraphSource(_convert(source.as_graph_def(add_shapes=True), graph_pb2.GraphDef))
    else:
        raise TypeError(f"cannot draw a {type(source).__name__}: pass a Graph, a GraphDef, a "
                        "MetaGraphDef or the path of a graph file, events file or logdir")
    result.step_stats = _step_stats(run_metadata, {})
    return result


def _step_stats(run_metadata, tagged):
    """StepStats from a proto, or by tag from the events file's tagged run metadata."""
    if run_metadata is None or run_metadata is False:
        return None
    name = _message_name(run_metadata)
    if name == "StepStats":
        return _convert(run_metadata, step_stats_pb2.StepStats)
    if name == "RunMetadata":
        return _convert(run_metadata, step_stats_pb2.RunMetadata).step_stats
    if not tagged:
        raise ValueError("run metadata given by tag, but the source holds no run metadata")
    if run_metadata is True:
        run_metadata = list(tagged)[-1]
    if run_metadata not in tagged:
        raise ValueError(f"no run metadata tagged {run_metadata!r}; the tags are "
                         f"{', '.join(tagged)}")
    return tagged[run_metadata].step_stats


def _load_path(path, run_metadata):
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path}: no such file or directory")
    title = os.path.basename(os.path.normpath(path)) or path
    if os.path.isdir(path):
        events = _events_files(path)
        if not events:
            raise ValueError(f"{path}: no events file (events.out.tfevents.*) in this logdir")
        return _from_events(events, run_metadata, title)
    if "tfevents" in os.path.basename(path):
        return _from_events([path], run_metadata, title)
    with open(path, "rb") as f:
        data = f.read()
    source = GraphSource(_parse_graph_file(path, data), title=title)
    source.step_stats = _step_stats(run_metadata, {})
    return source


def _events_files(logdir):
    """Events files under `logdir`, those of the directory itself first, then by name."""
    found = []
    for root, _, files in os.walk(logdir):
        for name in files:
            if "tfevents" in name:
                depth = os.path.relpath(root, logdir).count(os.sep) + (root != logdir)
                found.append((depth, os.path.join(root, name)))
    return [p for _, p in sorted(found)]


def _from_events(paths, run_metadata, title):
    """The last graph (a graph_def event, else a meta graph) of the events files, and their
    tagged run metadata."""
    graph_def = None
    meta_graph = None
    tagged = {}
    for path in paths:
        for event in event_file.summary_iterator(path):
            what = event.WhichOneof("what")
            if what == "graph_def":
                graph_def = graph_io.parse_message(event.graph_def, graph_pb2.GraphDef, path)
            elif what == "meta_graph_def":
                meta_graph = graph_io.parse_message(event.meta_graph_def,
                                                    meta_graph_pb2.MetaGraphDef, path)
            elif what == "tagged_run_metadata":
                metadata = step_stats_pb2.RunMetadata()
                metadata.ParseFromString(event.tagged_run_metadata.run_metadata)
                tagged[event.tagged_run_metadata.tag] = metadata
    if graph_def is None and meta_graph is not None:
        graph_def = meta_graph.graph_def
    if graph_def is None:
        raise ValueError(f"{', '.join(paths)}: the events hold no graph (write one with "
                         "FileWriter(logdir, sess.graph) or add_graph)")
    return GraphSource(graph_def, _step_stats(run_metadata, tagged), title, tagged)


def _plausible(graph_def):
    """Whether bytes parsed as a GraphDef really were one (every node named and typed)."""
    return bool(graph_def.node) and all(
        _NODE_NAME.match(n.name) and _OP_NAME.match(n.op) for n in graph_def.node)


def _parse_graph_file(path, data):
    """A GraphDef from a binary or text GraphDef or MetaGraphDef file."""
    text = path.endswith((".pbtxt", ".txt", ".meta.txt"))
    kinds = [(meta_graph_pb2.MetaGraphDef, True), (graph_pb2.GraphDef, False)]
    if not path.endswith(".meta"):
        kinds.reverse()
    errors = []
    for as_text in ([True] if text else [False, True]):
        for message_type, is_meta in kinds:
            try:
                parsed = graph_io.parse_message(data, message_type, path, as_text=as_text)
            except graph_io.GraphDefDecodeError as err:
                errors.append(str(err))
                continue
            graph_def = parsed.graph_def if is_meta else parsed
            if _plausible(graph_def):
                return graph_def
    detail = f" ({errors[0]})" if errors else ""
    raise ValueError(f"{path}: not a GraphDef, meta graph or events file{detail}")
