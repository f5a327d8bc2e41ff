"""Summary ops: node names as TF's, serialized Summary bytes equal to TF's, and the decoded
contents checked against independent oracles (brute-force histograms, a PNG decoder, the
standard library's WAV reader)."""

import io
import sys
import wave

import numpy as np
import pytest

import graphflow as tf
from graphflow import errors
from graphflow.kernels.reference import summary as ref_summary
from graphflow.proto import summary_pb2
from tests.summary.oracles import brute_force_buckets, decode_png, expand_histogram


def run(fetch, feed_dict=None):
    with tf.Session() as sess:
        return sess.run(fetch, feed_dict)


def parse(data):
    summary = summary_pb2.Summary()
    summary.ParseFromString(data)
    return summary


# ------------------------------------------------------------------ scalar
def test_scalar_tag_value_and_collection():
    x = tf.placeholder(tf.float64, [], name="x")
    s = tf.summary.scalar("loss", x)
    assert s.op.type == "ScalarSummary" and s.op.name == "loss" and s.dtype == tf.string
    assert s.shape.as_list() == []
    assert tf.get_collection(tf.GraphKeys.SUMMARIES) == [s]
    value = parse(run(s, {x: 2.5})).value
    assert [(v.tag, v.simple_value) for v in value] == [("loss", 2.5)]


def test_scalar_names_clean_tags_and_families():
    with tf.name_scope("sc"):
        s = tf.summary.scalar("loss", 1.0, family="fam")
    bad = tf.summary.scalar("my loss!", 3, collections=["mine"])
    assert s.op.name == "sc/fam/loss"
    assert parse(run(s)).value[0].tag == "fam/sc/fam/loss"
    assert bad.op.name == "my_loss_" and [i.op.name for i in bad.op.inputs] == [
        "my_loss_/tags", "my_loss_/values"]
    assert parse(run(bad)).value[0].simple_value == 3.0
    assert tf.get_collection("mine") == [bad]
    assert tf.get_collection(tf.GraphKeys.SUMMARIES) == [s]


def test_scalar_shape_mismatch_is_invalid_argument():
    p = tf.placeholder(tf.float32, None)
    s = tf.summary.scalar("s", p)
    with pytest.raises(errors.InvalidArgumentError,
                       match=r"tags and values are not the same shape: \[\] != \[2\] "
                             r"\(tag 's'\)"):
        run(s, {p: [1.0, 2.0]})


def test_scalar_rejects_strings_at_build_time():
    with pytest.raises(TypeError, match="DataType string not in list of allowed values"):
        tf.summary.scalar("s", tf.constant("x"))


# ------------------------------------------------------------------ histogram
@pytest.mark.parametrize("values", [
    [1.0, 2.0, 3.5, -1.0],
    [0.0, 0.0, 1e-13, -1e-13, 1e25, -7.5],
    np.random.RandomState(0).randn(1000) * 100,
    np.random.RandomState(1).standard_cauchy(300),
])
def test_histogram_matches_brute_force(values):
    values = np.asarray(values, np.float64)
    h = tf.summary.histogram("h", tf.placeholder(tf.float64, None, name="v"))
    histo = parse(run(h, {"v:0": values})).value[0].histo
    limits, counts = brute_force_buckets(values.tolist())
    assert expand_histogram(histo, limits) == counts
    assert histo.num == values.size
    assert histo.min == values.min() and histo.max == values.max()
    total = 0.0
    squares = 0.0
    for v in values.tolist():  # in order, as TF's Histogram::Add
        total += v
        squares += v * v
    assert histo.sum == total and histo.sum_squares == squares
    # Runs of empty buckets are merged: no two zero counts in a row.
    zeros = [c == 0 for c in histo.bucket]
    assert not any(a and b for a, b in zip(zeros, zeros[1:]))


def test_histogram_of_nothing():
    h = tf.summary.histogram("h", tf.placeholder(tf.float32, None, name="v"))
    histo = parse(run(h, {"v:0": np.zeros(0, np.float32)})).value[0].histo
    assert (histo.num, histo.sum, histo.sum_squares) == (0, 0, 0)
    assert histo.min == sys.float_info.max and histo.max == -sys.float_info.max
    assert list(histo.bucket_limit) == [sys.float_info.max] and list(histo.bucket) == [0]


