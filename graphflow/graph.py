"""Graph, Operation and Tensor: the static dataflow graph, with TF1's naming rules.

Graphs are append-only: nodes are never removed, so a Session's compiled plans stay valid
while the graph grows.
"""

import contextlib
import os
import re
import sys
import threading

from graphflow import registry
from graphflow import tensor_shape

_VALID_OP_NAME = re.compile(r"^[A-Za-z0-9.][A-Za-z0-9_.\\/>-]*$")
_VALID_SCOPE_NAME = re.compile(r"^[A-Za-z0-9_.\\/>-]*$")
_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


class Tensor:
    """The symbolic `index`-th output of an `Operation`, named `op_name:index`."""

    __slots__ = ("_op", "_value_index", "_dtype", "_shape", "_consumers", "__weakref__")

    # Numpy arrays on the left of an operator defer to the Tensor's reflected method.
    __array_priority__ = 100

    def __init__(self, op, value_index, dtype):
        self._op = op
        self._value_index = value_index
        self._dtype = dtype
        self._shape = tensor_shape.unknown_shape()
        self._consumers = []

    @property
    def op(self):
        return self._op

    @property
    def graph(self):
        return self._op._graph

    @property
    def name(self):
        return f"{self._op._name}:{self._value_index}"

    @property
    def value_index(self):
        return self._value_index

    @property
    def dtype(self):
        return self._dtype

    @property
    def device(self):
        return self._op._device

    @property
    def shape(self):
        return self._shape

    def get_shape(self):
        return self._shape

    def set_shape(self, shape):
        """Merges `shape` into the static shape; ValueError if they are incompatible."""
        self._shape = self._shape.merge_with(tensor_shape.as_shape(shape))

    def consumers(self):
        """The operations that take this tensor as an input."""
        return list(self._consumers)

    def eval(self, feed_dict=None, session=None):
        """Runs this tensor in `session` (default: the default session) and returns its value."""
        from graphflow import session as session_lib
        return session_lib.run_in_default_session(self, feed_dict, session)

    def __repr__(self):
        return f"<tf.Tensor '{self.name}' shape={self._shape} dtype={self._dtype.name}>"

    def __str__(self):
        return (f'Tensor("{self.name}", shape={self._shape}, dtype={self._dtype.name}'
                + (f', device={self.device}' if self.device else "") + ")")

    __hash__ = object.__hash__  # identity, in C: tensors key every run's dict lookups

    def __eq__(self, other):  # TF1: `==` is identity, not an elementwise op.
        return self is other

    def __ne__(self, other):
        return self is not other

    def __bool__(self):
        raise TypeError("Using a `tf.Tensor` as a Python `bool` is not allowed. Use `if t is not "
                        "None:` instead of `if t:` to test if a tensor is defined, and use "
                        "TensorFlow ops such as tf.cond to execute subgraphs conditioned on the "
                        "value of a tensor.")

    def __len__(self):
        raise TypeError(f"len is not well defined for symbolic Tensors. ({self.name}) Please call "
                        "`x.shape` rather than `len(x)` for shape information.")

    def __iter__(self):
        dims = self._shape._values
        if dims is None or not dims or dims[0] is None:
            raise TypeError("Tensor objects are only iterable when the first dimension is known: "
                            f"{self.name} has shape {self._shape}.")
        return (self[i] for i in range(dims[0]))

    def _as_node_def_input(self):
        return self._op._name if self._value_index == 0 else self.name


