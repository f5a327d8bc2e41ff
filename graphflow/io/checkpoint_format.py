"""graphflow's checkpoint file: named tensors in one checksummed binary file, no pickle.

A checkpoint with prefix `P` is the single file `P.gfckpt`, written to a temporary file,
fsynced and renamed (`files.atomic_open`), so a process killed while saving leaves the
previous checkpoint intact. Layout (all integers little-endian):

    file    = magic "\\x89GFCKPT\\n" (8 bytes), u32 format version (1), u32 record count,
              record * count, footer
    record  = u32 header length H, header (H bytes), u32 CRC-32 of the header,
              data (data length bytes), u32 CRC-32 of the data
    header  = u32 name length, name (UTF-8), u32 DataType (TensorFlow's enum),
              u32 rank, u64 * rank dims, u64 data length
    data    = numeric tensors: the elements in C order, little-endian;
              string tensors: per element a u64 length and its bytes
    footer  = "GFCKEND\\n" (8 bytes), u32 record count

Reading checks every header checksum and size before reading data, and each tensor's data
checksum when it is read: a truncated or corrupted file is a `DataLossError` naming the tensor
and the file, never a crash or a huge allocation. This module imports no graph code (the
SaveV2/RestoreV2 kernels use it).
"""

import os
import struct
import zlib

import numpy as np

from graphflow import dtypes
from graphflow import errors
from graphflow.io import files

SUFFIX = ".gfckpt"
MAGIC = b"\x89GFCKPT\n"
FOOTER = b"GFCKEND\n"
VERSION = 1
_MAX_HEADER = 1 << 20
_MAX_RANK = 64
_U32 = struct.Struct("<I")
_U64 = struct.Struct("<Q")


def checkpoint_file(prefix):
    """The file holding the checkpoint with prefix `prefix`."""
    return os.fspath(prefix) + SUFFIX


def exists(prefix):
    return os.path.isfile(checkpoint_file(prefix))


# ------------------------------------------------------------------ writing
def write(prefix, names, arrays):
    """Writes `arrays` under `names` as the checkpoint `prefix` (atomically).

    Raises:
        InvalidArgumentError: duplicate names.
        OSError: the directory does not exist or is not writable.
    """
    if len(set(names)) != len(names):
        raise errors.InvalidArgumentError(None, None, f"Duplicate tensor names in a "
                                          f"checkpoint: {sorted(names)}")
    path = checkpoint_file(prefix)
    with files.atomic_open(path) as f:
        f.write(MAGIC + _U32.pack(VERSION) + _U32.pack(len(names)))
        for name, array in zip(names, arrays):
            write_record(f, name, np.asarray(array))
        f.write(FOOTER + _U32.pack(len(names)))
    return path


def write_record(f, name, array):
    """Writes one tensor record (see the module docstring)."""
    dtype = dtypes.as_dtype(array.dtype)
    data = _encode_data(array, dtype)
    encoded_name = name.encode("utf-8")
    header = b"".join([_U32.pack(len(encoded_name)), encoded_name,
                       _U32.pack(dtype.as_datatype_enum), _U32.pack(array.ndim),
                       *(_U64.pack(d) for d in array.shape), _U64.pack(len(data))])
    f.write(_U32.pack(len(header)) + header + _U32.pack(zlib.crc32(header)))
    f.write(data)
    f.write(_U32.pack(zlib.crc32(data)))


def _encode_data(array, dtype):
    if dtype == dtypes.string:
        parts = []
        for item in array.reshape(-1):
            item = item if isinstance(item, bytes) else str(item).encode("utf-8")
            parts.append(_U64.pack(len(item)))
            parts.append(item)
        return b"".join(parts)
    little = np.dtype(dtype.as_numpy_dtype).newbyteorder("<")
    return np.ascontiguousarray(array, dtype=little).tobytes()


# ------------------------------------------------------------------ reading
class Entry:
    """Where one tensor is in the file: name, dtype, shape, data offset and length."""

    __slots__ = ("dtype", "length", "name", "offset", "shape")

    def __init__(self, name, dtype, shape, offset, length):
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.offset = offset
        self.length = length


def not_found(prefix):
    """TF's error for a checkpoint prefix with no files."""
    return errors.NotFoundError(None, None, f"Unsuccessful TensorSliceReader constructor: "
                                f"Failed to find any matching files for {prefix}")


class IndexedReader:
    """What checkpoint readers share: `entries`, a dict from tensor name to its index entry;
    subclasses add `dtype(name)`, `shape(name)` and `read(name)`."""

    entries = {}

    def names(self):
        return list(self.entries)

    def has_tensor(self, name):
        return name in self.entries

    def _entry(self, name):
        entry = self.entries.get(name)
        if entry is None:
            raise errors.NotFoundError(None, None, f"Key {name} not found in checkpoint")
        return entry


class Reader(IndexedReader):
    """Reads a graphflow checkpoint: the index at open, tensor data on demand.

    Raises:
        NotFoundError: the file does not exist.
        DataLossError: the file is truncated or corrupted (the message names the tensor).
    """

    def __init__(self, prefix):
        self.path = checkpoint_file(prefix)
        try:
            self._size = os.path.getsize(self.path)
            with open(self.path, "rb") as f:
                self.entries = _read_index(f, self.path, self._size)
        except FileNotFoundError:
            raise not_found(prefix) from None

    def dtype(self, name):
        return self._entry(name).dtype

    def shape(self, name):
        return list(self._entry(name).shape)

    def read(self, name):
        """The tensor `name` as an ndarray, after checking its checksum."""
        entry = self._entry(name)
        with open(self.path, "rb") as f:
            f.seek(entry.offset)
            data = _read_exact(f, entry.length, self.path, name)
            (crc,) = _U32.unpack(_read_exact(f, 4, self.path, name))
        if zlib.crc32(data) != crc:
            raise _data_loss(self.path, f"checksum mismatch in the data of tensor '{name}'")
        return _decode_data(data, entry, self.path)


