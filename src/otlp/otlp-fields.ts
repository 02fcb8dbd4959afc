import { TracejudgeError } from "../errors.ts";
import { keyValuesToJson, MAX_ANY_VALUE_DEPTH, storableText } from "./any-value.ts";
import type { Attributes } from "./otlp-span.ts";

/**
 * Field readers shared by the OTLP trace and logs decoders: ids, timestamps, integers and the
 * structure of export requests, in OTLP/JSON, protobufjs `toObject` output, or a decoded protobuf
 * message as it is.
 */

export type OtlpEncoding = "protobuf" | "json";

export type Obj = Record<string, unknown>;

export function isObj(value: unknown): value is Obj {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function decodeFailed(message: string, cause?: unknown): TracejudgeError {
  return new TracejudgeError("OTLP_DECODE_FAILED", message, { cause });
}

/** Optional repeated field: absent is empty, anything but an array is a malformed payload. */
export function list(value: unknown, field: string): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw decodeFailed(`${field} must be an array`);
  return value;
}

/** One item (a span, a log record) is invalid: counted out, the rest of the request goes on. */
export class ItemRejected extends Error {}

const HEX = /^[0-9a-f]*$/;

/** OTLP/JSON carries ids as hex (any case); protobufjs hands bytes over as base64. */
export function readId(
  value: unknown,
  bytes: number,
  encoding: OtlpEncoding,
  field: string,
): string | null {
  if (value === undefined || value === null || value === "") return null;
  // A decoded protobuf message (not turned into an object) holds the id's bytes themselves.
  const hex =
    value instanceof Uint8Array
      ? Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("hex")
      : typeof value !== "string"
        ? null
        : encoding === "json"
          ? value.toLowerCase()
          : Buffer.from(value, "base64").toString("hex");
  if (hex === null) throw new ItemRejected(`${field} must be a string`);
  if (hex.length === 0) return null;
  if (hex.length !== bytes * 2 || !HEX.test(hex)) {
    throw new ItemRejected(`${field} must be ${bytes} bytes (${bytes * 2} hex digits)`);
  }
  if (/^0+$/.test(hex)) throw new ItemRejected(`${field} must not be all zeros`);
  return hex;
}

/** Whether an id is there (false when absent); throws when it is there but invalid. */
export function checkId(
  value: unknown,
  bytes: number,
  encoding: OtlpEncoding,
  field: string,
): boolean {
  // An absent bytes field of a decoded protobuf message reads as protobufjs's shared empty array;
  // in OTLP/JSON, `[]` is a wrong type, refused by readId as the full decode refuses it.
  if (encoding === "protobuf" && Array.isArray(value) && value.length === 0) return false;
  // A decoded protobuf message holds the bytes: checked as they are, with no hex made.
  if (value instanceof Uint8Array) {
    if (value.length === 0) return false;
    if (value.length !== bytes)
      throw new ItemRejected(`${field} must be ${bytes} bytes (${bytes * 2} hex digits)`);
    if (value.every((b) => b === 0)) throw new ItemRejected(`${field} must not be all zeros`);
    return true;
  }
  return readId(value, bytes, encoding, field) !== null;
}

/** fixed64 bounds timestamps; a larger JSON number (1e300) would break date conversions later. */
const MAX_NANOS = 2 ** 64;

export function readNanos(value: unknown, field: string): string {
  if (value === undefined || value === null) return "0";
  if (typeof value === "number" && value >= 0 && value < MAX_NANOS)
    return BigInt(Math.trunc(value)).toString();
  if (typeof value === "string" && /^\d{1,20}$/.test(value)) return BigInt(value).toString();
  if (isObj(value) && typeof value.low === "number" && typeof value.high === "number") {
    return ((BigInt(value.high >>> 0) << 32n) | BigInt(value.low >>> 0)).toString();
  }
  throw new ItemRejected(`${field} must be an unsigned integer of nanoseconds`);
}

export function checkNanos(value: unknown, field: string): void {
  // A protobuf fixed64 (a Long) is always in range; only its conversion costs.
  if (isObj(value) && typeof value.low === "number" && typeof value.high === "number") return;
  readNanos(value, field);
}

