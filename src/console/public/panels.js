// Pipeline health and the release comparison.
import {
  ago,
  empty,
  fill,
  fmtInt,
  fmtPct,
  fmtScore,
  fmtUsd,
  h,
  pairs,
  pill,
  scoreClass,
} from "./dom.js";

const sum = (obj) => Object.values(obj ?? {}).reduce((a, b) => a + b, 0);

function tile(label, value, detail, kind = "") {
  return h(
    "div",
    { class: `tile ${kind}` },
    h("div", { class: "tile-label" }, label),
    h("div", { class: "tile-value" }, value),
    h("div", { class: "tile-detail" }, detail || "\u00a0"),
  );
}

function queueTable(queues) {
  const cols = ["waiting", "active", "delayed", "failed"];
  return h(
    "table",
    { class: "mini" },
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        h("th", {}, "queue"),
        cols.map((c) => h("th", { class: "num" }, c)),
      ),
    ),
    h(
      "tbody",
      {},
      queues.map((q) =>
        h(
          "tr",
          { dataset: { queue: q.name } },
          h("td", {}, q.name, q.paused ? pill("paused", "warn") : null),
          q.counts
            ? cols.map((c) =>
                h(
                  "td",
                  { class: `num ${c === "failed" && q.counts[c] > 0 ? "bad-text" : ""}` },
                  fmtInt(q.counts[c] + (c === "waiting" ? (q.counts.prioritized ?? 0) : 0)),
                ),
              )
            : h("td", { colspan: cols.length, class: "bad-text" }, q.error),
        ),
      ),
    ),
  );
}

/** The live processes whose counters the health strip sums, and what that sum means. */
function processTable(deployment) {
  if (deployment.error !== null) {
    return h(
      "p",
      { class: "bad-text" },
      `Redis did not answer (${deployment.error}): the counters above are this process's only.`,
    );
  }
  return [
    h(
      "table",
      { class: "mini" },
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          ["role", "host", "pid", "started", "last seen"].map((c) => h("th", {}, c)),
        ),
      ),
      h(
        "tbody",
        {},
        deployment.processes.map((proc) =>
          h(
            "tr",
            { dataset: { process: proc.id } },
            h("td", {}, proc.role, proc.self ? pill("this one") : null),
            h("td", {}, proc.host),
            h("td", { class: "num" }, String(proc.pid)),
            h("td", {}, ago(proc.started_at)),
            h("td", {}, ago(proc.last_seen)),
          ),
        ),
      ),
    ),
    h(
      "p",
      { class: "muted" },
      "Counts are summed over these live processes, each since it started: a process that " +
        "restarts counts from zero again, and one that stops drops out within seconds.",
    ),
  ];
}

/**
 * The health strip: what came in (over every live process of the deployment), what was judged
 * today, what it cost, what is queued, and which processes are counted.
 */
export function renderHealth(el, health) {
  const d = health.deployment;
  // Without Redis the deployment's figures are unknown: this process's stand in, said to be so.
  const p = d.error === null ? d : health.process;
  const t = health.today;
  const { not_sampled: notSampled = 0, ...sampledBy } = p.traces_sampled;
  const sampled = sum(sampledBy);
  const rejected = sum(p.spans_rejected);
  fill(
    el,
    tile(
      "Spans received",
      fmtInt(p.spans_received),
      rejected > 0
        ? `${fmtInt(rejected)} rejected (${pairs(p.spans_rejected, ": ")})`
        : "none rejected",
    ),
    tile(
      "Traces sampled",
      `${fmtInt(sampled)} / ${fmtInt(sampled + notSampled)}`,
      sampled > 0 ? pairs(sampledBy, ": ") : `${fmtInt(d.pending_traces)} waiting to assemble`,
    ),
    tile(
      "LLM spans not evaluated",
      fmtInt(sum(p.spans_not_evaluated)),
      pairs(p.spans_not_evaluated, ": ") || "every LLM span sampled",
    ),
    tile(
      "Eval events today",
      fmtInt(t.eval_events),
      `ok ${fmtInt(t.by_status.ok)} · skipped ${fmtInt(t.by_status.skipped)} · error ${fmtInt(t.by_status.error)}`,
      t.by_status.error > 0 ? "warn" : "",
    ),
    tile(
      "Skipped today, by reason",
      fmtInt(sum(t.skipped_by_reason)),
      pairs(t.skipped_by_reason, ": ") || "nothing skipped",
    ),
    tile(
      "Judge spend today",
      fmtUsd(t.judge_spend_usd),
      `${fmtInt(t.judged_by_llm)} verdicts by the LLM judge`,
    ),
    h(
      "div",
      { class: "tile wide" },
      h("div", { class: "tile-label" }, "Queue depths"),
      queueTable(health.queues),
    ),
    h(
      "div",
      { class: "tile full" },
      h(
        "div",
        { class: "tile-label" },
        d.error === null ? `Processes counted (${d.processes.length})` : "Processes counted",
      ),
      processTable(d),
    ),
  );
}

function delta(value, digits = 3, asPct = false) {
  if (typeof value !== "number") return h("span", { class: "muted" }, "–");
  const shown = asPct ? `${(value * 100).toFixed(1)} pts pass` : `${value.toFixed(digits)} mean`;
  const kind = Math.abs(value) < 0.005 ? "flat" : value > 0 ? "up" : "down";
  const arrow = kind === "flat" ? "=" : kind === "up" ? "▲" : "▼";
  return h("span", { class: `delta ${kind}` }, `${arrow} ${value > 0 ? "+" : ""}${shown}`);
}

function releaseCell(stats) {
  return h(
    "td",
    { class: "num" },
    h("span", { class: `score-text ${scoreClass(stats.mean)}` }, fmtScore(stats.mean)),
    h(
      "div",
      { class: "muted small" },
      `${fmtPct(stats.pass_rate)} pass · n ${fmtInt(stats.count)}`,
    ),
  );
}

/** Each service's newest release against the previous one. */
export function renderReleases(el, response) {
  if (response.services.length === 0) {
    fill(el, empty("No release (service.version) seen for this evaluator yet."));
    return;
  }
  const rows = response.services.map((s) =>
    h(
      "tr",
      { dataset: { service: s.service ?? "" } },
      h("td", {}, s.service ?? h("span", { class: "muted" }, "(no service)")),
      h(
        "td",
        {},
        h("strong", {}, s.current.release),
        h("div", { class: "muted small" }, "since ", ago(s.current.first_seen)),
      ),
      releaseCell(s.current),
      h("td", {}, s.previous ? s.previous.release : h("span", { class: "muted" }, "none before")),
      s.previous ? releaseCell(s.previous) : h("td", { class: "num muted" }, "–"),
      h(
        "td",
        { class: "num" },
        delta(s.delta?.mean),
        h("div", { class: "small" }, delta(s.delta?.pass_rate, 1, true)),
      ),
    ),
  );
  const head = [
    ["service", ""],
    ["release", ""],
    ["mean", "num"],
    ["previous", ""],
    ["mean", "num"],
    ["change", "num"],
  ];
  fill(
    el,
    h(
      "table",
      { class: "grid releases" },
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          head.map(([c, cls]) => h("th", { class: cls }, c)),
        ),
      ),
      h("tbody", {}, rows),
    ),
  );
}
