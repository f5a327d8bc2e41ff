"""Reading TensorFlow's V2 checkpoints (tensor bundles), so `Saver.restore` accepts them.

A bundle with prefix `P` is `P.index`, an immutable sorted table (LevelDB's table format)
mapping each tensor name to a BundleEntryProto (the key "" holds a BundleHeaderProto), and
`P.data-<shard>-of-<shards>` holding the raw tensor bytes, each checked with a masked CRC-32C.
Only uncompressed index blocks and unsliced tensors are read (what TF's Saver writes);
anything else, and any inconsistency, is a `DataLossError` or `UnimplementedError` naming
the file and tensor.
"""

import os
import struct

import numba
import numpy as np

from graphflow import dtypes
from graphflow import errors
from graphflow.io import checkpoint_format
from graphflow.io import protos
from graphflow.proto import tensor_bundle_pb2

_TABLE_MAGIC = 0xdb4775248b80fb57
_FOOTER_SIZE = 48
_MASK_DELTA = 0xa282ead8


def exists(prefix):
    return os.path.isfile(os.fspath(prefix) + ".index")


# ------------------------------------------------------------------ CRC-32C
def _crc32c_table():
    table = np.zeros(256, dtype=np.uint32)
    for i in range(256):
        crc = i
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
        table[i] = crc
    return table


_CRC_TABLE = _crc32c_table()


@numba.njit(cache=True, nogil=True)
def _crc32c_update(table, crc, data):
    crc = np.uint32(crc) ^ np.uint32(0xFFFFFFFF)
    for byte in data:
        crc = table[(crc ^ byte) & 0xFF] ^ (crc >> np.uint32(8))
    return crc ^ np.uint32(0xFFFFFFFF)


def crc32c(data, crc=0):
    """The CRC-32C (Castagnoli) of `data`, extending `crc` (the CRC of preceding bytes)."""
    return int(_crc32c_update(_CRC_TABLE, crc, np.frombuffer(bytes(data), dtype=np.uint8)))


def mask(crc):
    """TF's masked CRC (rotated right by 15 bits plus a constant), as stored in files."""
    return (((crc >> 15) | (crc << 17)) + _MASK_DELTA) & 0xFFFFFFFF


def masked_crc32c(data):
    return mask(crc32c(data))


# ------------------------------------------------------------------ the index table
def _varint(data, pos):
    result, shift = 0, 0
    while True:
        if pos >= len(data) or shift > 63:
            raise ValueError("bad varint")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7


def _block(data, offset, size):
    """The contents of the table block at (offset, size), checking its trailer."""
    if offset + size + 5 > len(data):
        raise ValueError("block handle points past the end of the file")
    contents = data[offset:offset + size]
    compression = data[offset + size]
    (stored,) = struct.unpack_from("<I", data, offset + size + 1)
    if masked_crc32c(data[offset:offset + size + 1]) != stored:
        raise ValueError("block checksum mismatch")
    if compression != 0:
        raise ValueError(f"compressed index blocks (type {compression}) are not supported")
    return contents


def _block_entries(block):
    """(key, value) pairs of a block, undoing the shared-prefix key compression."""
    if len(block) < 4:
        raise ValueError("block too short")
    (restarts,) = struct.unpack_from("<I", block, len(block) - 4)
    end = len(block) - 4 - 4 * restarts
    if end < 0:
        raise ValueError("bad restart count")
    pos, key = 0, b""
    while pos < end:
        shared, pos = _varint(block, pos)
        unshared, pos = _varint(block, pos)
        length, pos = _varint(block, pos)
        if shared > len(key) or pos + unshared + length > end:
            raise ValueError("bad block entry")
        key = key[:shared] + block[pos:pos + unshared]
        pos += unshared
        yield key, block[pos:pos + length]
        pos += length


def _table_entries(data):
    """Every (key, value) of an SSTable file's data blocks."""
    if len(data) < _FOOTER_SIZE:
        raise ValueError("file too short for a table footer")
    footer = data[-_FOOTER_SIZE:]
    (magic,) = struct.unpack_from("<Q", footer, _FOOTER_SIZE - 8)
    if magic != _TABLE_MAGIC:
        raise ValueError("not a table file (bad magic number)")
    pos = _varint(footer, _varint(footer, 0)[1])[1]  # skip the metaindex handle
    index_offset, pos = _varint(footer, pos)
    index_size, _ = _varint(footer, pos)
    for _, handle in _block_entries(_block(data, index_offset, index_size)):
        offset, pos = _varint(handle, 0)
        size, _ = _varint(handle, pos)
        yield from _block_entries(_block(data, offset, size))


