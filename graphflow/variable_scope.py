"""TF1 variable scopes: `variable_scope`, `get_variable` and variable sharing by name.

Two stores hang off each Graph (`graph._variable_scope_store`):
- the variables created by `get_variable`, by full name (shared by every thread);
- per thread, the current `VariableScope` and how often each scope name has been opened (used
  to make `default_name` scopes unique).

A `variable_scope` also opens a name scope (unless `auxiliary_name_scope=False`), so ops
created inside it are prefixed too. Re-entering a scope *object* reuses its variable names but
opens a new, uniquified name scope (`foo_1/`), exactly as TF1 does. `get_variable` itself
creates variables at the root name scope under the variable scope's full name.
"""

import enum
import functools
import inspect
import threading
import warnings

from graphflow import dtypes
from graphflow import graph as graph_lib
from graphflow import tensor_shape
from graphflow import variables
from graphflow.ops import constant_op
from graphflow.ops import init_ops
from graphflow.ops import overloads

GraphKeys = graph_lib.GraphKeys


class _ReuseMode(enum.Enum):
    """Reuse modes besides True/False/None."""

    AUTO_REUSE = 1


# `reuse=AUTO_REUSE`: get_variable creates a variable if it does not exist, else returns it.
AUTO_REUSE = _ReuseMode.AUTO_REUSE


def no_regularizer(_):
    """A regularizer that adds no loss (use it to switch off a scope's regularizer)."""
    return None


class VariableScope:
    """The defaults `get_variable` uses in a scope: name prefix, reuse, initializer, ...

    Args:
        reuse: True, False (or None) or AUTO_REUSE.
        name: the full scope name (prefix of the variables' names).
        initializer, regularizer, caching_device, partitioner, custom_getter, dtype,
            use_resource, constraint: defaults for `get_variable` calls in the scope.
        name_scope: the name scope opened when the scope was first entered.
    """

    def __init__(self, reuse, name="", initializer=None, regularizer=None,
                 caching_device=None, partitioner=None, custom_getter=None, name_scope="",
                 dtype=dtypes.float32, use_resource=None, constraint=None):
        self._name = name
        self._initializer = initializer
        self._regularizer = regularizer
        self._reuse = reuse
        self._caching_device = caching_device
        self._partitioner = partitioner
        self._custom_getter = custom_getter
        self._name_scope = name_scope
        self._dtype = dtype
        self._use_resource = use_resource
        self._constraint = constraint

    name = property(lambda self: self._name)
    original_name_scope = property(lambda self: self._name_scope)
    reuse = property(lambda self: self._reuse)
    initializer = property(lambda self: self._initializer)
    dtype = property(lambda self: self._dtype)
    use_resource = property(lambda self: self._use_resource)
    regularizer = property(lambda self: self._regularizer)
    caching_device = property(lambda self: self._caching_device)
    partitioner = property(lambda self: self._partitioner)
    custom_getter = property(lambda self: self._custom_getter)
    constraint = property(lambda self: self._constraint)

    def reuse_variables(self):
        """Makes later `get_variable` calls in this scope reuse existing variables."""
        self._reuse = True

    def set_initializer(self, initializer):
        self._initializer = initializer

    def set_dtype(self, dtype):
        self._dtype = dtype

    def set_use_resource(self, use_resource):
        self._use_resource = use_resource

    def set_regularizer(self, regularizer):
        self._regularizer = regularizer

    def set_caching_device(self, caching_device):
        self._caching_device = caching_device

    def set_partitioner(self, partitioner):
        self._partitioner = partitioner

    def set_custom_getter(self, custom_getter):
        self._custom_getter = custom_getter

    def get_collection(self, name):
        """Items of collection `name` whose names start with this scope's name."""
        scope = self._name + "/" if self._name else ""
        return graph_lib.get_collection(name, scope)

    def trainable_variables(self):
        return self.get_collection(GraphKeys.TRAINABLE_VARIABLES)

    def global_variables(self):
        return self.get_collection(GraphKeys.GLOBAL_VARIABLES)

    def local_variables(self):
        return self.get_collection(GraphKeys.LOCAL_VARIABLES)

    def get_variable(self, var_store, name, shape=None, dtype=None, initializer=None,
                     regularizer=None, reuse=None, trainable=None, collections=None,
                     caching_device=None, partitioner=None, validate_shape=True,
                     use_resource=None, custom_getter=None, constraint=None,
                     synchronization=None, aggregation=None):
        """`get_variable` with this scope's defaults filled in (see the module function)."""
        regularizer = self._regularizer if regularizer is None else regularizer
        caching_device = self._caching_device if caching_device is None else caching_device
        partitioner = self._partitioner if partitioner is None else partitioner
        custom_getter = self._custom_getter if custom_getter is None else custom_getter
        reuse = self._reuse if reuse is None else reuse
        use_resource = self._use_resource if use_resource is None else use_resource
        full_name = self.name + "/" + name if self.name else name
        with graph_lib.get_default_graph().name_scope(None):
            if dtype is not None and initializer is not None and not callable(initializer):
                init_dtype = constant_op.convert_to_tensor(initializer).dtype.base_dtype
                if init_dtype != dtype:
                    raise ValueError(f"Initializer type '{init_dtype}' and explicit dtype "
                                     f"'{dtypes.as_dtype(dtype)}' don't match.")
            initializer = self._initializer if initializer is None else initializer
            constraint = self._constraint if constraint is None else constraint
            dtype = self._dtype if dtype is None else dtype
            return var_store.get_variable(
                full_name, shape=shape, dtype=dtype, initializer=initializer,
                regularizer=regularizer, reuse=reuse, trainable=trainable,
                collections=collections, caching_device=caching_device,
                partitioner=partitioner, validate_shape=validate_shape,
                use_resource=use_resource, custom_getter=custom_getter, constraint=constraint)


