"""Summary ops: graph nodes whose output is a serialized `Summary` protocol buffer.

Each op turns its inputs into one scalar string tensor holding the bytes of a `Summary`
(graphflow/proto/summary.proto, wire-compatible with TensorFlow's): `ScalarSummary` one
`simple_value` per tag, `HistogramSummary` a `HistogramProto` with TF's exponential buckets,
`ImageSummary` PNG images, `AudioSummaryV2` WAV clips, `TensorSummaryV2` a `TensorProto` with
plugin metadata (the text plugin's input), `MergeSummary` the union of several summaries. No
summary op is differentiable; none is stateful, so they are pruned when not fetched.

The public functions are those of `tf.compat.v1.summary`, with TF's node names: each opens
a scope named after the (cleaned) summary name, which also becomes the tag.
"""

import contextlib
import re

import numpy as np

from graphflow import dtypes
from graphflow import graph as graph_lib
from graphflow import lazy
from graphflow import registry
from graphflow.op_builder import apply_op
from graphflow.ops import constant_op
from graphflow.ops import shape_fns

json_format = lazy.module("google.protobuf.json_format")
summary_pb2 = lazy.module("graphflow.proto.summary_pb2")

_SCALAR_OUTPUT = {"outputs": ["summary: string"], "shape_fn": shape_fns.scalar,
                  "grad": registry.NOT_DIFFERENTIABLE}

registry.register_op(
    "ScalarSummary", inputs=["tags: string", "values: T"], attrs=["T: {realnumbertype}"],
    doc="ScalarSummary: one `simple_value` (values cast to float32) per tag; `tags` and "
        "`values` must have the same shape. Output: a scalar string.", **_SCALAR_OUTPUT)

registry.register_op(
    "HistogramSummary", inputs=["tag: string", "values: T"], attrs=["T: {realnumbertype} = float"],
    doc="HistogramSummary: a HistogramProto of all values (as float64) over TF's default "
        "buckets (limits growing by 10% from 1e-12 to 1e20, mirrored, empty runs merged); NaN "
        "or Inf is an InvalidArgumentError. Output: a scalar string.", **_SCALAR_OUTPUT)

registry.register_op(
    "ImageSummary", inputs=["tag: string", "tensor: T"],
    attrs=["max_images: int >= 1 = 3", "T: {uint8, float, half, float64} = float",
           "bad_color: tensor"],
    doc="ImageSummary: up to `max_images` PNG images from a [batch, height, width, channels] "
        "tensor (1, 3 or 4 channels). Floats are scaled to [0, 255] (by 255/max when all are "
        "non-negative, else by 127/max|x| around 128); non-finite pixels take `bad_color`.",
    **_SCALAR_OUTPUT)

registry.register_op(
    "AudioSummaryV2", inputs=["tag: string", "tensor: float", "sample_rate: float"],
    attrs=["max_outputs: int >= 1 = 3"],
    doc="AudioSummaryV2: up to `max_outputs` 16-bit PCM WAV clips from a [batch, frames] or "
        "[batch, frames, channels] float tensor in [-1, 1].", **_SCALAR_OUTPUT)

registry.register_op(
    "TensorSummaryV2", inputs=["tag: string", "tensor: T", "serialized_summary_metadata: string"],
    attrs=["T: type"],
    doc="TensorSummaryV2: the whole tensor as a TensorProto with the given SummaryMetadata "
        "(how TensorBoard plugins such as text receive their data).", **_SCALAR_OUTPUT)

registry.register_op(
    "MergeSummary", inputs=["inputs: N * string"], attrs=["N: int >= 1"],
    doc="MergeSummary: the concatenation of the values of N serialized summaries; a tag seen "
        "twice is an InvalidArgumentError.", **_SCALAR_OUTPUT)


# ------------------------------------------------------------------------ naming helpers
_INVALID_TAG_CHARACTERS = re.compile(r"[^-/\w\.]")


def clean_tag(name):
    """TF's tag cleaning: characters other than `-/\\w.` become `_`, leading `/` go."""
    if name is not None:
        name = _INVALID_TAG_CHARACTERS.sub("_", name).lstrip("/")
    return name


