import { TracejudgeError } from "../errors.ts";
import { keyValuesToJson, MAX_ANY_VALUE_DEPTH, storableText } from "./any-value.ts";
import type { OtlpSpan, OtlpSpanEvent } from "./otlp-span.ts";
import { ExportTraceServiceRequest } from "./proto.ts";

export type OtlpEncoding = "protobuf" | "json";

/** The spans of one export request that could be read, and why the others could not. */
export interface DecodedTraces {
  spans: OtlpSpan[];
  rejected: number;
  /** One message per distinct reason, for the partial-success answer. */
  errors: string[];
}

type Obj = Record<string, unknown>;

function isObj(value: unknown): value is Obj {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function decodeFailed(message: string, cause?: unknown): TracejudgeError {
  return new TracejudgeError("OTLP_DECODE_FAILED", message, { cause });
}

/** Optional repeated field: absent is empty, anything but an array is a malformed payload. */
function list(value: unknown, field: string): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw decodeFailed(`${field} must be an array`);
  return value;
}

class SpanRejected extends Error {}

const HEX = /^[0-9a-f]*$/;

/** OTLP/JSON carries ids as hex (any case); protobufjs hands bytes over as base64. */
function readId(
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
  if (hex === null) throw new SpanRejected(`${field} must be a string`);
  if (hex.length === 0) return null;
  if (hex.length !== bytes * 2 || !HEX.test(hex)) {
    throw new SpanRejected(`${field} must be ${bytes} bytes (${bytes * 2} hex digits)`);
  }
  if (/^0+$/.test(hex)) throw new SpanRejected(`${field} must not be all zeros`);
  return hex;
}

/** fixed64 bounds timestamps; a larger JSON number (1e300) would break date conversions later. */
const MAX_NANOS = 2 ** 64;

function readNanos(value: unknown, field: string): string {
  if (value === undefined || value === null) return "0";
  if (typeof value === "number" && value >= 0 && value < MAX_NANOS)
    return BigInt(Math.trunc(value)).toString();
  if (typeof value === "string" && /^\d{1,20}$/.test(value)) return BigInt(value).toString();
  if (isObj(value) && typeof value.low === "number" && typeof value.high === "number") {
    return ((BigInt(value.high >>> 0) << 32n) | BigInt(value.low >>> 0)).toString();
  }
  throw new SpanRejected(`${field} must be an unsigned integer of nanoseconds`);
}

function readInt(value: unknown, field: string): number {
  if (value === undefined || value === null) return 0;
  // Safe integers only: `kind: 1e20` is an integer to JS but fails the span schema downstream.
  if (typeof value === "number" && Number.isSafeInteger(value)) return value;
  throw new SpanRejected(`${field} must be an integer (OTLP/JSON encodes enums as integers)`);
}

/** A span's scalar fields, read and checked; what ingest validates before it acknowledges. */
interface SpanHeader {
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  statusCode: number;
}

/** Whether an id is there (false when absent); throws when it is there but invalid. */
function checkId(value: unknown, bytes: number, encoding: OtlpEncoding, field: string): boolean {
  // A decoded protobuf message holds the bytes: checked as they are, with no hex made.
  if (value instanceof Uint8Array) {
    if (value.length === 0) return false;
    if (value.length !== bytes)
      throw new SpanRejected(`${field} must be ${bytes} bytes (${bytes * 2} hex digits)`);
    if (value.every((b) => b === 0)) throw new SpanRejected(`${field} must not be all zeros`);
    return true;
  }
  return readId(value, bytes, encoding, field) !== null;
}

function checkNanos(value: unknown, field: string): void {
  // A protobuf fixed64 (a Long) is always in range; only its conversion costs.
  if (isObj(value) && typeof value.low === "number" && typeof value.high === "number") return;
  readNanos(value, field);
}

/**
 * Every check that can reject a span, in a fixed order (the first failure names the reason),
 * without converting anything: what ingest runs on each span before it acknowledges a request.
 */
function checkSpan(raw: unknown, encoding: OtlpEncoding): asserts raw is Obj {
  if (!isObj(raw)) throw new SpanRejected("span must be an object");
  const hasTraceId = checkId(raw.traceId, 16, encoding, "traceId");
  const hasSpanId = checkId(raw.spanId, 8, encoding, "spanId");
  if (!hasTraceId) throw new SpanRejected("traceId is missing");
  if (!hasSpanId) throw new SpanRejected("spanId is missing");
  // null is proto3 JSON's "default", and what a decoded protobuf message holds for no name.
  if (raw.name !== undefined && raw.name !== null && typeof raw.name !== "string")
    throw new SpanRejected("name must be a string");
  for (const event of Array.isArray(raw.events) ? raw.events : []) {
    if (isObj(event)) checkNanos(event.timeUnixNano, "event.timeUnixNano");
  }
  checkId(raw.parentSpanId, 8, encoding, "parentSpanId");
  readInt(raw.kind, "kind");
  checkNanos(raw.startTimeUnixNano, "startTimeUnixNano");
  checkNanos(raw.endTimeUnixNano, "endTimeUnixNano");
  readInt((isObj(raw.status) ? raw.status : {}).code, "status.code");
}

