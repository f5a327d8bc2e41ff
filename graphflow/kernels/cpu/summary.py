"""CPU kernels for the summary ops.

HistogramSummary is the one with real work per element (a binary search among ~1550 bucket
limits): numba counts the buckets (in parallel chunks above a size threshold) and accumulates
the sums strictly in order without fastmath, so the bytes equal TF's. The other summary ops
encode a few values, images or clips; their numpy reference is the kernel.
"""

import numba
import numpy as np

from graphflow.kernels import registry
from graphflow.kernels.cpu import use_reference
from graphflow.kernels.reference import summary as ref_summary

PARALLEL_THRESHOLD = 1 << 16
_CHUNK = 1 << 14

use_reference("ScalarSummary", "ImageSummary", "AudioSummaryV2", "TensorSummaryV2",
              "MergeSummary")


@numba.njit(cache=True, nogil=True)
def _bucket_of(limits, value):
    """std::upper_bound: the first limit strictly greater than `value`."""
    lo = 0
    hi = limits.shape[0]
    while lo < hi:
        mid = (lo + hi) >> 1
        if limits[mid] <= value:
            lo = mid + 1
        else:
            hi = mid
    return lo


@numba.njit(cache=True, nogil=True)
def _count_serial(values, limits, counts):
    for i in range(values.shape[0]):
        counts[_bucket_of(limits, values[i])] += 1


@numba.njit(cache=True, nogil=True, parallel=True)
def _count_parallel(values, limits, counts, chunk):
    n = values.shape[0]
    chunks = (n + chunk - 1) // chunk
    partial = np.zeros((chunks, counts.shape[0]), dtype=np.int64)
    for c in numba.prange(chunks):
        for i in range(c * chunk, min(n, (c + 1) * chunk)):
            partial[c, _bucket_of(limits, values[i])] += 1
    for c in range(chunks):
        for b in range(counts.shape[0]):
            counts[b] += partial[c, b]


@numba.njit(cache=True, nogil=True)
def _moments(values):
    """(min, max, sum, sum of squares), summed in element order as TF's Histogram::Add."""
    low = values[0]
    high = values[0]
    total = 0.0
    squares = 0.0
    for i in range(values.shape[0]):
        v = values[i]
        low = min(low, v)
        high = max(high, v)
        total += v
        squares += v * v
    return low, high, total, squares


def histogram_stats(values):
    """Numba twin of `reference.summary.histogram_stats` (same results, bit for bit)."""
    flat = np.ascontiguousarray(values).reshape(-1)
    limits = ref_summary.BUCKET_LIMITS
    counts = np.zeros(limits.shape[0], dtype=np.int64)
    if flat.size == 0:
        return counts, 0.0, limits[-1], -limits[-1], 0.0, 0.0
    if flat.size >= PARALLEL_THRESHOLD:
        _count_parallel(flat, limits, counts, _CHUNK)
    else:
        _count_serial(flat, limits, counts)
    low, high, total, squares = _moments(flat)
    return counts, float(flat.size), low, high, total, squares


registry.register("HistogramSummary")(ref_summary.histogram_summary_factory(histogram_stats))
