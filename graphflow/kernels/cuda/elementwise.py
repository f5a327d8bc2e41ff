"""CUDA elementwise kernels: map (1 input), zip (2) and zip3 (3) over the scalar bodies of
`graphflow.kernels.scalar`, with numpy broadcasting.

Each body is compiled once as a device function and wrapped in two grid-stride kernels: a flat
one for inputs that already have the output's shape (the common case: no index arithmetic) and
a strided one that maps each output index to every input's offset (stride 0 on broadcast
dimensions). Shapes are checked on the host before any launch; integer divisors and integer
exponents are checked with one device->host copy of the (small) right operand, since a CUDA
kernel cannot raise.
"""

import numpy as np
from numba import cuda

from graphflow.kernels import checks
from graphflow.kernels import registry
from graphflow.kernels import scalar
from graphflow.kernels.cuda import memory
from graphflow.kernels.reference import manip as ref_manip
from graphflow.kernels.cuda.launch import broadcast_strides, flat, launch, offset_of, shape_tuple

_DEVICE = {}
_KERNELS = {}


def device_function(fn):
    """A scalar body compiled as a CUDA device function (memoised)."""
    compiled = _DEVICE.get(fn)
    if compiled is None:
        compiled = _DEVICE[fn] = cuda.jit(device=True)(fn)
    return compiled


def _map_kernels(fn):
    f = device_function(fn)

    @cuda.jit
    def dense(out, x):
        for i in range(cuda.grid(1), out.size, cuda.gridsize(1)):
            out[i] = f(x[i])
    return dense, None


def _zip_kernels(fn):
    f = device_function(fn)

    @cuda.jit
    def dense(out, x, y):
        for i in range(cuda.grid(1), out.size, cuda.gridsize(1)):
            out[i] = f(x[i], y[i])

    @cuda.jit
    def strided(out, x, y, shape, xs, ys):
        for i in range(cuda.grid(1), out.size, cuda.gridsize(1)):
            out[i] = f(x[offset_of(i, shape, xs)], y[offset_of(i, shape, ys)])
    return dense, strided


def _zip3_kernels(fn):
    f = device_function(fn)

    @cuda.jit
    def dense(out, x, y, z):
        for i in range(cuda.grid(1), out.size, cuda.gridsize(1)):
            out[i] = f(x[i], y[i], z[i])

    @cuda.jit
    def strided(out, x, y, z, shape, xs, ys, zs):
        for i in range(cuda.grid(1), out.size, cuda.gridsize(1)):
            out[i] = f(x[offset_of(i, shape, xs)], y[offset_of(i, shape, ys)],
                       z[offset_of(i, shape, zs)])
    return dense, strided


_BUILDERS = {1: _map_kernels, 2: _zip_kernels, 3: _zip3_kernels}


def kernels(fn, arity):
    """(dense, strided) kernels applying `fn` to `arity` inputs; strided is None for arity 1."""
    key = (fn, arity)
    pair = _KERNELS.get(key)
    if pair is None:
        pair = _KERNELS[key] = _BUILDERS[arity](fn)
    return pair


def apply(fn, out_shape, out_dtype, *inputs):
    """A new device array of `out_shape`/`out_dtype`: `fn` over broadcast `inputs`."""
    out = memory.allocate(out_shape, out_dtype)
    if out.size == 0:
        return out
    dense, strided = kernels(fn, len(inputs))
    out_shape = tuple(out_shape)
    if all(a.shape == out_shape for a in inputs):
        launch(dense, out.size, flat(out), *[flat(a) for a in inputs])
    else:
        shape = shape_tuple(out_shape)
        strides = [broadcast_strides(a.shape, out_shape) for a in inputs]
        launch(strided, out.size, flat(out), *[flat(a) for a in inputs], shape, *strides)
    return out


def input_dtype(node, index=0):
    return np.dtype(node.inputs[index].dtype.as_numpy_dtype)


def unsupported(node, dtype):
    return KeyError(f"No GPU kernel registered for op type '{node.type}' with T={dtype.name}")


def _unary(op_type, fn):
    def factory(node, state):
        dtype = input_dtype(node)
        body = fn
        if dtype.kind in "iu" and op_type in ("Round", "Floor", "Ceil"):
            body = _identity_body
        elif dtype.kind != "f" and (op_type in scalar.FLOAT_ONLY or op_type == "Reciprocal"):
            raise unsupported(node, dtype)
        out_dtype = np.bool_ if op_type == "LogicalNot" else dtype

        def run(x):
            return (apply(body, x.shape, out_dtype, x),)
        return run
    return factory


def _binary(op_type, fn):
    def factory(node, state):
        dtype = input_dtype(node)
        body = fn
        if dtype.kind in "iu":
            body = scalar.INT_BINARY.get(op_type, fn)
        out_dtype = np.bool_ if op_type in scalar.COMPARISONS else dtype
        divides = dtype.kind in "iu" and op_type in scalar.INT_DIVIDING
        int_pow = dtype.kind == "i" and op_type == "Pow"

        def run(x, y):
            shape = checks.broadcastable(x, y)
            if divides:
                checks.integer_divisor_nonzero(memory.to_host(y))
            if int_pow:
                checks.no_negative_integer_powers(x, memory.to_host(y))
            return (apply(body, shape, out_dtype, x, y),)
        return run
    return factory