class Operation:
    """A node of the graph: an op type, attrs, input tensors and output tensors."""

    __slots__ = ("_graph", "_name", "_type", "_op_def", "_inputs", "_control_inputs", "_attrs",
                 "_outputs", "_id", "_device", "_traceback", "_control_outputs", "__weakref__")

    def __init__(self, graph, name, op_def, inputs, attrs, control_inputs, device):
        self._graph = graph
        self._name = name
        self._type = op_def.type
        self._op_def = op_def
        self._inputs = list(inputs)
        self._control_inputs = list(control_inputs)
        self._control_outputs = []
        self._attrs = attrs
        self._device = device
        self._id = len(graph._nodes_by_id)
        self._traceback = _user_frame()
        self._outputs = [Tensor(self, i, dt) for i, dt in enumerate(op_def.output_dtypes(attrs))]

    @property
    def name(self):
        return self._name

    @property
    def type(self):
        return self._type

    @property
    def op_def(self):
        return self._op_def

    @property
    def graph(self):
        return self._graph

    @property
    def inputs(self):
        return tuple(self._inputs)

    @property
    def outputs(self):
        return list(self._outputs)

    @property
    def control_inputs(self):
        return list(self._control_inputs)

    @property
    def device(self):
        return self._device

    @property
    def node_def(self):
        from graphflow.io import graph_def
        return graph_def.node_def_of(self)

    @property
    def traceback(self):
        """(filename, line number, function name) of the user code that created the node."""
        return self._traceback

    def values(self):
        return tuple(self._outputs)

    def get_attr(self, name):
        """Returns the value of attr `name`; ValueError if the node has no such attr."""
        try:
            return self._attrs[name]
        except KeyError:
            raise ValueError(f"Operation '{self._name}' has no attr named '{name}'.") from None

    def _set_device(self, device):
        self._device = device

    def _add_control_input(self, op):
        if op not in self._control_inputs:
            self._control_inputs.append(op)
            op._control_outputs.append(self)

    def run(self, feed_dict=None, session=None):
        """Runs this operation in `session` (default: the default session)."""
        from graphflow import session as session_lib
        session_lib.run_in_default_session(self, feed_dict, session)

    def __repr__(self):
        return f"<tf.Operation '{self._name}' type={self._type}>"

    def __str__(self):
        from graphflow.io import graph_def
        return str(graph_def.node_def_of(self))


def _user_frame():
    """The first stack frame outside graphflow: where the user created a node."""
    frame = sys._getframe(2)
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame = frame.f_back
    if frame is None:
        return None
    return (frame.f_code.co_filename, frame.f_lineno, frame.f_code.co_name)


class GraphKeys:
    """Standard collection names, as TF's."""

    GLOBAL_VARIABLES = "variables"
    LOCAL_VARIABLES = "local_variables"
    MODEL_VARIABLES = "model_variables"
    TRAINABLE_VARIABLES = "trainable_variables"
    SUMMARIES = "summaries"
    QUEUE_RUNNERS = "queue_runners"
    TABLE_INITIALIZERS = "table_initializer"
    ASSET_FILEPATHS = "asset_filepaths"
    MOVING_AVERAGE_VARIABLES = "moving_average_variables"
    REGULARIZATION_LOSSES = "regularization_losses"
    CONCATENATED_VARIABLES = "concatenated_variables"
    SAVERS = "savers"
    WEIGHTS = "weights"
    BIASES = "biases"
    ACTIVATIONS = "activations"
    UPDATE_OPS = "update_ops"
    LOSSES = "losses"
    SAVEABLE_OBJECTS = "saveable_objects"
    RESOURCES = "resources"
    LOCAL_RESOURCES = "local_resources"
    TRAIN_OP = "train_op"
    GLOBAL_STEP = "global_step"
    EVAL_STEP = "eval_step"
    INIT_OP = "init_op"
    LOCAL_INIT_OP = "local_init_op"
    READY_OP = "ready_op"
    SUMMARY_OP = "summary_op"
    COND_CONTEXT = "cond_context"
    WHILE_CONTEXT = "while_context"
    VARIABLES = GLOBAL_VARIABLES


