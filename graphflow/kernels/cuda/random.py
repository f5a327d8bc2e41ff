"""CUDA kernels of the random ops, on a counter-based Philox4x32-10 generator.

Element `i` of run `r` of a node is a pure function of (key, counter): the key is the op's
(seed, seed2) folded to 2 x 32 bits (OS entropy, drawn once per session, when both are 0) and
the counter is (i low, i high, r, attempt). So values never depend on the launch
configuration, each run of a session draws new values (the run counter lives in the
session's `state`), and the same seeds give the same values in every session and process.
The streams are not those of the CPU kernels (numpy's Philox Generator), as in TF.

Uniforms take the top bits of one 32-bit word (float32, and a 10-bit grid for float16 so that
1.0 is never produced) or 53 bits of two words (float64). Normals are Box-Muller over 53-bit
uniforms from all four words; TruncatedNormal keeps the first of cos/sin of successive
attempts with |z| < 2.
"""

import math

import numpy as np
from numba import cuda

from graphflow.kernels import registry
from graphflow.kernels.cpu.random import _output_dims
from graphflow.kernels.cuda import memory
from graphflow.kernels.cuda.launch import flat, launch

_MASK = np.uint64(0xFFFFFFFF)
_M0 = np.uint64(0xD2511F53)
_M1 = np.uint64(0xCD9E8D57)
_W0 = np.uint64(0x9E3779B9)
_W1 = np.uint64(0xBB67AE85)
_S32 = np.uint64(32)
_TWO_PI = 2.0 * math.pi
_UNIFORM, _NORMAL, _TRUNCATED = 0, 1, 2
_MAX_ATTEMPTS = 64  # P(64 rejections in a row) = 0.0455**128: never


@cuda.jit(device=True)
def philox(c0, c1, c2, c3, k0, k1):
    """Philox4x32-10 of a 4-word counter and 2-word key (uint64 values below 2**32)."""
    for _ in range(10):
        p0 = _M0 * c0
        p1 = _M1 * c2
        c0, c1, c2, c3 = ((p1 >> _S32) ^ c1 ^ k0, p1 & _MASK, (p0 >> _S32) ^ c3 ^ k1,
                          p0 & _MASK)
        k0 = (k0 + _W0) & _MASK
        k1 = (k1 + _W1) & _MASK
    return c0, c1, c2, c3


@cuda.jit(device=True)
def _unit53(hi, lo):
    """A float64 in [0, 1) from 27 + 26 bits of two words."""
    return (float(hi >> np.uint64(5)) * 67108864.0 + float(lo >> np.uint64(6))) / \
        9007199254740992.0


@cuda.jit(device=True)
def _box_muller(w0, w1, w2, w3):
    radius = math.sqrt(-2.0 * math.log(1.0 - _unit53(w0, w1)))
    angle = _TWO_PI * _unit53(w2, w3)
    return radius * math.cos(angle), radius * math.sin(angle)


@cuda.jit
def _sample(out, k0, k1, run, kind, bits):
    for i in range(cuda.grid(1), out.size, cuda.gridsize(1)):
        c0 = np.uint64(i) & _MASK
        c1 = np.uint64(i) >> _S32
        w0, w1, w2, w3 = philox(c0, c1, run, np.uint64(0), k0, k1)
        if kind == _UNIFORM:
            if bits == 10:
                out[i] = float(w0 >> np.uint64(22)) / 1024.0
            elif bits == 24:
                out[i] = float(w0 >> np.uint64(8)) / 16777216.0
            else:
                out[i] = _unit53(w0, w1)
        elif kind == _NORMAL:
            z, _ = _box_muller(w0, w1, w2, w3)
            out[i] = z
        else:
            value = 0.0
            for attempt in range(1, _MAX_ATTEMPTS + 1):
                z, z2 = _box_muller(w0, w1, w2, w3)
                if abs(z) < 2.0:
                    value = z
                    break
                if abs(z2) < 2.0:
                    value = z2
                    break
                w0, w1, w2, w3 = philox(c0, c1, run, np.uint64(attempt), k0, k1)
            out[i] = value


def _fold(seed):
    seed = int(seed) & 0xFFFFFFFFFFFFFFFF
    return np.uint64((seed ^ (seed >> 32)) & 0xFFFFFFFF)


class PhiloxStream:
    """The key of one node and the number of runs it has drawn in this session."""

    __slots__ = ("k0", "k1", "runs")

    def __init__(self, seed, seed2):
        if seed == 0 and seed2 == 0:
            seed, seed2 = np.random.SeedSequence().generate_state(2, np.uint32).tolist()
        self.k0, self.k1 = _fold(seed), _fold(seed2)
        self.runs = 0

    def next_run(self):
        run = np.uint64(self.runs & 0xFFFFFFFF)
        self.runs += 1
        return run


def stream_for(node, state):
    """The node's PhiloxStream, kept in the session state beside the CPU random streams."""
    key = ("cuda.philox", node.name)
    stream = state.random_streams.get(key)
    if stream is None:
        stream = state.random_streams[key] = PhiloxStream(node.get_attr("seed"),
                                                          node.get_attr("seed2"))
    return stream


def sample(dims, dtype, stream, kind):
    """A new device array of `dims`/`dtype` drawn from `stream` (one run)."""
    dtype = np.dtype(dtype)
    bits = {2: 10, 4: 24}.get(dtype.itemsize, 53) if kind == _UNIFORM else 53
    out = memory.allocate(dims, dtype)
    launch(_sample, out.size, flat(out), stream.k0, stream.k1, stream.next_run(), kind, bits)
    return out


def _sampler(kind):
    def factory(node, state):
        dtype = np.dtype(node.get_attr("dtype").as_numpy_dtype)
        stream = stream_for(node, state)

        def run(shape):
            return (sample(_output_dims(memory.host_array(shape)), dtype, stream, kind),)
        return run
    return factory


registry.register("RandomUniform", "GPU")(_sampler(_UNIFORM))
registry.register("RandomStandardNormal", "GPU")(_sampler(_NORMAL))
registry.register("TruncatedNormal", "GPU")(_sampler(_TRUNCATED))
