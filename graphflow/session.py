"""Session: compiles and caches a Plan per run signature and executes it.

`run(fetches, feed_dict)` flattens any nesting of lists, tuples, dicts and namedtuples of
Tensors, Operations, Variables and names, validates feeds against the fed tensors' dtypes and
shapes, looks up (or builds) the Plan and rebuilds the fetch structure from the results.
"""

import collections
import threading

import numpy as np

from graphflow import dtypes
from graphflow import graph as graph_lib
from graphflow import plan as plan_lib
from graphflow import executor
from graphflow import runtime_state
from graphflow.config import ConfigProto
from graphflow.kernels.cpu import recycle


class _DefaultSessionStack(threading.local):
    def __init__(self):
        super().__init__()
        self.stack = []


_default_sessions = _DefaultSessionStack()


def get_default_session():
    """The innermost session made default by `as_default()`/`with`, or None."""
    return _default_sessions.stack[-1] if _default_sessions.stack else None


class _SessionDefault:
    def __init__(self, session):
        self._session = session

    def __enter__(self):
        _default_sessions.stack.append(self._session)
        self._graph_ctx = self._session.graph.as_default()
        self._graph_ctx.__enter__()
        return self._session

    def __exit__(self, *exc):
        self._graph_ctx.__exit__(*exc)
        if self._session in _default_sessions.stack:
            _default_sessions.stack.remove(self._session)