@pytest.mark.parametrize("bad, message", [
    ([1.0, np.nan], "Nan in summary histogram for: h"),
    ([1.0, np.inf], "Infinity in Histogram for: h"),
    ([-np.inf, np.nan], "Infinity in Histogram for: h"),
])
def test_histogram_non_finite_is_invalid_argument(bad, message):
    h = tf.summary.histogram("h", tf.placeholder(tf.float32, None, name="v"))
    with pytest.raises(errors.InvalidArgumentError, match=message):
        run(h, {"v:0": bad})


def test_numba_histogram_equals_reference_above_parallel_threshold():
    from graphflow.kernels.cpu import summary as cpu_summary
    values = np.random.RandomState(3).randn(cpu_summary.PARALLEL_THRESHOLD + 1234) * 1e3
    values[::7] = 0.0
    expected = ref_summary.histogram_stats(values)
    actual = cpu_summary.histogram_stats(values)
    np.testing.assert_array_equal(actual[0], expected[0])
    assert actual[1:] == expected[1:]


# ------------------------------------------------------------------ image
def _expected_float_image(pixels):
    """TF's rule, written out: scale by 255/max (all >= 0) or 127/max|x| around 128, the
    scale computed in float32 and applied in the image's own precision, then truncated."""
    real = pixels.dtype.type
    finite = np.isfinite(pixels).all(axis=-1)
    good = pixels[finite].astype(np.float32)
    low, high = good.min(), good.max()
    if low < 0:
        scale, offset = np.float32(127.0) / max(abs(low), abs(high)), 128.0
    else:
        scale, offset = np.float32(255.0) / high, 0.0
    out = np.floor(pixels * real(scale) + real(offset))
    out[~finite] = [255, 0, 0, 255][:pixels.shape[-1]]
    return out.astype(np.uint8)


@pytest.mark.parametrize("dtype", [np.uint8, np.float32, np.float64])
@pytest.mark.parametrize("channels", [1, 3, 4])
def test_image_pixels_decode_back(dtype, channels):
    rng = np.random.RandomState(channels)
    shape = (2, 5, 7, channels)
    if dtype == np.uint8:
        images = rng.randint(0, 256, shape).astype(np.uint8)
    else:
        images = (rng.randn(*shape) * 3).astype(dtype)
        images[1, 2, 3, 0] = np.nan
    s = tf.summary.image("img", tf.constant(images), max_outputs=5)
    values = parse(run(s)).value
    assert [v.tag for v in values] == ["img/image/0", "img/image/1"]
    for image, value in zip(images, values):
        width, height, depth, pixels = decode_png(value.image.encoded_image_string)
        assert (value.image.width, value.image.height, value.image.colorspace) == (7, 5, channels)
        assert (width, height, depth) == (7, 5, channels)
        expected = image if dtype == np.uint8 else _expected_float_image(image)
        np.testing.assert_array_equal(pixels, expected)


def test_image_tag_without_index_for_one_output():
    s = tf.summary.image("one", tf.zeros([3, 2, 2, 1]), max_outputs=1)
    assert [v.tag for v in parse(run(s)).value] == ["one/image"]


@pytest.mark.parametrize("shape, message", [
    ((2, 3, 3), r"Tensor must be 4-D with last dim 1, 3, or 4, not \[2,3,3\]"),
    ((2, 3, 3, 2), r"Tensor must be 4-D with last dim 1, 3, or 4, not \[2,3,3,2\]"),
    ((2, 0, 3, 3), r"input tensor must have non-zero dims. Found: \[2, 0, 3, 3\]."),
])
def test_image_bad_shapes(shape, message):
    s = tf.summary.image("i", tf.placeholder(tf.float32, None, name="p"))
    with pytest.raises(errors.InvalidArgumentError, match=message):
        run(s, {"p:0": np.zeros(shape)})


def test_png_encoder_sizes_and_chunks():
    big = np.random.RandomState(0).randint(0, 256, (300, 200, 3)).astype(np.uint8)
    data = ref_summary.encode_png(big)
    assert data.count(b"IDAT") > 1  # libpng's 8 KiB output buffer becomes one chunk each
    np.testing.assert_array_equal(decode_png(data)[3], big)


