"""`tf.summary` (TF1): summary ops, event files and the protos they hold.

Summary ops (`scalar`, `histogram`, `image`, `audio`, `text`, `tensor_summary`, `merge`,
`merge_all`) add graph nodes that produce serialized `Summary` protos; `FileWriter` writes them,
the graph and run metadata to TensorBoard events files.
"""

from graphflow.ops.summary_ops import (
    audio, get_summary_description, histogram, image, merge, merge_all, scalar, tensor_summary,
    text)
from graphflow.proto.event_pb2 import Event, SessionLog, TaggedRunMetadata
from graphflow.proto.summary_pb2 import Summary, SummaryDescription, SummaryMetadata
from graphflow.summary.event_file import summary_iterator
from graphflow.summary.writer import FileWriter, FileWriterCache

__all__ = ["Event", "FileWriter", "FileWriterCache", "SessionLog", "Summary", "SummaryDescription",
           "SummaryMetadata", "TaggedRunMetadata", "audio", "get_summary_description", "histogram",
           "image", "merge", "merge_all", "scalar", "summary_iterator", "tensor_summary", "text"]