class Graph:
    """A TensorFlow-style dataflow graph: a set of Operations and the Tensors between them."""

    def __init__(self):
        self._nodes_by_name = {}
        self._nodes_by_id = []
        self._names_in_use = {}
        self._name_stack = ""
        self._control_stack = []
        self._device_stack = []
        self._collections = {}
        self._finalized = False
        self._seed = None
        self._lock = threading.RLock()
        self._variable_scope_store = None
        self._building_function = False
        self._colocation_stack = []

    # ----------------------------------------------------------------- context
    def as_default(self):
        """A context manager that makes this graph the default graph."""
        return _default_graph_stack.get_controller(self)

    @property
    def seed(self):
        return self._seed

    @seed.setter
    def seed(self, value):
        self._seed = value

    @property
    def finalized(self):
        return self._finalized

    def finalize(self):
        """Makes the graph read-only: adding a node raises RuntimeError."""
        self._finalized = True

    def _unsafe_unfinalize(self):
        self._finalized = False

    @property
    def version(self):
        return len(self._nodes_by_id)

    @property
    def building_function(self):
        return False

    # ----------------------------------------------------------------- names
    def get_name_scope(self):
        return self._name_stack

    def unique_name(self, name, mark_as_used=True):
        """Returns `name` prefixed by the scope and made unique with `_1`, `_2`, ... as TF does.

        Names are compared case-insensitively; a composed name such as `foo_1` is marked used so a
        later request for `foo_1` becomes `foo_1_1`.
        """
        if self._name_stack:
            name = self._name_stack + "/" + name
        name_key = name.lower()
        i = self._names_in_use.get(name_key, 0)
        if mark_as_used:
            self._names_in_use[name_key] = i + 1
        if i > 0:
            base_key = name_key
            while name_key in self._names_in_use:
                name_key = f"{base_key}_{i}"
                i += 1
            if mark_as_used:
                self._names_in_use[name_key] = 1
            name = f"{name}_{i - 1}"
        return name

    @contextlib.contextmanager
    def name_scope(self, name):
        """Opens a name scope; yields the scope string ending in `/` (or "" at the root).

        `None` or "" resets to the root scope; a name ending in `/` is used as-is (absolute);
        any other name is made unique against ops and scopes already in the graph.
        """
        if name:
            if isinstance(name, bytes):
                name = name.decode()
            pattern = _VALID_SCOPE_NAME if self._name_stack else _VALID_OP_NAME
            if not pattern.match(name):
                raise ValueError(f"'{name}' is not a valid scope name")
        old_stack = self._name_stack
        if not name:
            new_stack, returned = "", ""
        elif name[-1] == "/":
            new_stack, returned = name[:-1], name
        else:
            new_stack = self.unique_name(name)
            returned = new_stack + "/"
        self._name_stack = new_stack
        try:
            yield returned
        finally:
            self._name_stack = old_stack

    # ----------------------------------------------------------------- devices
    @contextlib.contextmanager
    def device(self, device_name_or_function):
        """Records a device on every node created in the context (`None` clears it)."""
        from graphflow import device_spec
        self._device_stack.append(device_spec.merger(device_name_or_function))
        try:
            yield
        finally:
            self._device_stack.pop()

    def _current_device(self, op_name_and_type):
        device = ""
        for merge in self._device_stack:
            device = merge(device, op_name_and_type)
        return device

    @contextlib.contextmanager
    def colocate_with(self, op, ignore_existing=False):
        yield

    # ----------------------------------------------------------------- control deps
    def control_dependencies(self, control_inputs):
        """Nodes created in the context run after `control_inputs`; `None` clears the stack."""
        return _ControlDependencies(self, control_inputs)

    def _current_control_inputs(self, input_ops):
        result = []
        for frame in self._control_stack:
            if frame is None:
                result = []
                continue
            for op in frame:
                if op not in result and op not in input_ops:
                    result.append(op)
        return result

    # ----------------------------------------------------------------- nodes
    def _create_op(self, op_def, name, inputs, attrs):
        """Adds a node with already converted inputs and validated attrs; infers its outputs.

        `name` is the full node name (already unique); see `op_builder.apply_op`.
        """
        if self._finalized:
            raise RuntimeError("Graph is finalized and cannot be modified.")
        if name in self._nodes_by_name:
            raise ValueError(f"Duplicate node name in graph: '{name}'")
        input_ops = {t._op for t in inputs}
        control_inputs = self._current_control_inputs(input_ops)
        device = self._current_device((name, op_def.type)) if self._device_stack else ""
        op = Operation(self, name, op_def, inputs, attrs, control_inputs, device)
        shapes = op_def.shape_fn(op)
        if len(shapes) != len(op._outputs):
            raise AssertionError(f"{op_def.type} shape function returned {len(shapes)} shapes "
                                 f"for {len(op._outputs)} outputs")
        for out, shape in zip(op._outputs, shapes):
            out._shape = tensor_shape.as_shape(shape)
        with self._lock:
            self._nodes_by_name[name] = op
            self._nodes_by_id.append(op)
            self._names_in_use.setdefault(name.lower(), 1)
        for t in inputs:
            t._consumers.append(op)
        for c in control_inputs:
            c._control_outputs.append(op)
        return op

    def get_operations(self):
        """All operations, in creation order."""
        return list(self._nodes_by_id)

    def get_operation_by_name(self, name):
        """The operation named `name`; KeyError if none, ValueError if `name` names a tensor."""
        if not isinstance(name, str):
            raise TypeError(f"Operation names are strings (or similar), not {type(name).__name__}.")
        return self.as_graph_element(name, allow_tensor=False, allow_operation=True)

    def get_tensor_by_name(self, name):
        """The tensor named `op_name:index`; KeyError if absent, ValueError for an op name."""
        if not isinstance(name, str):
            raise TypeError(f"Tensor names are strings (or similar), not {type(name).__name__}.")
        return self.as_graph_element(name, allow_tensor=True, allow_operation=False)

    def as_graph_element(self, obj, allow_tensor=True, allow_operation=True):
        """Resolves a Tensor, Operation or name to an element of this graph."""
        from graphflow import variables
        if isinstance(obj, variables.Variable):
            obj = obj._ref() if allow_tensor else obj.op
        if isinstance(obj, Tensor) and allow_tensor:
            if obj.graph is not self:
                raise ValueError(f"Tensor {obj} is not an element of this graph.")
            return obj
        if isinstance(obj, Operation) and allow_operation:
            if obj.graph is not self:
                raise ValueError(f"Operation {obj} is not an element of this graph.")
            return obj
        if isinstance(obj, str):
            return self._element_by_name(obj, allow_tensor, allow_operation)
        kinds = " or ".join(k for k, ok in (("Tensor", allow_tensor),
                                            ("Operation", allow_operation)) if ok)
        raise TypeError(f"Can not convert a {type(obj).__name__} into a {kinds}.")

    def _element_by_name(self, name, allow_tensor, allow_operation):
        if ":" in name:
            op_name, _, index = name.rpartition(":")
            if not allow_tensor:
                raise ValueError(f"Name '{name}' appears to refer to a Tensor, not an Operation.")
            try:
                index = int(index)
            except ValueError:
                raise ValueError(f"The name '{name}' looks a like a Tensor name, but is not a "
                                 "valid one. Tensor names must be of the form "
                                 "\"<op_name>:<output_index>\".") from None
            op = self._nodes_by_name.get(op_name)
            if op is None:
                raise KeyError(f"The name '{name}' refers to a Tensor which does not exist. The "
                               f"operation, '{op_name}', does not exist in the graph.")
            if not 0 <= index < len(op._outputs):
                raise KeyError(f"The name '{name}' refers to a Tensor which does not exist. The "
                               f"operation, '{op_name}', exists but only has "
                               f"{len(op._outputs)} outputs.")
            return op._outputs[index]
        op = self._nodes_by_name.get(name)
        if op is None:
            raise KeyError(f"The name '{name}' refers to an Operation not in the graph.")
        if not allow_operation:
            raise ValueError(f"The name '{name}' refers to an Operation, not a Tensor. Tensor "
                             f"names must be of the form \"<op_name>:<output_index>\".")
        return op

    # ----------------------------------------------------------------- collections
    def add_to_collection(self, name, value):
        self._collections.setdefault(name, []).append(value)

    def add_to_collections(self, names, value):
        names = (names,) if isinstance(names, str) else set(names)
        for name in names:
            self.add_to_collection(name, value)

    def get_collection(self, name, scope=None):
        """A copy of collection `name`, filtered to items whose name matches regex `scope`."""
        items = self._collections.get(name, [])
        if scope is None:
            return list(items)
        pattern = re.compile(scope)
        return [item for item in items
                if getattr(item, "name", None) is not None and pattern.match(item.name)]

    def get_collection_ref(self, name):
        return self._collections.setdefault(name, [])

    def get_all_collection_keys(self):
        return [k for k in self._collections if isinstance(k, str)]

    def clear_collection(self, name):
        self._collections.pop(name, None)

    # ----------------------------------------------------------------- serialization
    def as_graph_def(self, from_version=None, add_shapes=False):
        """This graph as a GraphDef protocol buffer."""
        from graphflow.io import graph_def
        return graph_def.graph_to_graph_def(self, add_shapes=add_shapes)

    @property
    def graph_def_versions(self):
        from graphflow.io import graph_def
        return graph_def.versions()

    def view(self, **kwargs):
        from graphflow import viewer
        return viewer.render(self, **kwargs)


