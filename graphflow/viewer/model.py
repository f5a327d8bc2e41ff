"""The viewer's model of a graph: nodes, the tree of name scopes, edges, and which scopes are
expanded.

Built from a GraphDef (graphflow's or TensorFlow's: the wire format is the same) and optional
StepStats. Scopes come from node names as in TensorBoard: `a/b/c` lives in scope `a/b`, and a
node whose name is also a scope (a variable `W` next to `W/read`) lives inside that scope.
Both renderers (HTML and DOT) draw the same thing: expanded scopes as boxes around their
contents, collapsed scopes as single nodes, and the edges between what is visible.
"""

import re

from graphflow.viewer import describe

DEFAULT_BUDGET = 60  # visible items the automatic expansion stops at
_AUXILIARY = re.compile(r"^(gradients(_\d+)?|.*_grad|save(_\d+)?|init(_\d+)?|Initializer|"
                        r"initializer|report_uninitialized_variables(_\d+)?)$")
_AUXILIARY_OPS = frozenset(["MergeSummary", "SaveV2", "RestoreV2", "MergeV2Checkpoints",
                            "Save", "Restore"])
_FAN_IN = 3  # a NoOp with this many control inputs is a grouping node (init, train_op)


class Node:
    """One op of the graph, as the viewer shows it."""

    __slots__ = ("index", "name", "op", "device", "kind", "variable", "scope", "label",
                 "inputs", "dtypes", "shapes", "attrs", "stats", "auxiliary")

    def __init__(self, index, node_def, stats):
        self.index = index
        self.name = node_def.name
        self.op = node_def.op
        self.kind = describe.kind_of(node_def.op)
        self.variable = describe.is_variable(node_def.op)
        self.stats = stats
        self.device = node_def.device or (stats.device if stats else "")
        self.shapes = describe.output_shapes(node_def) or (stats.shapes if stats else [])
        self.dtypes = describe.output_dtypes(node_def, len(self.shapes))
        self.attrs = describe.attr_items(node_def)
        self.label = self.name.rsplit("/", 1)[-1]
        self.scope = ""
        self.inputs = list(node_def.input)
        controls = sum(1 for text in self.inputs if text.startswith("^"))
        self.auxiliary = node_def.op in _AUXILIARY_OPS or (node_def.op == "NoOp" and (
            controls >= _FAN_IN or bool(_AUXILIARY.match(self.label))))


class Scope:
    """A name scope: its path, parent path, child scopes and the nodes living directly in it."""

    __slots__ = ("path", "label", "parent", "scopes", "nodes", "size", "first", "auxiliary",
                 "variable")

    def __init__(self, path, parent):
        self.path = path
        self.label = path.rsplit("/", 1)[-1]
        self.parent = parent
        self.scopes = []
        self.nodes = []
        self.size = 0  # ops in the whole subtree
        self.first = None  # index of the subtree's first node (graph order)
        self.auxiliary = bool(_AUXILIARY.match(self.label))
        self.variable = False  # the scope of a variable (`W` holding W, W/read, W/Assign)


class Edge:
    """A data edge (output `output` of `src` into `dst`) or a control edge."""

    __slots__ = ("src", "dst", "output", "control")

    def __init__(self, src, dst, output, control):
        self.src = src
        self.dst = dst
        self.output = output
        self.control = control


def _parse_input(text):
    """(node name, output index, is control) of a NodeDef input string."""
    if text.startswith("^"):
        return text[1:], -1, True
    name, _, index = text.partition(":")
    return name, int(index) if index.isdigit() else 0, False


