"""graphflow's checkpoint file (round trips, every corruption detected, atomic writes) and
the reader of TensorFlow's V2 checkpoints."""

import os

import numpy as np
import pytest

from graphflow import errors
from graphflow.io import checkpoint_format
from graphflow.io import tf_bundle

TENSORS = {
    "weights": np.arange(12, dtype=np.float32).reshape(3, 4),
    "scope/bias": np.float64(-0.5),
    "step": np.int64(2 ** 40),
    "flags": np.array([True, False]),
    "half": np.array([1.5, -2.0], np.float16),
    "bytes": np.array([[0, 255]], np.uint8),
    "names": np.array([b"a", b"", "\u00e9".encode()], dtype=object),
    "empty": np.zeros((0, 3), np.int32),
    "transposed": np.arange(6, dtype=np.int16).reshape(2, 3).T,
}


def _write(tmp_path, tensors=TENSORS, name="ckpt"):
    prefix = str(tmp_path / name)
    checkpoint_format.write(prefix, list(tensors), list(tensors.values()))
    return prefix


def _read_all(prefix):
    reader = checkpoint_format.Reader(prefix)
    return {name: reader.read(name) for name in reader.names()}


def test_round_trip_of_every_dtype(tmp_path):
    prefix = _write(tmp_path)
    assert os.listdir(tmp_path) == ["ckpt.gfckpt"]
    reader = checkpoint_format.Reader(prefix)
    assert reader.names() == list(TENSORS)
    for name, value in TENSORS.items():
        got = reader.read(name)
        assert got.dtype == np.asarray(value).dtype and got.shape == np.shape(value), name
        np.testing.assert_array_equal(got, value)
        assert reader.shape(name) == list(np.shape(value))
    assert reader.dtype("weights").name == "float32" and reader.has_tensor("step")


def test_missing_files_and_keys_are_not_found(tmp_path):
    with pytest.raises(errors.NotFoundError, match="Failed to find any matching files for"):
        checkpoint_format.Reader(str(tmp_path / "nothing"))
    with pytest.raises(errors.NotFoundError, match="Failed to find any matching files"):
        checkpoint_format.open_reader(str(tmp_path / "nothing"))
    reader = checkpoint_format.Reader(_write(tmp_path))
    with pytest.raises(errors.NotFoundError, match="Key other not found in checkpoint"):
        reader.read("other")


def test_every_single_bit_flip_is_data_loss(tmp_path):
    small = {"w": np.array([1.0, 2.0], np.float32), "s": np.array([b"xy"], dtype=object)}
    prefix = _write(tmp_path, small)
    path = checkpoint_format.checkpoint_file(prefix)
    original = open(path, "rb").read()
    for position in range(len(original)):
        for bit in range(8):
            data = bytearray(original)
            data[position] ^= 1 << bit
            open(path, "wb").write(bytes(data))
            with pytest.raises(errors.DataLossError, match="is corrupted"):
                _read_all(prefix)


def test_corrupted_data_names_the_tensor(tmp_path):
    prefix = _write(tmp_path)
    path = checkpoint_format.checkpoint_file(prefix)
    reader = checkpoint_format.Reader(prefix)
    entry = reader.entries["weights"]
    data = bytearray(open(path, "rb").read())
    data[entry.offset + 5] ^= 0xFF
    open(path, "wb").write(bytes(data))
    reader = checkpoint_format.Reader(prefix)  # the index is intact
    np.testing.assert_array_equal(reader.read("step"), TENSORS["step"])
    with pytest.raises(errors.DataLossError, match="checksum mismatch in the data of tensor "
                                                   "'weights'"):
        reader.read("weights")


def test_every_truncation_is_data_loss(tmp_path):
    prefix = _write(tmp_path)
    path = checkpoint_format.checkpoint_file(prefix)
    original = open(path, "rb").read()
    for length in range(len(original)):
        open(path, "wb").write(original[:length])
        with pytest.raises(errors.DataLossError) as info:
            _read_all(prefix)
        assert path in str(info.value)
    open(path, "wb").write(original[:len(original) - 20])
    with pytest.raises(errors.DataLossError, match="tensor 'transposed'"):
        checkpoint_format.Reader(prefix)