/** A checked span's scalar fields, converted. */
function readSpanHeader(raw: Obj, encoding: OtlpEncoding): SpanHeader {
  const status = isObj(raw.status) ? raw.status : {};
  return {
    traceId: readId(raw.traceId, 16, encoding, "traceId") as string,
    spanId: readId(raw.spanId, 8, encoding, "spanId") as string,
    parentSpanId: readId(raw.parentSpanId, 8, encoding, "parentSpanId"),
    kind: readInt(raw.kind, "kind"),
    startTimeUnixNano: readNanos(raw.startTimeUnixNano, "startTimeUnixNano"),
    endTimeUnixNano: readNanos(raw.endTimeUnixNano, "endTimeUnixNano"),
    statusCode: readInt(status.code, "status.code"),
  };
}

function readSpan(
  raw: Obj,
  header: SpanHeader,
  resource: OtlpSpan["resource"],
  scope: OtlpSpan["scope"],
): OtlpSpan {
  const status = isObj(raw.status) ? raw.status : {};
  const events: OtlpSpanEvent[] = [];
  for (const event of Array.isArray(raw.events) ? raw.events : []) {
    if (!isObj(event)) continue;
    events.push({
      name: typeof event.name === "string" ? storableText(event.name) : "",
      timeUnixNano: readNanos(event.timeUnixNano, "event.timeUnixNano"),
      attributes: keyValuesToJson(event.attributes),
    });
  }
  return {
    traceId: header.traceId,
    spanId: header.spanId,
    parentSpanId: header.parentSpanId,
    name: typeof raw.name === "string" ? storableText(raw.name) : "",
    kind: header.kind,
    startTimeUnixNano: header.startTimeUnixNano,
    endTimeUnixNano: header.endTimeUnixNano,
    attributes: keyValuesToJson(raw.attributes),
    events,
    status: {
      code: header.statusCode,
      ...(typeof status.message === "string" && status.message !== ""
        ? { message: storableText(status.message) }
        : {}),
    },
    resource,
    scope,
  };
}

/**
 * Walks an ExportTraceServiceRequest: OTLP/JSON, protobufjs `toObject` output, or a decoded
 * protobuf message as it is. A payload whose structure is wrong throws `OTLP_DECODE_FAILED`; a
 * single bad span (an invalid id, say) is rejected and counted, and the rest are taken, as OTLP
 * partial success intends.
 */
function walkExportRequest(
  request: unknown,
  /** Takes a span in, or throws `SpanRejected` to count it out. */
  visit: (raw: unknown, resourceSpans: Obj, scopeSpans: Obj) => void,
): { rejected: number; errors: string[] } {
  if (!isObj(request))
    throw decodeFailed("the request body must be an ExportTraceServiceRequest object");
  const reasons = new Map<string, number>();
  let rejected = 0;
  for (const resourceSpans of list(request.resourceSpans, "resourceSpans")) {
    if (!isObj(resourceSpans)) throw decodeFailed("resourceSpans entries must be objects");
    // instrumentationLibrarySpans is the pre-1.0 name some old exporters still send.
    const scopes = resourceSpans.scopeSpans ?? resourceSpans.instrumentationLibrarySpans;
    for (const scopeSpans of list(scopes, "scopeSpans")) {
      if (!isObj(scopeSpans)) throw decodeFailed("scopeSpans entries must be objects");
      for (const raw of list(scopeSpans.spans, "spans")) {
        try {
          visit(raw, resourceSpans, scopeSpans);
        } catch (err) {
          if (!(err instanceof SpanRejected)) throw err;
          rejected += 1;
          reasons.set(err.message, (reasons.get(err.message) ?? 0) + 1);
        }
      }
    }
  }
  const errors = [...reasons].map(([reason, count]) => `${count} span(s): ${reason}`);
  return { rejected, errors };
}

function readResource(resourceSpans: Obj): OtlpSpan["resource"] {
  const resourceObj = isObj(resourceSpans.resource) ? resourceSpans.resource : {};
  return keyValuesToJson(resourceObj.attributes);
}

function readScope(scopeSpans: Obj): OtlpSpan["scope"] {
  const scopeObj = isObj(scopeSpans.scope)
    ? scopeSpans.scope
    : isObj(scopeSpans.instrumentationLibrary)
      ? scopeSpans.instrumentationLibrary
      : {};
  return {
    name: typeof scopeObj.name === "string" ? storableText(scopeObj.name) : "",
    ...(typeof scopeObj.version === "string" && scopeObj.version !== ""
      ? { version: storableText(scopeObj.version) }
      : {}),
  };
}