class BaseSession:
    """Runs graph computations; owns variable values and compiled plans."""

    def __init__(self, target="", graph=None, config=None):
        if graph is None:
            graph = graph_lib.get_default_graph()
        if not isinstance(graph, graph_lib.Graph):
            raise TypeError(f"graph must be a tf.Graph, but got {type(graph).__name__}")
        self._graph = graph
        self._target = target
        self._config = config or ConfigProto()
        self._closed = False
        self._state = runtime_state.SessionState()
        self._plans = {}
        self._mappers = {}
        self._converters = {}
        self._signatures = {}  # (fetch key, feed keys) -> _RunSignature: repeated runs
        self._default_ctx = None
        _apply_thread_config(self._config)
        recycle.tune_malloc()

    @property
    def graph(self):
        return self._graph

    @property
    def graph_def(self):
        return self._graph.as_graph_def()

    @property
    def sess_str(self):
        return self._target

    def list_devices(self):
        """The devices this session can place nodes on (`_DeviceAttributes` objects)."""
        from graphflow import devices
        return devices.list_devices(self._config)

    def as_default(self):
        """A context manager making this the default session (and its graph the default)."""
        return _SessionDefault(self)

    def __enter__(self):
        self._default_ctx = self.as_default()
        return self._default_ctx.__enter__()

    def __exit__(self, exc_type, exc, tb):
        ctx, self._default_ctx = self._default_ctx, None
        if ctx is not None:
            ctx.__exit__(exc_type, exc, tb)
        self.close()

    def close(self):
        """Frees the session's resources (device memory included); later runs raise
        RuntimeError."""
        self._closed = True
        used = {device for plan in self._plans.values() for device in
                (plan.placement or {}).values() if device.device_type != "CPU"}
        for device in used:
            device.release()
        self._plans.clear()
        self._mappers.clear()
        self._signatures.clear()
        self._state.clear()

    def __del__(self):
        try:
            self._closed = True
        except Exception:  # noqa: BLE001 - interpreter shutdown
            pass

    # ----------------------------------------------------------------- run
    def run(self, fetches, feed_dict=None, options=None, run_metadata=None):
        """Runs the graph to compute `fetches`, feeding `feed_dict`.

        Args:
            fetches: a Tensor, Operation, Variable or name, or any nesting of lists, tuples,
                dicts and namedtuples of them.
            feed_dict: maps Tensors (or tensor names) to values; any tensor can be fed.
            options: a `RunOptions`; `trace_level=FULL_TRACE` (any level but NO_TRACE)
                traces the run into `run_metadata`.
            run_metadata: a `RunMetadata` that a traced run fills with `step_stats`
                (per executed node: start time, duration, output shapes and bytes).

        Returns:
            Values with the structure of `fetches`: numpy arrays (numpy scalars for rank 0,
            bytes for string scalars), None for Operations.

        Raises:
            RuntimeError: the session is closed.
            TypeError/ValueError: bad fetch or feed (dtype, shape).
            InvalidArgumentError: an unfed placeholder or bad runtime value.
            FailedPreconditionError: an uninitialized variable.
        """
        signature_key = None
        if options is None and run_metadata is None:
            kind = type(fetches)
            fetch_key = fetches if kind in _ELEMENT_TYPES else \
                (kind, tuple(fetches)) if kind is list or kind is tuple else None
            if fetch_key is not None and (feed_dict is None or type(feed_dict) is dict):
                signature_key = (fetch_key, tuple(feed_dict) if feed_dict else ())
                try:
                    signature = self._signatures.get(signature_key)
                except TypeError:  # unhashable fetches (nested lists, dicts): not cached
                    signature = signature_key = None
                if signature is not None:
                    return signature(feed_dict)
        mapper = self._mapper(fetches)
        feed_tensors, feed_values = self._process_feeds(feed_dict)
        tracer = None
        if options is not None and run_metadata is not None:  # tracing: see summary/tracing.py
            from graphflow.summary import tracing
            tracer = tracing.tracer_for(options, run_metadata)
        results = self._run_flat(mapper.tensors, mapper.targets, feed_tensors, feed_values,
                                 mapper.key, tracer)
        if signature_key is not None:
            self._signatures[signature_key] = _RunSignature(self, mapper, feed_dict)
        return mapper.build(results)

    def _mapper(self, fetches):
        """The FetchMapper of `fetches`, cached when they are (a list/tuple of) graph elements."""
        key = _fetch_cache_key(fetches)
        if key is None:
            return _FetchMapper(self._graph, fetches)
        mapper = self._mappers.get(key)
        if mapper is None:
            mapper = self._mappers[key] = _FetchMapper(self._graph, fetches)
        return mapper

    def _run_flat(self, fetch_tensors, targets, feed_tensors, feed_values, fetch_key=None,
                  tracer=None):
        if self._closed:
            raise RuntimeError("Attempted to use a closed Session.")
        if fetch_key is None:
            fetch_key = (tuple(fetch_tensors), tuple(targets))
        key = (fetch_key, tuple(feed_tensors))
        plan = self._plans.get(key)
        if plan is None:
            plan = plan_lib.Plan(self._graph, fetch_tensors, targets, feed_tensors, self._state,
                                 self._config)
            self._plans[key] = plan
        if tracer is None:
            return run_plan(plan, feed_values)
        values = tracer.run(plan, feed_values)
        return [to_user(v, alias) for v, alias in zip(values, plan.fetch_may_alias)]

    def _process_feeds(self, feed_dict):
        if not feed_dict:
            return (), ()
        items = []
        for key, value in feed_dict.items():
            tensor = _feed_tensor(self._graph, key)
            items.append((tensor, self._feed_converter(tensor)(value)))
        if len(items) > 1:
            items = [items[i] for i in _feed_order([t for t, _ in items])]
        return tuple(k for k, _ in items), [v for _, v in items]

    def _feed_converter(self, tensor):
        converter = self._converters.get(tensor)
        if converter is None:
            converter = self._converters[tensor] = _FeedConverter(tensor)
        return converter

    def make_callable(self, fetches, feed_list=None, accept_options=False):
        """A function `f(*feed_values)` that runs `fetches` with `feed_list` fed, with the plan
        resolved once."""
        mapper = _FetchMapper(self._graph, fetches)
        feed_tensors = [_feed_tensor(self._graph, f) for f in (feed_list or [])]
        order = _feed_order(feed_tensors)
        sorted_tensors = [feed_tensors[i] for i in order]

        def call(*feed_values, **kwargs):
            if len(feed_values) != len(feed_tensors):
                raise TypeError(f"Expected {len(feed_tensors)} feed values, got "
                                f"{len(feed_values)}")
            converted = [convert_feed(feed_tensors[i], feed_values[i]) for i in order]
            tracer = None
            if accept_options and kwargs:  # options=, run_metadata= as in Session.run
                from graphflow.summary import tracing
                tracer = tracing.tracer_for(kwargs.get("options"), kwargs.get("run_metadata"))
            results = self._run_flat(mapper.tensors, mapper.targets, sorted_tensors, converted,
                                     tracer=tracer)
            return mapper.build(results)
        return call

    def partial_run_setup(self, *args, **kwargs):
        raise NotImplementedError("partial_run is not supported by graphflow")