class _VariableStore:
    """The variables `get_variable` created in one graph, by full name."""

    def __init__(self):
        self._vars = {}

    def get_variable(self, name, shape=None, dtype=dtypes.float32, initializer=None,
                     regularizer=None, reuse=None, trainable=None, collections=None,
                     caching_device=None, partitioner=None, validate_shape=True,
                     use_resource=None, custom_getter=None, constraint=None,
                     synchronization=None, aggregation=None):
        """Returns the variable `name`, creating it unless it exists (see `get_variable`)."""
        if custom_getter is not None and not callable(custom_getter):
            raise ValueError(f"Passed a custom_getter which is not callable: {custom_getter}")
        dtype = getattr(dtype, "base_dtype", dtype)
        kwargs = dict(shape=shape, dtype=dtype, initializer=initializer,
                      regularizer=regularizer, reuse=reuse,
                      trainable=True if trainable is None else trainable,
                      collections=collections, caching_device=caching_device,
                      partitioner=partitioner, validate_shape=validate_shape,
                      use_resource=use_resource, synchronization=synchronization,
                      aggregation=aggregation)
        if custom_getter is None:
            return self._true_getter(name, constraint=constraint, **kwargs)
        params = inspect.signature(custom_getter).parameters
        if "constraint" in params or any(p.kind is p.VAR_KEYWORD for p in params.values()):
            kwargs["constraint"] = constraint
        return custom_getter(getter=self._true_getter, name=name, **kwargs)

    def _true_getter(self, name, shape=None, dtype=dtypes.float32, initializer=None,
                     regularizer=None, reuse=None, trainable=None, collections=None,
                     caching_device=None, partitioner=None, validate_shape=True,
                     use_resource=None, constraint=None, synchronization=None,
                     aggregation=None):
        """The getter at the end of a chain of custom getters."""
        if partitioner is not None:
            raise NotImplementedError("graphflow does not support partitioned variables")
        if use_resource:
            _warn_once("use_resource=True: graphflow creates reference variables (VariableV2)")
        return self._get_single_variable(
            name, shape, dtypes.as_dtype(dtype), initializer, regularizer, reuse,
            True if trainable is None else trainable, collections, validate_shape, constraint)

    def _get_single_variable(self, name, shape, dtype, initializer, regularizer, reuse,
                             trainable, collections, validate_shape, constraint):
        from_value = initializer is not None and not callable(initializer)
        if shape is not None and from_value:
            raise ValueError("If initializer is a constant, do not specify shape.")
        if shape is not None:
            shape = tensor_shape.as_shape(shape)
        if name in self._vars:
            return self._existing(name, shape, dtype, reuse)
        if reuse is True:
            raise ValueError(f"Variable {name} does not exist, or was not created with "
                             "tf.get_variable(). Did you mean to set reuse=tf.AUTO_REUSE in "
                             "VarScope?")
        if initializer is None:
            if shape is None:
                raise ValueError(f"Variable {name} did not get an initializer, so its `shape` "
                                 "argument must be specified.")
            initializer = _default_initializer(name, dtype)
        init_val, variable_dtype = _initial_value(initializer, shape, dtype)
        var = variables.Variable(initial_value=init_val, name=name, trainable=trainable,
                                 collections=collections, dtype=variable_dtype,
                                 validate_shape=validate_shape, constraint=constraint,
                                 shape=shape)
        self._vars[name] = var
        if regularizer:
            _add_regularization_loss(var, name, regularizer)
        return var

    def _existing(self, name, shape, dtype, reuse):
        var = self._vars[name]
        if reuse is False:
            raise ValueError(f"Variable {name} already exists, disallowed. Did you mean to set "
                             "reuse=True or reuse=tf.AUTO_REUSE in VarScope? Originally defined "
                             f"at:\n\n{_format_origin(var)}")
        if shape is not None and not shape.is_compatible_with(var.get_shape()):
            raise ValueError(f"Trying to share variable {name}, but specified shape {shape} and "
                             f"found shape {var.get_shape()}.")
        if not dtype.is_compatible_with(var.dtype):
            raise ValueError(f"Trying to share variable {name}, but specified dtype "
                             f"{dtype.name} and found dtype {var.dtype.name}.")
        return var