def _grad(fn):
    def factory(node, state):
        dtype = input_dtype(node)
        if dtype.kind != "f":
            raise unsupported(node, dtype)

        def run(dy, x):
            checks.same_shapes([dy, x], node.type)
            return (apply(fn, dy.shape, dtype, dy, x),)
        return run
    return factory


for _type, _fn in scalar.UNARY.items():
    registry.register(_type, "GPU")(_unary(_type, _fn))
for _type, _fn in scalar.BINARY.items():
    registry.register(_type, "GPU")(_binary(_type, _fn))
for _type, _fn in scalar.GRAD.items():
    registry.register(_type, "GPU")(_grad(_fn))


def _identity_body(x):
    return x


def _nonzero(x):
    return x != 0


def _select_body(c, t, e):
    return t if c else e


def _clip_body(t, lo, hi):
    m = t if t < hi else hi
    return m if m > lo else lo


@registry.register("Cast", "GPU")
def _cast(node, state):
    target = np.dtype(node.get_attr("DstT").as_numpy_dtype)
    body = _nonzero if target == np.bool_ else _identity_body

    def run(x):
        if x.dtype == target:
            return (x,)
        return (apply(body, x.shape, target, x),)
    return run


@registry.register("Identity", "GPU")
@registry.register("StopGradient", "GPU")
@registry.register("PlaceholderWithDefault", "GPU")
def _identity(node, state):
    def run(x):
        return (x,)
    return run


@registry.register("AddN", "GPU")
def _add_n(node, state):
    def run(*inputs):
        checks.same_shapes(inputs, "AddN")
        total = apply(_identity_body, inputs[0].shape, inputs[0].dtype, inputs[0])
        dense, _ = kernels(scalar.add, 2)
        for x in inputs[1:]:
            launch(dense, total.size, flat(total), flat(total), flat(x))
        return (total,)
    return run


@registry.register("SelectV2", "GPU")
def _select_v2(node, state):
    def run(cond, t, e):
        try:
            shape = np.broadcast_shapes(cond.shape, t.shape, e.shape)
        except ValueError:
            raise checks.invalid(f"Incompatible shapes: {list(cond.shape)}, {list(t.shape)}, "
                                 f"{list(e.shape)}") from None
        return (apply(_select_body, shape, t.dtype, cond, t, e),)
    return run


@registry.register("Select", "GPU")
def _select(node, state):
    def run(cond, t, e):
        if t.shape != e.shape:
            raise checks.invalid(f"'then' and 'else' must have the same size.  but received: "
                                 f"{list(t.shape)} vs. {list(e.shape)}")
        if cond.ndim not in (0, t.ndim) and not (cond.ndim == 1 and t.ndim >= 1 and
                                                  cond.shape[0] == t.shape[0]):
            raise checks.invalid(f"'cond' must be a vector of the first dimension of 'then' or "
                                 f"have its shape: {list(cond.shape)} vs. {list(t.shape)}")
        if cond.ndim == 1 and t.ndim > 1:
            cond = cond.reshape(cond.shape + (1,) * (t.ndim - 1))
        elif cond.ndim and cond.shape != t.shape:
            raise checks.invalid(f"'cond' must be a vector of the first dimension of 'then' or "
                                 f"have its shape: {list(cond.shape)} vs. {list(t.shape)}")
        return (apply(_select_body, t.shape, t.dtype, cond, t, e),)
    return run


@registry.register("ClipByValue", "GPU")
def _clip(node, state):
    def run(t, low, high):
        for bound, what in ((low, "clip_value_min"), (high, "clip_value_max")):
            if bound.ndim != 0 and bound.shape != t.shape:
                raise checks.invalid(f"{what} must be either a scalar or have the same shape "
                                     f"as t: {list(bound.shape)} vs. {list(t.shape)}")
        return (apply(_clip_body, t.shape, t.dtype, t, low, high),)
    return run


def fill(shape, dtype, value):
    """A new device array of `shape` with every element equal to the host scalar `value`."""
    out = memory.allocate(shape, dtype)
    if out.size:
        launch(_fill_kernel, out.size, flat(out), out.dtype.type(value))
    return out


@cuda.jit
def _fill_kernel(out, value):
    for i in range(cuda.grid(1), out.size, cuda.gridsize(1)):
        out[i] = value


@registry.register("ZerosLike", "GPU")
def _zeros_like(node, state):
    def run(x):
        return (fill(x.shape, x.dtype, 0),)
    return run


@registry.register("OnesLike", "GPU")
def _ones_like(node, state):
    def run(x):
        return (fill(x.shape, x.dtype, 1),)
    return run


@registry.register("Fill", "GPU")
def _fill(node, state):
    def run(dims, value):
        dims, value = memory.host_array(dims), memory.host_array(value)
        if dims.ndim != 1:
            raise checks.invalid(f"dims must represent a vector, got shape "
                                 f"{ref_manip.shape_str(dims.shape)}")
        if value.ndim != 0 and value.shape != (1,):
            raise checks.invalid(f"value must represent a scalar, got shape "
                                 f"{ref_manip.shape_str(value.shape)}")
        for d in dims.tolist():
            if d < 0:
                raise checks.invalid(f"Dimension {d} must be >= 0")
        return (fill(tuple(dims.tolist()), value.dtype, value.reshape(())[()]),)
    return run
