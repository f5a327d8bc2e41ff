"""Random ops and TF1's seeding rules: RandomStandardNormal, RandomUniform, TruncatedNormal,
RandomUniformInt, RandomShuffle and Multinomial.

Every random op carries two seed attrs, `seed` (graph level) and `seed2` (op level), computed at
build time by `get_seed`. Both zero means "nondeterministic"; otherwise a run of the op in a
session draws the next values of a stream keyed by (seed, seed2), so the same seeds give the same
sequence in every session and process. The stream lives in the session (`runtime_state`), so
each run of an op draws new values. None of these ops has a gradient.
"""

import types
import weakref

import numpy as np

from graphflow import dtypes
from graphflow import graph as graph_lib
from graphflow import registry
from graphflow import tensor_shape
from graphflow.op_builder import apply_op
from graphflow.ops import constant_op
from graphflow.ops import math_ops

DEFAULT_GRAPH_SEED = 87654321
_MAXINT32 = 2 ** 31 - 1

# Per-graph count of ops that took their op seed from the graph seed (TF's _graph_to_seed_dict).
_graph_to_seed_count = weakref.WeakKeyDictionary()


# ------------------------------------------------------------------------ shape functions
def _format_shape(shape):
    """An input shape as TF prints it in shape errors: `[2,?]`, or `?` for unknown rank."""
    if shape.rank is None:
        return "?"
    return "[" + ",".join("?" if d is None else str(d) for d in shape._values) + "]"


def _node_text(op):
    return f"'{{{{node {op.name}}}}} = {op.type}' with input shapes: " + ", ".join(
        _format_shape(t.shape) for t in op.inputs)


def _require_rank(op, index, rank, what="Shape"):
    actual = op.inputs[index].shape.rank
    if actual is not None and actual != rank:
        raise ValueError(f"{what} must be rank {rank} but is rank {actual} for "
                         f"{_node_text(op)}.")


def _shape_from_tensor(op):
    """Output 0 has the shape held by the 1-D input 0 (TF's MakeShapeFromShapeTensor).

    `-1` entries and values unknown at build time are unknown dims; other negative entries
    are a ValueError.
    """
    _require_rank(op, 0, 1)
    value = constant_op.constant_value(op.inputs[0])
    if value is not None:
        for d in value.reshape(-1).tolist():
            if d < -1:
                raise ValueError(f"Invalid value in tensor used for shape: {d}")
    return [constant_op.constant_shape(op.inputs[0])]


def _uniform_int_shape(op):
    for index, what in ((1, "minval"), (2, "maxval")):
        shape = op.inputs[index].shape
        if shape.rank is not None and shape.rank != 0:
            raise ValueError(f"{what} must be a scalar; got a tensor of shape "
                             f"{_format_shape(shape)} for {_node_text(op)}.")
    return _shape_from_tensor(op)


def _multinomial_shape(op):
    _require_rank(op, 0, 2)
    _require_rank(op, 1, 0)
    batch = op.inputs[0].shape[0].value if op.inputs[0].shape.rank == 2 else None
    num = constant_op.constant_value(op.inputs[1])
    if num is not None:
        num = int(num)
        if num < 0:
            raise ValueError(f"Dimension size, given by scalar input 1, must be non-negative "
                             f"but is {num} for {_node_text(op)}.")
    return [tensor_shape.TensorShape([batch, num])]


# ------------------------------------------------------------------------ declarations
_SEED_ATTRS = ["seed: int = 0", "seed2: int = 0"]

for _type, _math in (
        ("RandomStandardNormal", "samples of N(0, 1)"),
        ("RandomUniform", "samples of U[0, 1)"),
        ("TruncatedNormal", "samples of N(0, 1), values with |x| >= 2 re-drawn")):
    registry.register_op(
        _type, inputs=["shape: T"], outputs=["output: dtype"],
        attrs=_SEED_ATTRS + ["dtype: {half, float, double}", "T: {int32, int64}"],
        shape_fn=_shape_from_tensor, grad=registry.NOT_DIFFERENTIABLE, stateful=True,
        doc=f"{_type}: a tensor of shape `shape` (1-D int input) holding {_math}, of type "
            "`dtype`. Shape: the value of `shape` (-1 or unknown entries are unknown dims). "
            "No gradient.")