def _format_origin(var):
    frame = var.op.traceback
    if frame is None:
        return ""
    filename, lineno, function = frame
    return f'  File "{filename}", line {lineno}, in {function}\n'


def _default_initializer(name, dtype):
    """Glorot uniform for floats, zeros for integers, bools and strings."""
    if dtype.is_floating:
        return init_ops.GlorotUniform()
    if dtype.is_integer or dtype.is_unsigned or dtype.is_bool or dtype == dtypes.string:
        return init_ops.Zeros()
    raise ValueError(f"An initializer for variable {name} of {dtype.base_dtype} is required")


def _initial_value(initializer, shape, dtype):
    """(initial value or callable, dtype for Variable) from a get_variable initializer."""
    if not callable(initializer):
        return initializer, None
    if inspect.isclass(initializer):
        initializer = initializer()
    if shape is not None and shape.is_fully_defined():
        kwargs = {"dtype": dtype}
        if "partition_info" in _parameters(initializer):
            kwargs["partition_info"] = None
        return functools.partial(initializer, shape.as_list(), **kwargs), dtype.base_dtype
    if _needs_no_arguments(initializer):
        return initializer, None
    raise ValueError("The initializer passed is not valid. It should be a callable with no "
                     "arguments and the shape should not be provided or an instance of "
                     "`tf.keras.initializers.*' and `shape` should be fully defined.")


def _parameters(fn):
    try:
        return inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return {}


def _needs_no_arguments(fn):
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return all(p.default is not p.empty for p in _parameters(fn).values()
               if p.kind in positional)


