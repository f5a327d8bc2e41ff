// graphflow viewer: an interactive drawing of a graph's name scopes, ops and tensors.
//
// The page embeds the model (graphflow/viewer/html.py) as JSON: nodes, scopes (index 0 is the
// root), edges [src, dst, output, control] and the scopes expanded at first. Each expanded
// scope is laid out on its own (layout.js) with its collapsed child scopes as single boxes,
// then placed inside its parent, so only what is visible is ever laid out.
"use strict";

(function () {
  const M = JSON.parse(document.getElementById("graph-data").textContent);
  const SVG = "http://www.w3.org/2000/svg";
  const PAD = 12, HEADER = 22, OP_H = 26, CONST_H = 20, SCOPE_H = 38;
  const svg = document.getElementById("canvas");
  const world = document.getElementById("world");
  const panel = document.getElementById("panel");

  // ------------------------------------------------------------------ the tree
  const depth = M.scopes.map(() => 0);
  M.scopes.forEach((s, i) => { if (i) depth[i] = depth[s.parent] + 1; });
  const chainOf = scope => {
    const chain = [];
    for (let s = scope; s > 0; s = M.scopes[s].parent) chain.push(s);
    return chain.reverse();
  };
  const nodeChain = M.nodes.map(n => chainOf(n.s));
  const consumers = M.nodes.map(() => []);
  const edgesByScope = M.scopes.map(() => []);
  M.edges.forEach((e, k) => {
    consumers[e[0]].push(k);
    const a = nodeChain[e[0]], b = nodeChain[e[1]];
    let lca = 0;
    for (let i = 0; i < Math.min(a.length, b.length) && a[i] === b[i]; i++) lca = a[i];
    edgesByScope[lca].push(k);
  });
  const byName = new Map(M.nodes.map((n, i) => [n.n, i]));

  // ------------------------------------------------------------------ state
  let expanded = new Set(M.expanded);
  let colorMode = M.color;
  let selected = null;  // "n<i>" or "s<i>"
  let view = {x: 20, y: 20, k: 1};
  let boxes = new Map();  // item key -> absolute {x, y, w, h}
  let dragged = false;  // the mouse moved since it went down: the click is a pan, not a click

  const itemKey = (kind, i) => (kind ? "s" : "n") + i;
  // The child of scope `s` that holds node `i` (itself, or the scope on its chain).
  const childOf = (s, i) => (M.nodes[i].s === s ? "n" + i : "s" + nodeChain[i][depth[s]]);
  // What stands for node `i` on screen: the node, or its outermost collapsed scope.
  const visibleOf = i => {
    for (const s of nodeChain[i]) if (!expanded.has(s)) return "s" + s;
    return "n" + i;
  };

  // ------------------------------------------------------------------ layout
  const textWidth = (text, size) => text.length * size * 0.6 + 18;
  function opSize(i) {
    const n = M.nodes[i];
    if (n.k === "constant") return {w: Math.max(44, textWidth(n.l, 10)), h: CONST_H};
    return {w: Math.max(56, textWidth(n.l, 11), textWidth(n.op, 9)), h: OP_H + 6};
  }
  function collapsedSize(s) {
    const sc = M.scopes[s];
    return {w: Math.max(80, textWidth(sc.l, 11)), h: SCOPE_H};
  }

  // Auxiliary items (collapsed gradients/init/save/optimizer scopes, summary merges, NoOps
  // grouping many control inputs) sit in a column on the right, their edges hidden unless
  // asked for, as TensorBoard does.
  const isAux = key => key[0] === "s" ? !!M.scopes[+key.slice(1)].x &&
    !expanded.has(+key.slice(1)) : !!M.nodes[+key.slice(1)].x;

  function itemSize(kind, i, layouts) {
    if (!kind) return opSize(i);
    if (!expanded.has(i)) return collapsedSize(i);
    const inner = layoutScope(i, layouts);
    return {w: Math.max(inner.width + 2 * PAD, textWidth(M.scopes[i].l, 11) + 2 * PAD),
            h: inner.height + 2 * PAD + HEADER};
  }

  function layoutScope(s, layouts) {
    const keys = M.scopes[s].it.map(([kind, i]) => itemKey(kind, i));
    const sizes = M.scopes[s].it.map(([kind, i]) => itemSize(kind, i, layouts));
    const main = [], aside = [];
    keys.forEach((k, j) => (isAux(k) ? aside : main).push(j));
    const index = new Map(main.map((j, m) => [keys[j], m]));
    const seen = new Set();
    const edges = [];
    for (const k of edgesByScope[s]) {
      const e = M.edges[k];
      const a = index.get(childOf(s, e[0])), b = index.get(childOf(s, e[1]));
      if (a === undefined || b === undefined || a === b || seen.has(a + "," + b)) continue;
      seen.add(a + "," + b);
      edges.push({from: a, to: b});
    }
    const inner = GF_LAYOUT.layoutLayers(main.map(j => sizes[j]), edges);
    const pos = new Array(keys.length);
    main.forEach((j, m) => { pos[j] = inner.pos[m]; });
    let width = inner.width, height = inner.height, y = 0;
    const column = width ? width + 40 : 0;
    for (const j of aside) {
      pos[j] = {x: column, y: y, w: sizes[j].w, h: sizes[j].h};
      y += sizes[j].h + 12;
      width = Math.max(width, column + sizes[j].w);
      height = Math.max(height, y - 12);
    }
    const mainKeys = main.map(j => keys[j]);
    const result = {width: width, height: height, pos: pos, keys: keys,
                    routeOf: new Map(inner.routes.map(r => [mainKeys[r.from] + ">" +
                                                            mainKeys[r.to], r]))};
    layouts.set(s, result);
    return result;
  }

  function placeScope(s, layouts, ox, oy) {
    const lay = layouts.get(s);
    lay.origin = [ox, oy];
    lay.keys.forEach((key, j) => {
      const p = lay.pos[j];
      boxes.set(key, {x: ox + p.x, y: oy + p.y, w: p.w, h: p.h});
      if (key[0] === "s" && expanded.has(+key.slice(1))) {
        placeScope(+key.slice(1), layouts, ox + p.x + PAD, oy + p.y + PAD + HEADER);
      }
    });
  }

  // ------------------------------------------------------------------ drawing helpers
  function el(tag, attrs, parent) {
    const e = document.createElementNS(SVG, tag);
    for (const k in attrs) e.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(e);
    return e;
  }
  function text(parent, x, y, content, cls) {
    const t = el("text", {x: x, y: y, class: cls}, parent);
    t.textContent = content;
    return t;
  }
  const colorOf = item => item.c[colorMode] || "#ffffff";

  function drawScope(g, s) {
    const b = boxes.get("s" + s), sc = M.scopes[s];
    const open = expanded.has(s);
    const grp = el("g", {class: "scope " + (open ? "expanded" : "collapsed"),
                         "data-path": sc.p}, g);
    if (open) {
      const box = el("rect", {x: b.x, y: b.y, width: b.w, height: b.h, rx: 8,
                              class: "scope-box"}, grp);
      box.addEventListener("click", ev => { ev.stopPropagation(); if (!dragged) select("s" + s); });
      const header = el("g", {class: "scope-header"}, grp);
      el("rect", {x: b.x, y: b.y, width: b.w, height: HEADER, rx: 8, class: "header-hit"},
         header);
      text(header, b.x + 10, b.y + 15, "\u25be " + sc.l, "scope-title");
      header.addEventListener("click", ev => {
        ev.stopPropagation();
        if (!dragged) { toggle(s); select("s" + s); }
      });
    } else {
      el("rect", {x: b.x + 4, y: b.y + 4, width: b.w, height: b.h, rx: 6, class: "stack"}, grp);
      el("rect", {x: b.x, y: b.y, width: b.w, height: b.h, rx: 6, class: "scope-node",
                  fill: colorOf(sc)}, grp);
      text(grp, b.x + b.w / 2, b.y + 16, "\u25b8 " + sc.l, "label center");
      text(grp, b.x + b.w / 2, b.y + 30, sc.size + (sc.size === 1 ? " node" : " nodes"),
           "sub center");
      grp.addEventListener("click", ev => {
        ev.stopPropagation();
        if (!dragged) { toggle(s); select("s" + s); }
      });
    }
    el("title", {}, grp).textContent = sc.p;
    return grp;
  }

  function drawNode(g, i) {
    const b = boxes.get("n" + i), n = M.nodes[i];
    const grp = el("g", {class: "node kind-" + n.k + (n.v ? " variable" : ""),
                         "data-name": n.n}, g);
    grp.addEventListener("click", ev => { ev.stopPropagation(); if (!dragged) select("n" + i); });
    if (n.k === "constant") {
      el("ellipse", {cx: b.x + b.w / 2, cy: b.y + b.h / 2, rx: b.w / 2, ry: b.h / 2,
                     class: "shape", fill: colorOf(n)}, grp);
      text(grp, b.x + b.w / 2, b.y + b.h / 2 + 3.5, n.l, "small center");
    } else {
      if (n.v) el("rect", {x: b.x - 3, y: b.y - 3, width: b.w + 6, height: b.h + 6, rx: 9,
                           class: "variable-ring"}, grp);
      el("rect", {x: b.x, y: b.y, width: b.w, height: b.h, rx: 7, class: "shape",
                  fill: colorOf(n)}, grp);
      text(grp, b.x + b.w / 2, b.y + 14, n.l, "label center");
      text(grp, b.x + b.w / 2, b.y + 26, n.op, "sub center");
    }
    el("title", {}, grp).textContent = n.n + " (" + n.op + ")" + (n.d ? " on " + n.d : "");
    if (("n" + i) === selected) grp.classList.add("selected");
    return grp;
  }

  function drawContents(g, s) {
    for (const [kind, i] of M.scopes[s].it) {
      if (!kind) { drawNode(g, i); continue; }
      const grp = drawScope(g, i);
      if (("s" + i) === selected) grp.classList.add("selected");
      if (expanded.has(i)) drawContents(grp, i);
    }
  }

  // ------------------------------------------------------------------ edges
  function edgeLabel(e) {
    if (e[3]) return "";
    const o = M.nodes[e[0]].o[e[2]];
    return o ? o.filter(t => t && t !== "?").join(" ") : "";
  }

  function routeFor(layouts, e, from, to) {
    // The lowest expanded scope holding both ends routes the edge between its children; an
    // end nested deeper first runs straight to its child's border, so edges leaving (or
    // entering) one box share their route beyond it.
    const a = nodeChain[e[0]], b = nodeChain[e[1]];
    let lca = 0;
    for (let i = 0; i < Math.min(a.length, b.length) && a[i] === b[i]; i++) lca = a[i];
    const lay = layouts.get(lca);
    const ca = childOf(lca, e[0]), cb = childOf(lca, e[1]);
    const route = lay && lay.routeOf.get(ca + ">" + cb);
    const fb = boxes.get(from), tb = boxes.get(to);
    const ab = boxes.get(ca), bb = boxes.get(cb);
    const start = [fb.x + fb.w / 2, fb.y + fb.h], end = [tb.x + tb.w / 2, tb.y];
    let middle = [[ab.x + ab.w / 2, ab.y + ab.h], [bb.x + bb.w / 2, bb.y]];
    if (route && !route.rev) {
      const [ox, oy] = lay.origin;
      middle = route.points.map(([x, y]) => [x + ox, y + oy]);
    } else if (route) {
      return [start, end];
    }
    const points = [start];
    if (from !== ca) points.push([start[0], ab.y + ab.h]);
    points.push(...middle.slice(1, -1));
    if (to !== cb) points.push([end[0], bb.y]);
    points.push(end);
    return points.filter((p, k) => k === 0 || p[0] !== points[k - 1][0] ||
                         p[1] !== points[k - 1][1]);
  }

  function pathOf(points) {
    let d = "M" + points[0][0] + "," + points[0][1];
    for (let k = 1; k < points.length; k++) {
      const [x0, y0] = points[k - 1], [x1, y1] = points[k];
      const dy = (y1 - y0) / 2;
      d += " C" + x0 + "," + (y0 + dy) + " " + x1 + "," + (y1 - dy) + " " + x1 + "," + y1;
    }
    return d;
  }

  function placeLabel(placed, points, label) {
    // Along the route, middle segments first; nowhere (no label) if every spot is taken.
    const w = label.length * 5.2 + 6, h = 11;
    const segments = points.slice(1).map((p, k) => [points[k], p]);
    const mid = Math.floor((segments.length - 1) / 2);
    segments.sort((a, b) => Math.abs(segments.indexOf(a) - mid) -
                  Math.abs(segments.indexOf(b) - mid));
    for (const [[x0, y0], [x1, y1]] of segments) {
      for (const t of [0.5, 0.3, 0.7, 0.15, 0.85]) {
        const x = x0 + (x1 - x0) * t + 4, y = y0 + (y1 - y0) * t;
        const box = [x, y - h + 2, x + w, y + 2];
        if (placed.every(b => box[2] < b[0] || box[0] > b[2] || box[3] < b[1] ||
                         box[1] > b[3])) {
          placed.push(box);
          return [x, y];
        }
      }
    }
    return null;
  }

  function drawEdges(g, layouts) {
    const drawn = new Map();
    const showAux = document.getElementById("aux").checked;
    M.edges.forEach(e => {
      const from = visibleOf(e[0]), to = visibleOf(e[1]);
      if (from === to || (!showAux && (isAux(from) || isAux(to)))) return;
      const key = from + ">" + to;
      const known = drawn.get(key);
      if (known) {
        known.count++;
        known.control = known.control && !!e[3];
        if (!e[3]) known.tensors.add(e[0] + ":" + e[2]);
        return;
      }
      drawn.set(key, {e: e, from: from, to: to, count: 1, control: !!e[3],
                      tensors: new Set(e[3] ? [] : [e[0] + ":" + e[2]])});
    });
    const placed = [];  // label boxes must not cover nodes or other labels
    for (const [key, b] of boxes) {
      if (key[0] === "n" || !expanded.has(+key.slice(1))) {
        placed.push([b.x, b.y, b.x + b.w, b.y + b.h]);
      }
    }
    for (const d of drawn.values()) {
      const points = routeFor(layouts, d.e, d.from, d.to);
      const width = Math.min(1.2 + Math.log2(d.count), 5);
      el("path", {d: pathOf(points), class: "edge" + (d.control ? " control" : ""),
                  "stroke-width": width, "marker-end": "url(#arrow)",
                  "data-from": d.from, "data-to": d.to}, g);
      const label = d.tensors.size > 1 ? d.tensors.size + " tensors" : edgeLabel(d.e);
      const at = label && !d.control ? placeLabel(placed, points, label) : null;
      if (at) text(g, at[0], at[1], label, "edge-label");
    }
  }

  // ------------------------------------------------------------------ render
  function render() {
    const layouts = new Map();
    boxes = new Map();
    const root = layoutScope(0, layouts);
    placeScope(0, layouts, 0, 0);
    world.textContent = "";
    const scopesLayer = el("g", {class: "contents"}, world);
    const edgeLayer = el("g", {class: "edges"}, world);
    drawContents(scopesLayer, 0);
    drawEdges(edgeLayer, layouts);
    world.dataset.width = root.width;
    world.dataset.height = root.height;
    applyView();
    drawLegend();
  }

  function applyView() {
    world.setAttribute("transform", "translate(" + view.x + "," + view.y + ") scale(" +
                       view.k + ")");
  }

  function fit() {
    const w = +world.dataset.width || 1, h = +world.dataset.height || 1;
    const box = svg.getBoundingClientRect();
    view.k = Math.min(1.5, (box.width - 40) / w, (box.height - 40) / h);
    view.x = (box.width - w * view.k) / 2;
    view.y = 20;
    applyView();
  }

  function centerOn(key) {
    const b = boxes.get(key);
    if (!b) return;
    const box = svg.getBoundingClientRect();
    view.k = Math.max(view.k, 0.8);
    view.x = box.width / 2 - (b.x + b.w / 2) * view.k;
    view.y = box.height / 2 - (b.y + b.h / 2) * view.k;
    applyView();
  }

  function toggle(s) {
    if (!s) return;
    if (expanded.has(s)) expanded.delete(s); else expanded.add(s);
    render();
  }

  function reveal(i) {
    for (const s of nodeChain[i]) expanded.add(s);
    select("n" + i);
    render();
    centerOn("n" + i);
  }

  // ------------------------------------------------------------------ side panel
  function link(parent, i, suffix) {
    const a = document.createElement("a");
    a.href = "#";
    a.textContent = M.nodes[i].n + (suffix || "");
    a.addEventListener("click", ev => { ev.preventDefault(); reveal(i); });
    parent.appendChild(a);
    return a;
  }

  function section(title) {
    const h = document.createElement("h3");
    h.textContent = title;
    panel.appendChild(h);
    const list = document.createElement("ul");
    panel.appendChild(list);
    return list;
  }

  function entry(list, content) {
    const li = document.createElement("li");
    if (typeof content === "string") li.textContent = content; else li.appendChild(content);
    list.appendChild(li);
    return li;
  }

  function showNode(i) {
    const n = M.nodes[i];
    panel.innerHTML = "";
    const h = document.createElement("h2");
    h.textContent = n.n;
    panel.appendChild(h);
    const info = section("Operation");
    entry(info, "type: " + n.op);
    entry(info, "kind: " + n.k + (n.v ? " (variable)" : ""));
    if (n.d) entry(info, "device: " + n.d);
    if (n.st) {
      entry(info, "compute time: " + n.st[0] + " us");
      entry(info, "memory: " + n.st[1] + " bytes");
    }
    const attrs = section("Attributes");
    for (const [k, v] of n.a) entry(attrs, k + " = " + v);
    const inputs = section("Inputs");
    M.edges.forEach(e => {
      if (e[1] !== i) return;
      const li = entry(inputs, "");
      link(li, e[0], e[3] ? " (control)" : (e[2] ? ":" + e[2] : ""));
      if (!e[3]) li.appendChild(document.createTextNode("  " + edgeLabel(e)));
    });
    const outputs = section("Outputs");
    n.o.forEach((o, k) => entry(outputs, ":" + k + "  " + o.join(" ")));
    const users = section("Consumers");
    for (const k of consumers[i]) {
      const e = M.edges[k];
      link(entry(users, ""), e[1], e[3] ? " (control)" : "");
    }
  }

  function showScope(s) {
    const sc = M.scopes[s];
    panel.innerHTML = "";
    const h = document.createElement("h2");
    h.textContent = sc.p + "/";
    panel.appendChild(h);
    const info = section("Name scope");
    entry(info, sc.size + " nodes" + (expanded.has(s) ? ", expanded" : ", collapsed"));
    const counts = new Map();
    M.nodes.forEach((n, i) => {
      if (nodeChain[i].includes(s)) counts.set(n.op, (counts.get(n.op) || 0) + 1);
    });
    const ops = section("Op types");
    [...counts.entries()].sort((a, b) => b[1] - a[1]).slice(0, 15)
      .forEach(([op, c]) => entry(ops, op + " \u00d7 " + c));
  }

  function select(key) {
    selected = key;
    world.querySelectorAll(".selected").forEach(e => e.classList.remove("selected"));
    if (key[0] === "n") {
      showNode(+key.slice(1));
      const g = world.querySelector('g.node[data-name="' + CSS.escape(M.nodes[+key.slice(1)].n) +
                                    '"]');
      if (g) g.classList.add("selected");
    } else {
      showScope(+key.slice(1));
    }
  }

  // ------------------------------------------------------------------ legend and toolbar
  function drawLegend() {
    const legend = document.getElementById("legend");
    legend.innerHTML = "";
    for (const [label, color] of M.legend[colorMode]) {
      const item = document.createElement("span");
      const swatch = document.createElement("i");
      swatch.style.background = color;
      item.appendChild(swatch);
      item.appendChild(document.createTextNode(label));
      legend.appendChild(item);
    }
  }

  function setupSearch() {
    const input = document.getElementById("search");
    const results = document.getElementById("results");
    const matches = () => {
      const q = input.value.trim().toLowerCase();
      if (!q) return [];
      const found = [];
      for (let i = 0; i < M.nodes.length && found.length < 30; i++) {
        if (M.nodes[i].n.toLowerCase().includes(q)) found.push(i);
      }
      return found;
    };
    input.addEventListener("input", () => {
      results.innerHTML = "";
      for (const i of matches()) {
        const li = document.createElement("li");
        link(li, i);
        results.appendChild(li);
      }
    });
    input.addEventListener("keydown", ev => {
      if (ev.key !== "Enter") return;
      const found = matches();
      if (found.length) reveal(found[0]);
    });
  }

  function setupToolbar() {
    document.title = M.title;
    document.getElementById("title").textContent = M.title;
    const color = document.getElementById("color");
    for (const mode of M.modes) {
      const option = document.createElement("option");
      option.value = mode;
      option.textContent = "color: " + mode;
      option.selected = mode === colorMode;
      color.appendChild(option);
    }
    color.addEventListener("change", () => { colorMode = color.value; render(); });
    const all = M.scopes.map((s, i) => i);
    document.getElementById("expand-all").addEventListener("click", () => {
      expanded = new Set(all); render(); fit();
    });
    document.getElementById("collapse-all").addEventListener("click", () => {
      expanded = new Set([0]); render(); fit();
    });
    document.getElementById("reset").addEventListener("click", () => {
      expanded = new Set(M.expanded); render(); fit();
    });
    document.getElementById("fit").addEventListener("click", fit);
    document.getElementById("aux").addEventListener("change", render);
  }

  function setupPanZoom() {
    let drag = null;
    svg.addEventListener("mousedown", ev => {
      drag = [ev.clientX - view.x, ev.clientY - view.y, ev.clientX, ev.clientY];
      dragged = false;
    });
    window.addEventListener("mousemove", ev => {
      if (!drag) return;
      if (Math.abs(ev.clientX - drag[2]) + Math.abs(ev.clientY - drag[3]) > 4) dragged = true;
      if (!dragged) return;
      view.x = ev.clientX - drag[0];
      view.y = ev.clientY - drag[1];
      applyView();
    });
    window.addEventListener("mouseup", () => { drag = null; });
    svg.addEventListener("wheel", ev => {
      ev.preventDefault();
      const box = svg.getBoundingClientRect();
      const mx = ev.clientX - box.left, my = ev.clientY - box.top;
      const k = Math.min(4, Math.max(0.05, view.k * Math.exp(-ev.deltaY * 0.0015)));
      view.x = mx - (mx - view.x) * k / view.k;
      view.y = my - (my - view.y) * k / view.k;
      view.k = k;
      applyView();
    }, {passive: false});
  }

  setupToolbar();
  setupSearch();
  setupPanZoom();
  render();
  fit();
  window.GF_VIEWER = {expand: s => { expanded.add(s); render(); }, reveal: reveal,
                      render: render, expanded: () => [...expanded].map(s => M.scopes[s].p)};
})();