@contextlib.contextmanager
def summary_scope(name, family=None, default_name=None, values=None):
    """Opens the summary's name scope; yields `(tag, scope)` as TF's `summary_scope`.

    The tag is the scope's name, prefixed by `family/` when a family is given (so that
    TensorBoard groups it under the family's tab).
    """
    name = clean_tag(name)
    family = clean_tag(family)
    base = name if family is None else f"{family}/{name}"
    with graph_lib.name_scope(base, default_name, values) as scope:
        tag = scope.rstrip("/")
        if family is not None:
            tag = f"{family}/{tag}"
        yield tag, scope


def _collect(value, collections, default_collections):
    for key in default_collections if collections is None else collections:
        graph_lib.add_to_collection(key, value)


# ------------------------------------------------------------------------ public functions
def scalar(name, tensor, collections=None, family=None):
    """A summary of one real scalar (op `ScalarSummary`).

    Args:
        name: the summary's name; it names the node and, cleaned, is the tag.
        tensor: a real numeric scalar tensor (or a Python number).
        collections: graph collections to add the summary to; default `[GraphKeys.SUMMARIES]`.
        family: optional prefix of the tag and the node name (a TensorBoard tab).

    Returns:
        A scalar string tensor holding the serialized `Summary`.

    Raises:
        TypeError: `tensor` is not of a real numeric dtype.
    """
    with summary_scope(name, family, values=[tensor]) as (tag, scope):
        value = apply_op("ScalarSummary", tags=tag, values=tensor, name=scope)
        _collect(value, collections, [graph_lib.GraphKeys.SUMMARIES])
    return value


def histogram(name, values, collections=None, family=None):
    """A histogram summary of all elements of `values` (op `HistogramSummary`).

    Args:
        name: the summary's name (node name and tag).
        values: a real numeric tensor of any shape.
        collections: graph collections to add the summary to; default `[GraphKeys.SUMMARIES]`.
        family: optional tag prefix.

    Returns:
        A scalar string tensor holding the serialized `Summary`. Running it raises
        InvalidArgumentError when `values` holds NaN or infinity.
    """
    with summary_scope(name, family, values=[values]) as (tag, scope):
        value = apply_op("HistogramSummary", tag=tag, values=values, name=scope)
        _collect(value, collections, [graph_lib.GraphKeys.SUMMARIES])
    return value


_BAD_COLOR = np.array([255, 0, 0, 255], dtype=np.uint8)


def image(name, tensor, max_outputs=3, collections=None, family=None):
    """A summary of up to `max_outputs` images (op `ImageSummary`).

    Args:
        name: the summary's name; the tags are `name/image/0`, ... (`name/image` when
            `max_outputs` is 1).
        tensor: a 4-D [batch, height, width, channels] uint8, half, float32 or float64 tensor
            with 1 (grayscale), 3 (RGB) or 4 (RGBA) channels.
        max_outputs: the most images to encode.
        collections: graph collections to add the summary to; default `[GraphKeys.SUMMARIES]`.
        family: optional tag prefix.

    Returns:
        A scalar string tensor holding the serialized `Summary` (PNG-encoded images).
    """
    with summary_scope(name, family, values=[tensor]) as (tag, scope):
        value = apply_op("ImageSummary", tag=tag, tensor=tensor, max_images=max_outputs,
                         bad_color=_BAD_COLOR, name=scope)
        _collect(value, collections, [graph_lib.GraphKeys.SUMMARIES])
    return value


def audio(name, tensor, sample_rate, max_outputs=3, collections=None, family=None):
    """A summary of up to `max_outputs` audio clips (op `AudioSummaryV2`).

    Args:
        name: the summary's name; tags are `name/audio/0`, ... (`name/audio` when
            `max_outputs` is 1).
        tensor: a float32 [batch, frames] or [batch, frames, channels] tensor in [-1, 1].
        sample_rate: a float32 scalar, the sample rate in Hz.
        max_outputs: the most clips to encode.
        collections: graph collections to add the summary to; default `[GraphKeys.SUMMARIES]`.
        family: optional tag prefix.

    Returns:
        A scalar string tensor holding the serialized `Summary` (WAV-encoded clips).
    """
    with summary_scope(name, family=family, values=[tensor]) as (tag, scope):
        sample_rate = constant_op.convert_to_tensor(sample_rate, dtype=dtypes.float32,
                                                    name="sample_rate")
        value = apply_op("AudioSummaryV2", tag=tag, tensor=tensor, max_outputs=max_outputs,
                         sample_rate=sample_rate, name=scope)
        _collect(value, collections, [graph_lib.GraphKeys.SUMMARIES])
    return value


