"""How each op is written into a whole-plan function (see `plan_jit`).

An emitter `emit(ctx, step)` writes numba code computing the step's outputs from its inputs,
whose shapes and dtypes are the traced ones (`ctx.shape`, `ctx.dtype`) and whose values are
known when they depend on shapes and constants only (`ctx.const`). It raises `Ineligible` for
anything it cannot write with the same arithmetic as the op's per-op CPU kernel: the per-op
kernel and the emitted code must agree bit for bit, since a run may take either path.
"""

import numpy as np

from graphflow.kernels import checks
from graphflow.kernels import index_maps
from graphflow.kernels import reference
from graphflow.kernels.cpu import fast_math
from graphflow.kernels.cpu import fused_codegen
from graphflow.kernels.cpu import reduction
from graphflow.kernels.cpu import small

EMITTERS = {}
FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


class Ineligible(Exception):
    """The plan (or this step of it) cannot be compiled as one function."""


def emitter(*op_types):
    def wrap(fn):
        for op_type in op_types:
            EMITTERS[op_type] = fn
        return fn
    return wrap


def _require(condition, why):
    if not condition:
        raise Ineligible(why)


def _float_op(ctx, step):
    """The common dtype of a float op's inputs and outputs."""
    dtypes = {ctx.dtype(s) for s in step.ins + step.outs}
    _require(len(dtypes) == 1 and next(iter(dtypes)) in FLOATS, "not a float op")
    return next(iter(dtypes))


# ---------------------------------------------------------------- elementwise
# Ops whose numpy kernels round exactly as these scalar expressions do (correctly rounded
# IEEE operations only: no transcendental functions, whose numpy and numba versions differ).
_EXACT_TEMPLATES = {t: fused_codegen.UNARY.get(t) or fused_codegen.BINARY.get(t) for t in (
    "AddV2", "Sub", "Mul", "RealDiv", "Maximum", "Minimum", "SquaredDifference",
    "Neg", "Abs", "Square", "Sqrt", "Relu")}
_EXACT_TEMPLATES["Reciprocal"] = fused_codegen.UNARY["Reciprocal"]
# float32 transcendentals: `fast_math`, which the per-op kernels use for float32 as well.
_FLOAT32_ONLY = {t: fused_codegen.TRANSCENDENTAL[t][0] for t in fast_math.KINDS}
_EXACT_TEMPLATES.update(_FLOAT32_ONLY)
_EXACT_TEMPLATES["Add"] = fused_codegen.BINARY["AddV2"]
_EXACT_TEMPLATES["BiasAdd"] = fused_codegen.BINARY["AddV2"]
_EXACT_TEMPLATES["ReluGrad"] = "{a} * (_T(1) if {b} > _T(0) else _T(0))"


@emitter(*_EXACT_TEMPLATES)
def _elementwise(ctx, step):
    dtype = _float_op(ctx, step)
    op = step.op
    _require(op.type not in _FLOAT32_ONLY or dtype == np.float32, "float64 transcendental")
    if op.type == "BiasAdd":
        _require(op._attrs.get("data_format", b"NHWC") in (b"NHWC", "NHWC"), "BiasAdd NCHW")
    out = step.outs[0]
    shape = ctx.shape(out)
    template = _EXACT_TEMPLATES[op.type]
    operands = [ctx.element(slot, shape, inline=template.count("{" + key + "}") == 1)
                for slot, key in zip(step.ins, "ab")]
    template = template.replace("_T(", f"np.{dtype.name}(").replace("fm.", "_fm.")
    ctx.define(out, template.format(a=operands[0], b=operands[-1]))


# ---------------------------------------------------------------- reductions
_KINDS = {"Sum": small.SUM, "Mean": small.SUM, "Prod": small.PROD, "Max": small.MAX,
          "Min": small.MIN}