# ------------------------------------------------------------------ the reader
class Reader(checkpoint_format.IndexedReader):
    """The tensors of one TensorFlow V2 checkpoint (same interface as graphflow's Reader)."""

    def __init__(self, prefix):
        self.prefix = os.fspath(prefix)
        index = self.prefix + ".index"
        try:
            with open(index, "rb") as f:
                data = f.read()
        except FileNotFoundError:
            raise checkpoint_format.not_found(self.prefix) from None
        try:
            self._read_index(data)
        except (ValueError, struct.error) as err:
            raise _data_loss(index, str(err)) from None

    def _read_index(self, data):
        self.entries = {}
        header = None
        for key, value in _table_entries(data):
            if key == b"":
                header = tensor_bundle_pb2.BundleHeaderProto.FromString(value)
                continue
            entry = tensor_bundle_pb2.BundleEntryProto.FromString(value)
            self.entries[key.decode("utf-8")] = entry
        if header is None:
            raise ValueError("no bundle header")
        if header.endianness != header.LITTLE:
            raise ValueError("big-endian bundles are not supported")
        self.num_shards = header.num_shards

    def dtype(self, name):
        entry = self._entry(name)
        try:
            return protos.dtype_from_enum(entry.dtype)
        except ValueError as err:
            raise errors.UnimplementedError(None, None, f"tensor '{name}': {err}") from None

    def shape(self, name):
        return protos.shape_from_proto(self._entry(name).shape).as_list()

    def read(self, name):
        """The tensor `name` as an ndarray, after checking its CRC-32C."""
        entry = self._entry(name)
        if entry.slices:
            raise errors.UnimplementedError(None, None, f"tensor '{name}' is stored in "
                                            "slices, which graphflow cannot read")
        dtype = self.dtype(name)
        shape = self.shape(name)
        path = f"{self.prefix}.data-{entry.shard_id:05d}-of-{self.num_shards:05d}"
        try:
            with open(path, "rb") as f:
                f.seek(entry.offset)
                data = f.read(entry.size)
        except FileNotFoundError:
            raise errors.NotFoundError(None, None, f"checkpoint data file {path} is "
                                       "missing") from None
        if len(data) != entry.size:
            raise _data_loss(path, f"truncated file while reading tensor '{name}'")
        try:
            if dtype == dtypes.string:
                value, crc = _decode_strings(data, shape)
            else:
                value, crc = _decode_numbers(data, dtype, shape), masked_crc32c(data)
        except (ValueError, struct.error) as err:
            raise _data_loss(path, f"tensor '{name}': {err}") from None
        if crc != entry.crc32c:
            raise _data_loss(path, f"checksum mismatch in the data of tensor '{name}'")
        return value


def _data_loss(path, what):
    return errors.DataLossError(None, None, f"Checkpoint {path} is corrupted: {what}")


def _decode_numbers(data, dtype, shape):
    count = int(np.prod(shape, dtype=object))
    little = np.dtype(dtype.as_numpy_dtype).newbyteorder("<")
    if len(data) != count * little.itemsize:
        raise ValueError(f"{len(data)} bytes for {count} elements of {dtype.name}")
    return np.frombuffer(data, little).astype(little.newbyteorder("=")).reshape(shape)


def _decode_strings(data, shape):
    """TF's string layout: varint64 lengths, a masked CRC of the lengths, then the bytes.

    Returns the array and the masked CRC TF stores for it (computed over the lengths as
    little-endian uint32s, uint64 for lengths that need it, the length checksum and the
    bytes).
    """
    count = int(np.prod(shape, dtype=object))
    if count > len(data):
        raise ValueError(f"{count} strings cannot fit in {len(data)} bytes")
    lengths, pos = [], 0
    for _ in range(count):
        n, pos = _varint(data, pos)
        lengths.append(n)
    crc = crc32c(b"".join(struct.pack("<I" if n <= 0xFFFFFFFF else "<Q", n) for n in lengths))
    (length_checksum,) = struct.unpack_from("<I", data, pos)
    if length_checksum != mask(crc):
        raise ValueError("checksum mismatch in the string lengths")
    crc = crc32c(data[pos:pos + 4], crc)
    pos += 4
    if pos + sum(lengths) != len(data):
        raise ValueError("string data has the wrong length")
    out = np.empty(count, dtype=object)
    for i, n in enumerate(lengths):
        out[i] = data[pos:pos + n]
        pos += n
    return out.reshape(shape), mask(crc32c(data[len(data) - sum(lengths):], crc))
