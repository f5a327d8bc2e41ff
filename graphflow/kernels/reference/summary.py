"""Numpy reference kernels for graphflow/ops/summary_ops.py.

Every kernel returns a scalar string (a 0-d object array holding bytes): the serialized
`Summary`, byte for byte what TensorFlow's kernel produces. That means TF's algorithms where
they fix bytes: histogram sums accumulated in order in float64, images scaled in the input's
own precision, and PNGs written as libpng writes them (per-row filter chosen by the minimum
sum of absolute differences, zlib level 6 / memLevel 9 / Z_FILTERED, a window fitted to the
image, 8192-byte IDAT chunks).
"""

import struct
import sys
import zlib

import numpy as np

from graphflow import dtypes
from graphflow import lazy
from graphflow.kernels import checks
from graphflow.kernels.reference import reference

summary_pb2 = lazy.module("graphflow.proto.summary_pb2")
types_pb2 = lazy.module("graphflow.proto.types_pb2")


def as_string_scalar(message):
    """A serialized proto as graphflow's scalar string value."""
    return np.array(message.SerializeToString(), dtype=object)


def _text(value):
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _as_bytes(value):
    return value if isinstance(value, bytes) else str(value).encode()


def shape_string(shape):
    """TF's TensorShape::DebugString: `[2,3]`, `[]` for a scalar."""
    return "[" + ",".join(str(d) for d in shape) + "]"


def _scalar_tag(tag, message):
    """The text of a scalar string input; InvalidArgumentError(`message`) otherwise."""
    if tag.ndim != 0:
        raise checks.invalid(message)
    return _text(tag[()])


# ------------------------------------------------------------------------ ScalarSummary
@reference("ScalarSummary")
def scalar_summary(attrs, tags, values):
    if tags.shape != values.shape:
        single = f" (tag '{_text(tags.reshape(-1)[0])}')" if tags.size == 1 else ""
        raise checks.invalid(f"tags and values are not the same shape: "
                             f"{shape_string(tags.shape)} != {shape_string(values.shape)}"
                             f"{single}")
    summary = summary_pb2.Summary()
    for tag, value in zip(tags.reshape(-1), values.reshape(-1).astype(np.float32)):
        summary.value.add(tag=_text(tag), simple_value=value)
    return (as_string_scalar(summary),)


# ------------------------------------------------------------------------ HistogramSummary
def _default_bucket_limits():
    """TF's default histogram bucket limits: +-1e-12 * 1.1**k up to 1e20, 0 and +-DBL_MAX."""
    positive = []
    v = 1.0e-12
    while v < 1.0e20:
        positive.append(v)
        v *= 1.1
    positive.append(sys.float_info.max)
    negative = [-x for x in reversed(positive)]
    return np.array(negative + [0.0] + positive, dtype=np.float64)


BUCKET_LIMITS = _default_bucket_limits()
BUCKET_LIMITS.flags.writeable = False


def check_histogram_values(values, node_name):
    """NaN or infinity in a histogram is an InvalidArgumentError, as in TF."""
    finite = np.isfinite(values)
    if not finite.all():
        first = values.reshape(-1)[np.argmin(finite.reshape(-1))]
        if np.isnan(first):
            raise checks.invalid(f"Nan in summary histogram for: {node_name}")
        raise checks.invalid(f"Infinity in Histogram for: {node_name}")


def histogram_proto(counts, num, low, high, total, total_squares):
    """TF's Histogram::EncodeToProto: runs of empty buckets collapse into their last limit."""
    histo = summary_pb2.HistogramProto(min=low, max=high, num=num, sum=total,
                                       sum_squares=total_squares)
    nonzero = np.flatnonzero(counts)
    keep = []
    previous = -1
    for i in nonzero.tolist():
        if i - 1 > previous:
            keep.append(i - 1)  # the end of the empty run before bucket i
        keep.append(i)
        previous = i
    if previous < len(counts) - 1:
        keep.append(len(counts) - 1)
    histo.bucket_limit.extend(BUCKET_LIMITS[keep].tolist())
    histo.bucket.extend(counts[keep].astype(np.float64).tolist())
    return histo


