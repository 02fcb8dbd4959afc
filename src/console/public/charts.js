// Score time series with uPlot: one line per split value, the alert thresholds as dashed lines.

import { empty, fill, h } from "./dom.js";
import uPlot from "./vendor/uPlot.esm.js";

export const PALETTE = [
  "#4f46e5",
  "#0891b2",
  "#059669",
  "#d97706",
  "#db2777",
  "#7c3aed",
  "#0d9488",
  "#ea580c",
  "#475569",
  "#65a30d",
  "#2563eb",
  "#be123c",
];
const THRESHOLD_STYLE = {
  fire: { stroke: "#dc2626", dash: [7, 5] },
  warn: { stroke: "#d97706", dash: [3, 4] },
};
const HEIGHT = 260;
const charts = new WeakMap();

/** "v43 · support-bot · gpt-4o", or "all events" without a split. */
export function seriesLabel(series, split) {
  const parts = split.map((key) => series[key] ?? `(no ${key})`);
  return parts.length > 0 ? parts.join(" · ") : "all events";
}

/** The chart's data: the range ends, every bucket, and one value array per series and threshold. */
export function chartData(response) {
  const since = Date.parse(response.since) / 1000;
  const until = Date.parse(response.until) / 1000;
  const times = new Set([since, until]);
  for (const s of response.series) for (const p of s.points) times.add(Date.parse(p.t) / 1000);
  const xs = [...times].sort((a, b) => a - b);
  const index = new Map(xs.map((x, i) => [x, i]));
  const lines = response.series.map((s) => {
    const ys = new Array(xs.length).fill(null);
    for (const p of s.points) ys[index.get(Date.parse(p.t) / 1000)] = p.mean;
    return ys;
  });
  const levels = response.thresholds.map((t) => new Array(xs.length).fill(t.value));
  return { since, until, data: [xs, ...lines, ...levels] };
}

/** " (service.version=v43)": the part of the traffic a threshold applies to. */
const scopeNote = (scope) => {
  const text = Object.entries(scope ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(", ");
  return text ? ` (${text})` : "";
};

function options(response, width, range) {
  const split = response.split;
  const series = [
    {},
    ...response.series.map((s, i) => ({
      label: `${seriesLabel(s, split)} (n=${s.count})`,
      stroke: PALETTE[i % PALETTE.length],
      width: 2,
      spanGaps: true,
      points: { size: 6, width: 1.5, fill: "#fff" },
      value: (_u, v) => (v === null || v === undefined ? "–" : v.toFixed(3)),
    })),
    ...response.thresholds.map((t) => ({
      label: `${t.level === "fire" ? "alert" : "warning"}: ${t.rule} < ${t.value}${scopeNote(t.scope)}`,
      stroke: THRESHOLD_STYLE[t.level].stroke,
      dash: THRESHOLD_STYLE[t.level].dash,
      width: 1.5,
      points: { show: false },
      value: () => t.value.toFixed(2),
    })),
  ];
  const axis = { stroke: "#64748b", grid: { stroke: "#eef1f6", width: 1 }, ticks: { show: false } };
  return {
    width,
    height: HEIGHT,
    series,
    scales: { x: { time: true, range: () => range }, y: { range: () => [0, 1.02] } },
    axes: [
      { ...axis, space: 70 },
      { ...axis, size: 44, values: (_u, vals) => vals.map((v) => v.toFixed(1)) },
    ],
    focus: { alpha: 0.35 },
    cursor: { focus: { prox: 24 }, points: { size: 8 } },
    legend: { live: true },
  };
}

/** Draws (or redraws) an evaluator's chart into `el` from a `/v1/stats/scores` response. */
export function renderScoreChart(el, response) {
  charts.get(el)?.destroy();
  charts.delete(el);
  if (response.series.length === 0) {
    fill(el, empty("No scored eval events in this range."));
    return;
  }
  fill(el);
  const { since, until, data } = chartData(response);
  const width = Math.max(320, el.clientWidth || 600);
  const plot = new uPlot(options(response, width, [since, until]), data, el);
  charts.set(el, plot);
  if (response.truncated)
    el.append(h("p", { class: "note" }, "Only the busiest series are drawn."));
}

/** Keeps every chart as wide as its card. */
export function watchResizes(root) {
  const observer = new ResizeObserver((entries) => {
    for (const entry of entries) {
      const plot = charts.get(entry.target);
      const width = Math.floor(entry.contentRect.width);
      if (plot && width > 0 && Math.abs(plot.width - width) > 2)
        plot.setSize({ width, height: HEIGHT });
    }
  });
  return (el) => {
    if (root.contains(el)) observer.observe(el);
  };
}
