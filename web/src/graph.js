// The collapsed plan `pipec graph` draws (nodes per region per wave,
// boxes per stage and wave, gates once), laid out top to bottom in layers:
// a node's layer is the length of the longest path of needs reaching it.
import { el } from "./svg.js";

const LINE = 13;
const PAD = 6;
const GAP_X = 14;
const GAP_Y = 30;
const CHAR = 6.1;
const PER_ROW = 3;

function depths(graph) {
  const incoming = graph.nodes.map(() => []);
  for (const [from, to] of graph.edges) incoming[to]?.push(from);
  const depth = new Array(graph.nodes.length).fill(-1);
  const visit = (index, trail) => {
    if (depth[index] >= 0) return depth[index];
    if (trail.has(index)) return 0;
    trail.add(index);
    let d = 0;
    for (const from of incoming[index]) d = Math.max(d, visit(from, trail) + 1);
    trail.delete(index);
    depth[index] = d;
    return d;
  };
  graph.nodes.forEach((_, index) => visit(index, new Set()));
  return depth;
}

/** The chain of boxes a node is in, innermost first. */
function chain(graph, cluster) {
  const boxes = [];
  for (let at = cluster; at !== null && at !== undefined; at = graph.clusters[at]?.parent) {
    boxes.push(at);
  }
  return boxes;
}

/**
 * Draws `graph` (the module's `compile` answer's `graph`) into
 * `container`; the stylesheet shrinks it to the container's width.
 */
export function renderGraph(container, graph) {
  const depth = depths(graph);
  const layers = [];
  graph.nodes.forEach((node, index) => {
    (layers[depth[index]] ??= []).push(index);
  });
  // Top to bottom, a layer per row; a wave of many regions takes several
  // rows rather than one very wide one.
  const rows = layers.flatMap((layer) => {
    const chunks = [];
    for (let i = 0; i < (layer ?? []).length; i += PER_ROW) chunks.push(layer.slice(i, i + PER_ROW));
    return chunks;
  });
  const size = graph.nodes.map((node) => ({
    width: Math.max(...node.lines.map((line) => line.length)) * CHAR + 2 * PAD,
    height: node.lines.length * LINE + 2 * PAD,
  }));
  // Boxes need room above their first node for their title, more for a
  // box holding boxes.
  const nesting = graph.nodes.map((node) => chain(graph, node.cluster).length);
  const rowWidth = (row) => row.reduce((sum, index) => sum + size[index].width + GAP_X, -GAP_X);
  const widest = Math.max(...rows.map(rowWidth), 0);
  const place = [];
  let y = 20;
  let previousBoxes = "";
  for (const row of rows) {
    const boxes = row.map((index) => graph.nodes[index].cluster).join(",");
    // Entering other boxes: room for their titles.
    if (boxes !== previousBoxes) y += 8 + Math.max(...row.map((index) => nesting[index])) * 14;
    previousBoxes = boxes;
    let x = 30 + (widest - rowWidth(row)) / 2;
    const height = Math.max(...row.map((index) => size[index].height));
    for (const index of row) {
      place[index] = { x, y, width: size[index].width, height: size[index].height };
      x += size[index].width + GAP_X;
    }
    y += height + GAP_Y;
  }
  const svgWidth = widest + 60;
  const svgHeight = y + 20;
  const svg = el("svg", {
    width: svgWidth,
    height: svgHeight,
    viewBox: `0 0 ${svgWidth} ${svgHeight}`,
    role: "img",
    "aria-label": `the graph of ${graph.pipeline}`,
  });
  svg.append(
    el("defs", {},
      el("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" },
        el("path", { d: "M 0 0 L 10 5 L 0 10 z", fill: "#8c959f" }))),
  );
  // Boxes, outermost first so that inner ones are drawn over them.
  const order = graph.clusters.map((_, index) => index)
    .sort((a, b) => chain(graph, a).length - chain(graph, b).length);
  for (const index of order) {
    const cluster = graph.clusters[index];
    const members = graph.nodes
      .map((node, n) => [node, n])
      .filter(([node]) => chain(graph, node.cluster).includes(index))
      .map(([, n]) => place[n]);
    if (members.length === 0) continue;
    const inner = chain(graph, index).length;
    const padding = 14 - inner * 4 + 8;
    const left = Math.min(...members.map((p) => p.x)) - padding;
    const top = Math.min(...members.map((p) => p.y)) - padding - 14;
    const right = Math.max(...members.map((p) => p.x + p.width)) + padding;
    const bottom = Math.max(...members.map((p) => p.y + p.height)) + padding;
    svg.append(el("g", { class: "cluster", "data-cluster-key": cluster.key, "data-wave": cluster.wave ? "true" : "false" },
      el("rect", { x: left, y: top, width: right - left, height: bottom - top, rx: 8 }),
      el("text", { x: left + 8, y: top + 13 }, cluster.label)));
  }
  for (const [from, to] of graph.edges) {
    const a = place[from];
    const b = place[to];
    if (!a || !b) continue;
    const x1 = a.x + a.width / 2;
    const y1 = a.y + a.height;
    const x2 = b.x + b.width / 2;
    const y2 = b.y;
    const bend = Math.max(12, (y2 - y1) / 2);
    svg.append(el("path", {
      class: "edge",
      d: `M ${x1} ${y1} C ${x1} ${y1 + bend}, ${x2} ${y2 - bend}, ${x2} ${y2}`,
      "marker-end": "url(#arrow)",
    }));
  }
  graph.nodes.forEach((node, index) => {
    const p = place[index];
    const group = el("g", { class: `node ${node.shape}`, "data-key": node.key });
    group.append(el("rect", { x: p.x, y: p.y, width: p.width, height: p.height, rx: node.shape === "bake" ? 10 : 3 }));
    node.lines.forEach((line, n) => {
      group.append(el("text", { x: p.x + PAD, y: p.y + PAD + LINE * (n + 1) - 3 }, line));
    });
    if (node.steps.length > 0) group.append(el("title", {}, node.steps.join("\n")));
    svg.append(group);
  });
  container.replaceChildren(svg);
}
