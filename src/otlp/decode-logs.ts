import { GEN_AI_EVENT } from "../normalize/attribute-names.ts";
import { anyValueToJson, keyValuesToJson, storableText } from "./any-value.ts";
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
  pruneDeepValue,
  readId,
  readInt,
  readNanos,
  readResource,
  readScope,
  walkExport,
} from "./otlp-fields.ts";
import type { Attributes, AttrValue } from "./otlp-span.ts";
import { ExportLogsServiceRequest } from "./proto.ts";

/** One log record as decoded from an OTLP request: ids in lowercase hex, times as decimal nanos. */
export interface OtlpLogRecord {
  traceId: string | null;
  spanId: string | null;
  timeUnixNano: string;
  observedTimeUnixNano: string;
  severityNumber: number;
  /** The `event_name` field, else the `event.name` attribute (how older SDKs name events); "" if neither. */
  eventName: string;
  /** The body as plain JSON; null when absent. */
  body: AttrValue;
  attributes: Attributes;
  resource: Attributes;
  scope: { name: string; version?: string };
}

/** The `event.name` attribute: where SDKs before the `event_name` field (OTLP 1.5) put the name. */
const EVENT_NAME_ATTRIBUTE = "event.name";

/**
 * Events whose records carry GenAI message content: the v1.28–v1.36 per-message events and
 * `gen_ai.choice`, and the v1.37+ `gen_ai.client.inference.operation.details`.
 */
export const GENAI_CONTENT_EVENTS: ReadonlySet<string> = new Set([
  GEN_AI_EVENT.SYSTEM_MESSAGE,
  GEN_AI_EVENT.USER_MESSAGE,
  GEN_AI_EVENT.ASSISTANT_MESSAGE,
  GEN_AI_EVENT.TOOL_MESSAGE,
  GEN_AI_EVENT.CHOICE,
  GEN_AI_EVENT.OPERATION_DETAILS,
]);

const LOGS_SHAPE: ExportShape = {
  message: "ExportLogsServiceRequest",
  resources: "resourceLogs",
  scopes: "scopeLogs",
  legacyScopes: "instrumentationLibraryLogs",
  items: "logRecords",
  item: "log record",
};

/** The event name without converting the record: the field, else the attribute's string value. */
function eventNameOf(raw: Obj): string {
  if (typeof raw.eventName === "string" && raw.eventName !== "") return raw.eventName;
  if (!Array.isArray(raw.attributes)) return "";
  for (const kv of raw.attributes) {
    if (!isObj(kv) || kv.key !== EVENT_NAME_ATTRIBUTE || !isObj(kv.value)) continue;
    const value = kv.value.stringValue;
    return typeof value === "string" ? value : "";
  }
  return "";
}

/** Every check that can reject a log record, in a fixed order (the first failure names it). */
function checkLogRecord(raw: unknown, encoding: OtlpEncoding): asserts raw is Obj {
  if (!isObj(raw)) throw new ItemRejected("log record must be an object");
  checkId(raw.traceId, 16, encoding, "traceId");
  checkId(raw.spanId, 8, encoding, "spanId");
  checkNanos(raw.timeUnixNano, "timeUnixNano");
  checkNanos(raw.observedTimeUnixNano, "observedTimeUnixNano");
  readInt(raw.severityNumber, "severityNumber");
  if (raw.eventName !== undefined && raw.eventName !== null && typeof raw.eventName !== "string")
    throw new ItemRejected("eventName must be a string");
}

/** What a checked record is to ingest: GenAI content joined to a span, content without one, or other. */
function classify(raw: Obj, encoding: OtlpEncoding): "joins_span" | "no_span" | "other" {
  if (!GENAI_CONTENT_EVENTS.has(eventNameOf(raw))) return "other";
  const joins =
    checkId(raw.traceId, 16, encoding, "traceId") && checkId(raw.spanId, 8, encoding, "spanId");
  return joins ? "joins_span" : "no_span";
}

/** How many log records of an export request are valid, and which of them to keep. */
export interface CheckedLogs {
  accepted: number;
  rejected: number;
  errors: string[];
  /** Accepted records that are GenAI content events with a trace and span id: the ones kept. */
  genaiContent: number;
  /** Accepted GenAI content events without a trace or span id: nothing to join them to. */
  genaiWithoutSpan: number;
}

