// Alert rules with their state and episodes; webhook deliveries with their attempts.
import { ago, empty, fill, fmtInt, fmtScore, h, pairs, pill, span, stateKind } from "./dom.js";

function scopeLine(s) {
  const where = pairs(s.scope) || "all events";
  const observed = s.observed === null ? "" : ` · observed ${fmtScore(s.observed)}`;
  const samples = s.samples === null ? "" : ` · ${fmtInt(s.samples)} samples`;
  return h(
    "div",
    { class: "scope" },
    pill(s.state, stateKind(s.state)),
    h("span", {}, ` ${where}${observed}${samples} · since `, ago(s.since)),
  );
}

function episodeLine(e) {
  const open = e.closed_at === null;
  return h(
    "div",
    { class: "episode" },
    pill(open ? `${e.severity} · open` : "resolved", open ? stateKind(e.severity) : "ok"),
    h(
      "span",
      { class: "muted" },
      " opened ",
      ago(e.opened_at),
      ` · ${open ? "for" : "lasted"} ${span(e.opened_at, e.closed_at)} · ${e.transitions} transition${e.transitions === 1 ? "" : "s"}`,
      pairs(e.scope) ? ` · ${pairs(e.scope)}` : "",
    ),
  );
}

/** One row per rule: condition, state per scope, latest episodes, receivers. */
export function renderAlerts(el, rules) {
  if (rules.length === 0) {
    fill(
      el,
      empty("No alert rules. Define them under alert_rules in the config or POST /v1/alert-rules."),
    );
    return;
  }
  const rows = rules.map((r) =>
    h(
      "tr",
      { dataset: { rule: r.name } },
      h(
        "td",
        { class: "rule-cell" },
        h("div", {}, h("strong", {}, r.name), r.enabled ? null : pill("disabled", "neutral")),
        h(
          "div",
          { class: "muted" },
          r.evaluator ? `${r.evaluator}: ${r.condition}` : "(rule no longer defined)",
        ),
        pairs(r.where) ? h("div", { class: "muted small" }, `where ${pairs(r.where)}`) : null,
      ),
      h("td", {}, pill(r.state, stateKind(r.state))),
      h(
        "td",
        {},
        r.states.length > 0
          ? r.states.map(scopeLine)
          : h("span", { class: "muted" }, "not judged yet"),
      ),
      h(
        "td",
        {},
        r.episodes.length > 0 ? r.episodes.map(episodeLine) : h("span", { class: "muted" }, "none"),
      ),
      h("td", { class: "muted" }, r.notify.join(", ")),
    ),
  );
  fill(
    el,
    h(
      "table",
      { class: "grid alerts" },
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          ["rule", "state", "scopes", "episodes", "notifies"].map((c) => h("th", {}, c)),
        ),
      ),
      h("tbody", {}, rows),
    ),
  );
}

function attemptChip(a) {
  const code = a.status_code ?? (a.error ? "error" : "–");
  const title = [a.started_at, a.url, a.error].filter(Boolean).join("\n");
  return h(
    "span",
    { class: `attempt ${stateKind(a.outcome)}`, title },
    `#${a.attempt} `,
    h("strong", {}, String(code)),
    ` ${a.outcome} · ${Math.round(a.latency_ms)} ms`,
  );
}

/** The latest deliveries, each with its attempts as chips (hover for the time, URL and error). */
export function renderDeliveries(el, deliveries) {
  if (deliveries.length === 0) {
    fill(el, empty("No webhook deliveries yet."));
    return;
  }
  const rows = deliveries.map((d) =>
    h(
      "tr",
      { dataset: { delivery: d.id } },
      h("td", {}, ago(d.created_at)),
      h("td", {}, h("strong", {}, d.webhook), h("div", { class: "muted small" }, d.format)),
      h("td", {}, d.event_type, d.rule ? h("div", { class: "muted small" }, d.rule) : null),
      h(
        "td",
        {},
        pill(d.status, stateKind(d.status)),
        d.redeliveries > 0
          ? h("div", { class: "muted small" }, `redelivered ${d.redeliveries}×`)
          : null,
      ),
      h(
        "td",
        { class: "attempts" },
        d.attempt_log.length > 0
          ? d.attempt_log.map(attemptChip)
          : h("span", { class: "muted" }, "not attempted yet"),
      ),
      h("td", { class: "muted small mono" }, d.id),
    ),
  );
  fill(
    el,
    h(
      "table",
      { class: "grid deliveries" },
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          ["created", "webhook", "event", "status", "attempts", "delivery id"].map((c) =>
            h("th", {}, c),
          ),
        ),
      ),
      h("tbody", {}, rows),
    ),
  );
}
