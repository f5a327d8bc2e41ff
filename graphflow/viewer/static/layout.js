// graphflow viewer: layered layout of one scope's contents (a Sugiyama-style layout).
//
// layoutLayers(items, edges) places items (each {w, h}) top to bottom:
//   1. cycles are broken by reversing DFS back edges;
//   2. ranks by longest path from the sources, then sources are pulled down next to their
//      first consumer (so a constant sits just above its user);
//   3. edges spanning several ranks get dummy points, one per rank;
//   4. orders within ranks by barycenter sweeps (down and up);
//   5. x coordinates by repeated least-squares placement towards the neighbours' mean,
//      keeping the order and the minimum gaps (pool-adjacent-violators isotonic regression).
// Returns {width, height, pos: [{x, y, w, h}], routes: [{from, to, points: [[x, y], ...]}]}
// with positions relative to the top-left corner.
"use strict";

const GF_LAYOUT = (function () {
  const NODE_GAP = 18;
  const RANK_GAP = 38;
  const DUMMY_WIDTH = 8;

  function breakCycles(n, edges) {
    const out = Array.from({length: n}, () => []);
    edges.forEach((e, k) => out[e.from].push(k));
    const state = new Uint8Array(n);  // 0 new, 1 on stack, 2 done
    const reversed = new Set();
    for (let root = 0; root < n; root++) {
      if (state[root]) continue;
      const stack = [[root, 0]];
      state[root] = 1;
      while (stack.length) {
        const top = stack[stack.length - 1];
        const list = out[top[0]];
        if (top[1] >= list.length) { state[top[0]] = 2; stack.pop(); continue; }
        const k = list[top[1]++];
        const v = edges[k].to;
        if (state[v] === 1) reversed.add(k);
        else if (state[v] === 0) { state[v] = 1; stack.push([v, 0]); }
      }
    }
    return edges.map((e, k) => reversed.has(k) ?
      {from: e.to, to: e.from, id: k, rev: true} : {from: e.from, to: e.to, id: k, rev: false});
  }

  function assignRanks(n, dag) {
    const preds = Array.from({length: n}, () => []);
    const succs = Array.from({length: n}, () => []);
    const indeg = new Int32Array(n);
    dag.forEach(e => { preds[e.to].push(e.from); succs[e.from].push(e.to); indeg[e.to]++; });
    const rank = new Int32Array(n);
    const order = [];
    const queue = [];
    for (let v = 0; v < n; v++) if (!indeg[v]) queue.push(v);
    for (let head = 0; head < queue.length; head++) {
      const v = queue[head];
      order.push(v);
      for (const w of succs[v]) {
        rank[w] = Math.max(rank[w], rank[v] + 1);
        if (--indeg[w] === 0) queue.push(w);
      }
    }
    for (let k = order.length - 1; k >= 0; k--) {  // pull sources down to their consumers
      const v = order[k];
      if (preds[v].length || !succs[v].length) continue;
      let lowest = Infinity;
      for (const w of succs[v]) lowest = Math.min(lowest, rank[w]);
      rank[v] = Math.max(0, lowest - 1);
    }
    return rank;
  }

  function addDummies(n, dag, rank, items) {
    // Nodes: items first, then dummies. Each DAG edge becomes a chain of unit-span segments.
    const nodes = items.map((it, i) => ({w: it.w, h: it.h, rank: rank[i], dummy: false}));
    const segments = [];
    const chains = [];
    for (const e of dag) {
      const chain = [e.from];
      for (let r = rank[e.from] + 1; r < rank[e.to]; r++) {
        nodes.push({w: DUMMY_WIDTH, h: 0, rank: r, dummy: true});
        chain.push(nodes.length - 1);
      }
      chain.push(e.to);
      for (let k = 0; k + 1 < chain.length; k++) segments.push([chain[k], chain[k + 1]]);
      chains.push({edge: e, chain: chain});
    }
    return {nodes: nodes, segments: segments, chains: chains};
  }

  function orderRanks(nodes, segments) {
    const maxRank = nodes.reduce((m, v) => Math.max(m, v.rank), 0);
    const layers = Array.from({length: maxRank + 1}, () => []);
    nodes.forEach((v, i) => layers[v.rank].push(i));
    const up = nodes.map(() => []);
    const down = nodes.map(() => []);
    for (const [a, b] of segments) { down[a].push(b); up[b].push(a); }
    const pos = new Float64Array(nodes.length);
    const key = new Float64Array(nodes.length);
    const setPositions = layer => layer.forEach((v, i) => { pos[v] = i; });
    layers.forEach(setPositions);
    const sweep = (layer, neighbours) => {
      for (const v of layer) {
        const ns = neighbours[v];
        let sum = 0;
        for (const u of ns) sum += pos[u];
        key[v] = ns.length ? sum / ns.length : pos[v];
      }
      layer.sort((a, b) => key[a] - key[b] || pos[a] - pos[b]);
      setPositions(layer);
    };
    const sweeps = nodes.length > 20000 ? 2 : 6;
    for (let iter = 0; iter < sweeps; iter++) {
      for (let r = 1; r < layers.length; r++) sweep(layers[r], up);
      for (let r = layers.length - 2; r >= 0; r--) sweep(layers[r], down);
    }
    return {layers: layers, up: up, down: down};
  }

  function isotonic(target, weight) {
    // Pool adjacent violators: the non-decreasing sequence closest to `target`.
    const blocks = [];
    for (let i = 0; i < target.length; i++) {
      blocks.push({sum: target[i] * weight[i], w: weight[i], n: 1});
      while (blocks.length > 1) {
        const b = blocks[blocks.length - 1], a = blocks[blocks.length - 2];
        if (a.sum / a.w <= b.sum / b.w) break;
        a.sum += b.sum; a.w += b.w; a.n += b.n;
        blocks.pop();
      }
    }
    const result = [];
    for (const b of blocks) for (let k = 0; k < b.n; k++) result.push(b.sum / b.w);
    return result;
  }

  function placeLayer(layer, nodes, x, desired) {
    const offset = [0];
    for (let i = 1; i < layer.length; i++) {
      offset.push(offset[i - 1] + (nodes[layer[i - 1]].w + nodes[layer[i]].w) / 2 + NODE_GAP);
    }
    const target = layer.map((v, i) => desired[i] - offset[i]);
    const weight = layer.map(v => nodes[v].dummy ? 0.5 : 1);
    const y = isotonic(target, weight);
    layer.forEach((v, i) => { x[v] = y[i] + offset[i]; });
  }

  function assignX(nodes, ordering) {
    const {layers, up, down} = ordering;
    const x = new Float64Array(nodes.length);
    for (const layer of layers) {
      let left = 0;
      for (const v of layer) { x[v] = left + nodes[v].w / 2; left += nodes[v].w + NODE_GAP; }
    }
    const mean = (v, useUp, useDown) => {
      let sum = 0, count = 0;
      if (useUp) { for (const u of up[v]) sum += x[u]; count += up[v].length; }
      if (useDown) { for (const u of down[v]) sum += x[u]; count += down[v].length; }
      return count ? sum / count : x[v];
    };
    const rounds = nodes.length > 20000 ? 3 : 8;
    for (let iter = 0; iter < rounds; iter++) {
      const last = iter === rounds - 1;
      const useUp = last || iter % 2 === 0, useDown = last || iter % 2 === 1;
      const ranks = iter % 2 ? layers.slice().reverse() : layers;
      for (const layer of ranks) {
        placeLayer(layer, nodes, x, layer.map(v => mean(v, useUp, useDown)));
      }
    }
    return x;
  }

  function layoutLayers(items, edges) {
    const n = items.length;
    if (!n) return {width: 0, height: 0, pos: [], routes: []};
    const dag = breakCycles(n, edges);
    const rank = assignRanks(n, dag);
    const graph = addDummies(n, dag, rank, items);
    const ordering = orderRanks(graph.nodes, graph.segments);
    const x = assignX(graph.nodes, ordering);
    const tops = [];
    let top = 0;
    for (const layer of ordering.layers) {
      tops.push(top);
      top += layer.reduce((m, v) => Math.max(m, graph.nodes[v].h), 0) + RANK_GAP;
    }
    const height = Math.max(0, top - RANK_GAP);
    let minX = Infinity, maxX = -Infinity;
    graph.nodes.forEach((v, i) => {
      minX = Math.min(minX, x[i] - v.w / 2);
      maxX = Math.max(maxX, x[i] + v.w / 2);
    });
    const rowHeight = r => (r + 1 < tops.length ? tops[r + 1] - RANK_GAP : height) - tops[r];
    const pos = items.map((it, i) => ({
      x: x[i] - minX - it.w / 2,
      y: tops[rank[i]] + (rowHeight(rank[i]) - it.h) / 2, w: it.w, h: it.h}));
    const routes = graph.chains.map(({edge, chain}) => {
      let points = chain.map(v => [x[v] - minX, v < n ? null : tops[graph.nodes[v].rank] +
                                   rowHeight(graph.nodes[v].rank) / 2]);
      points[0][1] = pos[chain[0]].y + pos[chain[0]].h;
      points[points.length - 1][1] = pos[chain[chain.length - 1]].y;
      if (edge.rev) points = points.reverse();
      const original = edges[edge.id];
      return {from: original.from, to: original.to, points: points, rev: edge.rev};
    });
    return {width: maxX - minX, height: height, pos: pos, routes: routes};
  }

  return {layoutLayers: layoutLayers};
})();