class _ControlDependencies:
    def __init__(self, graph, control_inputs):
        self._graph = graph
        if control_inputs is None:
            self._frame = None
        else:
            self._frame = [_as_control_op(graph, c) for c in control_inputs]

    def __enter__(self):
        self._graph._control_stack.append(self._frame)

    def __exit__(self, *exc):
        self._graph._control_stack.pop()


def _as_control_op(graph, item):
    from graphflow import variables
    if isinstance(item, variables.Variable):
        return item.op
    if callable(getattr(item, "_as_graph_element", None)):
        item = item._as_graph_element()
    element = graph.as_graph_element(item)
    return element.op if isinstance(element, Tensor) else element


# --------------------------------------------------------------------- default graph
class _DefaultGraphStack(threading.local):
    def __init__(self):
        super().__init__()
        self.stack = []
        self.global_default = None

    def get_default(self):
        if self.stack:
            return self.stack[-1]
        if self.global_default is None:
            self.global_default = Graph()
        return self.global_default

    def reset(self):
        if self.stack:
            raise AssertionError("Do not use tf.reset_default_graph() to clear nested graphs. "
                                 "If you need a cleared graph, exit the nesting and create a "
                                 "new graph.")
        self.global_default = None

    @contextlib.contextmanager
    def get_controller(self, graph):
        self.stack.append(graph)
        try:
            yield graph
        finally:
            self.stack.pop()