def _add_regularization_loss(var, name, regularizer):
    """Collects `regularizer(var)`, built under `<name>/Regularizer/`, as TF 2.x does.

    TF calls the regularizer once at the root scope only to test for None (leaving those
    never-run nodes in the graph), then collects a `_LazyEvalTensor`; we do the same so that
    node names agree.
    """
    graph = var.graph
    if regularizer(var) is None:
        return

    def make_regularizer_op():
        with graph.as_default(), graph.name_scope(name + "/Regularizer/"):
            return regularizer(var)
    graph.add_to_collection(GraphKeys.REGULARIZATION_LOSSES, _LazyEvalTensor(make_regularizer_op))


class _LazyEvalTensor:
    """A tensor built by `thunk`: built once now (fetching it fetches that one), and again each
    time it is used as an op input (TF's `_LazyEvalTensor`, kept for identical node names)."""

    def __init__(self, thunk):
        self._thunk = thunk
        self._master_tensor = thunk()

    name = property(lambda self: self._master_tensor.name)
    dtype = property(lambda self: self._master_tensor.dtype)
    _graphflow_dtype = dtype
    shape = property(lambda self: self._master_tensor.shape)
    op = property(lambda self: self._master_tensor.op)
    graph = property(lambda self: self._master_tensor.graph)
    device = property(lambda self: self._master_tensor.device)

    def get_shape(self):
        return self._master_tensor.shape

    def _as_graph_element(self):
        return self._master_tensor

    def _as_tensor(self, dtype=None, name=None, as_ref=False):
        if as_ref or (dtype is not None and dtypes.as_dtype(dtype) != self.dtype):
            raise ValueError(f"Cannot convert a regularization loss of {self.dtype} "
                             f"(as_ref={as_ref}) to {dtype}")
        return self._thunk()

    def eval(self, feed_dict=None, session=None):
        return self._master_tensor.eval(feed_dict, session)


overloads.install(_LazyEvalTensor)


_WARNED = set()


def _warn_once(message):
    if message not in _WARNED:
        _WARNED.add(message)
        warnings.warn(f"graphflow: {message}", RuntimeWarning, stacklevel=4)


# --------------------------------------------------------------------- per-graph stores
class _ScopeState(threading.local):
    """Per thread: the current VariableScope and how often each scope name was opened."""

    def __init__(self):
        super().__init__()
        self.current_scope = VariableScope(False)
        self.variable_scopes_count = {}

    def open_variable_scope(self, scope_name):
        self.variable_scopes_count[scope_name] = self.variable_scopes_count.get(scope_name,
                                                                                0) + 1

    def close_variable_subscopes(self, scope_name):
        """Resets the counts of the scopes nested in `scope_name` (all if None)."""
        prefix = None if scope_name is None else scope_name + "/"
        for key in self.variable_scopes_count:
            if prefix is None or key.startswith(prefix):
                self.variable_scopes_count[key] = 0

    def variable_scope_count(self, scope_name):
        return self.variable_scopes_count.get(scope_name, 0)


class _GraphStores:
    __slots__ = ("variables", "scopes")

    def __init__(self):
        self.variables = _VariableStore()
        self.scopes = _ScopeState()


def _stores(graph=None):
    graph = graph if graph is not None else graph_lib.get_default_graph()
    stores = graph._variable_scope_store
    if stores is None:
        stores = graph._variable_scope_store = _GraphStores()
    return stores


def get_variable_scope():
    """The current VariableScope of the default graph (the root scope has name "")."""
    return _stores().scopes.current_scope