class GraphModel:
    """Nodes, scopes and edges of a GraphDef.

    Args:
        graph_def: a GraphDef proto.
        step_stats: an optional StepStats proto (from RunMetadata) for time/memory colors.
        title: a title for the page.
    """

    def __init__(self, graph_def, step_stats=None, title="graph"):
        self.title = title
        stats = describe.stats_by_node(step_stats)
        self.has_stats = bool(stats)
        self.nodes = [Node(i, n, stats.get(n.name)) for i, n in enumerate(graph_def.node)]
        self.by_name = {n.name: n for n in self.nodes}
        self.scopes = {"": Scope("", None)}
        self._build_scopes()
        self.edges = self._build_edges()

    def _build_scopes(self):
        paths = set()
        for node in self.nodes:
            parts = node.name.split("/")
            for i in range(1, len(parts)):
                paths.add("/".join(parts[:i]))
        for path in sorted(paths, key=lambda p: (p.count("/"), p)):
            parent = path.rsplit("/", 1)[0] if "/" in path else ""
            self.scopes[path] = Scope(path, parent)
        for node in self.nodes:  # child scopes in the order of their first node
            home = node.name if node.name in self.scopes else node.name.rpartition("/")[0]
            node.scope = home
            if home == node.name and node.variable:
                self.scopes[home].variable = True
            self.scopes[home].nodes.append(node.index)
            self._register_ancestors(home, node.index)
        for path, scope in self.scopes.items():
            if any(self.nodes[i].kind == "training" for i in self.subtree_nodes(path)) and \
                    not any(self.nodes[i].variable for i in self.subtree_nodes(path)):
                scope.auxiliary = scope.auxiliary or bool(path)  # an optimizer's update scope

    def _register_ancestors(self, path, index):
        """Counts node `index` in `path` and its ancestors, which learn of their child scopes
        in the order of those scopes' first nodes."""
        scope = self.scopes[path]
        while True:
            scope.size += 1
            if scope.first is None:
                scope.first = index
                if scope.parent is not None:
                    self.scopes[scope.parent].scopes.append(scope.path)
            if scope.parent is None:
                return
            scope = self.scopes[scope.parent]

    def _build_edges(self):
        edges = []
        for node in self.nodes:
            for text in node.inputs:
                name, output, control = _parse_input(text)
                src = self.by_name.get(name)
                if src is not None:
                    edges.append(Edge(src.index, node.index, output, control))
        return edges

    def items(self, path):
        """The direct contents of scope `path` in graph order: ("node", index) and
        ("scope", path) pairs."""
        scope = self.scopes[path]
        items = [(i, ("node", i)) for i in scope.nodes]
        items.extend((self.scopes[p].first, ("scope", p)) for p in scope.scopes)
        items.sort(key=lambda pair: pair[0])
        return [item for _, item in items]

    def subtree_nodes(self, path):
        """Indices of every node in scope `path` and its descendants."""
        result = []
        stack = [path]
        while stack:
            scope = self.scopes[stack.pop()]
            result.extend(scope.nodes)
            stack.extend(scope.scopes)
        return result

    def ancestors(self, path):
        """The scope paths from the root's child down to `path` (inclusive)."""
        chain = []
        while path:
            chain.append(path)
            path = self.scopes[path].parent
        return chain[::-1]

    # ------------------------------------------------------------------ expansion
    def default_expanded(self, budget=DEFAULT_BUDGET):
        """Scopes expanded by default: breadth first, while at most `budget` items are
        visible; never gradients, initializers, savers, an optimizer's update scopes or a
        variable's own scope (its value, initializer and assignments)."""
        expanded = {""}
        root = self.scopes[""]
        visible = len(root.nodes) + len(root.scopes)
        queue = list(root.scopes)
        while queue:
            path = queue.pop(0)
            scope = self.scopes[path]
            extra = len(scope.nodes) + len(scope.scopes) - 1
            if scope.auxiliary or scope.variable or visible + extra > budget:
                continue
            expanded.add(path)
            visible += extra
            queue.extend(scope.scopes)
        return expanded

    def resolve_expanded(self, expand="auto"):
        """The set of expanded scope paths for `expand`: "auto" (the default expansion),
        "all", "none", or an iterable of scope paths (their ancestors are expanded too).

        Raises:
            ValueError: an unknown keyword or scope path.
        """
        if isinstance(expand, str):
            if expand == "auto":
                return self.default_expanded()
            if expand == "all":
                return set(self.scopes)
            if expand == "none":
                return {""}
            expand = [expand]
        expanded = {""}
        for path in expand:
            path = path.strip("/")
            if path not in self.scopes:
                raise ValueError(f"expand: no name scope {path!r} in the graph")
            expanded.update(self.ancestors(path))
        return expanded

    def representative(self, node_index, expanded):
        """What stands for a node when `expanded` scopes are open: ("scope", path) of its
        outermost collapsed ancestor, or ("node", index)."""
        for path in self.ancestors(self.nodes[node_index].scope):
            if path not in expanded:
                return ("scope", path)
        return ("node", node_index)

    def is_auxiliary(self, item):
        """Whether a visible item is auxiliary (a collapsed gradients/init/save/optimizer
        scope, a summary merge, a saver op or a NoOp grouping many control inputs): drawn
        aside, without its edges, as TensorBoard does."""
        kind, key = item
        return self.scopes[key].auxiliary if kind == "scope" else self.nodes[key].auxiliary

    def visible_edges(self, expanded, auxiliary=False):
        """Edges between visible items: {(src item, dst item): VisibleEdge}, in graph order;
        without those touching auxiliary items unless `auxiliary`."""
        result = {}
        for edge in self.edges:
            src = self.representative(edge.src, expanded)
            dst = self.representative(edge.dst, expanded)
            if src == dst:
                continue
            if not auxiliary and (self.is_auxiliary(src) or self.is_auxiliary(dst)):
                continue
            visible = result.get((src, dst))
            if visible is None:
                visible = result[(src, dst)] = VisibleEdge(self, edge)
            else:
                visible.add(edge)
        return result

    def edge_label(self, edge):
        """`float32 [2,100]`: the dtype and static shape of the tensor on a data edge."""
        if edge.control:
            return ""
        node = self.nodes[edge.src]
        dtype = node.dtypes[edge.output] if edge.output < len(node.dtypes) else ""
        shape = node.shapes[edge.output] if edge.output < len(node.shapes) else ""
        return " ".join(t for t in (dtype, shape) if t and t != "?")


class VisibleEdge:
    """One or more graph edges drawn as one line between two visible items."""

    __slots__ = ("count", "control", "label", "tensors")

    def __init__(self, model, edge):
        self.count = 1
        self.control = edge.control
        self.label = model.edge_label(edge)
        self.tensors = {(edge.src, edge.output)} if not edge.control else set()

    def add(self, edge):
        self.count += 1
        self.control = self.control and edge.control
        if not edge.control:
            self.tensors.add((edge.src, edge.output))
        if len(self.tensors) > 1:
            self.label = f"{len(self.tensors)} tensors"
