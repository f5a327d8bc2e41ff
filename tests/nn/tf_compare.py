"""Runs one builder against real TensorFlow and graphflow: values, gradients and node names.

`build(module, *placeholders)` receives `tensorflow.compat.v1` or `graphflow` and must use
only the API both share. Float inputs get gradients (of the sum of the output).
"""

import numpy as np

import graphflow as gf


def _run(module, build, inputs, with_grads, execute=True):
    graph = module.Graph()
    with graph.as_default():
        if hasattr(module, "set_random_seed"):
            module.set_random_seed(1)
        placeholders = [module.placeholder(module.as_dtype(v.dtype), v.shape, name=f"in{i}")
                        for i, v in enumerate(inputs)]
        out = build(module, *placeholders)
        outs = list(out) if isinstance(out, (list, tuple)) else [out]
        forward = [(op.name, op.type) for op in graph.get_operations()]
        grads = []
        if with_grads:
            xs = [p for p, v in zip(placeholders, inputs) if v.dtype.kind == "f"]
            floats = [o for o in outs if o.dtype.is_floating]
            grads = [g for g in module.gradients(floats, xs) if g is not None] if xs else []
            # TF's gather gradients are IndexedSlices: densify them for the comparison.
            grads = [module.convert_to_tensor(g) if hasattr(g, "indices") else g for g in grads]
        if not execute:
            return forward, None
        with module.Session() as sess:
            values = sess.run(outs + grads, dict(zip(placeholders, inputs)))
    return forward, values


def compare(tf1, build, inputs, with_grads=True, rtol=1e-5, atol=1e-6, names=True,
            values=True):
    """Asserts equal node names/types (when `names`) and close values and gradients (when
    `values`; random ops draw different numbers in the two frameworks)."""
    inputs = [np.asarray(v) for v in inputs]
    tf_forward, tf_values = _run(tf1, build, inputs, with_grads, values)
    gf_forward, gf_values = _run(gf, build, inputs, with_grads, values)
    if names:
        assert gf_forward == tf_forward
    if not values:
        return gf_values
    assert len(gf_values) == len(tf_values)
    for ours, theirs in zip(gf_values, tf_values):
        ours, theirs = np.asarray(ours), np.asarray(theirs)
        assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
        np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=atol)
    return gf_values