def get_variable(name, shape=None, dtype=None, initializer=None, regularizer=None,
                 trainable=None, collections=None, caching_device=None, partitioner=None,
                 validate_shape=True, use_resource=None, custom_getter=None, constraint=None,
                 synchronization=None, aggregation=None):
    """Gets an existing variable with these parameters or creates a new one.

    The variable is named `<current variable scope>/<name>`. When the scope reuses variables
    (`reuse=True`), the variable must exist; with `reuse=tf.AUTO_REUSE` it is created if
    missing; otherwise it must not exist.

    Args:
        name: the variable's name inside the current variable scope.
        shape: its shape (required unless `initializer` is a value).
        dtype: its dtype (default: the scope's, float32).
        initializer: an initializer object or class, a callable `f(shape, dtype,
            partition_info)` or `f()`, or a Tensor/numpy value (then `shape` must be None).
            Default: the scope's, else glorot_uniform for floats and zeros otherwise.
        regularizer: `f(variable) -> loss Tensor or None`; the loss is built under
            `<name>/Regularizer/` and added to `GraphKeys.REGULARIZATION_LOSSES`.
        trainable: add to `GraphKeys.TRAINABLE_VARIABLES` (default True).
        collections: collections to add the variable to (default GLOBAL_VARIABLES).
        caching_device: accepted, ignored.
        partitioner: must be None (partitioned variables are not supported).
        validate_shape: if False, the variable may be assigned values of other shapes.
        use_resource: accepted; graphflow always creates reference variables.
        custom_getter: `f(getter, name, *args, **kwargs)` wrapping the creation.
        constraint: optional projection function stored on the variable.
        synchronization, aggregation: accepted, ignored.

    Returns:
        The created or existing `Variable`.

    Raises:
        ValueError: creating an existing variable without reuse, reusing a missing one,
            shape or dtype mismatch on reuse, a value initializer together with `shape`, a
            missing shape, or an initializer/dtype mismatch.
    """
    return get_variable_scope().get_variable(
        _stores().variables, name, shape=shape, dtype=dtype, initializer=initializer,
        regularizer=regularizer, trainable=trainable, collections=collections,
        caching_device=caching_device, partitioner=partitioner, validate_shape=validate_shape,
        use_resource=use_resource, custom_getter=custom_getter, constraint=constraint,
        synchronization=synchronization, aggregation=aggregation)


def get_local_variable(name, shape=None, dtype=None, initializer=None, regularizer=None,
                       trainable=False, collections=None, caching_device=None,
                       partitioner=None, validate_shape=True, use_resource=None,
                       custom_getter=None, constraint=None, synchronization=None,
                       aggregation=None):
    """As `get_variable`, but in `GraphKeys.LOCAL_VARIABLES` and never trainable."""
    collections = list(collections or []) + [GraphKeys.LOCAL_VARIABLES]
    return get_variable(name, shape=shape, dtype=dtype, initializer=initializer,
                        regularizer=regularizer, trainable=False, collections=collections,
                        caching_device=caching_device, partitioner=partitioner,
                        validate_shape=validate_shape, use_resource=use_resource,
                        custom_getter=custom_getter, constraint=constraint)


# --------------------------------------------------------------------- scope contexts
_SCOPE_DEFAULTS = ("initializer", "regularizer", "caching_device", "partitioner", "dtype",
                   "use_resource")


class _PureVariableScope:
    """Switches the current VariableScope (no name scope); TF's `_pure_variable_scope`."""

    def __init__(self, name_or_scope, reuse=None, old_name_scope=None, constraint=None,
                 **defaults):
        self._name_or_scope = name_or_scope
        self._reuse = reuse
        self._old_name_scope = old_name_scope
        self._constraint = constraint
        self._defaults = defaults  # the keys of _SCOPE_DEFAULTS plus custom_getter
        self._store = _stores().scopes
        self._last_scope = None
        self._scope_object = None
        if isinstance(name_or_scope, VariableScope):
            self._new_name = name_or_scope.name
            reuse = name_or_scope.reuse if not reuse else reuse
            self._scope_object = self._derive(name_or_scope, reuse, name_or_scope.name,
                                              name_or_scope.original_name_scope)

    def _derive(self, base, reuse, name, name_scope):
        """A new VariableScope with `base`'s defaults, overridden by the given ones."""
        scope = VariableScope(
            reuse, name=name, initializer=base.initializer, regularizer=base.regularizer,
            caching_device=base.caching_device, partitioner=base.partitioner,
            dtype=base.dtype, custom_getter=base.custom_getter, name_scope=name_scope,
            use_resource=base.use_resource, constraint=self._constraint)
        for key in _SCOPE_DEFAULTS:
            if self._defaults.get(key) is not None:
                getattr(scope, "set_" + key)(self._defaults[key])
        getter = self._defaults.get("custom_getter")
        if getter is not None:
            scope.set_custom_getter(_maybe_wrap_custom_getter(getter, base.custom_getter))
        return scope

    def __enter__(self):
        self._old = self._store.current_scope
        if isinstance(self._name_or_scope, VariableScope):
            self._store.open_variable_scope(self._new_name)
            self._old_subscopes = dict(self._store.variable_scopes_count)
            scope = self._scope_object
        else:
            old = self._old
            self._new_name = (old.name + "/" + self._name_or_scope if old.name
                              else self._name_or_scope)
            self._reuse = self._reuse or old.reuse  # sub-scopes inherit reuse
            name_scope = (self._name_or_scope if self._old_name_scope is None
                          else self._old_name_scope)
            scope = self._derive(old, self._reuse, self._new_name, name_scope)
            self._store.open_variable_scope(self._new_name)
        self._store.current_scope = scope
        self._last_scope = scope
        return scope

    def __exit__(self, *exc):
        if self._store.current_scope is not self._last_scope:
            raise RuntimeError("Improper nesting of variable_scope.")
        if isinstance(self._name_or_scope, VariableScope):
            self._store.variable_scopes_count = self._old_subscopes
        else:
            self._store.close_variable_subscopes(self._new_name)
        self._store.current_scope = self._old


