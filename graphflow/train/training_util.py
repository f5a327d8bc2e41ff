"""The global step: a non-trainable int64 variable in the `global_step` collection."""

from graphflow import dtypes
from graphflow import graph as graph_lib
from graphflow import variables

GraphKeys = graph_lib.GraphKeys


def get_global_step(graph=None):
    """The global step variable of `graph` (default graph), or None.

    Raises:
        TypeError: more than one global step exists.
    """
    graph = graph or graph_lib.get_default_graph()
    steps = graph.get_collection(GraphKeys.GLOBAL_STEP)
    if len(steps) > 1:
        raise TypeError("There should be only one global step tensor, got "
                        f"{[s.name for s in steps]}")
    if steps:
        return steps[0]
    try:
        return graph.get_tensor_by_name("global_step:0")
    except KeyError:
        return None


def create_global_step(graph=None):
    """Creates `global_step` (int64, starting at 0). ValueError if it exists already."""
    graph = graph or graph_lib.get_default_graph()
    if get_global_step(graph) is not None:
        raise ValueError('"global_step" already exists.')
    with graph.as_default(), graph_lib.name_scope(None):
        return variables.Variable(
            0, dtype=dtypes.int64, trainable=False, name="global_step",
            collections=[GraphKeys.GLOBAL_VARIABLES, GraphKeys.GLOBAL_STEP])


def get_or_create_global_step(graph=None):
    """The global step, created if missing."""
    graph = graph or graph_lib.get_default_graph()
    step = get_global_step(graph)
    return step if step is not None else create_global_step(graph)


def global_step(sess, global_step_tensor):
    """The current value of the global step as a Python int."""
    return int(sess.run(global_step_tensor))
