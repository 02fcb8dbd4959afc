import { keyValuesToJson, storableText } from "./any-value.ts";
import {
  checkId,
  checkNanos,
  decodeFailed,
  type ExportShape,
  ItemRejected,
  isObj,
  type Obj,
  type OtlpEncoding,
  parseJsonBody,
  pruneDeepKeyValues,
  readId,
  readInt,
  readNanos,
  readResource,
  readScope,
  walkExport,
} from "./otlp-fields.ts";
import type { OtlpSpan, OtlpSpanEvent } from "./otlp-span.ts";
import { ExportTraceServiceRequest } from "./proto.ts";

export type { OtlpEncoding } from "./otlp-fields.ts";

/** The spans of one export request that could be read, and why the others could not. */
export interface DecodedTraces {
  spans: OtlpSpan[];
  rejected: number;
  /** One message per distinct reason, for the partial-success answer. */
  errors: string[];
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

/**
 * Every check that can reject a span, in a fixed order (the first failure names the reason),
 * without converting anything: what ingest runs on each span before it acknowledges a request.
 */
function checkSpan(raw: unknown, encoding: OtlpEncoding): asserts raw is Obj {
  if (!isObj(raw)) throw new ItemRejected("span must be an object");
  const hasTraceId = checkId(raw.traceId, 16, encoding, "traceId");
  const hasSpanId = checkId(raw.spanId, 8, encoding, "spanId");
  if (!hasTraceId) throw new ItemRejected("traceId is missing");
  if (!hasSpanId) throw new ItemRejected("spanId is missing");
  // null is proto3 JSON's "default", and what a decoded protobuf message holds for no name.
  if (raw.name !== undefined && raw.name !== null && typeof raw.name !== "string")
    throw new ItemRejected("name must be a string");
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

/** Where an ExportTraceServiceRequest keeps its spans. */
const TRACES_SHAPE: ExportShape = {
  message: "ExportTraceServiceRequest",
  resources: "resourceSpans",
  scopes: "scopeSpans",
  legacyScopes: "instrumentationLibrarySpans",
  items: "spans",
  item: "span",
};

/**
 * Reads an ExportTraceServiceRequest in object form (OTLP/JSON, or protobufjs `toObject`) into
 * spans; resource and scope are converted once per group, not once per span.
 */
export function readExportRequest(request: unknown, encoding: OtlpEncoding): DecodedTraces {
  const spans: OtlpSpan[] = [];
  let resourceOf: { from: Obj; value: OtlpSpan["resource"] } | undefined;
  let scopeOf: { from: Obj; value: OtlpSpan["scope"] } | undefined;
  const { rejected, errors } = walkExport(
    request,
    TRACES_SHAPE,
    (raw, resourceSpans, scopeSpans) => {
      checkSpan(raw, encoding);
      const header = readSpanHeader(raw, encoding);
      if (resourceOf?.from !== resourceSpans)
        resourceOf = { from: resourceSpans, value: readResource(resourceSpans) };
      if (scopeOf?.from !== scopeSpans)
        scopeOf = { from: scopeSpans, value: readScope(scopeSpans) };
      spans.push(readSpan(raw, header, resourceOf.value, scopeOf.value));
    },
  );
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
  const parsed = encoding === "json" ? parseJsonBody(body) : decodeProtobuf(body);
  let accepted = 0;
  const { rejected, errors } = walkExport(parsed, TRACES_SHAPE, (raw) => {
    checkSpan(raw, encoding);
    accepted += 1;
  });
  return { accepted, rejected, errors };
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

function decodeProtobuf(body: Buffer, toObject = false): unknown {
  try {
    const message = ExportTraceServiceRequest.decode(body);
    if (!toObject) return message;
    // toObject recurses deeper per level than decode: a nesting that decode just survived
    // would overflow the stack there. Values that deep are cut off when read anyway.
    for (const keyValues of keyValueLists(message)) pruneDeepKeyValues(keyValues, 0);
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
  const parsed = encoding === "json" ? parseJsonBody(body) : decodeProtobuf(body, true);
  return readExportRequest(parsed, encoding);
}
