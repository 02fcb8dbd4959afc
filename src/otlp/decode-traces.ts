import { TracejudgeError } from "../errors.ts";
import { keyValuesToJson, storableText } from "./any-value.ts";
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
  if (typeof value !== "string") throw new SpanRejected(`${field} must be a string`);
  const hex =
    encoding === "json" ? value.toLowerCase() : Buffer.from(value, "base64").toString("hex");
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

function readSpan(
  raw: unknown,
  resource: OtlpSpan["resource"],
  scope: OtlpSpan["scope"],
  encoding: OtlpEncoding,
): OtlpSpan {
  if (!isObj(raw)) throw new SpanRejected("span must be an object");
  const traceId = readId(raw.traceId, 16, encoding, "traceId");
  const spanId = readId(raw.spanId, 8, encoding, "spanId");
  if (!traceId) throw new SpanRejected("traceId is missing");
  if (!spanId) throw new SpanRejected("spanId is missing");
  if (raw.name !== undefined && typeof raw.name !== "string")
    throw new SpanRejected("name must be a string");
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
    traceId,
    spanId,
    parentSpanId: readId(raw.parentSpanId, 8, encoding, "parentSpanId"),
    name: typeof raw.name === "string" ? storableText(raw.name) : "",
    kind: readInt(raw.kind, "kind"),
    startTimeUnixNano: readNanos(raw.startTimeUnixNano, "startTimeUnixNano"),
    endTimeUnixNano: readNanos(raw.endTimeUnixNano, "endTimeUnixNano"),
    attributes: keyValuesToJson(raw.attributes),
    events,
    status: {
      code: readInt(status.code, "status.code"),
      ...(typeof status.message === "string" && status.message !== ""
        ? { message: storableText(status.message) }
        : {}),
    },
    resource,
    scope,
  };
}

/**
 * Walks an ExportTraceServiceRequest in object form (OTLP/JSON, or protobufjs `toObject`). A
 * payload whose structure is wrong throws `OTLP_DECODE_FAILED`; a single bad span (an invalid id,
 * say) is rejected and counted, and the rest are kept, as OTLP partial success intends.
 */
export function readExportRequest(request: unknown, encoding: OtlpEncoding): DecodedTraces {
  if (!isObj(request))
    throw decodeFailed("the request body must be an ExportTraceServiceRequest object");
  const spans: OtlpSpan[] = [];
  const reasons = new Map<string, number>();
  let rejected = 0;
  for (const resourceSpans of list(request.resourceSpans, "resourceSpans")) {
    if (!isObj(resourceSpans)) throw decodeFailed("resourceSpans entries must be objects");
    const resourceObj = isObj(resourceSpans.resource) ? resourceSpans.resource : {};
    const resource = keyValuesToJson(resourceObj.attributes);
    // instrumentationLibrarySpans is the pre-1.0 name some old exporters still send.
    const scopes = resourceSpans.scopeSpans ?? resourceSpans.instrumentationLibrarySpans;
    for (const scopeSpans of list(scopes, "scopeSpans")) {
      if (!isObj(scopeSpans)) throw decodeFailed("scopeSpans entries must be objects");
      const scopeObj = isObj(scopeSpans.scope)
        ? scopeSpans.scope
        : isObj(scopeSpans.instrumentationLibrary)
          ? scopeSpans.instrumentationLibrary
          : {};
      const scope = {
        name: typeof scopeObj.name === "string" ? storableText(scopeObj.name) : "",
        ...(typeof scopeObj.version === "string" && scopeObj.version !== ""
          ? { version: storableText(scopeObj.version) }
          : {}),
      };
      for (const raw of list(scopeSpans.spans, "spans")) {
        try {
          spans.push(readSpan(raw, resource, scope, encoding));
        } catch (err) {
          if (!(err instanceof SpanRejected)) throw err;
          rejected += 1;
          reasons.set(err.message, (reasons.get(err.message) ?? 0) + 1);
        }
      }
    }
  }
  const errors = [...reasons].map(([reason, count]) => `${count} span(s): ${reason}`);
  return { spans, rejected, errors };
}

/** Decodes an OTLP/HTTP trace export body (already decompressed). */
export function decodeTraceRequest(body: Buffer, encoding: OtlpEncoding): DecodedTraces {
  if (encoding === "json") {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString("utf8"));
    } catch (err) {
      throw decodeFailed(`the body is not valid JSON: ${(err as Error).message}`, err);
    }
    return readExportRequest(parsed, "json");
  }
  let object: Record<string, unknown>;
  try {
    // toObject recurses as deep as decode did: a nesting that decode just survived can still
    // overflow the stack here, so both sit inside the try.
    object = ExportTraceServiceRequest.toObject(ExportTraceServiceRequest.decode(body), {
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
  return readExportRequest(object, "protobuf");
}
