// Small helpers shared by the console's modules. Everything shown comes from traces (answers,
// context, explanations): it is always set as text, never parsed as HTML.

/** An element: `h("td", { class: "num", title: "…" }, "text", child, [more])`. */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces an element's content. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
}

/**
 * The API key, when the service requires one: given once in the URL's fragment (`/#key=…`, which
 * browsers never send to the server), then kept for the tab's session.
 */
function apiKey() {
  const match = /(?:^|[#&])key=([^&]+)/.exec(location.hash);
  if (match) {
    sessionStorage.setItem("tracejudge.key", decodeURIComponent(match[1]));
    history.replaceState(null, "", location.pathname + location.search);
  }
  return sessionStorage.getItem("tracejudge.key");
}

/** GET a JSON endpoint of this service (paths are relative, so the console works behind a prefix). */
export async function getJSON(path, params = {}) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null) query.set(key, String(value));
  }
  const qs = query.toString();
  const key = apiKey();
  const headers = {
    accept: "application/json",
    ...(key ? { authorization: `Bearer ${key}` } : {}),
  };
  const res = await fetch(qs ? `${path}?${qs}` : path, { headers });
  if (res.status === 401)
    throw new Error("this service needs an admin API key: open the console as /#key=YOUR_KEY");
  if (!res.ok) {
    const body = await res.json().catch(() => ({}));
    throw new Error(`${path}: ${res.status} ${body.message ?? res.statusText}`);
  }
  return res.json();
}

export const fmtScore = (s) => (typeof s === "number" ? s.toFixed(2) : "–");
export const fmtPct = (x) => (typeof x === "number" ? `${(x * 100).toFixed(1)}%` : "–");
export const fmtInt = (n) => (typeof n === "number" ? n.toLocaleString("en-US") : "–");
export const fmtUsd = (x) =>
  typeof x === "number" ? `$${x < 10 ? x.toFixed(4) : x.toFixed(2)}` : "–";

/** "3 min ago", with the exact time in the element's title. */
export function ago(iso) {
  if (!iso) return h("span", { class: "muted" }, "–");
  const seconds = Math.max(0, (Date.now() - Date.parse(iso)) / 1000);
  const text =
    seconds < 60
      ? `${Math.round(seconds)} s ago`
      : seconds < 3600
        ? `${Math.round(seconds / 60)} min ago`
        : seconds < 86_400
          ? `${Math.round(seconds / 3600)} h ago`
          : `${Math.round(seconds / 86_400)} d ago`;
  return h("time", { datetime: iso, title: new Date(iso).toLocaleString() }, text);
}

/** A duration between two instants, "4 min" or "2 h 5 min". */
export function span(fromIso, toIso) {
  const minutes = Math.round(
    (Date.parse(toIso ?? new Date().toISOString()) - Date.parse(fromIso)) / 60_000,
  );
  if (minutes < 1) return "< 1 min";
  if (minutes < 60) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** good / fair / poor: the colour of a score. */
export const scoreClass = (s) =>
  typeof s !== "number" ? "none" : s >= 0.8 ? "good" : s >= 0.5 ? "fair" : "poor";

/** A small coloured label. */
export const pill = (text, kind = "neutral", title) =>
  h("span", { class: `pill ${kind}`, title }, text);

/** The colour of a state or outcome. */
export function stateKind(state) {
  if (["firing", "dead", "poor", "contradicted", "error"].includes(state)) return "bad";
  if (["warning", "retry", "pending", "unsupported", "fair"].includes(state)) return "warn";
  if (["ok", "delivered", "supported", "good", "resolved"].includes(state)) return "ok";
  return "neutral";
}

/** `{a: 1, b: 2}` as "a=1, b=2" (scopes, label counts). */
export const pairs = (obj, sep = "=") =>
  Object.entries(obj ?? {})
    .map(([k, v]) => `${k}${sep}${v}`)
    .join(", ");

/** A link to the user's tracing backend, only for http(s) URLs. */
export function traceAnchor(url, text = "Open trace ↗") {
  if (typeof url !== "string" || !/^https?:\/\//i.test(url)) return null;
  return h(
    "a",
    { class: "trace-link", href: url, target: "_blank", rel: "noopener noreferrer" },
    text,
  );
}

/** A placeholder for an empty panel. */
export const empty = (text) => h("div", { class: "empty" }, text);
