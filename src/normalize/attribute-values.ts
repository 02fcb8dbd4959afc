import { storableText } from "../otlp/any-value.ts";
import type { Attributes, AttrValue } from "../otlp/otlp-span.ts";

/** A JSON object of unknown shape, as parsed from an attribute or found inside one. */
export type JsonRecord = Record<string, unknown>;

/** True for plain objects (not arrays, not null). */
export function isRecord(value: unknown): value is JsonRecord {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Strings parsed out of JSON text are cleaned as the decoder cleans attribute strings. */
function storableStrings(_key: string, value: unknown): unknown {
  return typeof value === "string" ? storableText(value) : value;
}

/**
 * `JSON.parse` that answers `undefined` instead of throwing: senders do emit broken JSON. Escapes
 * such as `\u0000` become U+FFFD here, since PostgreSQL cannot store what they decode to.
 */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text, storableStrings);
  } catch {
    return undefined;
  }
}

/**
 * The structured form of a value that may arrive either as JSON text or already structured
 * (semconv pitfall 1: the same key can be a `stringValue` of JSON or an `arrayValue`). Strings
 * that do not hold a JSON object or array are returned unchanged.
 */
export function structured(value: unknown): unknown {
  if (typeof value !== "string") return value;
  const trimmed = value.trimStart();
  if (!trimmed.startsWith("{") && !trimmed.startsWith("[")) return value;
  const parsed = parseJson(value);
  return parsed === undefined ? value : parsed;
}

/** Any value as text: strings as they are, scalars printed, objects and arrays as JSON. */
export function asText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  try {
    return JSON.stringify(value) ?? null;
  } catch {
    return null;
  }
}

/**
 * Text for display or evaluation. Some SDKs (traceAI's LangChain tracer, older Langfuse SDKs)
 * JSON-encode plain strings a second time, so a value that parses to a JSON string is unwrapped.
 */
export function unwrapText(value: unknown): string | null {
  if (typeof value === "string") {
    const trimmed = value.trim();
    if (trimmed.startsWith('"')) {
      const parsed = parseJson(trimmed);
      if (typeof parsed === "string") return parsed;
    }
    return value;
  }
  return asText(value);
}

/** A number from an int, double or numeric string (int64 values arrive as decimal strings). */
export function toNumber(value: unknown): number | null {
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (typeof value !== "string" || value.trim() === "") return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

/** A non-empty string from a string or a scalar (ids are sometimes sent as ints). */
export function toText(value: unknown): string | null {
  if (typeof value === "string") return value === "" ? null : value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return null;
}

/** The first of `keys` holding a non-empty scalar, as text. */
export function firstText(attrs: Attributes, keys: readonly string[]): string | null {
  for (const key of keys) {
    const text = toText(attrs[key]);
    if (text !== null) return text;
  }
  return null;
}

/** The first of `keys` holding something numeric. */
export function firstNumber(attrs: Attributes, keys: readonly string[]): number | null {
  for (const key of keys) {
    const n = toNumber(attrs[key]);
    if (n !== null) return n;
  }
  return null;
}

/**
 * Key lists of the large attribute maps read during one `normalizeSpan` call. The readers scan a
 * span's keys for prefixes some twenty times, and listing the keys of a map of a million
 * attributes takes about 0.3 s (`Object.entries` over a second), so a span with that many took
 * over 20 s; listed once, it is linear. Scoped to one synchronous call, so that a map changed
 * between calls is never read through a stale list.
 */
let keyCache: WeakMap<object, string[]> | null = null;
const CACHE_KEYS_FROM = 64;

/** Runs `read` with the key lists of large maps taken once (see `keyCache`). */
export function withKeyCache<T>(read: () => T): T {
  if (keyCache !== null) return read();
  keyCache = new WeakMap();
  try {
    return read();
  } finally {
    keyCache = null;
  }
}

function keysOf(attrs: Attributes): string[] {
  const cached = keyCache?.get(attrs);
  if (cached !== undefined) return cached;
  const keys = Object.keys(attrs);
  if (keys.length >= CACHE_KEYS_FROM) keyCache?.set(attrs, keys);
  return keys;
}

/** True when any attribute key starts with `prefix`. */
export function hasPrefix(attrs: Attributes, prefix: string): boolean {
  return keysOf(attrs).some((key) => key.startsWith(prefix));
}

const INDEXED_KEY = /^(\d+)(?:\.(.+))?$/;

/**
 * Groups flattened keys `prefix.N.rest` by N, in numeric order (semconv pitfall 2: `10` sorts after
 * `9`, and indices can have gaps, which are simply skipped). Each group maps `rest` to its value;
 * a bare `prefix.N` key is stored under the empty string. Keys like `gen_ai.prompt.name`, whose
 * next segment is not a number, are not part of the list.
 */
export function collectIndexed(attrs: Attributes, prefix: string): Record<string, AttrValue>[] {
  const groups = new Map<number, Record<string, AttrValue>>();
  const head = `${prefix}.`;
  for (const key of keysOf(attrs)) {
    if (!key.startsWith(head)) continue;
    const match = INDEXED_KEY.exec(key.slice(head.length));
    if (!match?.[1]) continue;
    const index = Number(match[1]);
    let group = groups.get(index);
    if (!group) {
      group = {};
      groups.set(index, group);
    }
    group[match[2] ?? ""] = attrs[key] as AttrValue;
  }
  return [...groups.entries()].sort(([a], [b]) => a - b).map(([, group]) => group);
}

/** Whether `prefix.N.…` keys exist, without building the groups. */
export function hasIndexed(attrs: Attributes, prefix: string): boolean {
  const head = `${prefix}.`;
  return keysOf(attrs).some(
    (key) => key.startsWith(head) && INDEXED_KEY.test(key.slice(head.length)),
  );
}
