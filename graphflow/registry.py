"""The op registry: one `OpDef` per TF op type, declared in `graphflow/ops/<family>.py`.

An OpDef holds what is true of an op on every device: TF's type name, its input and output
arguments written as in TF's op registrations (`"x: T"`, `"values: N * T"`, `"ref: Ref(T)"`,
`"output: int32"`), its attrs (`"T: {float, double}"`, `"keep_dims: bool = false"`), a pure
shape function and the gradient. Kernels live elsewhere (`graphflow/kernels/`).
"""

import re

import numpy as np

from graphflow import dtypes
from graphflow import tensor_shape

REQUIRED = object()  # marks an attr without default


class _NotDifferentiable:
    def __repr__(self):
        return "NOT_DIFFERENTIABLE"


NOT_DIFFERENTIABLE = _NotDifferentiable()

_TYPE_GROUPS = {
    "numbertype": dtypes.REAL_NUMBERS,
    "realnumbertype": dtypes.REAL_NUMBERS,
    "float_types": dtypes.FLOATS,
    "floats": dtypes.FLOATS,
    "integers": dtypes.INTEGERS,
    "int_types": (dtypes.int32, dtypes.int64),
    "all": dtypes.ALL_TYPES,
    "numeric_and_bool": dtypes.REAL_NUMBERS + (dtypes.bool,),
}


class ArgSpec:
    """One input or output argument: `name: T`, `name: N * T`, `name: Ref(T)`, `name: int32`,
    or `name: dtypes` where `dtypes` is a `list(type)` attr (TF's type_list_attr)."""

    __slots__ = ("name", "type_attr", "fixed_dtype", "number_attr", "is_ref", "type_list_attr")

    _RE = re.compile(r"^(\w+)\s*:\s*(?:(\w+)\s*\*\s*)?(Ref\()?(\w+)\)?$")

    def __init__(self, spec):
        m = self._RE.match(spec.strip())
        if not m:
            raise ValueError(f"bad argument spec {spec!r}")
        self.name, self.number_attr, ref, type_name = m.groups()
        self.is_ref = ref is not None
        self.type_list_attr = None  # set by OpDef when `type_attr` names a list(type) attr
        try:
            self.fixed_dtype = dtypes.as_dtype(type_name)
            self.type_attr = None
        except TypeError:
            self.fixed_dtype = None
            self.type_attr = type_name

    def __repr__(self):
        return f"ArgSpec({self.name!r})"

    def count(self, attrs):
        """How many tensors this argument stands for, given a node's attrs."""
        if self.type_list_attr is not None:
            return len(attrs[self.type_list_attr])
        return 1 if self.number_attr is None else attrs[self.number_attr]


class AttrSpec:
    """One attr: `name: kind [>= min] [= default]`, kind a TF attr kind or `{type, ...}`."""

    __slots__ = ("name", "kind", "allowed", "minimum", "default")

    _RE = re.compile(r"^(\w+)\s*:\s*(\{[^}]*\}|[\w()]+)\s*(?:>=\s*(-?\d+))?\s*(?:=\s*(.+))?$")

    def __init__(self, spec):
        m = self._RE.match(spec.strip())
        if not m:
            raise ValueError(f"bad attr spec {spec!r}")
        self.name, kind, minimum, default = m.groups()
        self.allowed = None
        if kind.startswith("{"):
            self.allowed = _parse_type_set(kind[1:-1])
            kind = "type"
        self.kind = kind
        self.minimum = None if minimum is None else int(minimum)
        self.default = REQUIRED if default is None else _parse_default(kind, default.strip())

    def __repr__(self):
        return f"AttrSpec({self.name!r}, {self.kind!r})"


def _parse_type_set(text):
    allowed = []
    for word in (w.strip() for w in text.split(",") if w.strip()):
        if word in _TYPE_GROUPS:
            allowed.extend(_TYPE_GROUPS[word])
        else:
            allowed.append(dtypes.as_dtype(word))
    return tuple(allowed)


