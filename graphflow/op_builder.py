"""Creating nodes: argument conversion, dtype inference and attr validation (TF's op_def_library).

`apply_op("AddV2", x=a, y=b, name=None)` opens the name scope `name or op type`, converts the
inputs inside it (so a Python scalar becomes e.g. `add/y`), infers type attrs from the inputs,
checks them against the OpDef and adds the node.
"""

import numpy as np

from graphflow import dtypes
from graphflow import graph as graph_lib
from graphflow import registry
from graphflow import tensor_shape
from graphflow.ops import constant_op


def apply_op(op_type, name=None, **keywords):
    """Adds an `op_type` node; returns its output (one), outputs (list) or the Operation (none).

    Keywords name the OpDef's input arguments and attrs. Raises TypeError for a dtype that
    breaks the op's type constraints (naming both dtypes) and for missing arguments.
    """
    op_def = registry.get_op_def(op_type)
    graph = _graph_of_inputs(op_def, keywords)
    with graph.as_default(), graph.name_scope(name or op_type) as scope:
        attrs = {}
        _infer_type_attrs(op_def, keywords, attrs)
        inputs = []
        for arg in op_def.inputs:
            if arg.name not in keywords:
                raise TypeError(f"{op_type} missing required input argument '{arg.name}'")
            inputs.extend(_convert_arg(op_def, arg, keywords.pop(arg.name), attrs))
        for key, value in keywords.items():
            if key in attrs:
                continue
            spec = op_def.attrs.get(key)
            if spec is None:
                raise TypeError(f"{op_type} got an unexpected keyword argument '{key}'")
            attrs[key] = _check_attr(op_def, spec, value)
        for spec in op_def.attrs.values():
            if spec.name not in attrs:
                if spec.default is registry.REQUIRED:
                    raise TypeError(f"{op_type} missing required attr '{spec.name}'")
                attrs[spec.name] = spec.default
        attrs = {k: attrs[k] for k in op_def.attrs}
        op = graph._create_op(op_def, scope[:-1], inputs, attrs)
    outs = op._outputs
    if not outs:
        return op
    single = op_def.outputs[0].number_attr is None and op_def.outputs[0].type_list_attr is None
    return outs[0] if len(outs) == 1 and single else list(outs)


def _graph_of_inputs(op_def, keywords):
    for arg in op_def.inputs:
        value = keywords.get(arg.name)
        for v in value if isinstance(value, (list, tuple)) else (value,):
            g = getattr(v, "graph", None)
            if isinstance(g, graph_lib.Graph):
                return g
    return graph_lib.get_default_graph()


def _tensor_dtype(value):
    if isinstance(value, graph_lib.Tensor):
        return value.dtype.base_dtype
    dtype = getattr(value, "_graphflow_dtype", None)
    return dtype.base_dtype if dtype is not None else None


def _infer_type_attrs(op_def, keywords, attrs):
    """Type attrs come from explicit keywords, else from the first Tensor bound to them."""
    for arg in op_def.inputs:
        key = arg.type_attr
        if key is None or key in attrs:
            continue
        if key in keywords:
            attrs[key] = _check_attr(op_def, op_def.attrs[key], keywords[key])
            continue
        value = keywords.get(arg.name)
        for v in value if arg.number_attr and isinstance(value, (list, tuple)) else (value,):
            dtype = _tensor_dtype(v)
            if dtype is not None:
                attrs[key] = _check_attr(op_def, op_def.attrs[key], dtype, arg.name)
                break


def _convert_arg(op_def, arg, value, attrs):
    """Converts one input argument (a list for `N * T` and type-list arguments) to tensors."""
    if arg.type_list_attr is not None:
        return _convert_type_list(op_def, arg, value, attrs)
    if arg.number_attr is not None:
        if not isinstance(value, (list, tuple)):
            raise TypeError(f"Expected list for '{arg.name}' argument to '{op_def.type}' Op, "
                            f"not {value!r}.")
        attrs[arg.number_attr] = _check_attr(op_def, op_def.attrs[arg.number_attr], len(value))
        values = list(value)
    else:
        values = [value]
    tensors = []
    for i, v in enumerate(values):
        dtype = arg.fixed_dtype or attrs.get(arg.type_attr)
        preferred = None
        if dtype is None:
            default = op_def.attrs[arg.type_attr].default
            preferred = default if isinstance(default, dtypes.DType) else None
        name = arg.name if arg.number_attr is None else f"{arg.name}_{i}"
        try:
            t = constant_op.convert_to_tensor(v, dtype=dtype, name=name, as_ref=arg.is_ref,
                                              preferred_dtype=preferred)
        except (TypeError, ValueError) as err:
            other = _tensor_dtype(v)
            if dtype is not None and other is not None:
                raise _mismatch(op_def, arg, other, dtype) from None
            if dtype is None:
                raise
            raise TypeError(f"Expected {dtype.name} passed to parameter '{arg.name}' of op "
                            f"'{op_def.type}', got {_short(v)} of type "
                            f"'{type(v).__name__}' instead. Error: {err}") from None
        if arg.is_ref and not t.dtype.is_ref_dtype:
            raise TypeError(f"'{op_def.type}' Op requires that input '{arg.name}' be a mutable "
                            "tensor (e.g.: a tf.Variable)")
        if arg.type_attr is not None:
            if arg.type_attr not in attrs:
                attrs[arg.type_attr] = _check_attr(op_def, op_def.attrs[arg.type_attr],
                                                   t.dtype.base_dtype, arg.name)
            elif attrs[arg.type_attr] != t.dtype.base_dtype:
                raise _mismatch(op_def, arg, t.dtype.base_dtype, attrs[arg.type_attr])
        elif t.dtype.base_dtype != arg.fixed_dtype:
            raise TypeError(f"Input '{arg.name}' of '{op_def.type}' Op has type "
                            f"{t.dtype.base_dtype.name} that does not match expected type of "
                            f"{arg.fixed_dtype.name}.")
        tensors.append(t)
    return tensors