def tensor_summary(name, tensor, summary_description=None, collections=None,
                   summary_metadata=None, family=None, display_name=None):
    """A summary holding a whole tensor (op `TensorSummaryV2`).

    Args:
        name: the summary's name (node name and tag).
        tensor: a tensor of any dtype and shape.
        summary_description: optional description stored in the metadata.
        collections: graph collections to add the summary to; default `[GraphKeys.SUMMARIES]`.
        summary_metadata: an optional `SummaryMetadata` proto (e.g. naming a plugin).
        family: optional tag prefix.
        display_name: optional display name stored in the metadata.

    Returns:
        A scalar string tensor holding the serialized `Summary`.
    """
    if summary_metadata is None:
        summary_metadata = summary_pb2.SummaryMetadata()
    if summary_description is not None:
        summary_metadata.summary_description = summary_description
    if display_name is not None:
        summary_metadata.display_name = display_name
    serialized = summary_metadata.SerializeToString()
    with summary_scope(name, family, values=[tensor]) as (tag, scope):
        value = apply_op("TensorSummaryV2", tag=tag, tensor=tensor,
                         serialized_summary_metadata=serialized, name=scope)
        _collect(value, collections, [graph_lib.GraphKeys.SUMMARIES])
    return value


def text(name, tensor, collections=None):
    """A text summary for TensorBoard's Text dashboard (a `TensorSummaryV2` for plugin "text").

    Args:
        name: the summary's name (node name and tag).
        tensor: a string tensor of any shape (Markdown).
        collections: graph collections to add the summary to; default `[GraphKeys.SUMMARIES]`.

    Returns:
        A scalar string tensor holding the serialized `Summary`.

    Raises:
        ValueError: `tensor` is not a string tensor.
    """
    if tensor.dtype != dtypes.string:
        raise ValueError(f"Expected tensor {tensor.name} to have dtype string, got "
                         f"{tensor.dtype}")
    metadata = summary_pb2.SummaryMetadata(
        plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name="text"))
    return tensor_summary(name=name, tensor=tensor, summary_metadata=metadata,
                          collections=collections)


def merge(inputs, collections=None, name=None):
    """Merges summaries into one (op `MergeSummary`, in a scope `Merge` by default).

    Args:
        inputs: a list of string tensors holding serialized `Summary` protos.
        collections: graph collections to add the merged summary to; default none.
        name: the name scope (default "Merge").

    Returns:
        A scalar string tensor holding the union of the values. Running it raises
        InvalidArgumentError when two inputs share a tag.
    """
    with graph_lib.name_scope(name, "Merge", inputs):
        value = apply_op("MergeSummary", inputs=list(inputs), name=name)
        _collect(value, collections, [])
    return value


def merge_all(key=graph_lib.GraphKeys.SUMMARIES, scope=None, name=None):
    """Merges every summary in collection `key` (optionally filtered by regex `scope`).

    Args:
        key: the collection holding the summaries.
        scope: optional regex the summaries' names must match.
        name: the name scope of the merge (default "Merge").

    Returns:
        The merged summary tensor, or None when the collection is empty.
    """
    summaries = graph_lib.get_collection(key, scope=scope)
    if not summaries:
        return None
    return merge(summaries, name=name)


def get_summary_description(node_def):
    """The `SummaryDescription` stored (as JSON) in a `TensorSummary` node's `description`.

    Args:
        node_def: a `NodeDef` of a `TensorSummary` node.

    Returns:
        A `SummaryDescription` proto.

    Raises:
        ValueError: the node is not a TensorSummary.
    """
    if node_def.op != "TensorSummary":
        raise ValueError(f"Can't get_summary_description on {node_def.op}")
    description = node_def.attr["description"].s.decode() if "description" in node_def.attr \
        else "{}"
    return json_format.Parse(description, summary_pb2.SummaryDescription())