registry.register_op(
    "RandomUniformInt", inputs=["shape: T", "minval: Tout", "maxval: Tout"],
    outputs=["output: Tout"], attrs=_SEED_ATTRS + ["Tout: {int32, int64}", "T: {int32, int64}"],
    shape_fn=_uniform_int_shape, grad=registry.NOT_DIFFERENTIABLE, stateful=True,
    doc="RandomUniformInt: integers uniform in [minval, maxval) (scalars; minval < maxval "
        "unless the output is empty) in a tensor of shape `shape`. No gradient.")

registry.register_op(
    "RandomShuffle", inputs=["value: T"], outputs=["output: T"],
    attrs=_SEED_ATTRS + ["T: type"], shape_fn=lambda op: [op.inputs[0].shape],
    grad=registry.NOT_DIFFERENTIABLE, stateful=True,
    doc="RandomShuffle: `value` with its slices along dimension 0 randomly permuted. Same "
        "shape and dtype. No gradient.")

registry.register_op(
    "Multinomial", inputs=["logits: T", "num_samples: int32"], outputs=["output: output_dtype"],
    attrs=_SEED_ATTRS + ["T: {realnumbertype}", "output_dtype: {int32, int64} = int64"],
    shape_fn=_multinomial_shape, grad=registry.NOT_DIFFERENTIABLE, stateful=True,
    doc="Multinomial: for each row of the [batch, classes] `logits`, `num_samples` class "
        "indices drawn with probabilities softmax(row). Shape [batch, num_samples]. No gradient.")


# ------------------------------------------------------------------------ seeds
def set_random_seed(seed):
    """Sets the graph-level random seed of the default graph (`tf.set_random_seed`).

    Random ops created afterwards without an op seed get a deterministic one, so the graph
    produces the same random sequences in every session.

    Args:
        seed: an integer, or None to clear the graph seed.
    """
    graph_lib.get_default_graph().seed = seed


def get_seed(op_seed):
    """The (seed, seed2) pair a random op should use, by TF1's rules.

    - graph seed and op seed: (graph seed, op seed);
    - graph seed only: (graph seed, n) where n counts such ops in the graph (0, 1, 2, ...);
    - op seed only: (DEFAULT_GRAPH_SEED, op seed);
    - neither: (None, None), i.e. nondeterministic.
    Seeds are taken modulo 2**31 - 1, and (0, 0) becomes (0, 2**31 - 1) so that it is not
    mistaken for "no seed".

    Args:
        op_seed: an integer or None.

    Returns:
        A tuple of two integers (or two Nones).
    """
    graph = graph_lib.get_default_graph()
    global_seed = graph.seed
    if global_seed is not None:
        if op_seed is None:
            op_seed = _graph_to_seed_count.setdefault(graph, 0)
            _graph_to_seed_count[graph] += 1
        seeds = (int(global_seed) % _MAXINT32, int(op_seed) % _MAXINT32)
    elif op_seed is not None:
        seeds = (DEFAULT_GRAPH_SEED, int(op_seed) % _MAXINT32)
    else:
        seeds = (None, None)
    if seeds == (0, 0):
        return (0, _MAXINT32)
    return seeds


def _seed_attrs(seed):
    seed1, seed2 = get_seed(seed)
    return {"seed": seed1 or 0, "seed2": seed2 or 0}


