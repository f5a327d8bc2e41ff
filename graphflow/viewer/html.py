"""A self-contained HTML page for a GraphModel: the model as JSON, the layout and viewer
scripts and the stylesheet inline, nothing fetched, so the file works offline and can be sent
around alone.
"""

import html
import json
import pathlib

from graphflow.viewer import colors

_STATIC = pathlib.Path(__file__).resolve().parent / "static"

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="generator" content="graphflow viewer">
<title>{title}</title>
<style>
{css}
</style>
</head>
<body>
<header id="toolbar">
  <span id="title"></span>
  <input id="search" type="search" placeholder="Search nodes by name" autocomplete="off">
  <select id="color" title="Color nodes by"></select>
  <button id="expand-all" type="button">Expand all</button>
  <button id="collapse-all" type="button">Collapse all</button>
  <button id="reset" type="button">Reset</button>
  <button id="fit" type="button">Fit</button>
  <label title="Draw the edges of gradients, initializers, savers and optimizer updates">
    <input id="aux" type="checkbox"> auxiliary edges</label>
  <span id="legend"></span>
</header>
<ul id="results"></ul>
<main>
  <svg id="canvas" xmlns="http://www.w3.org/2000/svg">
    <defs>
      <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7"
              markerHeight="7" orient="auto-start-reverse">
        <path d="M0,0 L10,5 L0,10 z" fill="#6c7a89"></path>
      </marker>
    </defs>
    <g id="world"></g>
  </svg>
  <aside id="panel"><p>Click a scope's title to expand or collapse it; click a node for its
  attributes, inputs and consumers. Drag to pan, scroll to zoom.</p></aside>
</main>
<script type="application/json" id="graph-data">{data}</script>
<script>
{layout_js}
</script>
<script>
{viewer_js}
</script>
</body>
</html>
"""


def _fills(palettes, fill):
    """{mode: color} of one item, `fill(palette)` giving its color in a palette."""
    return {mode: fill(palette) for mode, palette in palettes.items()}


def _node_json(node, scope_index, palettes):
    stats = [node.stats.micros, node.stats.bytes] if node.stats is not None else None
    outputs = [[d, s] for d, s in zip(node.dtypes, node.shapes)]
    return {"n": node.name, "l": node.label, "op": node.op, "k": node.kind, "d": node.device,
            "s": scope_index, "x": 1 if node.auxiliary else 0,
            "v": 1 if node.variable else 0, "a": node.attrs, "o": outputs, "st": stats,
            "c": _fills(palettes, lambda palette: palette.node_fill(node))}


def _scope_json(model, path, index, palettes):
    scope = model.scopes[path]
    items = [[0, key] if kind == "node" else [1, index[key]] for kind, key in model.items(path)]
    return {"p": path, "l": scope.label or model.title, "size": scope.size,
            "parent": index[scope.parent] if scope.parent is not None else -1,
            "it": items, "x": 1 if scope.auxiliary else 0,
            "c": _fills(palettes, lambda palette: palette.scope_fill(path))}


def model_json(model, expand="auto", color_by="kind"):
    """The JSON-ready description of `model` the page's scripts read.

    Scopes are listed parents first (index 0 is the root), each with its items in graph
    order as [0, node index] or [1, scope index]; edges are [src, dst, output, is_control].

    Raises:
        ValueError: an unknown `color_by` or scope in `expand`.
    """
    colors.Palette(model, color_by)  # validates the mode
    modes = [m for m in colors.MODES if model.has_stats or m not in ("compute", "memory")]
    palettes = {mode: colors.Palette(model, mode) for mode in modes}
    index = {path: i for i, path in enumerate(model.scopes)}
    return {
        "title": model.title,
        "nodes": [_node_json(n, index[n.scope], palettes) for n in model.nodes],
        "scopes": [_scope_json(model, path, index, palettes) for path in model.scopes],
        "edges": [[e.src, e.dst, max(e.output, 0), 1 if e.control else 0] for e in model.edges],
        "expanded": sorted(index[p] for p in model.resolve_expanded(expand)),
        "modes": modes,
        "color": color_by if color_by in modes else "kind",
        "legend": {mode: palette.legend() for mode, palette in palettes.items()},
    }


def _script_safe_json(value):
    """JSON that cannot end its <script> element early."""
    text = json.dumps(value, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def to_html(model, expand="auto", color_by="kind"):
    """The page for `model`, with scopes expanded per `expand` and nodes colored by
    `color_by` at first (both can be changed on the page)."""
    return _PAGE.format(
        title=html.escape(model.title), css=(_STATIC / "viewer.css").read_text("utf-8"),
        data=_script_safe_json(model_json(model, expand, color_by)),
        layout_js=(_STATIC / "layout.js").read_text("utf-8"),
        viewer_js=(_STATIC / "viewer.js").read_text("utf-8"))