class Session(BaseSession):
    """`tf.Session(target='', graph=None, config=None)`: use as a context manager or close()."""


class InteractiveSession(BaseSession):
    """A Session that makes itself the default on creation, for shells and notebooks."""

    def __init__(self, target="", graph=None, config=None):
        super().__init__(target, graph, config)
        self._interactive_ctx = self.as_default()
        self._interactive_ctx.__enter__()

    def close(self):
        ctx, self._interactive_ctx = getattr(self, "_interactive_ctx", None), None
        if ctx is not None:
            ctx.__exit__(None, None, None)
        super().close()


class _RunSignature:
    """A repeated `Session.run` signature (same fetches, same feed keys in the same order)
    resolved once: its converters, feed order, plan and result builder, so the run does no
    fetch mapping, feed-key lookups or plan lookup."""

    __slots__ = ("session", "plan", "converters", "order", "build")

    def __init__(self, session, mapper, feed_dict):
        self.session = session
        tensors = [_feed_tensor(session._graph, k) for k in (feed_dict or ())]
        self.converters = [session._feed_converter(t) for t in tensors]
        order = _feed_order(tensors)
        self.order = None if order == list(range(len(order))) else order
        self.plan = session._plans[(mapper.key, tuple(tensors[i] for i in order))]
        self.build = mapper.build_function()

    def __call__(self, feed_dict):
        if feed_dict:
            values = [c(v) for c, v in zip(self.converters, feed_dict.values())]
            if self.order is not None:
                values = [values[i] for i in self.order]
        else:
            values = []
        if self.session._closed:
            raise RuntimeError("Attempted to use a closed Session.")
        return self.build(run_plan(self.plan, values))


def run_plan(plan, feed_values):
    """The fetched values of one run of `plan`, as the user gets them: from its compiled
    whole-plan function when it has one that takes this run, else op by op."""
    fast = plan.fast
    if fast is not None:
        results = fast(feed_values)
        if results is not None:
            return results
    values = executor.execute(plan, feed_values)
    return [to_user(v, alias) for v, alias in zip(values, plan.fetch_may_alias)]


def to_user(value, may_alias):
    """Fetched values never alias session state or constants: copy those; 0-d arrays become
    numpy scalars (bytes for strings), as TF returns them."""
    if type(value) is np.ndarray:
        if may_alias or value.base is not None or not value.flags.writeable:
            value = value.copy()
        return value[()] if value.ndim == 0 else value
    if isinstance(value, runtime_state.VariableSlot):
        value = value.deref().copy()
        return value[()] if value.ndim == 0 else value
    return value


_ELEMENT_TYPES = (graph_lib.Tensor, graph_lib.Operation)


def _fetch_cache_key(fetches):
    """A hashable key for fetches made only of graph elements, else None (no caching)."""
    kind = type(fetches)
    if kind in _ELEMENT_TYPES:
        return fetches
    if kind in (list, tuple) and all(type(f) in _ELEMENT_TYPES for f in fetches):
        return (kind, tuple(fetches))
    return None