# ------------------------------------------------------------------------ public functions
def shape_tensor(shape):
    """`shape` (list, tuple, TensorShape, array or Tensor) as a 1-D int tensor named `shape`.

    An empty list becomes an int32 tensor; Dimensions are unwrapped.

    Raises:
        ValueError: a TensorShape or list that is not fully known.
    """
    if isinstance(shape, tensor_shape.TensorShape):
        if not shape.is_fully_defined():
            raise ValueError(f"Cannot convert a partially known TensorShape {shape} to a Tensor.")
        shape = shape.as_list()
    if isinstance(shape, (list, tuple)):
        if not shape:
            shape = np.zeros([0], dtype=np.int32)
        else:
            shape = [tensor_shape.dimension_value(d) for d in shape]
            if any(d is None for d in shape):
                raise TypeError(f"Failed to convert elements of {tuple(shape)} to Tensor. "
                                "Consider casting elements to a supported type.")
    return constant_op.convert_to_tensor(shape, name="shape")


def _scaled_normal(op_type, shape, mean, stddev, dtype, seed, name, default_name):
    with graph_lib.name_scope(name, default_name, [shape, mean, stddev]) as scope:
        dtype = dtypes.as_dtype(dtype).base_dtype
        shape_t = shape_tensor(shape)
        mean_t = constant_op.convert_to_tensor(mean, dtype=dtype, name="mean")
        stddev_t = constant_op.convert_to_tensor(stddev, dtype=dtype, name="stddev")
        rnd = apply_op(op_type, shape=shape_t, dtype=dtype, **_seed_attrs(seed))
        return math_ops.add(rnd * stddev_t, mean_t, name=scope)


def random_normal(shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, seed=None, name=None):
    """Samples of a normal distribution: `RandomStandardNormal * stddev + mean`.

    Args:
        shape: 1-D integer Tensor or Python list: the output shape.
        mean: mean (a value or Tensor of `dtype`, broadcastable with `stddev`).
        stddev: standard deviation (a value or Tensor of `dtype`).
        dtype: float16, float32 or float64.
        seed: op-level seed (see `set_random_seed`).
        name: optional name scope (default "random_normal").

    Returns:
        A Tensor of `shape` and `dtype`.

    Raises:
        TypeError: `dtype` is not a float type, or `mean`/`stddev` do not fit it.
    """
    return _scaled_normal("RandomStandardNormal", shape, mean, stddev, dtype, seed, name,
                          "random_normal")


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, seed=None, name=None):
    """Samples of a normal distribution truncated to 2 standard deviations around the mean.

    Values more than 2 stddev from `mean` are dropped and re-drawn (op `TruncatedNormal`).

    Args:
        shape: 1-D integer Tensor or Python list: the output shape.
        mean: mean of the distribution before truncation.
        stddev: standard deviation before truncation.
        dtype: float16, float32 or float64.
        seed: op-level seed (see `set_random_seed`).
        name: optional name scope (default "truncated_normal").

    Returns:
        A Tensor of `shape` and `dtype`.

    Raises:
        TypeError: `dtype` is not a float type, or `mean`/`stddev` do not fit it.
    """
    return _scaled_normal("TruncatedNormal", shape, mean, stddev, dtype, seed, name,
                          "truncated_normal")


_UNIFORM_DTYPES = (dtypes.float16, dtypes.float32, dtypes.float64, dtypes.int32, dtypes.int64)