# ------------------------------------------------------------------ audio
def test_audio_wav_round_trip():
    clips = np.array([[[0.0, 0.5], [-0.25, 1.5], [2e-5, -1.0]]], np.float32)
    s = tf.summary.audio("snd", tf.constant(clips), 8000.4, max_outputs=1)
    assert [i.op.name for i in s.op.inputs] == ["snd/tag", "Const", "snd/sample_rate"]
    value = parse(run(s)).value[0]
    assert value.tag == "snd/audio" and value.audio.content_type == "audio/wav"
    assert (value.audio.num_channels, value.audio.length_frames) == (2, 3)
    assert value.audio.sample_rate == pytest.approx(8000.4)
    with wave.open(io.BytesIO(value.audio.encoded_audio_string)) as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (2, 2, 8000)
        samples = np.frombuffer(wav.readframes(3), "<i2").reshape(3, 2)
    # 0.5*32768 = 16384; 1.5 clamps to 32767; 2e-5*32768 = 0.655 rounds to 1.
    np.testing.assert_array_equal(samples, [[0, 16384], [-8192, 32767], [1, -32768]])


def test_audio_errors():
    p = tf.placeholder(tf.float32, None, name="p")
    with pytest.raises(errors.InvalidArgumentError, match=r"Tensor must be 3-D or 2-D, got: \[3\]"):
        run(tf.summary.audio("a", p, 100.0), {p: np.zeros(3)})
    with pytest.raises(errors.InvalidArgumentError, match="sample_rate must be > 0"):
        run(tf.summary.audio("b", p, -1.0), {p: np.zeros((1, 3))})


# ------------------------------------------------------------------ text, tensor, merge
def test_text_summary_holds_strings_and_plugin():
    t = tf.summary.text("note", tf.constant(["hello", "**world**"]))
    assert t.op.type == "TensorSummaryV2"
    assert [i.op.name for i in t.op.inputs] == ["note/tag", "Const",
                                                "note/serialized_summary_metadata"]
    value = parse(run(t)).value[0]
    assert value.tag == "note" and value.metadata.plugin_data.plugin_name == "text"
    assert list(value.tensor.string_val) == [b"hello", b"**world**"]
    assert [d.size for d in value.tensor.tensor_shape.dim] == [2]


def test_text_requires_strings():
    with pytest.raises(ValueError, match="Expected tensor p:0 to have dtype string, got "
                                         "<dtype: 'float32'>"):
        tf.summary.text("t", tf.placeholder(tf.float32, name="p"))


def test_tensor_summary_raw_content():
    value = np.arange(6, dtype=np.int64).reshape(2, 3)
    s = tf.summary.tensor_summary("ts", tf.constant(value), summary_description="d",
                                  display_name="shown")
    proto = parse(run(s)).value[0]
    assert proto.metadata.display_name == "shown" and proto.metadata.summary_description == "d"
    assert np.frombuffer(proto.tensor.tensor_content, "<i8").tolist() == list(range(6))


def test_merge_and_merge_all():
    a = tf.summary.scalar("a", 1.0)
    b = tf.summary.histogram("b", [1.0, 2.0])
    assert tf.summary.merge_all("no such collection") is None
    merged = tf.summary.merge_all()
    named = tf.summary.merge([a], name="mm")
    only_b = tf.summary.merge_all(scope="b")
    assert merged.op.name == "Merge/MergeSummary" and named.op.name == "mm/mm"
    assert only_b.op.name == "Merge_1/MergeSummary" and only_b.op.inputs == (b,)
    tags = [v.tag for v in parse(run(merged)).value]
    assert tags == ["a", "b"]
    assert run(merged) == run(a) + run(b)  # a merge re-serializes the same values


def test_merge_errors():
    a = tf.summary.scalar("a", 1.0)
    with pytest.raises(errors.InvalidArgumentError, match="Duplicate tag a found in summary"):
        run(tf.summary.merge([a, a]))
    garbage = tf.constant(b"\xff\xff\xff")
    with pytest.raises(errors.InvalidArgumentError,
                       match="Could not parse one of the summary inputs"):
        run(tf.summary.merge([garbage]))