def _parse_default(kind, text):
    if kind == "type":
        return dtypes.as_dtype(text[3:].lower() if text.startswith("DT_") else text)
    if kind == "bool":
        return text == "true"
    if kind == "int":
        return int(text)
    if kind == "float":  # TF stores float attrs in 32 bits; defaults are rounded the same way
        return float(np.float32(float(text)))
    if kind == "string":
        return text.strip("\"'")
    if kind.startswith("list"):
        inner = text.strip("[]").strip()
        if not inner:
            return []
        return [_parse_default(kind[5:-1], t.strip()) for t in inner.split(",")]
    if kind == "shape":
        return tensor_shape.unknown_shape() if text == "unknown" else None
    raise ValueError(f"no default syntax for attr kind {kind}")


class OpDef:
    """Everything device-independent about one op type.

    Attributes:
        type: TF's op type name, e.g. "MatMul".
        inputs, outputs: tuples of `ArgSpec`.
        attrs: dict name -> `AttrSpec`, in declaration order.
        shape_fn: `shape_fn(op) -> list[TensorShape]`, pure; unknown dims are None.
        grad: `grad(op, *output_grads) -> list` of input gradients (None where there is none),
            `NOT_DIFFERENTIABLE`, or None while the gradient is not yet written.
        stateful: whether the op has side effects or reads state (never folded or deduplicated).
    """

    def __init__(self, type_name, inputs, outputs, attrs, shape_fn, grad, stateful, doc):
        self.type = type_name
        self.inputs = tuple(ArgSpec(s) for s in inputs)
        self.outputs = tuple(ArgSpec(s) for s in outputs)
        self.attrs = {a.name: a for a in (AttrSpec(s) for s in attrs)}
        self.shape_fn = shape_fn
        self.grad = grad
        self.stateful = stateful
        self.__doc__ = doc
        for arg in self.inputs + self.outputs:
            for ref in (arg.type_attr, arg.number_attr):
                if ref is not None and ref not in self.attrs:
                    raise ValueError(f"{type_name}: argument {arg.name} uses undeclared attr {ref}")
            if arg.type_attr is not None and self.attrs[arg.type_attr].kind == "list(type)":
                arg.type_list_attr, arg.type_attr = arg.type_attr, None  # TF's type_list_attr

    def __repr__(self):
        return f"OpDef({self.type!r})"

    def output_dtypes(self, attrs):
        """The dtypes of all outputs, given the node's attrs."""
        result = []
        for arg in self.outputs:
            if arg.type_list_attr is not None:
                result.extend(attrs[arg.type_list_attr])
                continue
            dtype = arg.fixed_dtype if arg.type_attr is None else attrs[arg.type_attr]
            if arg.is_ref:
                dtype = dtype._as_ref
            count = 1 if arg.number_attr is None else attrs[arg.number_attr]
            result.extend([dtype] * count)
        return result


_REGISTRY = {}


def register_op(type_name, inputs=(), outputs=(), attrs=(), shape_fn=None, grad=None,
                stateful=False, doc=""):
    """Declares op `type_name` (once) and returns its `OpDef`."""
    if type_name in _REGISTRY:
        raise KeyError(f"op type {type_name!r} is already registered")
    if shape_fn is None:
        raise ValueError(f"op type {type_name!r} needs a shape function")
    op_def = OpDef(type_name, inputs, outputs, attrs, shape_fn, grad, stateful, doc)
    _REGISTRY[type_name] = op_def
    return op_def


def get_op_def(type_name):
    """Returns the OpDef of `type_name`; raises KeyError if none is registered."""
    return _REGISTRY[type_name]


def registered_ops():
    """A dict of every registered op type to its OpDef."""
    return dict(_REGISTRY)


def set_gradient(type_name, grad_fn):
    """Sets the gradient of an op declared before its gradient helpers could be imported."""
    _REGISTRY[type_name].grad = grad_fn