def _maybe_wrap_custom_getter(custom_getter, old_getter):
    """Chains a scope's custom getter after the enclosing scope's one."""
    if old_getter is None:
        return custom_getter

    def wrapped_custom_getter(getter, *args, **kwargs):
        return custom_getter(functools.partial(old_getter, getter), *args, **kwargs)
    return wrapped_custom_getter


def _unique_variable_scope(prefix):
    """`prefix`, or `prefix_N` with the first N whose scope was never opened here."""
    store = _stores().scopes
    current = store.current_scope
    name = current.name + "/" + prefix if current.name else prefix
    if store.variable_scope_count(name) == 0:
        return prefix
    idx = 1
    while store.variable_scope_count(f"{name}_{idx}") > 0:
        idx += 1
    return f"{prefix}_{idx}"


class variable_scope:  # noqa: N801 - TF's public name
    """A context manager for defining ops that create variables (`tf.variable_scope`).

    Opens a variable scope (the prefix of `get_variable` names, with its reuse flag and
    defaults) and, unless `auxiliary_name_scope=False`, a name scope of the same name. Reuse
    is inherited by nested scopes. A `VariableScope` object can be passed to re-enter it: the
    variable names are the same, the name scope is a new one (`foo_1/`). With
    `name_or_scope=None`, `default_name` is made unique (`default_name_1`, ...).

    Args:
        name_or_scope: a string or VariableScope.
        default_name: the name to uniquify when `name_or_scope` is None.
        values: the input tensors (used to pick the graph).
        initializer, regularizer, caching_device, partitioner, custom_getter, dtype,
            use_resource, constraint: defaults for `get_variable` inside the scope.
        reuse: True, None/False (inherit) or `tf.AUTO_REUSE`.
        auxiliary_name_scope: whether to open a name scope as well.

    Raises:
        TypeError: neither a name nor a default name, or arguments of the wrong type.
        ValueError: an invalid reuse value, or reuse=True with only a default name.
    """

    def __init__(self, name_or_scope, default_name=None, values=None, initializer=None,
                 regularizer=None, caching_device=None, partitioner=None, custom_getter=None,
                 reuse=None, dtype=None, use_resource=None, constraint=None,
                 auxiliary_name_scope=True):
        if default_name is None and name_or_scope is None:
            raise TypeError("If default_name is None then name_or_scope is required")
        if reuse is False:
            reuse = None
        if not (reuse is True or reuse is None or reuse is AUTO_REUSE):
            raise ValueError("The reuse parameter must be True or False or None.")
        if not isinstance(auxiliary_name_scope, bool):
            raise TypeError("The auxiliary_name_scope must be `True` or `False`, while get "
                            f"{auxiliary_name_scope}")
        self._name_or_scope = name_or_scope
        self._default_name = default_name
        self._reuse = reuse
        self._constraint = constraint
        self._defaults = dict(initializer=initializer, regularizer=regularizer,
                              caching_device=caching_device, partitioner=partitioner,
                              custom_getter=custom_getter, dtype=dtype,
                              use_resource=use_resource)
        self._graph = graph_lib._graph_of(values) if values else graph_lib.get_default_graph()
        self._auxiliary_name_scope = auxiliary_name_scope
        self._pure_scope = None
        self._name_scope = None
        self._name_scope_arg = None

    def __enter__(self):
        self._graph_context = self._graph.as_default()
        self._graph_context.__enter__()
        try:
            if self._pure_scope is not None:  # re-entering this context manager object
                if self._name_scope_arg is not None:
                    self._open_name_scope(self._name_scope_arg)
                return self._pure_scope.__enter__()
            return self._enter_uncached()
        except BaseException:
            self._graph_context.__exit__(None, None, None)
            raise

    def _enter_uncached(self):
        name_scope = None  # the argument of the name scope to open, if any
        if not self._auxiliary_name_scope:
            current = self._graph.get_name_scope()
            name_scope = current + "/" if current else current
        name_or_scope = self._name_or_scope
        if name_or_scope is None:
            if self._reuse:
                raise ValueError("reuse=True cannot be used without a name_or_scope")
            opened = self._open_name_scope(
                self._default_name if name_scope is None else name_scope)
            return self._enter_pure(_unique_variable_scope(self._default_name), opened)
        if not isinstance(name_or_scope, (VariableScope, str)):
            raise TypeError("VariableScope: name_or_scope must be a string or VariableScope.")
        if isinstance(name_or_scope, str):
            base_name = name_or_scope
        else:
            base_name = name_or_scope.name.split("/")[-1]
        if not (base_name or name_scope is not None):
            return self._enter_pure(name_or_scope, None)
        opened = self._open_name_scope(base_name if name_scope is None else name_scope)
        if isinstance(name_or_scope, VariableScope):
            opened = name_or_scope.original_name_scope
        return self._enter_pure(name_or_scope, opened)

    def _open_name_scope(self, name):
        """Opens `graph.name_scope(name)`; remembers it so re-entering opens it again."""
        self._name_scope_arg = name
        self._name_scope = self._graph.name_scope(name)
        return self._name_scope.__enter__()

    def _enter_pure(self, name_or_scope, old_name_scope):
        reuse = None if self._name_or_scope is None else self._reuse
        pure = _PureVariableScope(name_or_scope, reuse=reuse, old_name_scope=old_name_scope,
                                  constraint=self._constraint, **self._defaults)
        entered = pure.__enter__()
        self._pure_scope = pure
        return entered

    def __exit__(self, exc_type, exc, tb):
        try:
            self._pure_scope.__exit__(exc_type, exc, tb)
        finally:
            try:
                if self._name_scope is not None:
                    self._name_scope.__exit__(exc_type, exc, tb)
            finally:
                self._graph_context.__exit__(exc_type, exc, tb)


def variable_op_scope(values, name_or_scope, default_name=None, initializer=None,
                      regularizer=None, caching_device=None, partitioner=None,
                      custom_getter=None, reuse=None, dtype=None, use_resource=None,
                      constraint=None):
    """Deprecated TF1 spelling of `variable_scope(name_or_scope, default_name, values)`."""
    warnings.warn("tf.variable_op_scope(values, name, default_name) is deprecated, use "
                  "tf.variable_scope(name, default_name, values)", DeprecationWarning,
                  stacklevel=2)
    return variable_scope(name_or_scope, default_name=default_name, values=values,
                          initializer=initializer, regularizer=regularizer,
                          caching_device=caching_device, partitioner=partitioner,
                          custom_getter=custom_getter, reuse=reuse, dtype=dtype,
                          use_resource=use_resource, constraint=constraint)