def test_headers_cannot_request_huge_allocations(tmp_path):
    prefix = str(tmp_path / "huge")
    with open(checkpoint_format.checkpoint_file(prefix), "wb") as f:
        f.write(checkpoint_format.MAGIC + (1).to_bytes(4, "little") + (1).to_bytes(4, "little"))
        checkpoint_format.write_record(f, "s", np.array([b"x"], dtype=object))
        f.write(checkpoint_format.FOOTER + (1).to_bytes(4, "little"))
    data = bytearray(open(checkpoint_format.checkpoint_file(prefix), "rb").read())
    # Claim 2**40 strings in 9 data bytes (and fix the header checksum): refused before any
    # allocation.
    import struct
    import zlib
    start = 16 + 4
    header_length = struct.unpack_from("<I", data, 16)[0]
    header = bytearray(data[start:start + header_length])
    struct.pack_into("<Q", header, 4 + 1 + 8, 2 ** 40)
    data[start:start + header_length] = header
    struct.pack_into("<I", data, start + header_length, zlib.crc32(bytes(header)))
    open(checkpoint_format.checkpoint_file(prefix), "wb").write(bytes(data))
    with pytest.raises(errors.DataLossError, match="cannot have 9 data bytes"):
        checkpoint_format.Reader(prefix)


def test_a_failed_write_leaves_the_previous_checkpoint(tmp_path):
    prefix = _write(tmp_path)
    before = open(checkpoint_format.checkpoint_file(prefix), "rb").read()
    with pytest.raises(TypeError):
        checkpoint_format.write(prefix, ["a", "b"], [np.zeros(3), np.zeros(2, np.complex64)])
    assert open(checkpoint_format.checkpoint_file(prefix), "rb").read() == before
    assert os.listdir(tmp_path) == ["ckpt.gfckpt"]
    with pytest.raises(errors.InvalidArgumentError, match="Duplicate tensor names"):
        checkpoint_format.write(prefix, ["a", "a"], [np.zeros(3), np.zeros(3)])
    with pytest.raises(FileNotFoundError):
        checkpoint_format.write(str(tmp_path / "no" / "dir" / "x"), ["a"], [np.zeros(1)])


def test_not_a_checkpoint(tmp_path):
    path = tmp_path / "junk.gfckpt"
    path.write_bytes(b"PK\x03\x04 definitely not ours")
    with pytest.raises(errors.DataLossError, match="bad magic number"):
        checkpoint_format.Reader(str(tmp_path / "junk"))


# ------------------------------------------------------------------ TensorFlow's bundles
def test_crc32c_known_values():
    assert tf_bundle.crc32c(b"123456789") == 0xE3069283
    assert tf_bundle.crc32c(b"") == 0
    assert tf_bundle.crc32c(bytes(32)) == 0x8A9136AA


TF_VALUES = {"f": np.arange(6, dtype=np.float32).reshape(2, 3), "d": np.float64(2.5),
             "i": np.array([1, -2], np.int64), "b": np.array([True, False]),
             "s": np.array([b"ab", b"", b"xyz"], dtype=object), "h": np.array([0.5], np.float16)}


def _tf_checkpoint(tf1, directory):
    with tf1.Graph().as_default():
        variables = [tf1.Variable(value, name=name) for name, value in TF_VALUES.items()]
        saver = tf1.train.Saver(variables)
        with tf1.Session() as sess:
            sess.run(tf1.global_variables_initializer())
            return saver.save(sess, str(directory / "tf_model"))


@pytest.mark.tf
def test_tensorflow_checkpoints_are_read(tf1, tmp_path):
    prefix = _tf_checkpoint(tf1, tmp_path)
    reader = checkpoint_format.open_reader(prefix)
    assert isinstance(reader, tf_bundle.Reader)
    assert sorted(reader.names()) == sorted(TF_VALUES)
    for name, value in TF_VALUES.items():
        got = reader.read(name)
        assert got.dtype == np.asarray(value).dtype and got.shape == np.shape(value), name
        np.testing.assert_array_equal(got, value)


@pytest.mark.tf
def test_corrupted_tensorflow_checkpoints_are_data_loss(tf1, tmp_path):
    prefix = _tf_checkpoint(tf1, tmp_path)
    data_path = prefix + ".data-00000-of-00001"
    entry = tf_bundle.Reader(prefix).entries["f"]
    data = bytearray(open(data_path, "rb").read())
    data[entry.offset] ^= 1
    open(data_path, "wb").write(bytes(data))
    with pytest.raises(errors.DataLossError, match="tensor 'f'"):
        tf_bundle.Reader(prefix).read("f")
    index = bytearray(open(prefix + ".index", "rb").read())
    for position in range(0, len(index), 7):
        corrupted = bytearray(index)
        corrupted[position] ^= 0x10
        open(prefix + ".index", "wb").write(bytes(corrupted))
        with pytest.raises((errors.DataLossError, errors.NotFoundError)):
            reader = tf_bundle.Reader(prefix)
            for name in TF_VALUES:
                reader.read(name)