_default_graph_stack = _DefaultGraphStack()


def get_default_graph():
    """The graph new nodes go to: the innermost `as_default()` graph, or the global one."""
    return _default_graph_stack.get_default()


def reset_default_graph():
    """Replaces the global default graph with a new empty one."""
    _default_graph_stack.reset()


@contextlib.contextmanager
def name_scope(name, default_name=None, values=None):
    """`tf.name_scope(name, default_name=None, values=None)` of TF1.

    Yields the scope string (ending in `/`). `name=None` with a `default_name` opens a unique
    scope named `default_name`; `name=None` without one resets to the root scope.
    """
    graph = _graph_of(values) if values else get_default_graph()
    with graph.as_default(), graph.name_scope(default_name if name is None else name) as scope:
        yield scope


def _graph_of(values):
    for v in values:
        g = getattr(v, "graph", None)
        if isinstance(g, Graph):
            return g
    return get_default_graph()


def control_dependencies(control_inputs):
    """`tf.control_dependencies` on the default graph."""
    return get_default_graph().control_dependencies(control_inputs)


def device(device_name_or_function):
    """`tf.device` on the default graph."""
    return get_default_graph().device(device_name_or_function)


def add_to_collection(name, value):
    get_default_graph().add_to_collection(name, value)


def add_to_collections(names, value):
    get_default_graph().add_to_collections(names, value)


def get_collection(key, scope=None):
    return get_default_graph().get_collection(key, scope)


def get_collection_ref(key):
    return get_default_graph().get_collection_ref(key)


def is_tensor(x):
    return isinstance(x, Tensor)


def op_def_of(type_name):
    """The registered OpDef for `type_name` (KeyError if none)."""
    return registry.get_op_def(type_name)
