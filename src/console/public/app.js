// The console's entry point: reads the JSON API of the service that serves it, refreshes every 15 s.
import { renderAlerts, renderDeliveries } from "./alerts.js";
import { renderScoreChart, watchResizes } from "./charts.js";
import { empty, fill, getJSON, h } from "./dom.js";
import { renderHealth, renderReleases } from "./panels.js";
import { renderWorst } from "./worst.js";

const HOUR = 3_600_000;
const RANGES = {
  "1h": { ms: HOUR, bucket: "1m" },
  "6h": { ms: 6 * HOUR, bucket: "5m" },
  "24h": { ms: 24 * HOUR, bucket: "15m" },
  "7d": { ms: 7 * 24 * HOUR, bucket: "2h" },
};
const SPLITS = [
  ["release", "by release"],
  ["service", "by service"],
  ["model", "by model"],
  ["release,service,model", "by release · service · model"],
  ["", "all together"],
];
const REFRESH_MS = 15_000;

const params = new URLSearchParams(location.search);
const state = {
  range: RANGES[params.get("range")] ? params.get("range") : "6h",
  split: new Map(),
  worstEvaluator: "",
};
const $ = (id) => document.getElementById(id);
const observe = watchResizes(document.body);
const cards = new Map();

/** Runs a panel's loader; a failure shows in that panel only. */
async function guarded(el, load) {
  try {
    await load();
  } catch (err) {
    fill(el, h("div", { class: "error" }, `Could not load: ${err.message}`));
  }
}

function evaluatorCard(name) {
  let card = cards.get(name);
  if (card) return card;
  const select = h(
    "select",
    { "aria-label": `split ${name}`, onchange: () => loadEvaluator(name) },
    SPLITS.map(([value, label]) => h("option", { value }, label)),
  );
  select.value = state.split.get(name) ?? "release";
  card = {
    select,
    chart: h("div", { class: "chart", dataset: { evaluator: name } }),
    releases: h("div", { class: "release-table" }),
    count: h("span", { class: "muted" }),
  };
  const el = h(
    "article",
    { class: "card", dataset: { evaluator: name } },
    h(
      "header",
      { class: "card-head" },
      h("h3", {}, name),
      card.count,
      h("span", { class: "spacer" }),
      select,
    ),
    card.chart,
    h("h4", {}, "This release against the previous one"),
    card.releases,
  );
  $("charts").append(el);
  observe(card.chart);
  cards.set(name, card);
  return card;
}

async function loadEvaluator(name) {
  const card = evaluatorCard(name);
  state.split.set(name, card.select.value);
  const range = RANGES[state.range];
  const until = new Date();
  const since = new Date(until.getTime() - range.ms);
  await Promise.all([
    guarded(card.chart, async () => {
      const scores = await getJSON("v1/stats/scores", {
        evaluator: name,
        bucket: range.bucket,
        since: since.toISOString(),
        until: until.toISOString(),
        split: card.select.value,
      });
      renderScoreChart(card.chart, scores);
      const n = scores.series.reduce((a, s) => a + s.count, 0);
      card.count.textContent = `${n.toLocaleString("en-US")} scored in the last ${state.range}`;
    }),
    guarded(card.releases, async () =>
      renderReleases(card.releases, await getJSON("v1/stats/releases", { evaluator: name })),
    ),
  ]);
}

async function loadCharts() {
  const { evaluators } = await getJSON("v1/stats/evaluators");
  if (evaluators.length === 0) {
    fill($("charts"), empty("No eval events yet: send traces to /v1/traces."));
    cards.clear();
    return;
  }
  if (cards.size === 0) fill($("charts"));
  const filter = $("worst-evaluator");
  const known = new Set([...filter.options].map((o) => o.value));
  for (const e of evaluators)
    if (!known.has(e.name)) filter.append(h("option", { value: e.name }, e.name));
  await Promise.all(evaluators.map((e) => loadEvaluator(e.name)));
}

async function loadAll() {
  await Promise.all([
    guarded($("health"), async () => renderHealth($("health"), await getJSON("v1/console/health"))),
    guarded($("charts"), loadCharts),
    guarded($("worst"), async () => {
      const { evaluations } = await getJSON("v1/evaluations/worst", {
        limit: 8,
        evaluator: state.worstEvaluator || undefined,
      });
      renderWorst($("worst"), evaluations);
    }),
    guarded($("alerts"), async () =>
      renderAlerts($("alerts"), (await getJSON("v1/console/alerts")).rules),
    ),
    guarded($("deliveries"), async () =>
      renderDeliveries(
        $("deliveries"),
        (await getJSON("v1/console/deliveries", { limit: 12 })).deliveries,
      ),
    ),
  ]);
  $("updated").textContent = `Updated ${new Date().toLocaleTimeString()}`;
  document.body.dataset.ready = "true";
}

function setup() {
  for (const button of document.querySelectorAll("[data-range]")) {
    button.classList.toggle("active", button.dataset.range === state.range);
    button.addEventListener("click", () => {
      state.range = button.dataset.range;
      for (const b of document.querySelectorAll("[data-range]"))
        b.classList.toggle("active", b === button);
      const url = new URL(location.href);
      url.searchParams.set("range", state.range);
      history.replaceState(null, "", url);
      loadCharts();
    });
  }
  $("worst-evaluator").addEventListener("change", (event) => {
    state.worstEvaluator = event.target.value;
    loadAll();
  });
  getJSON("v1/console/settings")
    .then((settings) => {
      if (settings.queue_board)
        $("queue-board").setAttribute("href", settings.queue_board.replace(/^\//, ""));
      else $("queue-board").hidden = true;
      $("trace-note").hidden = settings.trace_url_template !== null;
    })
    .catch(() => {});
  loadAll();
  setInterval(() => {
    if (document.visibilityState === "visible") loadAll();
  }, REFRESH_MS);
}

setup();
