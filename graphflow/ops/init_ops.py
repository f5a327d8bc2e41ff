"""TF1 initializers: objects called as `init(shape, dtype=None, partition_info=None)` that build
the initial value of a variable (usually inside `<var>/Initializer/`).

Each class keeps TF1's constructor arguments and `get_config()`; the lower-case aliases
(`zeros_initializer`, `glorot_uniform_initializer`, ...) and the `tf.initializers` namespace
are the names TF1 programs use.
"""

import math
import types

import numpy as np

from graphflow import dtypes
from graphflow import variables
from graphflow.ops import constant_op
from graphflow.ops import random_ops

# TF's stddev of N(0, 1) truncated to [-2, 2]: a truncated normal scaled by 1 / this constant
# has unit variance.
_TRUNCATED_STDDEV = .87962566103423978


class Initializer:
    """Base class: `__call__(shape, dtype=None, partition_info=None)` returns a Tensor."""

    def __call__(self, shape, dtype=None, partition_info=None):
        raise NotImplementedError

    def get_config(self):
        """The constructor arguments, as a dict that `from_config` accepts."""
        return {}

    @classmethod
    def from_config(cls, config):
        """Rebuilds an initializer from `get_config()`'s output."""
        return cls(**config)


def _float_dtype(dtype):
    dtype = dtypes.as_dtype(dtype)
    if not dtype.is_floating:
        raise ValueError(f"Argument `dtype` is expected to be floating point. Received: "
                         f"{dtype}.")
    return dtype


class _Filled(Initializer):
    """Initializers to one repeated value, built by a `manip_ops` function (`zeros`, `ones`):
    a Const for small shapes, a Fill node otherwise, named as that function names them."""

    _FUNCTION = None

    def __init__(self, dtype=dtypes.float32):
        self.dtype = dtypes.as_dtype(dtype)

    def __call__(self, shape, dtype=None, partition_info=None):
        from graphflow.ops import manip_ops
        return getattr(manip_ops, self._FUNCTION)(shape, dtype or self.dtype)

    def get_config(self):
        return {"dtype": self.dtype.name}


class Zeros(_Filled):
    """Initializes to 0.

    Args:
        dtype: default dtype when the call gives none.
    """

    _FUNCTION = "zeros"


class Ones(_Filled):
    """Initializes to 1.

    Args:
        dtype: default dtype when the call gives none.
    """

    _FUNCTION = "ones"


class Constant(Initializer):
    """Initializes to `value`: a scalar fills the shape; a list or array is laid out in
    row-major order, its last element repeating if it is too short (TF1's `tf.constant`).

    Args:
        value: a Python scalar, list, tuple or numpy array.
        dtype: default dtype when the call gives none.
        verify_shape: require `value` to have exactly the requested shape.

    Raises:
        TypeError: `value` is of another type.
    """

    def __init__(self, value=0, dtype=dtypes.float32, verify_shape=False):
        if not (np.isscalar(value) or isinstance(value, (list, tuple, np.ndarray))):
            raise TypeError(f"Invalid type for initial value={value} of type: "
                            f"{type(value).__name__}. Expected Python scalar, list or tuple of "
                            "values, or numpy.ndarray.")
        self.value = value
        self.dtype = dtypes.as_dtype(dtype)
        self._verify_shape = verify_shape

    def __call__(self, shape, dtype=None, partition_info=None, verify_shape=None):
        if verify_shape is None:
            verify_shape = self._verify_shape
        return constant_op.constant(self.value, dtype=dtype or self.dtype, shape=shape,
                                    verify_shape=verify_shape)

    def get_config(self):
        return {"value": self.value, "dtype": self.dtype.name}


class _Seeded(Initializer):
    """Initializers drawing random values: they keep a seed and a default dtype."""

    _FIELDS = ()

    def get_config(self):
        config = {name: getattr(self, name) for name in self._FIELDS}
        config.update(seed=self.seed, dtype=self.dtype.name)
        return config