@emitter(*_KINDS)
def _reduce(ctx, step):
    op = step.op
    x_slot, axes_slot = step.ins
    dtype = ctx.dtype(x_slot)
    _require(dtype in FLOATS and ctx.dtype(step.outs[0]) == dtype, "not a float reduction")
    axes = ctx.const(axes_slot)
    _require(axes is not None, "reduction axes computed at run time")
    shape = ctx.shape(x_slot)
    size = int(np.prod(shape, dtype=np.int64))
    _require(0 < size <= small.REDUCE_MAX_SIZE, "reduction size outside the strict kernels")
    try:
        norm = checks.axes_in_range(axes, len(shape))
    except Exception as err:
        raise Ineligible("bad axes") from err
    if not norm:  # nothing reduced: the per-op kernels return the values unchanged
        ctx.bind(step.outs[0], f"{ctx.name(x_slot)}.copy().reshape({ctx.shape(step.outs[0])})")
        return
    perm, outer, red, inner = reduction.layout(shape, norm)
    src = ctx.name(x_slot)
    if perm is not None:
        src = f"np.ascontiguousarray(np.transpose({src}, {tuple(perm)}))"
    kind = _KINDS[op.type]
    total = ctx.temp()
    identity = repr(small.IDENTITY[kind]).replace("inf", "np.inf")
    if inner == 1:
        ctx.line(f"{total} = np.full(({outer},), {identity}, np.{dtype.name})")
        ctx.line(f"_small.reduce_rows({kind}, {src}.reshape(({outer}, {red})), {total})")
    else:
        ctx.line(f"{total} = np.full(({outer}, {inner}), {identity}, np.{dtype.name})")
        ctx.line(f"_small.reduce_middle({kind}, {src}.reshape(({outer}, {red}, {inner})), "
                 f"{total})")
    if op.type == "Mean":
        ctx.line(f"{total} = {total} / np.{dtype.name}({red})")
    ctx.bind(step.outs[0], f"{total}.reshape({ctx.shape(step.outs[0])})", fresh=True)


# ---------------------------------------------------------------- matrices and layout
@emitter("MatMul")
def _matmul(ctx, step):
    dtype = _float_op(ctx, step)
    a, b = step.ins
    ta, tb = step.op._attrs["transpose_a"], step.op._attrs["transpose_b"]
    sa, sb = ctx.shape(a), ctx.shape(b)
    _require(len(sa) == 2 and len(sb) == 2, "not a matrix product")
    _require(sa[0] * sa[1] * sb[1 - tb] <= small.MATMUL_MAX_WORK, "matrix product too large")
    out = ctx.temp()
    ctx.line(f"{out} = np.zeros({ctx.shape(step.outs[0])}, np.{dtype.name})")
    ctx.line(f"_small.matmul({ctx.name(a)}{'.T' if ta else ''}, "
             f"{ctx.name(b)}{'.T' if tb else ''}, {out})")
    ctx.bind(step.outs[0], out, fresh=True)


@emitter("Transpose")
def _transpose(ctx, step):
    perm = ctx.const(step.ins[1])
    _require(perm is not None, "permutation computed at run time")
    x = step.ins[0]
    _require(len(ctx.shape(x)) == perm.size, "bad permutation")
    perm = tuple(int(p) % max(perm.size, 1) for p in perm.reshape(-1))
    ctx.bind(step.outs[0], f"np.ascontiguousarray(np.transpose({ctx.name(x)}, {perm}))",
             fresh=True)


_DATA_INPUT = {"StridedSliceGrad": 4}  # else input 0


@emitter("StridedSlice", "Slice", "Tile", "ReverseV2", "BroadcastTo", "Pad",
         "StridedSliceGrad")
def _index_map(ctx, step):
    """A copy through the op's index map (kernels/index_maps.py), computed at
    specialisation time; Pad and StridedSliceGrad fill the unmapped elements with zeros."""
    position = _DATA_INPUT.get(step.op.type, 0)
    x = step.ins[position]
    values = [ctx.const(slot) for slot in step.ins]
    _require(all(v is not None for i, v in enumerate(values) if i != position),
             "indices computed at run time")
    values[position] = index_maps.probes([ctx.shape(x)])[0]
    try:
        (index, shape), = index_maps.sources(reference.REFERENCE[step.op.type],
                                              step.op._attrs, values)
    except Exception as err:  # noqa: BLE001 - the per-op kernel reports it
        raise Ineligible("bad arguments") from err
    out = step.outs[0]
    out_shape = ctx.shape(out)
    _require(shape == out_shape, "index map of another shape")
    table = ctx.constant(index)
    source = f"{ctx.name(x)}.reshape(-1)"
    if index.size and index.min() < 0:
        flat = ctx.temp()
        ctx.line(f"{flat} = np.empty({index.size}, np.{ctx.dtype(out).name})")
        ctx.loop((index.size,), f"{flat}[i0] = {source}[{table}[i0]] if {table}[i0] >= 0 "
                                f"else 0")
        ctx.bind(out, f"{flat}.reshape({out_shape})")
    else:
        ctx.bind(out, f"{source}[{table}].reshape({out_shape})")


