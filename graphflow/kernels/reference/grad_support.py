"""Numpy reference kernels for graphflow/ops/grad_support_ops.py."""

import numpy as np

from graphflow.kernels import checks
from graphflow.kernels.reference import reference


@reference("BroadcastGradientArgs")
def broadcast_gradient_args(attrs, s0, s1):
    a, b = s0.tolist(), s1.tolist()
    n = max(len(a), len(b))
    a = [1] * (n - len(a)) + a
    b = [1] * (n - len(b)) + b
    r0, r1 = [], []
    for i, (x, y) in enumerate(zip(a, b)):
        if x == y:
            continue
        if x == 1:
            r0.append(i)
        elif y == 1:
            r1.append(i)
        else:
            raise checks.invalid(f"Incompatible shapes: {s0.tolist()} vs. {s1.tolist()}")
    return (np.array(r0, dtype=s0.dtype), np.array(r1, dtype=s1.dtype))


@reference("DynamicStitch")
def dynamic_stitch(attrs, *args):
    n = attrs["N"]
    indices, data = args[:n], args[n:]
    total = max((int(i.max()) + 1 for i in indices if i.size), default=0)
    tail = None
    for i, d in zip(indices, data):
        if d.shape[:i.ndim] != i.shape:
            raise checks.invalid(f"data[...].shape {list(d.shape)} does not start with "
                                 f"indices[...].shape {list(i.shape)}")
        tail = d.shape[i.ndim:] if tail is None else tail
        checks.indices_in_range(i, total)
    out = np.zeros((total,) + tuple(tail), dtype=data[0].dtype)
    for i, d in zip(indices, data):
        out[i.reshape(-1)] = d.reshape((-1,) + tuple(tail))
    return (out,)


@reference("StridedSliceGrad")
def strided_slice_grad(attrs, shape, begin, end, strides, dy):
    from graphflow.kernels.reference import manip
    out = np.zeros(tuple(int(d) for d in shape), dtype=dy.dtype)
    bounds, final = manip.strided_slice_spec(out.shape, begin, end, strides, attrs)
    if list(dy.shape) != list(final):
        raise checks.invalid(f"dy shape {list(dy.shape)} does not match the slice shape {final}")
    index = manip.strided_slice_index(bounds)
    out[index] = dy.reshape(out[index].shape)
    return (out,)


@reference("UnsortedSegmentSum")
def unsorted_segment_sum(attrs, data, ids, num_segments):
    n = int(num_segments)
    if n < 0:
        raise checks.invalid(f"num_segments must be non-negative, got {n}")
    if data.shape[:ids.ndim] != ids.shape:
        raise checks.invalid(f"data.shape {list(data.shape)} must start with segment_ids.shape "
                             f"{list(ids.shape)}")
    checks.indices_in_range(ids, n, "segment_ids")
    tail = data.shape[ids.ndim:]
    out = np.zeros((n,) + tail, dtype=data.dtype)
    np.add.at(out, ids.reshape(-1), data.reshape((-1,) + tail))
    return (out,)


@reference("InvertPermutation")
def invert_permutation(attrs, x):
    if x.ndim != 1 or sorted(x.tolist()) != list(range(x.size)):
        raise checks.invalid(f"x is not a permutation of 0..{x.size - 1}: {x.tolist()}")
    y = np.empty_like(x)
    y[x] = np.arange(x.size, dtype=x.dtype)
    return (y,)


@reference("MirrorPadGrad")
def mirror_pad_grad(attrs, grad, paddings):
    offset = 0 if attrs["mode"].upper() == "SYMMETRIC" else 1
    if paddings.shape != (grad.ndim, 2):
        raise checks.invalid(f"paddings must be a matrix with shape [{grad.ndim}, 2], got "
                             f"{list(paddings.shape)}")
    out = grad
    for axis, (before, after) in enumerate(paddings.tolist()):
        moved = np.moveaxis(out, axis, 0)
        n = moved.shape[0] - before - after
        if n < 0 or before > n - offset or after > n - offset:
            raise checks.invalid(f"paddings {paddings.tolist()} too large for the gradient "
                                 f"shape {list(grad.shape)} in mode {attrs['mode']}")
        core = moved[before:before + n].copy()
        for i in range(before):
            core[before - i - 1 + offset] += moved[i]
        for i in range(after):
            core[n - 1 - i - offset] += moved[before + n + i]
        out = np.moveaxis(core, 0, axis)
    return (np.ascontiguousarray(out),)
