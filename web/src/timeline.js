// The simulated rollout as a Gantt chart: a row per region of each stage
// and wave (and per step of no region), bars for each step run, the
// hours the plan's window is closed, weekends and holidays shaded.
import { el } from "./svg.js";

const LEFT = 170;
const ROW = 15;
const TOP = 34;

/** Draws `timeline` (the module's `simulate` answer) into `container`. */
export function renderTimeline(container, timeline) {
  const start = Date.parse(timeline.start);
  const end = Math.max(Date.parse(timeline.end), start + 60_000);
  const width = Math.max(container.clientWidth - 10, 760);
  const plot = width - LEFT - 16;
  const x = (iso) => LEFT + ((Math.min(Math.max(Date.parse(iso), start), end) - start) / (end - start)) * plot;
  // A row for each slot's title, then its rows.
  const lines = [];
  let slot = null;
  for (const row of timeline.rows) {
    if (row.slot !== slot) {
      slot = row.slot;
      lines.push({ title: slot });
    }
    lines.push({ row });
  }
  const height = TOP + lines.length * ROW + 24;
  const svg = el("svg", {
    width,
    height,
    viewBox: `0 0 ${width} ${height}`,
    role: "img",
    "aria-label": `the rollout of ${timeline.pipeline}`,
  });
  const band = (cls, from, to, extra = {}) =>
    el("rect", { class: cls, x: x(from), y: TOP - 4, width: Math.max(x(to) - x(from), 0), height: height - TOP - 16, ...extra });
  for (const span of timeline.closed) svg.append(band("closed", span.start, span.end));
  for (const day of timeline.days) {
    if (day.weekend) svg.append(band("weekend", day.start, day.end, { "data-date": day.date }));
    if (day.holiday) svg.append(band("holiday", day.start, day.end, { "data-date": day.date }));
  }
  // Days along the top, in the plan's zone.
  for (const day of timeline.days) {
    const at = x(day.start);
    if (Date.parse(day.start) >= start) {
      svg.append(el("line", { class: "gridline", x1: at, x2: at, y1: TOP - 12, y2: height - 20 }));
    }
    const noon = new Date(`${day.date}T12:00:00Z`);
    const room = x(day.end) - Math.max(x(day.start), LEFT);
    // The whole date where it fits, the weekday where only that does.
    const label = room > 64
      ? noon.toLocaleDateString("en-GB", { weekday: "short", day: "numeric", month: "short", timeZone: "UTC" })
      : noon.toLocaleDateString("en-GB", { weekday: "short", timeZone: "UTC" });
    const middle = (Math.max(x(day.start), LEFT) + x(day.end)) / 2;
    if (room > 22) {
      svg.append(el("text", { class: "axis", x: middle, y: TOP - 16, "text-anchor": "middle" }, label));
    }
  }
  lines.forEach((line, n) => {
    const y = TOP + n * ROW;
    if (line.title) {
      svg.append(el("text", { class: "slot-label", x: 4, y: y + ROW - 4 }, line.title));
      return;
    }
    const { row } = line;
    svg.append(el("text", { class: "row-label", x: 14, y: y + ROW - 4 }, row.label));
    for (const bar of row.bars) {
      const left = x(bar.start);
      svg.append(el("rect", {
        class: "bar",
        x: left,
        y: y + 2,
        width: Math.max(x(bar.end) - left, 1.5),
        height: ROW - 4,
        rx: 2,
        "data-kind": bar.kind,
        "data-step": bar.step,
        "data-start": bar.start,
        "data-end": bar.end,
        "data-ending": bar.ending,
      }, el("title", {}, `${bar.step}\n${bar.kind}, ${bar.start} → ${bar.end}${bar.ending === "finished" ? "" : `, ${bar.ending}`}`)));
    }
  });
  svg.append(el("line", { class: "end-line", x1: x(timeline.end), x2: x(timeline.end), y1: TOP - 8, y2: height - 20 }));
  container.replaceChildren(svg);
}