@emitter("Reshape", "ExpandDims", "Squeeze")
def _reshape(ctx, step):
    for slot in step.ins[1:]:
        _require(ctx.const(slot) is not None, "shape computed at run time")
    ctx.bind(step.outs[0], f"{ctx.name(step.ins[0])}.reshape({ctx.shape(step.outs[0])})",
             fresh=False)


@emitter("Identity", "StopGradient", "Snapshot", "PlaceholderWithDefault")
def _identity(ctx, step):
    ctx.bind(step.outs[0], ctx.name(step.ins[0]), fresh=False)


@emitter("Cast")
def _cast(ctx, step):
    src, dst = ctx.dtype(step.ins[0]), ctx.dtype(step.outs[0])
    _require(dst in FLOATS and src.kind in "fiub", "cast to a non-float type")
    ctx.bind(step.outs[0], f"{ctx.name(step.ins[0])}.astype(np.{dst.name})", fresh=True)


@emitter("AddN")
def _add_n(ctx, step):
    _float_op(ctx, step)
    shapes = {ctx.shape(s) for s in step.ins}
    _require(len(shapes) == 1, "AddN of different shapes")
    out = ctx.temp()
    ctx.line(f"{out} = {ctx.name(step.ins[0])}.copy()")
    for slot in step.ins[1:]:
        ctx.line(f"{out} += {ctx.name(slot)}")
    ctx.bind(step.outs[0], out, fresh=True)


# ---------------------------------------------------------------- optimizer updates
def _apply(ctx, step, grad, call):
    """An Apply* step: `call` updates the variable's buffer in place; the output is the
    variable itself."""
    var = step.ins[0]
    _require(ctx.is_variable(var), "update of something that is not a variable")
    _require(ctx.shape(var) == ctx.shape(grad), "update shape mismatch")
    ctx.line(call)
    ctx.bind(step.outs[0], ctx.name(var), fresh=False)


def _scalar(ctx, slot, dtype):
    _require(ctx.shape(slot) == () and ctx.dtype(slot) == dtype, "hyper-parameter not a scalar")
    return f"{ctx.name(slot)}[()]"


@emitter("ApplyGradientDescent")
def _apply_gradient_descent(ctx, step):
    dtype = _float_op(ctx, step)
    var, alpha, delta = step.ins
    _apply(ctx, step, delta, f"_training._sgd({ctx.name(var)}, {ctx.name(delta)}, "
                      f"np.{dtype.name}({_scalar(ctx, alpha, dtype)}))")


@emitter("ApplyAdam")
def _apply_adam(ctx, step):
    dtype = _float_op(ctx, step)
    var, m, v, b1p, b2p, lr, beta1, beta2, eps, grad = step.ins
    for slot in (m, v):
        _require(ctx.is_variable(slot) and ctx.shape(slot) == ctx.shape(var), "bad Adam slot")
    t = f"np.{dtype.name}"
    b1p, b2p, lr, beta1, beta2, eps = (_scalar(ctx, s, dtype) for s in (b1p, b2p, lr, beta1,
                                                                           beta2, eps))
    # alpha as reference/training.adam_alpha computes it, in the variable's dtype
    alpha = f"{lr} * np.sqrt({t}(1) - {b2p}) / ({t}(1) - {b1p})"
    _apply(ctx, step, grad, f"_training._adam({ctx.name(var)}, {ctx.name(m)}, {ctx.name(v)}, "
                            f"{ctx.name(grad)}, {alpha}, {t}(1) - {beta1}, {t}(1) - {beta2}, "
                            f"{beta1}, {eps}, {bool(step.op._attrs['use_nesterov'])})")


_ASSIGN = {"Assign": "{v}", "AssignAdd": "a[i] + {v}", "AssignSub": "a[i] - {v}"}


