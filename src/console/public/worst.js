// The worst recent eval events: score, verdict, explanation; opened, what was judged and why.
import { ago, empty, fill, fmtScore, h, pill, scoreClass, stateKind, traceAnchor } from "./dom.js";

function block(title, body, extra) {
  return h("div", { class: "block" }, h("div", { class: "block-title" }, title, extra), body);
}

function claimsTable(claims) {
  if (claims.length === 0) return null;
  return h(
    "table",
    { class: "grid claims" },
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        h("th", {}, "verdict"),
        h("th", {}, "claim"),
        h("th", { class: "num" }, "score"),
        h("th", {}, "why"),
      ),
    ),
    h(
      "tbody",
      {},
      claims.map((c) =>
        h(
          "tr",
          {},
          h("td", {}, pill(c.verdict, stateKind(c.verdict))),
          h("td", {}, c.text),
          h("td", { class: "num" }, fmtScore(c.score)),
          h("td", { class: "muted" }, c.note ?? c.evidence ?? ""),
        ),
      ),
    ),
  );
}

function contextList(context) {
  if (context.length === 0) return h("p", { class: "muted" }, "No context stored for this span.");
  return h(
    "ol",
    { class: "context" },
    context.map((d) =>
      h(
        "li",
        {},
        d.origin ? h("span", { class: "origin" }, d.origin) : null,
        d.content,
        d.truncated ? " …" : "",
      ),
    ),
  );
}

function worstItem(e, open) {
  const meta = [e.service_name, e.service_version, e.model, e.span_name]
    .filter(Boolean)
    .join(" · ");
  const summary = h(
    "summary",
    {},
    h("span", { class: `score ${scoreClass(e.score)}` }, fmtScore(e.score)),
    h(
      "div",
      { class: "worst-main" },
      h(
        "div",
        { class: "worst-head" },
        h("strong", {}, e.evaluator),
        e.label ? pill(e.label, e.passed === false ? "bad" : "neutral") : null,
        h("span", { class: "muted meta" }, meta),
        h("span", { class: "muted when" }, ago(e.created_at)),
      ),
      h("div", { class: "explanation" }, e.explanation || "(no explanation)"),
    ),
    traceAnchor(e.trace_url),
  );
  const body = h(
    "div",
    { class: "worst-body" },
    h(
      "div",
      { class: "qa" },
      block("Question", h("p", {}, e.question ?? h("span", { class: "muted" }, "not captured"))),
      block("Answer", h("p", {}, e.answer ?? h("span", { class: "muted" }, "not captured"))),
      block(
        "Context",
        contextList(e.context),
        h(
          "span",
          { class: "muted" },
          ` ${e.context.length} document${e.context.length === 1 ? "" : "s"}`,
        ),
      ),
    ),
    e.claims.length > 0 ? block("Claims and verdicts", claimsTable(e.claims)) : null,
    h(
      "div",
      { class: "ids muted" },
      `trace ${e.trace_id} · span ${e.span_id} · ${e.evaluator}@${e.evaluator_version}${e.backend ? ` · ${e.backend}` : ""}${e.judge_model ? ` · judge ${e.judge_model}` : ""}`,
    ),
  );
  return h("details", { class: "worst", open, dataset: { eventId: e.id } }, summary, body);
}

/** The lowest scores, each opening onto what was judged; the first one open. */
export function renderWorst(el, events) {
  if (events.length === 0) {
    fill(el, empty("No scored eval events in the last 24 hours."));
    return;
  }
  fill(
    el,
    events.map((e, i) => worstItem(e, i === 0)),
  );
}
