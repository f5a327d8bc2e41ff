"""Independent oracles for summary tests: brute-force histogram buckets and a PNG decoder."""

import bisect
import struct
import sys
import zlib

import numpy as np


def brute_force_buckets(values):
    """Counts per default bucket, by a plain loop (TF: the first limit > value)."""
    limits = [1e-12]
    while limits[-1] * 1.1 < 1e20:
        limits.append(limits[-1] * 1.1)
    limits = [-x for x in reversed(limits + [sys.float_info.max])] + [0.0] + limits + \
        [sys.float_info.max]
    counts = [0] * len(limits)
    for v in values:
        counts[bisect.bisect_right(limits, v)] += 1
    return limits, counts


def expand_histogram(histo, limits):
    """Per-bucket counts from a proto whose empty runs are collapsed into their last limit."""
    counts = [0] * len(limits)
    for limit, count in zip(histo.bucket_limit, histo.bucket):
        counts[limits.index(limit)] = count
    return counts


def decode_png(data):
    """(width, height, channels, pixels) of an 8-bit non-interlaced PNG, decoded by hand."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        assert zlib.crc32(kind + body) == struct.unpack(">I", data[pos + 8 + length:
                                                               pos + 12 + length])[0]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, color_type = header[:4]
    assert depth == 8
    channels = {0: 1, 4: 2, 2: 3, 6: 4}[color_type]
    raw = zlib.decompress(idat)
    stride = width * channels
    rows, prev = [], [0] * stride
    for r in range(height):
        kind, line = raw[r * (stride + 1)], list(raw[r * (stride + 1) + 1:(r + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b, c = prev[i], prev[i - channels] if i >= channels else 0
            pred = [0, a, b, (a + b) // 2, _paeth(a, b, c)][kind]
            line[i] = (line[i] + pred) & 0xFF
        rows.append(line)
        prev = line
    return width, height, channels, np.array(rows, np.uint8).reshape(height, width, channels)


def _paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else (b if pb <= pc else c)