def _data_loss(path, what):
    return errors.DataLossError(None, None, f"Checkpoint {path} is corrupted: {what}")


def _read_exact(f, n, path, name):
    data = f.read(n)
    if len(data) != n:
        where = f"tensor '{name}'" if name else "the file header"
        raise _data_loss(path, f"truncated file while reading {where}")
    return data


def _read_index(f, path, size):
    head = _read_exact(f, len(MAGIC) + 8, path, None)
    if head[:len(MAGIC)] != MAGIC:
        raise _data_loss(path, "not a graphflow checkpoint (bad magic number)")
    version, count = _U32.unpack(head[8:12])[0], _U32.unpack(head[12:16])[0]
    if version != VERSION:
        raise _data_loss(path, f"unsupported checkpoint format version {version}")
    entries = {}
    previous = None
    for _ in range(count):
        entry = _read_header(f, path, size, previous)
        if entry.name in entries:
            raise _data_loss(path, f"tensor '{entry.name}' appears twice")
        entries[entry.name] = entry
        previous = entry.name
        f.seek(entry.offset + entry.length + 4)
    footer = f.read(len(FOOTER) + 4)
    if footer != FOOTER + _U32.pack(count):
        raise _data_loss(path, f"missing or bad footer after tensor '{previous}' (truncated "
                         "file?)")
    return entries


def _read_header(f, path, size, previous):
    context = f"the record after tensor '{previous}'" if previous else "the first record"
    (length,) = _U32.unpack(_read_exact(f, 4, path, previous or ""))
    if length > _MAX_HEADER or f.tell() + length + 4 > size:
        raise _data_loss(path, f"bad header length {length} in {context}")
    header = f.read(length)
    (crc,) = _U32.unpack(_read_exact(f, 4, path, previous or ""))
    if zlib.crc32(header) != crc:
        raise _data_loss(path, f"checksum mismatch in the header of {context}")
    try:
        name, dtype, shape, data_length = _parse_header(header)
    except (struct.error, UnicodeDecodeError, TypeError, ValueError) as err:
        raise _data_loss(path, f"malformed header in {context}: {err}") from None
    entry = Entry(name, dtype, shape, f.tell(), data_length)
    if entry.offset + data_length + 4 > size:
        raise _data_loss(path, f"truncated file: the data of tensor '{name}' is incomplete")
    count = int(np.prod(shape, dtype=object))
    expected = count * (8 if dtype == dtypes.string else dtype.size)
    if (dtype == dtypes.string and expected > data_length) or \
            (dtype != dtypes.string and expected != data_length):
        raise _data_loss(path, f"tensor '{name}' of shape {list(shape)} and dtype "
                         f"{dtype.name} cannot have {data_length} data bytes")
    return entry


def _parse_header(header):
    (name_length,) = _U32.unpack_from(header, 0)
    pos = 4 + name_length
    name = header[4:pos].decode("utf-8")
    (enum,) = _U32.unpack_from(header, pos)
    (rank,) = _U32.unpack_from(header, pos + 4)
    if rank > _MAX_RANK:
        raise ValueError(f"rank {rank} is too large")
    pos += 8
    shape = tuple(_U64.unpack_from(header, pos + 8 * i)[0] for i in range(rank))
    pos += 8 * rank
    (data_length,) = _U64.unpack_from(header, pos)
    if pos + 8 != len(header):
        raise ValueError("unexpected trailing bytes")
    dtype = dtypes.as_dtype(enum)
    if dtype.is_ref_dtype:
        raise ValueError(f"reference dtype {dtype.name}")
    return name, dtype, shape, data_length


def _decode_data(data, entry, path):
    if entry.dtype != dtypes.string:
        little = np.dtype(entry.dtype.as_numpy_dtype).newbyteorder("<")
        flat = np.frombuffer(data, dtype=little).astype(little.newbyteorder("="))
        return flat.reshape(entry.shape)
    count = int(np.prod(entry.shape, dtype=object))
    out = np.empty(count, dtype=object)
    pos = 0
    for i in range(count):
        if pos + 8 > len(data):
            raise _data_loss(path, f"string tensor '{entry.name}' is incomplete")
        (n,) = _U64.unpack_from(data, pos)
        out[i] = data[pos + 8:pos + 8 + n]
        pos += 8 + n
        if pos > len(data):
            raise _data_loss(path, f"string tensor '{entry.name}' is incomplete")
    if pos != len(data):
        raise _data_loss(path, f"string tensor '{entry.name}' has trailing bytes")
    return out.reshape(entry.shape)


def open_reader(prefix):
    """A reader for the checkpoint `prefix`: graphflow's file, else TensorFlow's V2 bundle.

    Raises:
        NotFoundError: neither exists.
    """
    if exists(prefix):
        return Reader(prefix)
    from graphflow.io import tf_bundle
    if tf_bundle.exists(prefix):
        return tf_bundle.Reader(prefix)
    raise not_found(prefix)
