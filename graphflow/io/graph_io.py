"""Reading and writing GraphDefs as files or bytes, and the errors of bad GraphDef contents.

`write_graph` is `tf.train.write_graph` / `tf.io.write_graph`. `parse_graph_def` turns bytes or
text into a GraphDef, raising `GraphDefDecodeError` (a protobuf `DecodeError`) for truncated
or garbage input instead of protobuf's terse message.
"""

import os

from google.protobuf import message
from google.protobuf import text_format

from graphflow.io import files
from graphflow.proto import graph_pb2


class GraphDefError(ValueError):
    """A GraphDef (or meta graph) that graphflow refuses to import; the message names the node.

    A ValueError, as TensorFlow raises ValueError for invalid GraphDefs.
    """


class GraphDefDecodeError(message.DecodeError, GraphDefError):
    """Bytes or text that do not parse as the expected protocol buffer."""


def write_graph(graph_or_graph_def, logdir, name, as_text=True):
    """Writes a graph's GraphDef to `logdir/name` (`tf.train.write_graph`).

    Args:
        graph_or_graph_def: a `Graph` or a `GraphDef`.
        logdir: directory to write into (created if missing).
        name: file name, e.g. "graph.pbtxt" or "graph.pb".
        as_text: write the text format (True) or binary protobuf bytes (False).

    Returns:
        The path of the written file.
    """
    graph_def = graph_or_graph_def
    if hasattr(graph_or_graph_def, "as_graph_def"):
        graph_def = graph_or_graph_def.as_graph_def()
    os.makedirs(logdir, exist_ok=True)
    path = os.path.join(logdir, name)
    data = text_format.MessageToString(graph_def).encode() if as_text else \
        graph_def.SerializeToString()
    files.atomic_write(path, data)
    return path


def parse_message(data, message_type, what="protocol buffer", as_text=None):
    """Parses `data` (bytes or str) into a new `message_type`.

    Args:
        data: serialized bytes, or text format (str, or bytes when `as_text` is True).
        message_type: the generated message class, e.g. `graph_pb2.GraphDef`.
        what: how to call the data in error messages (e.g. a file name).
        as_text: force text (True) or binary (False) parsing; None: text for str input.

    Raises:
        GraphDefDecodeError: the data does not parse.
    """
    result = message_type()
    text = isinstance(data, str) if as_text is None else as_text
    try:
        if text:
            if isinstance(data, bytes):
                data = data.decode("utf-8")
            text_format.Parse(data, result, allow_unknown_field=True)
        else:
            result.ParseFromString(bytes(data))
    except (message.DecodeError, text_format.ParseError, UnicodeDecodeError, ValueError,
            TypeError, RecursionError) as err:
        kind = "text" if text else "binary"
        raise GraphDefDecodeError(f"Cannot parse {what} as a {kind} "
                                  f"{message_type.DESCRIPTOR.name}: {err}") from None
    return result


def parse_graph_def(data, as_text=None):
    """A GraphDef from serialized bytes or text; GraphDefDecodeError if it does not parse."""
    return parse_message(data, graph_pb2.GraphDef, "GraphDef data", as_text)


def read_graph_def(path):
    """Reads a GraphDef file written by graphflow or TensorFlow (`.pb` binary or text).

    Text format is recognised by the `.pbtxt`/`.txt` suffix; other files are parsed as binary
    first and as text when that fails.

    Raises:
        GraphDefDecodeError: the file holds no valid GraphDef.
    """
    with open(path, "rb") as f:
        data = f.read()
    if path.endswith((".pbtxt", ".txt")):
        return parse_message(data, graph_pb2.GraphDef, path, as_text=True)
    try:
        return parse_message(data, graph_pb2.GraphDef, path, as_text=False)
    except GraphDefDecodeError:
        return parse_message(data, graph_pb2.GraphDef, path, as_text=True)


def as_graphflow_message(value, message_type, what):
    """`value` as a graphflow `message_type`: our own message passes through; another
    library's message of the same name (e.g. TensorFlow's) is converted through its bytes;
    bytes are parsed.

    Raises:
        TypeError: `value` is none of these.
    """
    if isinstance(value, message_type):
        return value
    if isinstance(value, (bytes, bytearray)):
        return parse_message(value, message_type, what)
    descriptor = getattr(value, "DESCRIPTOR", None)
    if descriptor is not None and descriptor.name == message_type.DESCRIPTOR.name:
        return parse_message(value.SerializeToString(), message_type, what)
    raise TypeError(f"{what} must be a {message_type.DESCRIPTOR.name} proto, got "
                    f"{type(value).__name__}")
