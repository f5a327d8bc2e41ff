"""A graph viewer that needs no server: self-contained HTML, Graphviz DOT, SVG, PNG and PDF.

`render(graph_or_graph_def, path)` draws a Graph, a GraphDef or MetaGraphDef (graphflow's or
TensorFlow's), or the graph in a `.pb`/`.pbtxt`/meta graph file, an events file or a logdir.
Name scopes are nested boxes; gradients, initializers, savers and optimizer updates start
collapsed, and the automatic expansion stops at a few dozen visible items, so graphs of
thousands of ops stay readable. The HTML page expands and collapses scopes on click, searches
by name, colors by op kind, device, or (with run metadata) compute time and memory, and shows
a node's attrs, inputs and consumers. `Graph.view()` returns a GraphView that notebooks show.
The `graphflow-view` command (graphflow/viewer/cli.py) does the same from a shell.
"""

import html as _html
import os

from graphflow.viewer import dot as _dot
from graphflow.viewer import html as _page
from graphflow.viewer import loader
from graphflow.viewer.dot import GraphvizNotFoundError
from graphflow.viewer.model import GraphModel

FORMATS = ("html", "svg", "png", "pdf", "dot")
_SUFFIXES = {".html": "html", ".htm": "html", ".svg": "svg", ".png": "png", ".pdf": "pdf",
             ".dot": "dot", ".gv": "dot"}


def format_of(path, fmt=None):
    """The output format: `fmt` if given, else from the path's suffix.

    Raises:
        ValueError: an unknown format or suffix.
    """
    if fmt is None:
        fmt = _SUFFIXES.get(os.path.splitext(os.fspath(path))[1].lower())
        if fmt is None:
            raise ValueError(f"cannot tell the format of {path!r} from its suffix: use one of "
                             f"{', '.join(sorted(_SUFFIXES))} or pass format=")
    fmt = fmt.lower().lstrip(".")
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    return fmt


class GraphView:
    """A drawing of a graph, ready to be written in any format or shown in a notebook.

    Args:
        model: a GraphModel.
        expand: "auto", "all", "none" or scope paths to expand (see GraphModel).
        color_by: "kind", "device", "compute" or "memory".
    """

    def __init__(self, model, expand="auto", color_by="kind"):
        self.model = model
        self.expand = expand
        self.color_by = color_by
        model.resolve_expanded(expand)  # fail early on a bad scope name

    @property
    def html(self):
        """The self-contained HTML page."""
        return _page.to_html(self.model, self.expand, self.color_by)

    @property
    def dot(self):
        """The Graphviz DOT source."""
        return _dot.to_dot(self.model, self.expand, self.color_by)

    def data(self, fmt):
        """The drawing as bytes in format `fmt` (see FORMATS).

        Raises:
            GraphvizNotFoundError: an SVG/PNG/PDF without Graphviz installed.
        """
        fmt = format_of("", fmt)
        if fmt == "html":
            return self.html.encode("utf-8")
        if fmt == "dot":
            return self.dot.encode("utf-8")
        return _dot.render_static(self.dot, fmt)

    def save(self, path, format=None):  # noqa: A002 - the name users know from graphviz
        """Writes the drawing to `path` (format from the suffix unless given); returns path."""
        data = self.data(format_of(path, format))
        with open(path, "wb") as f:
            f.write(data)
        return path

    def _repr_html_(self):
        """Jupyter: the page in a sandboxed iframe."""
        return (f'<iframe srcdoc="{_html.escape(self.html)}" sandbox="allow-scripts" '
                'style="width:100%;height:640px;border:1px solid #dee2e6"></iframe>')


def render(graph_or_graph_def, path=None, format=None, run_metadata=None,  # noqa: A002
           expand="auto", color_by="kind", title=None):
    """Draws a graph; writes it to `path` when given.

    Args:
        graph_or_graph_def: a Graph, GraphDef or MetaGraphDef (graphflow's or TensorFlow's),
            or the path of a `.pb`/`.pbtxt` GraphDef, a meta graph, an events file or a logdir.
        path: where to write; the suffix picks the format (.html, .svg, .png, .pdf, .dot).
        format: the format, overriding the suffix.
        run_metadata: a RunMetadata or StepStats for compute-time and memory colors, or, for
            events files and logdirs, the tag of `FileWriter.add_run_metadata` (True: last).
        expand: which scopes start expanded: "auto", "all", "none" or a list of scope paths.
        color_by: "kind", "device", "compute" or "memory" (the page can switch).
        title: the drawing's title (default: the file name, or "graph").

    Returns:
        `path` when given, else a GraphView (notebooks display it).

    Raises:
        GraphvizNotFoundError: SVG/PNG/PDF requested without Graphviz's `dot`.
        ValueError: unknown format, scope or run metadata tag; a file with no graph.
        FileNotFoundError: `graph_or_graph_def` names no file.
    """
    source = loader.load(graph_or_graph_def, run_metadata)
    model = GraphModel(source.graph_def, source.step_stats, title or source.title)
    view = GraphView(model, expand, color_by)
    if path is None:
        return view
    return view.save(path, format)


__all__ = ["FORMATS", "GraphModel", "GraphView", "GraphvizNotFoundError", "format_of", "render"]