class _FeedConverter:
    """Converts values fed to one tensor: a fast path for ndarrays of the right dtype and a
    compatible shape, `convert_feed` (with its checks and messages) for everything else."""

    __slots__ = ("tensor", "np_dtype", "dims", "safe_sources")

    def __init__(self, tensor):
        self.tensor = tensor
        self.np_dtype = np.dtype(tensor.dtype.base_dtype.as_numpy_dtype)
        self.dims = tensor.shape._values
        self.safe_sources = {}  # source dtype -> whether _cast_feed accepts it without checks

    def _shape_ok(self, shape):
        dims = self.dims
        return dims is None or (len(shape) == len(dims) and
                                all(d is None or d == n for d, n in zip(dims, shape)))

    def __call__(self, value):
        if type(value) is np.ndarray and self._shape_ok(value.shape):
            if value.dtype == self.np_dtype:
                return value
            safe = self.safe_sources.get(value.dtype)
            if safe is None:
                safe = self.safe_sources[value.dtype] = _cast_needs_no_check(
                    value.dtype, self.np_dtype)
            if safe:
                return value.astype(self.np_dtype)
        return convert_feed(self.tensor, value)


def _cast_needs_no_check(src, dst):
    """Casts that `_cast_feed` always accepts without looking at values (float widening and
    narrowing within floats, integers to floats)."""
    return dst.kind == "f" and src.kind in "fiu"


def _apply_thread_config(config):
    n = config.intra_op_parallelism_threads
    if n and n > 0:
        import numba
        numba.set_num_threads(min(n, numba.config.NUMBA_NUM_THREADS))


def _feed_order(tensors):
    """Indices of fed `tensors` in graph order: the order a plan's feed slots are keyed by."""
    return sorted(range(len(tensors)), key=lambda i: (tensors[i].op._id, tensors[i].value_index))


def _feed_tensor(graph, key):
    """The tensor a feed_dict key names (a Tensor of `graph`, a Variable, a tensor name)."""
    if type(key) is graph_lib.Tensor and key.graph is graph:
        return key
    from graphflow import variables
    if isinstance(key, variables.Variable):
        return key.value()
    if isinstance(key, graph_lib.Tensor):
        if key.graph is not graph:
            raise ValueError(f"Cannot feed {key.name}: it is not an element of this graph.")
        return key
    if isinstance(key, str):
        try:
            return graph.as_graph_element(key, allow_tensor=True, allow_operation=False)
        except (KeyError, ValueError) as err:
            raise TypeError(f"Cannot interpret feed_dict key as Tensor: {err}") from None
    raise TypeError(f"Cannot interpret feed_dict key as Tensor: {key!r} of type "
                    f"{type(key).__name__}")


def convert_feed(tensor, value):
    """A fed value as an ndarray of the tensor's dtype, checked against its static shape.

    Casting is done only where it keeps the kind of value (int -> float, float64 -> float32);
    anything else (float -> int, string -> number) is a TypeError naming the tensor.
    """
    from graphflow.ops import constant_op
    dtype = tensor.dtype.base_dtype
    if isinstance(value, graph_lib.Tensor) or hasattr(value, "_as_tensor"):
        raise TypeError(f"The value of a feed cannot be a tf.Tensor object. Acceptable feed "
                        f"values include Python scalars, strings, lists, numpy ndarrays. "
                        f"(feeding {tensor.name})")
    try:
        if dtype == dtypes.string:
            arr = constant_op.to_numpy(value, dtypes.string)
        else:
            arr = _cast_feed(np.asarray(value), dtype)
    except (TypeError, ValueError) as err:
        raise TypeError(f"Cannot feed value {constant_op.short_repr(value)} to Tensor "
                        f"'{tensor.name}' of dtype {dtype.name}: {err}") from None
    shape = tensor.shape
    if not shape.is_compatible_with(arr.shape):
        raise ValueError(f"Cannot feed value of shape {arr.shape} for Tensor '{tensor.name}', "
                         f"which has shape '{shape}'")
    return arr


def _cast_feed(arr, dtype):
    from graphflow.ops import constant_op
    try:
        return constant_op.cast_safely(arr, dtype)
    except constant_op.UnsafeCastError as err:
        if err.reason == "range":
            raise TypeError(f"values out of range for {dtype.name}") from None
        raise TypeError(f"a value of dtype {arr.dtype.name} cannot be cast safely to "
                        f"{dtype.name}") from None