def histogram_stats(values):
    """(bucket counts, num, min, max, sum, sum of squares) of float64 `values`, summed in
    order as TF does (np.cumsum accumulates sequentially)."""
    flat = values.reshape(-1)
    counts = np.bincount(np.searchsorted(BUCKET_LIMITS, flat, side="right"),
                         minlength=len(BUCKET_LIMITS))
    if flat.size == 0:
        return counts, 0.0, BUCKET_LIMITS[-1], -BUCKET_LIMITS[-1], 0.0, 0.0
    total = float(np.cumsum(flat)[-1])
    squares = float(np.cumsum(flat * flat)[-1])
    return counts, float(flat.size), float(flat.min()), float(flat.max()), total, squares


def histogram_summary_bytes(tag, histo):
    summary = summary_pb2.Summary()
    summary.value.add(tag=tag, histo=histo)
    return (as_string_scalar(summary),)


def histogram_summary_with(stats_fn, tag, values, node_name):
    """HistogramSummary given the function computing `histogram_stats` (numpy or numba)."""
    values = values.astype(np.float64)
    check_histogram_values(values, node_name)
    tag = _scalar_tag(tag, "tags must be scalar")
    return histogram_summary_bytes(tag, histogram_proto(*stats_fn(values)))


def histogram_summary_factory(stats_fn):
    """A kernel factory for HistogramSummary around a `histogram_stats` implementation."""
    def factory(node, state):
        name = node.name

        def run(tag, values):
            return histogram_summary_with(stats_fn, tag, values, name)
        return run
    return factory


@reference("HistogramSummary")
def histogram_summary(attrs, tag, values):
    return histogram_summary_with(histogram_stats, tag, values, "HistogramSummary")


# ------------------------------------------------------------------------ ImageSummary
def _normalize_image(values, bad_color):
    """TF's NormalizeFloatImage for one [h*w, depth] image of half/float/double pixels."""
    dtype = values.dtype.type
    finite = np.isfinite(values).all(axis=1)
    good = values[finite].astype(np.float32)
    low = np.float32(good.min()) if good.size else np.float32(np.inf)
    high = np.float32(good.max()) if good.size else np.float32(-np.inf)
    threshold = np.float32(1e-6)
    if low < 0:
        max_val = max(abs(low), abs(high))
        scale = dtype(0.0 if max_val < threshold else np.float32(127.0) / max_val)
        offset = dtype(128.0)
    else:
        scale = dtype(0.0 if high < threshold else np.float32(255.0) / high)
        offset = dtype(0.0)
    with np.errstate(all="ignore"):
        scaled = (values * scale + offset).astype(np.uint8)
    scaled[~finite] = bad_color[:values.shape[1]]
    return scaled


def _image_tags(tag, max_images, count):
    if max_images > 1:
        return [f"{tag}/image/{i}" for i in range(count)]
    return [f"{tag}/image"] * count


def _check_image_shape(tensor):
    shape = tensor.shape
    if tensor.ndim != 4 or shape[3] not in (1, 3, 4):
        raise checks.invalid(f"Tensor must be 4-D with last dim 1, 3, or 4, not "
                             f"{shape_string(shape)}")
    if shape[1] * shape[2] <= 0:
        dims = ", ".join(str(d) for d in shape)
        raise checks.invalid(f"input tensor must have non-zero dims. Found: [{dims}].")


@reference("ImageSummary")
def image_summary(attrs, tag, tensor):
    tag = _scalar_tag(tag, "Tags must be a scalar")
    _check_image_shape(tensor)
    batch, height, width, depth = tensor.shape
    bad_color = np.asarray(attrs["bad_color"], dtype=np.uint8).reshape(-1)
    if tensor.dtype != np.uint8 and bad_color.size < depth:
        raise checks.invalid(f"expected depth <= bad_color.size, got depth = {depth}, "
                             f"bad_color.size = {bad_color.size}")
    count = min(attrs["max_images"], batch)
    summary = summary_pb2.Summary()
    for i, image_tag in enumerate(_image_tags(tag, attrs["max_images"], count)):
        pixels = tensor[i]
        if tensor.dtype != np.uint8:
            pixels = _normalize_image(pixels.reshape(-1, depth), bad_color)
        png = encode_png(pixels.reshape(height, width, depth))
        image = summary_pb2.Summary.Image(height=height, width=width, colorspace=depth,
                                          encoded_image_string=png)
        summary.value.add(tag=image_tag, image=image)
    return (as_string_scalar(summary),)


# ------------------------------------------------------------------------ PNG (as libpng)
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_IDAT_SIZE = 8192  # libpng's PNG_ZBUF_SIZE: each full output buffer becomes one IDAT chunk


