"""`tf.Variable` (TF1 reference variables) and the variable collections and initializers.

A Variable is three nodes, named as in TF1: `name` (VariableV2), `name/Assign` (its
initializer) and `name/read` (an Identity giving its value). A Python initial value becomes
`name/initial_value`; a callable one is built under `name/Initializer/`.
"""

import warnings

from graphflow import dtypes
from graphflow import graph as graph_lib
from graphflow import tensor_shape
from graphflow.ops import array_ops
from graphflow.ops import constant_op
from graphflow.ops import overloads
from graphflow.ops import state_ops

GraphKeys = graph_lib.GraphKeys


class Variable:
    """A TF1 variable: state that persists across `Session.run` calls of one session.

    Args:
        initial_value: a Tensor or value convertible to one, or a callable returning one.
        trainable: add to `GraphKeys.TRAINABLE_VARIABLES` (what optimizers update).
        collections: collections to add to (default `[GraphKeys.GLOBAL_VARIABLES]`).
        validate_shape: if False, the variable may be assigned values of other shapes.
        name: node name (default "Variable").
        dtype: convert the initial value to this dtype.
        shape: optional static shape (defaults to the initial value's).

    Raises:
        ValueError: no initial value, or its shape is unknown with validate_shape=True.
    """

    def __init__(self, initial_value=None, trainable=True, collections=None,
                 validate_shape=True, caching_device=None, name=None, variable_def=None,
                 dtype=None, expected_shape=None, import_scope=None, constraint=None,
                 use_resource=None, synchronization=None, aggregation=None, shape=None):
        if variable_def is not None:
            self._init_from_graph(variable_def, import_scope)
            return
        if initial_value is None:
            raise ValueError("initial_value must be specified.")
        self._trainable = trainable
        self._constraint = constraint
        collections = [GraphKeys.GLOBAL_VARIABLES] if collections is None else list(collections)
        if trainable and GraphKeys.TRAINABLE_VARIABLES not in collections:
            collections.append(GraphKeys.TRAINABLE_VARIABLES)
        from_fn = callable(initial_value)
        values = [] if from_fn else [initial_value]
        with graph_lib.name_scope(name, "Variable", values) as scope:
            if from_fn:
                with graph_lib.name_scope("Initializer"):
                    initial_value = initial_value()
                    initial_value = constant_op.convert_to_tensor(
                        initial_value, name="initial_value", dtype=dtype)
            else:
                initial_value = constant_op.convert_to_tensor(
                    initial_value, name="initial_value", dtype=dtype)
            self._initial_value = initial_value
            var_shape = tensor_shape.as_shape(shape) if shape is not None else \
                initial_value.shape
            if validate_shape and not var_shape.is_fully_defined():
                raise ValueError(f"initial_value must have a shape specified: {initial_value}")
            if not validate_shape:
                var_shape = tensor_shape.unknown_shape()
            self._variable = state_ops.variable_op_v2(
                var_shape, initial_value.dtype.base_dtype, name=scope)
            self._initializer_op = state_ops.assign(
                self._variable, initial_value, validate_shape=validate_shape).op
            self._snapshot = array_ops.identity(self._variable, name="read")
        graph = self._variable.graph
        graph.add_to_collections(collections, self)
        graph._variables_by_op = getattr(graph, "_variables_by_op", {})
        graph._variables_by_op[self._variable.op] = self

    def _init_from_graph(self, variable_def, import_scope):
        """Rebuilds a Variable around existing nodes (used by meta-graph import)."""
        graph = graph_lib.get_default_graph()
        prefix = f"{import_scope}/" if import_scope else ""

        def element(name):
            return graph.as_graph_element(prefix + name)
        self._variable = element(variable_def["variable_name"])
        self._initializer_op = element(variable_def["initializer_name"])
        self._snapshot = element(variable_def["snapshot_name"])
        initial = variable_def.get("initial_value_name")
        self._initial_value = element(initial) if initial else None
        self._trainable = variable_def.get("trainable", True)
        self._constraint = None

    # ------------------------------------------------------------ identity
    @property
    def name(self):
        return self._variable.name

    @property
    def op(self):
        return self._variable.op

    @property
    def graph(self):
        return self._variable.graph

    @property
    def device(self):
        return self._variable.device

    @property
    def dtype(self):
        return self._variable.dtype

    @property
    def _graphflow_dtype(self):
        return self._variable.dtype

    @property
    def shape(self):
        return self._variable.shape

    def get_shape(self):
        return self._variable.shape

    def set_shape(self, shape):
        self._variable.set_shape(shape)
        self._snapshot.set_shape(shape)

    @property
    def trainable(self):
        return self._trainable

    @property
    def constraint(self):
        return self._constraint

    @property
    def initializer(self):
        """The Assign op that sets the initial value."""
        return self._initializer_op

    @property
    def initial_value(self):
        return self._initial_value

    def __repr__(self):
        return (f"<tf.Variable '{self.name}' shape={self.shape} "
                f"dtype={self.dtype.name}>")

    def __hash__(self):
        return id(self)

    def __eq__(self, other):
        return self is other

    def __ne__(self, other):
        return self is not other

    def __bool__(self):
        raise TypeError("Using a `tf.Variable` as a Python `bool` is not allowed.")

    def __iter__(self):
        return iter(self._snapshot)

    # ------------------------------------------------------------ values
    def value(self):
        """The `name/read` snapshot: the variable's value as a Tensor."""
        return self._snapshot

    def read_value(self):
        """A new Identity node reading the current value."""
        return array_ops.identity(self._variable, name="read")

    def initialized_value(self):
        """The initial value, for initializing another variable from this one.

        TF1 builds a `cond` that reads the variable once it is initialized; graphflow has no
        cond and returns the initial value, which is what it computes at initialization time.
        """
        with graph_lib.control_dependencies(None):
            return array_ops.identity(self._initial_value)

    def _ref(self):
        return self._variable

    def _as_graph_element(self):
        return self._variable

    def _as_tensor(self, dtype=None, name=None, as_ref=False):
        if dtype is not None and not dtypes.as_dtype(dtype).is_compatible_with(self.dtype):
            raise ValueError(f"Incompatible type conversion requested to type "
                             f"'{dtypes.as_dtype(dtype).name}' for variable of type "
                             f"'{self.dtype.name}'")
        return self._variable if as_ref else self._snapshot

    def eval(self, session=None):
        """The variable's value in `session` (default: the default session)."""
        return self._variable.eval(session=session)

    def load(self, value, session=None):
        """Assigns `value` from Python without adding nodes per call."""
        from graphflow import session as session_lib
        session = session or session_lib.get_default_session()
        if session is None:
            raise ValueError("Either session argument should be provided or a default "
                             "session should be established")
        session.run(self._initializer_op, {self._initializer_op.inputs[1]: value})

    # ------------------------------------------------------------ assignment
    def assign(self, value, use_locking=False, name=None, read_value=True):
        """An op (a ref Tensor) that assigns `value`; running it returns the new value."""
        result = state_ops.assign(self._variable, value, use_locking=use_locking, name=name)
        return result if read_value else result.op

    def assign_add(self, delta, use_locking=False, name=None, read_value=True):
        result = state_ops.assign_add(self._variable, delta, use_locking=use_locking, name=name)
        return result if read_value else result.op

    def assign_sub(self, delta, use_locking=False, name=None, read_value=True):
        result = state_ops.assign_sub(self._variable, delta, use_locking=use_locking, name=name)
        return result if read_value else result.op

    def count_up_to(self, limit):
        raise NotImplementedError("count_up_to is not supported by graphflow")