@emitter(*_ASSIGN)
def _assign(ctx, step):
    """In place, as the per-op kernels assign a value of the variable's shape."""
    var, value = step.ins
    _require(ctx.is_variable(var), "assignment to something that is not a variable")
    _require(ctx.shape(var) == ctx.shape(value) and ctx.dtype(var) == ctx.dtype(value),
             "assignment of another shape or dtype")
    target, source = ctx.temp(), ctx.temp()
    ctx.line(f"{target} = {ctx.name(var)}.reshape(-1)")
    ctx.line(f"{source} = {ctx.name(value)}.reshape(-1)")
    size = int(np.prod(ctx.shape(var), dtype=np.int64))
    ctx.loop((size,), f"{target}[i0] = " + _ASSIGN[step.op.type].format(v=f"{source}[i0]")
             .replace("a[i]", f"{target}[i0]"))
    ctx.bind(step.outs[0], ctx.name(var), fresh=False)


@emitter("ApplyMomentum")
def _apply_momentum(ctx, step):
    dtype = _float_op(ctx, step)
    var, accum, lr, grad, mom = step.ins
    _require(ctx.is_variable(accum) and ctx.shape(accum) == ctx.shape(var), "bad accumulator")
    nesterov = bool(step.op._attrs["use_nesterov"])
    _apply(ctx, step, grad, f"_training._momentum({ctx.name(var)}, {ctx.name(accum)}, "
                      f"{ctx.name(grad)}, {_scalar(ctx, lr, dtype)}, "
                      f"{_scalar(ctx, mom, dtype)}, {nesterov})")


# ---------------------------------------------------------------- softmax and cross-entropy
@emitter("Softmax", "LogSoftmax")
def _softmax(ctx, step):
    dtype = _float_op(ctx, step)
    x = step.ins[0]
    shape = ctx.shape(x)
    _require(len(shape) >= 1 and shape[-1] > 0 and 0 not in shape, "empty softmax")
    rows = (int(np.prod(shape[:-1], dtype=np.int64)), shape[-1])
    out = ctx.temp()
    ctx.line(f"{out} = np.empty({rows}, np.{dtype.name})")
    ctx.line(f"_nn._softmax_serial(np.ascontiguousarray({ctx.name(x)}).reshape({rows}), {out}, "
             f"{step.op.type == 'LogSoftmax'})")
    ctx.bind(step.outs[0], f"{out}.reshape({shape})")


def _xent_outputs(ctx, step, call, rows, dtype):
    loss, backprop = ctx.temp(), ctx.temp()
    ctx.line(f"{loss} = np.empty(({rows[0]},), np.{dtype.name})")
    ctx.line(f"{backprop} = np.empty({rows}, np.{dtype.name})")
    ctx.line(call.format(loss=loss, backprop=backprop))
    ctx.bind(step.outs[0], loss)
    ctx.bind(step.outs[1], backprop)


@emitter("SoftmaxCrossEntropyWithLogits")
def _softmax_xent(ctx, step):
    dtype = _float_op(ctx, step)
    features, labels = step.ins
    shape = ctx.shape(features)
    _require(len(shape) == 2 and ctx.shape(labels) == shape and 0 not in shape,
             "cross-entropy of other shapes")
    _xent_outputs(ctx, step, f"_nn._xent_serial({ctx.name(features)}, {ctx.name(labels)}, "
                             "{loss}, {backprop})", shape, dtype)


@emitter("SparseSoftmaxCrossEntropyWithLogits")
def _sparse_softmax_xent(ctx, step):
    features, labels = step.ins
    dtype = ctx.dtype(features)
    _require(dtype in FLOATS and ctx.dtype(labels).kind == "i", "not float logits")
    shape = ctx.shape(features)
    _require(len(shape) == 2 and ctx.shape(labels) == shape[:1] and 0 not in shape,
             "cross-entropy of other shapes")
    known = ctx.const(labels)
    if known is not None:
        _require(bool(np.all((known >= 0) & (known < shape[1]))), "label out of range")
    else:  # labels fed at run time: checked before anything runs (numba does not check)
        _require(ctx.is_parameter(labels), "labels computed at run time")
        ctx.check(f"np.any({ctx.name(labels)} < 0) or np.any({ctx.name(labels)} >= "
                  f"{shape[1]})")
    _xent_outputs(ctx, step, f"_nn._sparse_xent_serial({ctx.name(features)}, "
                             f"{ctx.name(labels)}.astype(np.int64), {{loss}}, {{backprop}})",
                  shape, dtype)
