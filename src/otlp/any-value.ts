import type { Attributes, AttrValue } from "./otlp-span.ts";

/** Deeper AnyValues than this are cut off: no real attribute nests so far, and recursion is bounded. */
export const MAX_ANY_VALUE_DEPTH = 16;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** int64 arrives as a decimal string (JSON), a number, or a Long-like object; keep it exact when it can't be a number. */
function int64(value: unknown): number | string | null {
  if (typeof value === "number") return value;
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
    return typeof value.stringValue === "string" ? value.stringValue : null;
  if ("boolValue" in value) return typeof value.boolValue === "boolean" ? value.boolValue : null;
  if ("intValue" in value) return int64(value.intValue);
  if ("doubleValue" in value) {
    const d = value.doubleValue;
    if (typeof d === "number") return d;
    // Proto3 JSON writes NaN and Infinity as strings; an attribute value of either is useless here.
    const n = Number(d);
    return typeof d === "string" && Number.isFinite(n) ? n : null;
  }
  if ("bytesValue" in value) return typeof value.bytesValue === "string" ? value.bytesValue : null;
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

/** A list of OTLP KeyValue as one object; later duplicates win, as most SDKs behave. */
export function keyValuesToJson(list: unknown, depth = 0): Attributes {
  const out: Attributes = {};
  if (!Array.isArray(list)) return out;
  for (const kv of list) {
    if (!isRecord(kv) || typeof kv.key !== "string") continue;
    out[kv.key] = anyValueToJson(kv.value, depth);
  }
  return out;
}