def random_uniform(shape, minval=0, maxval=None, dtype=dtypes.float32, seed=None, name=None):
    """Samples of a uniform distribution on [minval, maxval).

    Floats: `RandomUniform` scaled as TF does (no scaling nodes for the default [0, 1) given
    as the ints 0 and 1; only a `Mul` when `minval` is the int 0). Integers: one
    `RandomUniformInt` node, named like the scope.

    Args:
        shape: 1-D integer Tensor or Python list: the output shape.
        minval: lower bound (inclusive), default 0.
        maxval: upper bound (exclusive); default 1 for floats, required for integers.
        dtype: float16, float32, float64, int32 or int64.
        seed: op-level seed (see `set_random_seed`).
        name: optional name scope (default "random_uniform").

    Returns:
        A Tensor of `shape` and `dtype`.

    Raises:
        ValueError: an unsupported dtype, or an integer dtype without `maxval`.
    """
    dtype = dtypes.as_dtype(dtype).base_dtype
    if dtype not in _UNIFORM_DTYPES:
        accepted = ", ".join(repr(d) for d in _UNIFORM_DTYPES)
        raise ValueError(f"Argument `dtype` got invalid value {dtype}. Accepted dtypes are "
                         f"({accepted}).")
    if maxval is None:
        if dtype.is_integer:
            raise ValueError(f"Must specify maxval for integer dtype {dtype!r}")
        maxval = 1
    with graph_lib.name_scope(name, "random_uniform", [shape, minval, maxval]) as scope:
        shape_t = shape_tensor(shape)
        minval_is_zero = _is_python_int(minval, 0)
        maxval_is_one = _is_python_int(maxval, 1)
        if not minval_is_zero or not maxval_is_one or dtype.is_integer:
            minval = constant_op.convert_to_tensor(minval, dtype=dtype, name="min")
            maxval = constant_op.convert_to_tensor(maxval, dtype=dtype, name="max")
        seeds = _seed_attrs(seed)
        if dtype.is_integer:
            return apply_op("RandomUniformInt", shape=shape_t, minval=minval, maxval=maxval,
                            name=scope, **seeds)
        result = apply_op("RandomUniform", shape=shape_t, dtype=dtype, **seeds)
        if minval_is_zero:
            if not maxval_is_one:
                result = math_ops.multiply(result, maxval)
            return result
        return math_ops.add(result * (maxval - minval), minval, name=scope)


def _is_python_int(value, target):
    return isinstance(value, int) and value == target


def random_shuffle(value, seed=None, name=None):
    """Randomly permutes `value` along its first dimension (op `RandomShuffle`).

    Args:
        value: a Tensor (or value) of any dtype; a scalar is returned unchanged.
        seed: op-level seed (see `set_random_seed`).
        name: optional node name.

    Returns:
        A Tensor of the same shape and dtype.
    """
    return apply_op("RandomShuffle", value=value, name=name, **_seed_attrs(seed))


def multinomial(logits, num_samples, seed=None, name=None, output_dtype=None):
    """Draws class indices from categorical distributions (op `Multinomial`).

    Args:
        logits: [batch_size, num_classes] Tensor of unnormalized log-probabilities.
        num_samples: scalar int: samples per row.
        seed: op-level seed (see `set_random_seed`).
        name: optional name scope (default "multinomial").
        output_dtype: int32 or int64 (default int64).

    Returns:
        An int Tensor of shape [batch_size, num_samples].

    Raises:
        ValueError: `output_dtype` is not int32 or int64, or `logits` is not 2-D.
    """
    with graph_lib.name_scope(name, "multinomial", [logits]):
        return _categorical(logits, num_samples, output_dtype, seed)


def categorical(logits, num_samples, dtype=None, seed=None, name=None):
    """`tf.random.categorical`: as `multinomial`, with the output type named `dtype`."""
    with graph_lib.name_scope(name, "categorical", [logits]):
        return _categorical(logits, num_samples, dtype, seed)


def _categorical(logits, num_samples, dtype, seed):
    logits = constant_op.convert_to_tensor(logits, name="logits")
    dtype = dtypes.as_dtype(dtype) if dtype else dtypes.int64
    if dtype not in (dtypes.int32, dtypes.int64):
        raise ValueError(f"Argument `dtype` got invalid value {dtype}. Accepted dtypes are "
                         "(tf.int32, tf.int64).")
    return apply_op("Multinomial", logits=logits, num_samples=num_samples, output_dtype=dtype,
                    **_seed_attrs(seed))


def _namespace():
    """The `tf.random` module of TF1 (the subset graphflow implements)."""
    module = types.ModuleType("graphflow.random", "Random ops under their tf.random names.")
    module.normal = random_normal
    module.uniform = random_uniform
    module.truncated_normal = truncated_normal
    module.shuffle = random_shuffle
    module.multinomial = multinomial
    module.categorical = categorical
    module.set_random_seed = set_random_seed
    module.get_seed = get_seed
    return module


random = _namespace()  # noqa: A001 - exported as `tf.random`