class RandomUniform(_Seeded):
    """Initializes with samples of U[minval, maxval) (`random_uniform`).

    Args:
        minval: lower bound (inclusive).
        maxval: upper bound (exclusive); default 1 for floats.
        seed: op-level seed.
        dtype: default dtype when the call gives none.
    """

    _FIELDS = ("minval", "maxval")

    def __init__(self, minval=.0, maxval=None, seed=None, dtype=dtypes.float32):
        self.minval = minval
        self.maxval = maxval
        self.seed = seed
        self.dtype = dtypes.as_dtype(dtype)

    def __call__(self, shape, dtype=None, partition_info=None):
        return random_ops.random_uniform(shape, self.minval, self.maxval, dtype or self.dtype,
                                         seed=self.seed)


class RandomNormal(_Seeded):
    """Initializes with samples of N(mean, stddev**2) (`random_normal`).

    Args:
        mean, stddev: parameters of the normal distribution.
        seed: op-level seed.
        dtype: default float dtype.

    Raises:
        ValueError: `dtype` is not a float type.
    """

    _FIELDS = ("mean", "stddev")
    _sampler = staticmethod(random_ops.random_normal)

    def __init__(self, mean=0.0, stddev=1.0, seed=None, dtype=dtypes.float32):
        self.mean = mean
        self.stddev = stddev
        self.seed = seed
        self.dtype = _float_dtype(dtype)

    def __call__(self, shape, dtype=None, partition_info=None):
        return self._sampler(shape, self.mean, self.stddev, dtype or self.dtype, seed=self.seed)


class TruncatedNormal(RandomNormal):
    """Initializes with a normal distribution truncated to 2 stddev (`truncated_normal`).

    Args:
        mean, stddev: parameters of the normal distribution before truncation.
        seed: op-level seed.
        dtype: default float dtype.

    Raises:
        ValueError: `dtype` is not a float type.
    """

    _sampler = staticmethod(random_ops.truncated_normal)


class UniformUnitScaling(_Seeded):
    """Deprecated in TF1: U[-m, m) with m = factor * sqrt(3 / input_size).

    Args:
        factor: multiplicative factor.
        seed: op-level seed.
        dtype: default float dtype.
    """

    _FIELDS = ("factor",)

    def __init__(self, factor=1.0, seed=None, dtype=dtypes.float32):
        self.factor = factor
        self.seed = seed
        self.dtype = _float_dtype(dtype)

    def __call__(self, shape, dtype=None, partition_info=None):
        scale_shape = shape if partition_info is None else partition_info.full_shape
        input_size = 1.0
        for dim in scale_shape[:-1]:
            input_size *= float(dim)
        max_val = math.sqrt(3 / max(input_size, 1.0)) * self.factor
        return random_ops.random_uniform(shape, -max_val, max_val, dtype or self.dtype,
                                         seed=self.seed)


def compute_fans(shape):
    """(fan_in, fan_out) of a weight shape: [in, out], or [..., in, out] for convolutions
    (times the receptive field size); vectors have fan_in = fan_out = size; scalars 1."""
    shape = [int(d) for d in shape]
    if not shape:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    receptive = 1
    for dim in shape[:-2]:
        receptive *= dim
    return shape[-2] * receptive, shape[-1] * receptive


class VarianceScaling(_Seeded):
    """Samples with variance `scale / n`, n the fan-in, fan-out or their mean.

    "truncated_normal" (or the deprecated "normal"): a normal truncated to 2 stddev with
    stddev sqrt(scale / n) / 0.8796...; "untruncated_normal": stddev sqrt(scale / n);
    "uniform": U[-limit, limit) with limit sqrt(3 * scale / n).

    Args:
        scale: positive scaling factor.
        mode: "fan_in", "fan_out" or "fan_avg".
        distribution: "truncated_normal", "untruncated_normal", "uniform" or "normal".
        seed: op-level seed.
        dtype: default float dtype.

    Raises:
        ValueError: a non-positive scale, or an unknown mode or distribution.
    """

    _FIELDS = ("scale", "mode", "distribution")

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None,
                 dtype=dtypes.float32):
        if scale <= 0.:
            raise ValueError(f"Argument `scale` must be a positive float. Received: {scale}")
        if mode not in {"fan_in", "fan_out", "fan_avg"}:
            raise ValueError("Argument `mode` should be one of ('fan_in', 'fan_out', "
                             f"'fan_avg'). Received: {mode}")
        distribution = distribution.lower()
        if distribution not in {"normal", "uniform", "truncated_normal", "untruncated_normal"}:
            raise ValueError("Argument `distribution` should be one of ('normal', uniform', "
                             f"'truncated_normal', 'untruncated_normal'). Received: "
                             f"{distribution}")
        self.scale = scale
        self.mode = mode
        self.distribution = distribution
        self.seed = seed
        self.dtype = _float_dtype(dtype)

    def __call__(self, shape, dtype=None, partition_info=None):
        dtype = dtype or self.dtype
        scale_shape = shape if partition_info is None else partition_info.full_shape
        fan_in, fan_out = compute_fans(scale_shape)
        fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.}
        scale = self.scale / max(1., fan[self.mode])
        if self.distribution in ("normal", "truncated_normal"):
            stddev = math.sqrt(scale) / _TRUNCATED_STDDEV
            return random_ops.truncated_normal(shape, 0.0, stddev, dtype, seed=self.seed)
        if self.distribution == "untruncated_normal":
            return random_ops.random_normal(shape, 0.0, math.sqrt(scale), dtype, seed=self.seed)
        limit = math.sqrt(3.0 * scale)
        return random_ops.random_uniform(shape, -limit, limit, dtype, seed=self.seed)


