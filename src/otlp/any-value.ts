import type { Attributes, AttrValue } from "./otlp-span.ts";

/** Deeper AnyValues than this are cut off: no real attribute nests so far, and recursion is bounded. */
export const MAX_ANY_VALUE_DEPTH = 16;

/** U+0000 and unpaired surrogates (what invalid UTF-8 in protobuf and `\ud800` in JSON become). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: U+0000 is what this looks for.
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * Text with U+0000 and unpaired surrogates replaced by U+FFFD. Both are valid in a JS string and
 * on the wire, but PostgreSQL refuses them in text and jsonb, so a span carrying one could never
 * be stored: its trace was retried for hours and never evaluated.
 */
export function storableText(text: string): string {
  UNSTORABLE.lastIndex = 0;
  return UNSTORABLE.test(text) ? text.replace(UNSTORABLE, "\ufffd") : text;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** int64 arrives as a decimal string (JSON), a number, or a Long-like object; keep it exact when it can't be a number. */
function int64(value: unknown): number | string | null {
  // JSON.parse reads 1e999 as Infinity, which is no JSON value (and fails AttrValueSchema).
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (typeof value === "string") {
    const n = Number(value);
    if (!Number.isFinite(n)) return null;
    return Number.isSafeInteger(n) ? n : value;
  }
  if (isRecord(value) && typeof value.low === "number" && typeof value.high === "number") {
    const big = (BigInt(value.high >>> 0) << 32n) | BigInt(value.low >>> 0);
    const signed = BigInt.asIntN(64, big);
    const n = Number(signed);
    return Number.isSafeInteger(n) ? n : signed.toString();
  }
  return null;
}

/**
 * One OTLP AnyValue (JSON encoding, or protobufjs `toObject` output) as plain JSON. Unknown or
 * empty values become null rather than failing the whole span.
 */
export function anyValueToJson(value: unknown, depth = 0): AttrValue {
  if (!isRecord(value) || depth > MAX_ANY_VALUE_DEPTH) return null;
  if ("stringValue" in value)
    return typeof value.stringValue === "string" ? storableText(value.stringValue) : null;
  if ("boolValue" in value) return typeof value.boolValue === "boolean" ? value.boolValue : null;
  if ("intValue" in value) return int64(value.intValue);
  if ("doubleValue" in value) {
    const d = value.doubleValue;
    // NaN and Infinity arrive as numbers from protobuf (and 1e999 from JSON), as strings in
    // proto3 JSON; an attribute value of either is useless here and no JSON number.
    const n = typeof d === "number" ? d : typeof d === "string" ? Number(d) : Number.NaN;
    return Number.isFinite(n) ? n : null;
  }
  if ("bytesValue" in value)
    return typeof value.bytesValue === "string" ? storableText(value.bytesValue) : null;
  if ("arrayValue" in value) {
    const values = isRecord(value.arrayValue) ? value.arrayValue.values : undefined;
    return Array.isArray(values) ? values.map((v) => anyValueToJson(v, depth + 1)) : [];
  }
  if ("kvlistValue" in value) {
    const values = isRecord(value.kvlistValue) ? value.kvlistValue.values : undefined;
    return Array.isArray(values) ? keyValuesToJson(values, depth + 1) : {};
  }
  return null;
}

/**
 * A list of OTLP KeyValue as one object; later duplicates win, as most SDKs behave. A key
 * `__proto__` is dropped: assigned, it would replace the map's prototype and hide its value
 * behind inherited keys (zod's record parsing drops it the same way).
 */
export function keyValuesToJson(list: unknown, depth = 0): Attributes {
  const out: Attributes = {};
  if (!Array.isArray(list)) return out;
  for (const kv of list) {
    if (!isRecord(kv) || typeof kv.key !== "string" || kv.key === "__proto__") continue;
    out[storableText(kv.key)] = anyValueToJson(kv.value, depth);
  }
  return out;
}