overloads.install(Variable)
VariableV1 = Variable
RefVariable = Variable


# ------------------------------------------------------------------ collections
def global_variables(scope=None):
    """Variables in `GraphKeys.GLOBAL_VARIABLES` (optionally filtered by a name regex)."""
    return graph_lib.get_collection(GraphKeys.GLOBAL_VARIABLES, scope)


all_variables = global_variables


def local_variables(scope=None):
    return graph_lib.get_collection(GraphKeys.LOCAL_VARIABLES, scope)


def model_variables(scope=None):
    return graph_lib.get_collection(GraphKeys.MODEL_VARIABLES, scope)


def trainable_variables(scope=None):
    """Variables created with trainable=True: what optimizers update by default."""
    return graph_lib.get_collection(GraphKeys.TRAINABLE_VARIABLES, scope)


def moving_average_variables(scope=None):
    return graph_lib.get_collection(GraphKeys.MOVING_AVERAGE_VARIABLES, scope)


def variables_initializer(var_list, name="init"):
    """One op that runs the initializers of `var_list` (a NoOp when the list is empty)."""
    if var_list:
        return array_ops.group(*[v.initializer for v in var_list], name=name)
    return array_ops.no_op(name=name)


def global_variables_initializer():
    """An op initializing every global variable (op `init`)."""
    return variables_initializer(global_variables())


def local_variables_initializer():
    return variables_initializer(local_variables())


def initialize_all_variables():
    """Deprecated alias of `global_variables_initializer` (TF1 warns; so do we)."""
    warnings.warn("initialize_all_variables (from graphflow) is deprecated; use "
                  "`tf.global_variables_initializer` instead.", DeprecationWarning, stacklevel=2)
    return global_variables_initializer()


def initialize_variables(var_list, name="init"):
    warnings.warn("initialize_variables is deprecated; use `tf.variables_initializer`.",
                  DeprecationWarning, stacklevel=2)
    return variables_initializer(var_list, name=name)


def is_variable_initialized(variable):
    """A bool scalar Tensor: whether `variable` is initialized."""
    return state_ops.is_variable_initialized(variable._ref())


def assert_variables_initialized(var_list=None):
    raise NotImplementedError("assert_variables_initialized is not supported; use "
                              "report_uninitialized_variables")


def report_uninitialized_variables(var_list=None, name="report_uninitialized_variables"):
    """A 1-D string Tensor with the names of the uninitialized variables of `var_list`."""
    from graphflow.ops import manip_ops
    if var_list is None:
        var_list = global_variables() + local_variables()
    with graph_lib.name_scope(name) as scope:
        if not var_list:
            return constant_op.constant([], dtype=dtypes.string, name=scope)
        flags = array_ops.stack([state_ops.is_variable_initialized(v._ref()) for v in var_list])
        from graphflow.ops import math_ops
        names = constant_op.constant([v.op.name for v in var_list])
        missing = math_ops.logical_not(flags)
        return manip_ops.boolean_mask(names, missing, name=scope)