export function readInt(value: unknown, field: string): number {
  if (value === undefined || value === null) return 0;
  // Safe integers only: `kind: 1e20` is an integer to JS but fails the span schema downstream.
  if (typeof value === "number" && Number.isSafeInteger(value)) return value;
  throw new ItemRejected(`${field} must be an integer (OTLP/JSON encodes enums as integers)`);
}

export function parseJsonBody(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString("utf8"));
  } catch (err) {
    throw decodeFailed(`the body is not valid JSON: ${(err as Error).message}`, err);
  }
}

/**
 * Drops the nested content of an AnyValue deeper than `MAX_ANY_VALUE_DEPTH` in a decoded protobuf
 * message (it reads as null anyway), so converting it recurses no deeper than that.
 */
export function pruneDeepValue(value: unknown, depth: number): void {
  if (!isObj(value)) return;
  if (depth > MAX_ANY_VALUE_DEPTH) {
    value.kvlistValue = null;
    value.arrayValue = null;
    return;
  }
  if (isObj(value.kvlistValue)) pruneDeepKeyValues(value.kvlistValue.values, depth + 1);
  if (isObj(value.arrayValue) && Array.isArray(value.arrayValue.values)) {
    for (const item of value.arrayValue.values) pruneDeepValue(item, depth + 1);
  }
}

/** `pruneDeepValue` over each value of a KeyValue list. */
export function pruneDeepKeyValues(keyValues: unknown, depth: number): void {
  if (!Array.isArray(keyValues)) return;
  for (const kv of keyValues) if (isObj(kv)) pruneDeepValue(kv.value, depth);
}

/** Where an export request of one signal keeps its items, and what to call them in errors. */
export interface ExportShape {
  message: string;
  resources: string;
  scopes: string;
  /** The pre-1.0 name of the scopes list, which some old exporters still send. */
  legacyScopes: string;
  items: string;
  item: string;
}

/**
 * Walks an export request (OTLP/JSON, protobufjs `toObject` output, or a decoded protobuf message
 * as it is). A payload whose structure is wrong throws `OTLP_DECODE_FAILED` naming the field; a
 * single bad item (an invalid id, say) is rejected and counted, and the rest are taken, as OTLP
 * partial success intends.
 */
export function walkExport(
  request: unknown,
  shape: ExportShape,
  /** Takes an item in, or throws `ItemRejected` to count it out. */
  visit: (raw: unknown, resource: Obj, scope: Obj) => void,
): { rejected: number; errors: string[] } {
  if (!isObj(request)) throw decodeFailed(`the request body must be an ${shape.message} object`);
  const reasons = new Map<string, number>();
  let rejected = 0;
  for (const resource of list(request[shape.resources], shape.resources)) {
    if (!isObj(resource)) throw decodeFailed(`${shape.resources} entries must be objects`);
    const scopes = resource[shape.scopes] ?? resource[shape.legacyScopes];
    for (const scope of list(scopes, shape.scopes)) {
      if (!isObj(scope)) throw decodeFailed(`${shape.scopes} entries must be objects`);
      for (const raw of list(scope[shape.items], shape.items)) {
        try {
          visit(raw, resource, scope);
        } catch (err) {
          if (!(err instanceof ItemRejected)) throw err;
          rejected += 1;
          reasons.set(err.message, (reasons.get(err.message) ?? 0) + 1);
        }
      }
    }
  }
  const errors = [...reasons].map(([reason, count]) => `${count} ${shape.item}(s): ${reason}`);
  return { rejected, errors };
}

/** A group's resource attributes (`resourceSpans.resource`, `resourceLogs.resource`). */
export function readResource(group: Obj): Attributes {
  const resource = isObj(group.resource) ? group.resource : {};
  return keyValuesToJson(resource.attributes);
}

/** A scope group's instrumentation scope (`scope`, or the pre-1.0 `instrumentationLibrary`). */
export function readScope(group: Obj): { name: string; version?: string } {
  const scope = isObj(group.scope)
    ? group.scope
    : isObj(group.instrumentationLibrary)
      ? group.instrumentationLibrary
      : {};
  return {
    name: typeof scope.name === "string" ? storableText(scope.name) : "",
    ...(typeof scope.version === "string" && scope.version !== ""
      ? { version: storableText(scope.version) }
      : {}),
  };
}
