"""Graphviz DOT for a GraphModel, and SVG/PNG/PDF through Graphviz's `dot`.

Expanded scopes are clusters, collapsed scopes single `box3d` nodes labelled with their size,
so a graph of thousands of ops stays a drawing of dozens of items. Edges carry the dtype and
static shape of their tensor; control edges are dashed; variables have a double border;
auxiliary items (collapsed gradients, initializer, saver and optimizer scopes, summary merges,
init ops) are drawn without their edges, as TensorBoard does. The text is deterministic
(graph order throughout), which the golden tests rely on.
"""

import math

from graphflow.viewer import colors

GRAPH_ATTRS = ('rankdir=TB, fontname="Helvetica", fontsize=12, labelloc=t, labeljust=l, '
               'nodesep=0.25, ranksep=0.4')
NODE_ATTRS = ('shape=box, style="rounded,filled", fontname="Helvetica", fontsize=10, '
              'height=0.3, margin="0.1,0.04", color="#495057", penwidth=1')
EDGE_ATTRS = ('fontname="Helvetica", fontsize=8, color="#5c6b7a", fontcolor="#5c6b7a", '
              'arrowsize=0.6')
CLUSTER_FILL = "#f8f9fa"
CLUSTER_BORDER = "#adb5bd"
INSTALL_HINT = ("Graphviz's `dot` program is needed for SVG, PNG and PDF output: install it "
                "with `apt-get install graphviz` (Debian/Ubuntu), `brew install graphviz` "
                "(macOS) or `conda install graphviz`, or write HTML, which needs nothing.")


class GraphvizNotFoundError(RuntimeError):
    """Static output was requested but Graphviz's `dot` is not installed."""


def quote(text):
    """A DOT quoted string (backslashes and quotes escaped, newlines as \\n)."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def item_id(model, item):
    """The DOT id of a visible item: the op's name, or `scope:<path>` (op names have no `:`)."""
    kind, key = item
    return quote(f"scope:{key}" if kind == "scope" else model.nodes[key].name)


def _node_line(model, node, fill):
    """An op: `label\nType` (just the label for constants and when it is the type), filled
    by the palette; variables double-bordered, placeholders bold, constants small ellipses."""
    text = node.label if node.kind == "constant" or node.label == node.op else \
        f"{node.label}\n{node.op}"
    attrs = [f"label={quote(text)}", f'fillcolor="{fill}"',
             f"tooltip={quote(f'{node.name} ({node.op})')}"]
    if node.variable:
        attrs.append('style="filled,bold", peripheries=2')
    elif node.kind == "input":
        attrs.append("penwidth=2")
    elif node.kind == "constant":
        attrs.extend(["shape=ellipse", "fontsize=8"])
    return f"{item_id(model, ('node', node.index))} [{', '.join(attrs)}];"


def _scope_line(model, path, fill):
    scope = model.scopes[path]
    label = f"{scope.label}\n{scope.size} node{'s' if scope.size != 1 else ''}"
    return (f"{item_id(model, ('scope', path))} [label={quote(label)}, shape=box3d, style=filled, "
            f'fillcolor="{fill}", tooltip={quote(path)}];')


def _emit_scope(model, path, expanded, palette, lines, depth):
    pad = "  " * depth
    for kind, key in model.items(path):
        if kind == "node":
            node = model.nodes[key]
            lines.append(pad + _node_line(model, node, palette.node_fill(node)))
        elif key in expanded:
            scope = model.scopes[key]
            lines.append(f"{pad}subgraph {quote('cluster_' + key)} {{")
            lines.append(f"{pad}  label={quote(scope.label)}; tooltip={quote(key)};")
            lines.append(f'{pad}  style="rounded,filled"; fillcolor="{CLUSTER_FILL}"; '
                         f'color="{CLUSTER_BORDER}"; fontsize=11;')
            _emit_scope(model, key, expanded, palette, lines, depth + 1)
            lines.append(pad + "}")
        else:
            lines.append(pad + _scope_line(model, key, palette.scope_fill(key)))


def _edge_line(model, src, dst, edge):
    attrs = []
    if edge.control:
        attrs.append("style=dashed")
    elif edge.label:
        attrs.append(f"label={quote(' ' + edge.label)}")
    if edge.count > 1:
        attrs.append(f"penwidth={min(1 + math.log2(edge.count), 4):.2g}")
    suffix = f" [{', '.join(attrs)}]" if attrs else ""
    return f"  {item_id(model, src)} -> {item_id(model, dst)}{suffix};"


def to_dot(model, expand="auto", color_by="kind"):
    """The DOT text of `model` with scopes expanded per `expand` (see
    GraphModel.resolve_expanded), nodes filled by `color_by` ("kind", "device", "compute"
    or "memory")."""
    expanded = model.resolve_expanded(expand)
    palette = colors.Palette(model, color_by)
    lines = [f"digraph {quote(model.title)} {{",
             f"  graph [{GRAPH_ATTRS}, label={quote(model.title)}];",
             f"  node [{NODE_ATTRS}];",
             f"  edge [{EDGE_ATTRS}];"]
    _emit_scope(model, "", expanded, palette, lines, 1)
    for (src, dst), edge in model.visible_edges(expanded).items():
        lines.append(_edge_line(model, src, dst, edge))
    lines.append("}")
    return "\n".join(lines) + "\n"


def render_static(dot_text, fmt):
    """The bytes of `dot_text` laid out by Graphviz as `fmt` ("svg", "png" or "pdf").

    Raises:
        GraphvizNotFoundError: `dot` is not installed (the message says how to install it).
    """
    import graphviz
    try:
        return graphviz.Source(dot_text).pipe(format=fmt)
    except graphviz.ExecutableNotFound:
        raise GraphvizNotFoundError(INSTALL_HINT) from None
