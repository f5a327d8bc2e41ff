"""Node colors for the four coloring modes: op kind, device, compute time and memory.

The same palette serves the DOT output and the HTML page (which receives every mode's colors
precomputed, so both renderers agree). Time and memory use a white-to-red / white-to-blue
scale on the square root of the value relative to the largest one; collapsed scopes show the
sum over their subtree.
"""

from graphflow.viewer import describe

MODES = ("kind", "device", "compute", "memory")
SCOPE_FILL = "#e7f0fa"
NO_VALUE = "#f1f3f5"
DEVICE_COLORS = ("#a5d8ff", "#b2f2bb", "#ffd8a8", "#eebefa", "#ffec99", "#99e9f2", "#ffc9c9",
                 "#d0bfff")
_HEAT_END = {"compute": (203, 24, 29), "memory": (8, 81, 156)}


def _mix(end, fraction):
    """The color `fraction` of the way from white to `end` (an RGB triple)."""
    rgb = [round(255 + (c - 255) * fraction) for c in end]
    return "#" + "".join(f"{c:02x}" for c in rgb)


class Palette:
    """Fill colors of nodes and collapsed scopes for one coloring mode.

    Args:
        model: a GraphModel.
        mode: one of MODES.

    Raises:
        ValueError: an unknown mode.
    """

    def __init__(self, model, mode="kind"):
        if mode not in MODES:
            raise ValueError(f"color_by must be one of {', '.join(MODES)}, not {mode!r}")
        self.model = model
        self.mode = mode
        devices = sorted({n.device for n in model.nodes if n.device})
        self.devices = {d: DEVICE_COLORS[i % len(DEVICE_COLORS)] for i, d in enumerate(devices)}
        self._totals = {}
        self._max = 0
        if mode in _HEAT_END:
            self._sum_scopes()

    def _value(self, node):
        if node.stats is None:
            return None
        return node.stats.micros if self.mode == "compute" else node.stats.bytes

    def _sum_scopes(self):
        for node in self.model.nodes:
            value = self._value(node)
            if value is None:
                continue
            self._max = max(self._max, value)
            for path in self.model.ancestors(node.scope):
                self._totals[path] = self._totals.get(path, 0) + value
        self._max = max([self._max] + list(self._totals.values()))

    def _heat(self, value):
        if value is None:
            return NO_VALUE
        fraction = (value / self._max) ** 0.5 if self._max > 0 else 0.0
        return _mix(_HEAT_END[self.mode], fraction)

    def node_fill(self, node):
        """The fill color of an op node."""
        if self.mode == "kind":
            return describe.KIND_COLORS[node.kind]
        if self.mode == "device":
            return self.devices.get(node.device, NO_VALUE)
        return self._heat(self._value(node))

    def scope_fill(self, path):
        """The fill color of a collapsed scope."""
        if self.mode in _HEAT_END:
            return self._heat(self._totals.get(path))
        if self.mode == "device":
            devices = {self.model.nodes[i].device for i in self.model.subtree_nodes(path)}
            if len(devices) == 1:
                return self.devices.get(devices.pop(), NO_VALUE)
        return SCOPE_FILL

    def legend(self):
        """(label, color) pairs explaining the mode's colors."""
        if self.mode == "kind":
            used = {n.kind for n in self.model.nodes}
            return [(k, c) for k, c in describe.KIND_COLORS.items() if k in used]
        if self.mode == "device":
            return list(self.devices.items()) + [("no device", NO_VALUE)]
        unit = "us" if self.mode == "compute" else "bytes"
        return [(f"0 {unit}", _mix(_HEAT_END[self.mode], 0.0)),
                (f"{self._max} {unit}", _mix(_HEAT_END[self.mode], 1.0)),
                ("not run", NO_VALUE)]