class _Glorot(VarianceScaling):
    """VarianceScaling(1, "fan_avg", distribution) with TF1's constructor and config."""

    _DISTRIBUTION = None

    def __init__(self, seed=None, dtype=dtypes.float32):
        # TF1 drops `dtype` here (the default stays float32); so do we, to compute the same.
        super().__init__(scale=1.0, mode="fan_avg", distribution=self._DISTRIBUTION, seed=seed)

    def get_config(self):
        return {"seed": self.seed, "dtype": self.dtype.name}


class GlorotUniform(_Glorot):
    """Glorot/Xavier uniform: U[-limit, limit) with limit = sqrt(6 / (fan_in + fan_out)).

    Args:
        seed: op-level seed.
        dtype: accepted and ignored, as in TF1: the default dtype is float32.
    """

    _DISTRIBUTION = "uniform"


class GlorotNormal(_Glorot):
    """Glorot/Xavier normal: truncated normal with stddev sqrt(2 / (fan_in + fan_out)).

    Args:
        seed: op-level seed.
        dtype: accepted and ignored, as in TF1: the default dtype is float32.
    """

    _DISTRIBUTION = "truncated_normal"


def lecun_normal(seed=None):
    """VarianceScaling(1, "fan_in", "truncated_normal")."""
    return VarianceScaling(scale=1., mode="fan_in", distribution="truncated_normal", seed=seed)


def lecun_uniform(seed=None):
    """VarianceScaling(1, "fan_in", "uniform")."""
    return VarianceScaling(scale=1., mode="fan_in", distribution="uniform", seed=seed)


def he_normal(seed=None):
    """VarianceScaling(2, "fan_in", "truncated_normal")."""
    return VarianceScaling(scale=2., mode="fan_in", distribution="truncated_normal", seed=seed)


def he_uniform(seed=None):
    """VarianceScaling(2, "fan_in", "uniform")."""
    return VarianceScaling(scale=2., mode="fan_in", distribution="uniform", seed=seed)


zeros_initializer = Zeros
ones_initializer = Ones
constant_initializer = Constant
random_uniform_initializer = RandomUniform
random_normal_initializer = RandomNormal
truncated_normal_initializer = TruncatedNormal
uniform_unit_scaling_initializer = UniformUnitScaling
variance_scaling_initializer = VarianceScaling
glorot_uniform_initializer = GlorotUniform
glorot_normal_initializer = GlorotNormal


def _namespace():
    """The `tf.initializers` module of TF1."""
    module = types.ModuleType("graphflow.initializers", "TF1 initializers by their short names.")
    module.zeros = Zeros
    module.ones = Ones
    module.constant = Constant
    module.random_normal = RandomNormal
    module.random_uniform = RandomUniform
    module.truncated_normal = TruncatedNormal
    module.uniform_unit_scaling = UniformUnitScaling
    module.variance_scaling = VarianceScaling
    module.glorot_uniform = GlorotUniform
    module.glorot_normal = GlorotNormal
    module.lecun_normal = lecun_normal
    module.lecun_uniform = lecun_uniform
    module.he_normal = he_normal
    module.he_uniform = he_uniform
    module.global_variables = variables.global_variables_initializer
    module.local_variables = variables.local_variables_initializer
    module.variables = variables.variables_initializer
    return module


initializers = _namespace()