def _convert_type_list(op_def, arg, value, attrs):
    """A `list(type)` argument: each value keeps its own dtype (or the one given in attrs)."""
    if not isinstance(value, (list, tuple)):
        raise TypeError(f"Expected list for '{arg.name}' argument to '{op_def.type}' Op, "
                        f"not {value!r}.")
    given = attrs.get(arg.type_list_attr)
    if given is not None and len(given) != len(value):
        raise TypeError(f"'{op_def.type}' Op: {len(value)} values for '{arg.name}' but "
                        f"{len(given)} dtypes")
    tensors = []
    for i, v in enumerate(value):
        dtype = None if given is None else given[i]
        tensors.append(constant_op.convert_to_tensor(v, dtype=dtype, name=f"{arg.name}_{i}"))
    spec = op_def.attrs[arg.type_list_attr]
    attrs[arg.type_list_attr] = _check_attr(op_def, spec,
                                            [t.dtype.base_dtype for t in tensors])
    return tensors


def _mismatch(op_def, arg, got, expected):
    first = next(a.name for a in op_def.inputs if a.type_attr == arg.type_attr)
    return TypeError(
        f"Input '{arg.name}' of '{op_def.type}' Op has type {got.name} that does not match type "
        f"{expected.name} of argument '{first}'. TensorFlow does not promote dtypes between "
        f"tensors: convert one operand with tf.cast(x, tf.{expected.name}) (or "
        f"tf.cast(y, tf.{got.name})).")


def _short(value):
    text = repr(value)
    return text if len(text) < 60 else text[:57] + "..."


def _check_attr(op_def, spec, value, arg_name=None):
    """Normalises `value` to the Python type of attr kind `spec.kind`, checking constraints."""
    kind = spec.kind
    try:
        if kind == "type":
            value = dtypes.as_dtype(value).base_dtype
            if spec.allowed is not None and value not in spec.allowed:
                allowed = ", ".join(d.name for d in spec.allowed)
                param = arg_name or spec.name
                raise TypeError(f"Value passed to parameter '{param}' has DataType {value.name} "
                                f"not in list of allowed values: {allowed}")
            return value
        if kind == "int":
            value = _as_int(value)
            if spec.minimum is not None and value < spec.minimum:
                raise ValueError(f"Attr '{spec.name}' of '{op_def.type}' Op passed {value} "
                                 f"less than minimum {spec.minimum}.")
            return value
        if kind == "float":  # TF's float attrs are 32-bit: kernels see the rounded value
            return float(np.float32(value))
        if kind == "bool":
            if not isinstance(value, (bool, np.bool_)):
                raise TypeError(f"Expected bool for argument '{spec.name}' not {value!r}.")
            return bool(value)
        if kind == "string":
            return value.decode() if isinstance(value, bytes) else str(value)
        if kind == "shape":
            return tensor_shape.as_shape(value)
        if kind == "list(int)":
            return [_as_int(v) for v in value]
        if kind == "list(float)":
            return [float(np.float32(v)) for v in value]
        if kind == "list(type)":
            return [dtypes.as_dtype(v) for v in value]
        if kind == "list(shape)":
            return [tensor_shape.as_shape(v) for v in value]
        if kind == "list(string)":
            return [str(v) for v in value]
        if kind == "tensor":
            return np.asarray(value)
    except (TypeError, ValueError) as err:
        if isinstance(err, TypeError) and "allowed values" in str(err):
            raise
        raise type(err)(f"Attr '{spec.name}' of '{op_def.type}' Op: {err}") from None
    return value


def _as_int(value):
    if isinstance(value, (bool, np.bool_)) or not hasattr(value, "__index__"):
        raise TypeError(f"Expected int, got {value!r} of type '{type(value).__name__}'")
    return int(value)