/**
 * Reads an ExportTraceServiceRequest in object form (OTLP/JSON, or protobufjs `toObject`) into
 * spans; resource and scope are converted once per group, not once per span.
 */
export function readExportRequest(request: unknown, encoding: OtlpEncoding): DecodedTraces {
  const spans: OtlpSpan[] = [];
  let resourceOf: { from: Obj; value: OtlpSpan["resource"] } | undefined;
  let scopeOf: { from: Obj; value: OtlpSpan["scope"] } | undefined;
  const { rejected, errors } = walkExportRequest(request, (raw, resourceSpans, scopeSpans) => {
    checkSpan(raw, encoding);
    const header = readSpanHeader(raw, encoding);
    if (resourceOf?.from !== resourceSpans)
      resourceOf = { from: resourceSpans, value: readResource(resourceSpans) };
    if (scopeOf?.from !== scopeSpans) scopeOf = { from: scopeSpans, value: readScope(scopeSpans) };
    spans.push(readSpan(raw, header, resourceOf.value, scopeOf.value));
  });
  return { spans, rejected, errors };
}

/** How many spans of an export request are valid, and why the others are not. */
export interface CheckedTraces {
  accepted: number;
  rejected: number;
  errors: string[];
}

/**
 * Parses an OTLP/HTTP trace export body (already decompressed) and checks every span as
 * `decodeTraceRequest` would, without converting attributes: what ingest needs to answer, at
 * about the cost of the parse alone. The spans are read in full later, by a worker.
 */
export function checkTraceRequest(body: Buffer, encoding: OtlpEncoding): CheckedTraces {
  const parsed = encoding === "json" ? parseJson(body) : decodeProtobuf(body);
  let accepted = 0;
  const { rejected, errors } = walkExportRequest(parsed, (raw) => {
    checkSpan(raw, encoding);
    accepted += 1;
  });
  return { accepted, rejected, errors };
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString("utf8"));
  } catch (err) {
    throw decodeFailed(`the body is not valid JSON: ${(err as Error).message}`, err);
  }
}

/** The KeyValue lists of a decoded protobuf request, wherever AnyValues can nest. */
function* keyValueLists(message: unknown): Generator<unknown> {
  const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
  for (const rs of arr((message as Obj).resourceSpans)) {
    yield (rs as Obj).resource && ((rs as Obj).resource as Obj).attributes;
    for (const ss of arr((rs as Obj).scopeSpans)) {
      yield (ss as Obj).scope && ((ss as Obj).scope as Obj).attributes;
      for (const span of arr((ss as Obj).spans)) {
        yield (span as Obj).attributes;
        for (const event of arr((span as Obj).events)) yield (event as Obj).attributes;
        for (const link of arr((span as Obj).links)) yield (link as Obj).attributes;
      }
    }
  }
}

/**
 * Drops the nested content of AnyValues deeper than `MAX_ANY_VALUE_DEPTH` in a decoded protobuf
 * message (they read as null anyway), so converting it recurses no deeper than that.
 */
function pruneDeepValues(message: unknown): void {
  // An AnyValue at depth d reads as null when d > MAX_ANY_VALUE_DEPTH, whatever it holds.
  const visitValue = (value: unknown, depth: number): void => {
    if (!isObj(value)) return;
    if (depth > MAX_ANY_VALUE_DEPTH) {
      value.kvlistValue = null;
      value.arrayValue = null;
      return;
    }
    if (isObj(value.kvlistValue)) visitKeyValues(value.kvlistValue.values, depth + 1);
    if (isObj(value.arrayValue) && Array.isArray(value.arrayValue.values)) {
      for (const item of value.arrayValue.values) visitValue(item, depth + 1);
    }
  };
  const visitKeyValues = (list: unknown, depth: number): void => {
    if (!Array.isArray(list)) return;
    for (const kv of list) if (isObj(kv)) visitValue(kv.value, depth);
  };
  for (const list of keyValueLists(message)) visitKeyValues(list, 0);
}

function decodeProtobuf(body: Buffer, toObject = false): unknown {
  try {
    const message = ExportTraceServiceRequest.decode(body);
    if (!toObject) return message;
    // toObject recurses deeper per level than decode: a nesting that decode just survived
    // would overflow the stack there. Values that deep are cut off when read anyway.
    pruneDeepValues(message);
    return ExportTraceServiceRequest.toObject(message, {
      longs: String,
      bytes: String,
      arrays: true,
      defaults: false,
    });
  } catch (err) {
    throw decodeFailed(
      `the body is not a protobuf ExportTraceServiceRequest: ${(err as Error).message}`,
      err,
    );
  }
}

/** Decodes an OTLP/HTTP trace export body (already decompressed). */
export function decodeTraceRequest(body: Buffer, encoding: OtlpEncoding): DecodedTraces {
  const parsed = encoding === "json" ? parseJson(body) : decodeProtobuf(body, true);
  return readExportRequest(parsed, encoding);
}