def _png_chunk(kind, data):
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def _abs_sum(filtered):
    """libpng's heuristic: bytes read as signed, summed by magnitude."""
    v = filtered.astype(np.int64)
    return int(np.minimum(v, 256 - v).sum())


def _png_filter_candidates(row, prev, bpp):
    """The row under filters None, Sub, Up, Average and Paeth (in libpng's trial order)."""
    row16 = row.astype(np.int16)
    prev16 = prev.astype(np.int16)
    left = np.concatenate([np.zeros(bpp, np.int16), row16[:-bpp]])
    upper_left = np.concatenate([np.zeros(bpp, np.int16), prev16[:-bpp]])
    p = left + prev16 - upper_left
    pa, pb, pc = np.abs(p - left), np.abs(p - prev16), np.abs(p - upper_left)
    paeth = np.where((pa <= pb) & (pa <= pc), left, np.where(pb <= pc, prev16, upper_left))
    predictors = (None, left, prev16, (left + prev16) >> 1, paeth)
    return [row if pred is None else ((row16 - pred) & 0xFF).astype(np.uint8)
            for pred in predictors]


def _allowed_filters(height, width):
    """libpng's png_write_start_row drops filters that cannot help a one-row or one-column
    image; with only None left the stream is compressed without Z_FILTERED."""
    allowed = [0, 1, 2, 3, 4]
    if height == 1:
        allowed = [f for f in allowed if f not in (2, 3, 4)]
    if width == 1:
        allowed = [f for f in allowed if f not in (1, 3, 4)]
    return allowed


def _filter_rows(image, allowed):
    """Each row prefixed by the filter byte libpng picks (smallest sum; first one on ties)."""
    height = image.shape[0]
    rows = image.reshape(height, -1)
    bpp = image.shape[2]
    prev = np.zeros(rows.shape[1], np.uint8)
    out = []
    for row in rows:
        candidates = _png_filter_candidates(row, prev, bpp)
        best = 0
        if len(allowed) > 1:
            sums = {f: _abs_sum(candidates[f]) for f in allowed}
            best = min(allowed, key=lambda f: (sums[f], f))
        out.append(bytes([best]) + candidates[best].tobytes())
        prev = row
    return b"".join(out)


def _window_bits(data_size):
    """libpng's png_deflate_claim: the smallest window that still sees all the data."""
    bits = 15
    if data_size <= 16384:
        half = 1 << (bits - 1)
        while data_size + 262 <= half:
            half >>= 1
            bits -= 1
    return max(bits, 9)


def _optimize_cmf(stream, data_size):
    """libpng's optimize_cmf: rewrites the zlib header's window size for small images."""
    cmf = stream[0]
    if data_size > 16384 or (cmf & 0x0F) != 8 or (cmf & 0xF0) > 0x70:
        return stream
    cinfo = cmf >> 4
    half = 1 << (cinfo + 7)
    if data_size > half:
        return stream
    while True:
        half >>= 1
        cinfo -= 1
        if not (cinfo > 0 and data_size <= half):
            break
    cmf = (cmf & 0x0F) | (cinfo << 4)
    flg = stream[1] & 0xE0
    flg += 0x1F - ((cmf << 8) + flg) % 0x1F
    return bytes([cmf, flg]) + stream[2:]


def encode_png(image):
    """PNG bytes of a [height, width, channels] uint8 image, identical to TF's (libpng 1.6)."""
    height, width, depth = image.shape
    allowed = _allowed_filters(height, width)
    data = _filter_rows(np.ascontiguousarray(image, dtype=np.uint8), allowed)
    strategy = zlib.Z_FILTERED if len(allowed) > 1 else zlib.Z_DEFAULT_STRATEGY
    compressor = zlib.compressobj(6, zlib.DEFLATED, _window_bits(len(data)), 9, strategy)
    stream = _optimize_cmf(compressor.compress(data) + compressor.flush(), len(data))
    color_type = {1: 0, 2: 4, 3: 2, 4: 6}[depth]
    header = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    chunks = [_png_chunk(b"IHDR", header)]
    for start in range(0, len(stream), _IDAT_SIZE):
        chunks.append(_png_chunk(b"IDAT", stream[start:start + _IDAT_SIZE]))
    chunks.append(_png_chunk(b"IEND", b""))
    return _PNG_SIGNATURE + b"".join(chunks)


