import { createHash } from "node:crypto";
import { z } from "zod";
import { GEN_AI_EVENT } from "../normalize/attribute-names.ts";
import { isRecord, toNumber } from "../normalize/attribute-values.ts";
import { GENAI_CONTENT_EVENTS, type OtlpLogRecord } from "../otlp/decode-logs.ts";
import { type Attributes, type OtlpSpan, SpanIdSchema, TraceIdSchema } from "../otlp/otlp-span.ts";
import { type LlmSpan, type Message, MessageSchema } from "../span/llm-span.ts";

/**
 * The GenAI content one log record carried, read and redacted, waiting in the trace buffer beside
 * the spans for its span: the messages of a `gen_ai.user.message`, a `gen_ai.choice`, or an
 * operation-details event. Assembly merges every record of a span into that span's messages.
 */
export const SpanContentSchema = z.object({
  /** Tells a content entry from a span in the trace buffer's list. */
  entry: z.literal("span_content"),
  /** The record's identity (span, event, times, content): a re-sent record counts once. */
  id: z.string(),
  traceId: TraceIdSchema,
  spanId: SpanIdSchema,
  /** The project of the key that sent it: it joins that project's spans only. */
  project: z.string().default("default"),
  eventName: z.string(),
  /** The record's time, else its observed time: orders the messages of a span. */
  timeUnixNano: z.string(),
  observedTimeUnixNano: z.string(),
  /** When ingest received the record's request (ms, sub-ms precise) and the record's place in it. */
  receivedAtMs: z.number().default(0),
  position: z.number().int().nonnegative().default(0),
  /** A `gen_ai.choice`'s `index`: orders the choices of a span. */
  choiceIndex: z.number().nullable(),
  inputMessages: z.array(MessageSchema),
  outputMessages: z.array(MessageSchema),
  systemInstructions: z.string().nullable(),
});
export type SpanContent = z.infer<typeof SpanContentSchema>;

/** Why an accepted log record was dropped, as counted in `tracejudge_log_records_dropped_total`. */
export type LogDropReason =
  /** Any log record that is not a GenAI content event: accepted, not needed. */
  | "not_genai_content"
  /** A GenAI content event without a trace and span id: nothing to join it to. */
  | "no_span"
  /** A GenAI content event without content (the instrumentation's content capture is off). */
  | "no_content";

/** Where a record came from: its sender's project, and when and where in a request it arrived. */
export interface RecordOrigin {
  project: string;
  receivedAtMs: number;
  position: number;
}

export interface SpanContentDeps {
  normalize: (span: OtlpSpan) => LlmSpan;
  redact: (span: LlmSpan) => LlmSpan;
}

/**
 * The attributes of the span event a log record stands for. The per-message events and
 * `gen_ai.choice` carry their fields in the body (`{content}`, `{index, finish_reason, message}`);
 * as span events those fields sit under `body`, which is how the normaliser reads them. A plain
 * string body is the message's content. Operation details carry everything in attributes.
 */
function eventAttributes(record: OtlpLogRecord): Attributes {
  if (record.eventName === GEN_AI_EVENT.OPERATION_DETAILS) return record.attributes;
  const body = typeof record.body === "string" ? { content: record.body } : record.body;
  return isRecord(body) ? { ...record.attributes, body } : record.attributes;
}

function carriesContent(message: Message): boolean {
  return message.content.trim() !== "" || (message.toolCalls?.length ?? 0) > 0;
}

/**
 * Reads what a log record adds to its span, through the span normaliser (as a span holding the
 * record as its one event, so event bodies and operation details read exactly as they do on
 * spans) and the span redactor (so content from logs is redacted under the same policy).
 */
export function readSpanContent(
  record: OtlpLogRecord,
  origin: RecordOrigin,
  deps: SpanContentDeps,
): { content: SpanContent } | { dropped: LogDropReason } {
  if (!GENAI_CONTENT_EVENTS.has(record.eventName)) return { dropped: "not_genai_content" };
  if (record.traceId === null || record.spanId === null) return { dropped: "no_span" };
  const carrier: OtlpSpan = {
    traceId: record.traceId,
    spanId: record.spanId,
    parentSpanId: null,
    name: record.eventName,
    kind: 0,
    startTimeUnixNano: record.timeUnixNano,
    endTimeUnixNano: record.timeUnixNano,
    attributes: {},
    events: [
      {
        name: record.eventName,
        timeUnixNano: record.timeUnixNano,
        attributes: eventAttributes(record),
      },
    ],
    status: { code: 0 },
    resource: record.resource,
    scope: record.scope,
  };
  const read = deps.redact(deps.normalize(carrier));
  // Without content capture a choice still names its role (Python) or its tool calls' names.
  if (![...read.inputMessages, ...read.outputMessages].some(carriesContent)) {
    return { dropped: "no_content" };
  }
  const choiceIndex =
    record.eventName === GEN_AI_EVENT.CHOICE && isRecord(record.body)
      ? toNumber(record.body.index)
      : null;
  const identity = JSON.stringify([
    record.spanId,
    record.eventName,
    record.timeUnixNano,
    record.observedTimeUnixNano,
    read.inputMessages,
    read.outputMessages,
  ]);
  return {
    content: {
      entry: "span_content",
      id: createHash("sha256").update(identity).digest("hex").slice(0, 32),
      traceId: record.traceId,
      spanId: record.spanId,
      project: origin.project,
      eventName: record.eventName,
      timeUnixNano: record.timeUnixNano,
      observedTimeUnixNano: record.observedTimeUnixNano,
      receivedAtMs: origin.receivedAtMs,
      position: origin.position,
      choiceIndex,
      inputMessages: read.inputMessages,
      outputMessages: read.outputMessages,
      systemInstructions: read.systemInstructions,
    },
  };
}
