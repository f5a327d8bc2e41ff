"""CPU kernels of the random ops.

Each node draws from its own numpy `Generator` (Philox), owned by the session
(`state.random_stream`): keyed by the node, seeded by its (seed, seed2) attrs when either is
non-zero and from OS entropy otherwise. The stream persists across runs of one session, so each
run draws new values, while the same seeds give the same sequence in every session and process.
These ops have no numpy reference: their kernels are stateful by nature.

Numpy's Philox generators already fill arrays at memory speed; numba is used only for the
per-row sampling loop of Multinomial.
"""

import numba
import numpy as np

from graphflow.kernels import checks
from graphflow.kernels import registry

_INT64_MAX = 2 ** 63 - 1
_HALF_MANTISSA = 1 << 10


def _stream(node, state):
    seed, seed2 = node.get_attr("seed"), node.get_attr("seed2")
    key = None if seed == 0 and seed2 == 0 else (seed, seed2)
    return state.random_stream(node.name, key)


def _output_dims(shape):
    """Validates a 1-D shape input; returns its dims as a tuple of Python ints."""
    if shape.ndim != 1:
        raise checks.invalid(f"shape must be a vector of {{int32,int64}}, got shape "
                             f"{list(shape.shape)}")
    dims = tuple(int(d) for d in shape.tolist())
    total = 1
    for d in dims:
        if d < 0:
            raise checks.invalid(f"Dimension {d} must be >= 0")
        total *= d
        if total > _INT64_MAX:
            raise checks.invalid(f"Shape [{','.join(str(x) for x in dims)}] would have more "
                                 "than 2**63 - 1 elements")
    return dims


def _work_dtype(dtype):
    """Generators fill float32 or float64; half is drawn in float32 and rounded."""
    return np.float64 if dtype == np.float64 else np.float32


def _normal(gen, dims, dtype):
    return gen.standard_normal(dims, dtype=_work_dtype(dtype)).astype(dtype, copy=False)


def _truncated_normal(gen, dims, dtype):
    """N(0, 1) samples with |x| >= 2 re-drawn until none is left."""
    work = _work_dtype(dtype)
    out = gen.standard_normal(dims, dtype=work)
    flat = out.reshape(-1)
    bad = np.flatnonzero(np.abs(flat) >= 2)
    while bad.size:
        flat[bad] = gen.standard_normal(bad.size, dtype=work)
        bad = bad[np.abs(flat[bad]) >= 2]
    return out.astype(dtype, copy=False)


def _uniform(gen, dims, dtype):
    """U[0, 1). Half precision uses a 10-bit grid, as TF does, so 1.0 is never produced."""
    if dtype == np.float16:
        steps = gen.integers(0, _HALF_MANTISSA, size=dims, dtype=np.int32)
        return (steps * (1.0 / _HALF_MANTISSA)).astype(np.float16)
    return gen.random(dims, dtype=dtype)


def _float_sampler(draw):
    def factory(node, state):
        gen = _stream(node, state)
        dtype = np.dtype(node.get_attr("dtype").as_numpy_dtype)

        def run(shape):
            return (draw(gen, _output_dims(shape), dtype),)
        return run
    return factory


registry.register("RandomStandardNormal")(_float_sampler(_normal))
registry.register("TruncatedNormal")(_float_sampler(_truncated_normal))
registry.register("RandomUniform")(_float_sampler(_uniform))


def _scalar(value, what):
    if value.ndim != 0:
        raise checks.invalid(f"{what} must be 0-D, got shape {list(value.shape)}")
    return int(value)


@registry.register("RandomUniformInt")
def _uniform_int(node, state):
    gen = _stream(node, state)
    dtype = np.dtype(node.get_attr("Tout").as_numpy_dtype)

    def run(shape, minval, maxval):
        dims = _output_dims(shape)
        lo = _scalar(minval, "minval")
        hi = _scalar(maxval, "maxval")
        if 0 in dims:
            return (np.zeros(dims, dtype=dtype),)
        if lo >= hi:
            raise checks.invalid(f"Need minval < maxval, got {lo} >= {hi}")
        return (gen.integers(lo, hi, size=dims, dtype=dtype),)
    return run


@registry.register("RandomShuffle")
def _shuffle(node, state):
    gen = _stream(node, state)

    def run(value):
        if value.ndim == 0 or value.shape[0] <= 1:
            return (value.copy(),)
        return (value[gen.permutation(value.shape[0])],)
    return run


@numba.njit(cache=True, nogil=True)
def _sample_rows(logits, uniforms, out):
    """out[b, s] = the class whose cumulative softmax probability first exceeds uniforms[b, s].

    Rows whose logits are all -inf (or NaN) have no probability mass and give class 0.
    """
    batch, classes = logits.shape
    cdf = np.empty(classes)
    for b in range(batch):
        top = -np.inf
        for c in range(classes):
            if logits[b, c] > top:
                top = logits[b, c]
        total = 0.0
        for c in range(classes):
            if top > -np.inf and logits[b, c] > -np.inf:
                total += np.exp(logits[b, c] - top)
            cdf[c] = total
        for s in range(uniforms.shape[1]):
            target = uniforms[b, s] * total
            lo = 0
            hi = classes - 1
            while lo < hi:
                mid = (lo + hi) // 2
                if cdf[mid] > target:
                    hi = mid
                else:
                    lo = mid + 1
            out[b, s] = lo if total > 0 else 0


@registry.register("Multinomial")
def _multinomial(node, state):
    gen = _stream(node, state)
    dtype = np.dtype(node.get_attr("output_dtype").as_numpy_dtype)

    def run(logits, num_samples):
        if logits.ndim != 2:
            raise checks.invalid(f"logits should be a matrix, got shape {list(logits.shape)}")
        if num_samples.ndim != 0:
            raise checks.invalid("num_samples should be a scalar.")
        samples = int(num_samples)
        if samples < 0:
            raise checks.invalid(f"num_samples should be non-negative, got {samples}")
        batch, classes = logits.shape
        if classes <= 0:
            raise checks.invalid(f"num_classes should be positive, got {classes}")
        out = np.empty((batch, samples), dtype=np.int64)
        if out.size:
            rows = np.ascontiguousarray(logits, dtype=np.float64)
            _sample_rows(rows, gen.random((batch, samples)), out)
        return (out.astype(dtype, copy=False),)
    return run