class _FetchMapper:
    """Flattens a fetch structure to unique tensors/targets and rebuilds it from results."""

    def __init__(self, graph, fetches):
        self._graph = graph
        self.tensors = []
        self.targets = []
        self._index = {}
        self._structure = self._flatten(fetches)
        self.key = (tuple(self.tensors), tuple(self.targets))

    def _flatten(self, fetch):
        if fetch is None:
            raise TypeError(f"Fetch argument None has invalid type {type(None)}")
        if isinstance(fetch, (list, tuple)) and not _is_namedtuple(fetch):
            return (type(fetch), [self._flatten(f) for f in fetch])
        if _is_namedtuple(fetch):
            return ("namedtuple", type(fetch), [self._flatten(f) for f in fetch])
        if isinstance(fetch, collections.abc.Mapping):
            return ("dict", type(fetch), [(k, self._flatten(v)) for k, v in fetch.items()])
        return ("leaf", self._leaf(fetch))

    def _leaf(self, fetch):
        element = _as_fetch_element(self._graph, fetch)
        if isinstance(element, graph_lib.Operation):
            if element not in self.targets:
                self.targets.append(element)
            return None
        if element not in self._index:
            self._index[element] = len(self.tensors)
            self.tensors.append(element)
        return self._index[element]

    def build(self, results):
        return self._build(self._structure, results)

    def build_function(self):
        """`build`, specialised for the common structures (one element, a flat list)."""
        structure = self._structure
        if structure[0] == "leaf":
            index = structure[1]
            return (lambda results: None) if index is None else (lambda results: results[index])
        if structure[0] in (list, tuple) and all(n[0] == "leaf" for n in structure[1]):
            kind, indices = structure[0], [n[1] for n in structure[1]]
            if kind is list and indices == list(range(len(self.tensors))):
                return lambda results: results
            return lambda results: kind([None if i is None else results[i] for i in indices])
        return self.build

    def _build(self, node, results):
        kind = node[0]
        if kind == "leaf":
            return None if node[1] is None else results[node[1]]
        if kind == "namedtuple":
            return node[1](*[self._build(n, results) for n in node[2]])
        if kind == "dict":
            items = [(k, self._build(v, results)) for k, v in node[2]]
            try:
                return node[1](items)
            except TypeError:
                return dict(items)
        values = [self._build(n, results) for n in node[1]]
        return values if node[0] is list else node[0](values)


def _is_namedtuple(value):
    return isinstance(value, tuple) and hasattr(value, "_fields")


def _as_fetch_element(graph, fetch):
    if hasattr(fetch, "_as_graph_element"):
        fetch = fetch._as_graph_element()
    try:
        return graph.as_graph_element(fetch, allow_tensor=True, allow_operation=True)
    except TypeError as err:
        raise TypeError(f"Fetch argument {fetch!r} has invalid type {type(fetch)}, must be a "
                        f"string or Tensor. ({err})") from None
    except ValueError as err:
        raise ValueError(f"Fetch argument {fetch!r} cannot be interpreted as a Tensor. "
                         f"({err})") from None
    except KeyError as err:
        raise ValueError(f"Fetch argument {fetch!r} cannot be interpreted as a Tensor. "
                         f"({err.args[0]})") from None


def run_in_default_session(fetch, feed_dict, session):
    """Implements Tensor.eval() / Operation.run()."""
    session = session or get_default_session()
    if session is None:
        raise ValueError("Cannot evaluate tensor using `eval()`: No default session is "
                         "registered. Use `with sess.as_default()` or pass an explicit session "
                         "to `eval(session=sess)`")
    if session.graph is not fetch.graph:
        raise ValueError("Cannot use the given session to evaluate tensor: the tensor's graph "
                         "is different from the session's graph.")
    return session.run(fetch, feed_dict)