# ------------------------------------------------------------------------ AudioSummaryV2
def encode_wav(samples, sample_rate):
    """16-bit PCM WAV of [frames, channels] float samples, as TF's EncodeAudioAsS16LEWav
    (samples scaled by 32768, rounded half away from zero, clamped)."""
    frames, channels = samples.shape
    scaled = (samples.astype(np.float32) * np.float32(32768.0)).astype(np.float64)
    rounded = np.sign(scaled) * np.floor(np.abs(scaled) + 0.5)
    pcm = np.clip(rounded, -32768, 32767).astype("<i2").tobytes()
    header = struct.pack("<4sI4s4sIHHIIHH4sI", b"RIFF", 36 + len(pcm), b"WAVE", b"fmt ", 16, 1,
                         channels, sample_rate, sample_rate * 2 * channels, 2 * channels, 16,
                         b"data", len(pcm))
    return header + pcm


@reference("AudioSummaryV2")
def audio_summary(attrs, tag, tensor, sample_rate):
    tag = _scalar_tag(tag, "Tag must be a scalar")
    if sample_rate.size != 1:
        raise checks.invalid("sample_rate must be rank-0 or contain a single value")
    rate = np.float32(sample_rate.reshape(-1)[0])
    if not rate > 0:
        raise checks.invalid("sample_rate must be > 0")
    if tensor.ndim not in (2, 3):
        raise checks.invalid(f"Tensor must be 3-D or 2-D, got: {shape_string(tensor.shape)}")
    clips = tensor if tensor.ndim == 3 else tensor[:, :, None]
    max_outputs = attrs["max_outputs"]
    count = min(max_outputs, clips.shape[0])
    wav_rate = max(int(np.rint(rate)), 1)
    summary = summary_pb2.Summary()
    for i in range(count):
        audio = summary_pb2.Summary.Audio(
            sample_rate=rate, num_channels=clips.shape[2], length_frames=clips.shape[1],
            content_type="audio/wav", encoded_audio_string=encode_wav(clips[i], wav_rate))
        audio_tag = f"{tag}/audio/{i}" if max_outputs > 1 else f"{tag}/audio"
        summary.value.add(tag=audio_tag, audio=audio)
    return (as_string_scalar(summary),)


# ------------------------------------------------------------------------ TensorSummaryV2
def tensor_proto_of(array):
    """TF's Tensor::AsProtoField for strings, AsProtoTensorContent for everything else."""
    proto = summary_pb2.Summary.Value().tensor
    if array.dtype == object:
        proto.dtype = types_pb2.DT_STRING
        proto.string_val.extend(_as_bytes(v) for v in array.reshape(-1))
    else:
        proto.dtype = dtypes.as_dtype(array.dtype).as_datatype_enum
        proto.tensor_content = np.ascontiguousarray(array).astype(
            array.dtype.newbyteorder("<")).tobytes()
    proto.tensor_shape.SetInParent()
    for d in array.shape:
        proto.tensor_shape.dim.add(size=d)
    return proto


@reference("TensorSummaryV2")
def tensor_summary(attrs, tag, tensor, serialized_summary_metadata):
    tag = _scalar_tag(tag, "tag must be scalar")
    if serialized_summary_metadata.ndim != 0:
        raise checks.invalid("serialized_summary_metadata must be scalar")
    summary = summary_pb2.Summary()
    value = summary.value.add(tag=tag)
    value.tensor.CopyFrom(tensor_proto_of(tensor))
    value.metadata.ParseFromString(_as_bytes(serialized_summary_metadata[()]))
    return (as_string_scalar(summary),)


# ------------------------------------------------------------------------ MergeSummary
@reference("MergeSummary")
def merge_summary(attrs, *inputs):
    merged = summary_pb2.Summary()
    seen = set()
    for serialized in inputs:
        for item in serialized.reshape(-1):
            part = summary_pb2.Summary()
            try:
                part.ParseFromString(_as_bytes(item))
            except Exception:  # noqa: BLE001 - protobuf's DecodeError and friends
                raise checks.invalid("Could not parse one of the summary inputs") from None
            for value in part.value:
                if value.tag and value.tag in seen:
                    raise checks.invalid(f"Duplicate tag {value.tag} found in summary inputs ")
                seen.add(value.tag)
                merged.value.add().CopyFrom(value)
    return (as_string_scalar(merged),)