/**
 * Parses an OTLP/HTTP logs export body (already decompressed) and checks every record as
 * `decodeLogsRequest` would, without converting bodies or attributes: what ingest needs to
 * answer, and whether anything in it is worth spooling.
 */
export function checkLogsRequest(body: Buffer, encoding: OtlpEncoding): CheckedLogs {
  const parsed = encoding === "json" ? parseJsonBody(body) : decodeProtobuf(body, false);
  let accepted = 0;
  let genaiContent = 0;
  let genaiWithoutSpan = 0;
  const { rejected, errors } = walkExport(parsed, LOGS_SHAPE, (raw) => {
    checkLogRecord(raw, encoding);
    accepted += 1;
    const kind = classify(raw, encoding);
    if (kind === "joins_span") genaiContent += 1;
    if (kind === "no_span") genaiWithoutSpan += 1;
  });
  return { accepted, rejected, errors, genaiContent, genaiWithoutSpan };
}

/** The log records of one export request that could be read, and why the others could not. */
export interface DecodedLogs {
  records: OtlpLogRecord[];
  rejected: number;
  errors: string[];
}

/** Decodes an OTLP/HTTP logs export body (already decompressed). */
export function decodeLogsRequest(body: Buffer, encoding: OtlpEncoding): DecodedLogs {
  const parsed = encoding === "json" ? parseJsonBody(body) : decodeProtobuf(body, true);
  const records: OtlpLogRecord[] = [];
  let resourceOf: { from: Obj; value: Attributes } | undefined;
  let scopeOf: { from: Obj; value: OtlpLogRecord["scope"] } | undefined;
  const { rejected, errors } = walkExport(parsed, LOGS_SHAPE, (raw, resourceLogs, scopeLogs) => {
    checkLogRecord(raw, encoding);
    if (resourceOf?.from !== resourceLogs)
      resourceOf = { from: resourceLogs, value: readResource(resourceLogs) };
    if (scopeOf?.from !== scopeLogs) scopeOf = { from: scopeLogs, value: readScope(scopeLogs) };
    records.push({
      traceId: readId(raw.traceId, 16, encoding, "traceId"),
      spanId: readId(raw.spanId, 8, encoding, "spanId"),
      timeUnixNano: readNanos(raw.timeUnixNano, "timeUnixNano"),
      observedTimeUnixNano: readNanos(raw.observedTimeUnixNano, "observedTimeUnixNano"),
      severityNumber: readInt(raw.severityNumber, "severityNumber"),
      eventName: storableText(eventNameOf(raw)),
      body: anyValueToJson(raw.body),
      attributes: keyValuesToJson(raw.attributes),
      resource: resourceOf.value,
      scope: scopeOf.value,
    });
  });
  return { records, rejected, errors };
}

/** The KeyValue lists and bodies of a decoded protobuf request, wherever AnyValues can nest. */
function pruneDeepLogValues(message: unknown): void {
  const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
  for (const rl of arr((message as Obj).resourceLogs)) {
    pruneDeepKeyValues(((rl as Obj).resource as Obj | undefined)?.attributes, 0);
    for (const sl of arr((rl as Obj).scopeLogs)) {
      pruneDeepKeyValues(((sl as Obj).scope as Obj | undefined)?.attributes, 0);
      for (const record of arr((sl as Obj).logRecords)) {
        pruneDeepKeyValues((record as Obj).attributes, 0);
        pruneDeepValue((record as Obj).body, 0);
      }
    }
  }
}

function decodeProtobuf(body: Buffer, toObject: boolean): unknown {
  try {
    const message = ExportLogsServiceRequest.decode(body);
    if (!toObject) return message;
    // As for traces: toObject recurses deeper per level than decode did.
    pruneDeepLogValues(message);
    return ExportLogsServiceRequest.toObject(message, {
      longs: String,
      bytes: String,
      arrays: true,
      defaults: false,
    });
  } catch (err) {
    throw decodeFailed(
      `the body is not a protobuf ExportLogsServiceRequest: ${(err as Error).message}`,
      err,
    );
  }
}
