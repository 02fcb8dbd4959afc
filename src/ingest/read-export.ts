import { errorMessage } from "../errors.ts";
import { readSpanContent, type SpanContent } from "../logs/span-content.ts";
import type { Metrics } from "../metrics/metrics.ts";
import type { DecodedLogs } from "../otlp/decode-logs.ts";
import type { DecodedTraces } from "../otlp/decode-traces.ts";
import type { OtlpSpan } from "../otlp/otlp-span.ts";
import type { LlmSpan } from "../span/llm-span.ts";
import type { Logger } from "../util/logger.ts";

/** What reading a decoded export request takes: the normaliser and the redactor. */
export interface ReadExportDeps {
  normalize: (span: OtlpSpan) => LlmSpan;
  redact: (span: LlmSpan) => LlmSpan;
}

/** What reading a request dropped, counted and logged by `reportDropped` once the rest is stored. */
export interface DroppedItems {
  /** Spans or records that could not be read (normalised, redacted). */
  unreadable: { traceId: string | null; spanId: string | null; err: string }[];
  /** GenAI content events that hold no content (the instrumentation's capture is off). */
  noContent: number;
}

/**
 * A traces request's spans as the trace buffer holds them: normalised, redacted and in the
 * sender's project. Read on a worker from the spool, or by the API itself under
 * `redaction.before_queue`; either way nothing unredacted leaves this function.
 */
export function readSpans(
  decoded: DecodedTraces,
  project: string,
  deps: ReadExportDeps,
): { spans: LlmSpan[]; dropped: DroppedItems } {
  const spans: LlmSpan[] = [];
  const dropped: DroppedItems = { unreadable: [], noContent: 0 };
  for (const otlpSpan of decoded.spans) {
    try {
      spans.push({ ...deps.redact(deps.normalize(otlpSpan)), project });
    } catch (err) {
      const { traceId, spanId } = otlpSpan;
      dropped.unreadable.push({ traceId, spanId, err: errorMessage(err) });
    }
  }
  return { spans, dropped };
}

/** A logs request's GenAI content, read through the normaliser and redacted as spans are. */
export function readLogContent(
  decoded: DecodedLogs,
  origin: { project: string; receivedAtMs: number },
  deps: ReadExportDeps,
): { contents: SpanContent[]; dropped: DroppedItems } {
  const contents: SpanContent[] = [];
  const dropped: DroppedItems = { unreadable: [], noContent: 0 };
  for (const [position, record] of decoded.records.entries()) {
    try {
      const read = readSpanContent(record, { ...origin, position }, deps);
      if ("content" in read) contents.push(read.content);
      else if (read.dropped === "no_content") dropped.noContent += 1;
    } catch (err) {
      const { traceId, spanId } = record;
      dropped.unreadable.push({ traceId, spanId, err: errorMessage(err) });
    }
  }
  return { contents, dropped };
}

/**
 * Counts and logs what a request's reading dropped. Ingest counted the items it dropped for good
 * (invalid, not GenAI content, no span to join); these are the acknowledged ones lost on reading.
 */
export function reportDropped(
  signal: "traces" | "logs",
  dropped: DroppedItems,
  deps: { metrics: Metrics; logger: Logger },
): void {
  if (dropped.noContent > 0) {
    deps.metrics.logRecordsDropped.inc({ reason: "no_content" }, dropped.noContent);
  }
  for (const { traceId, spanId, err } of dropped.unreadable) {
    if (signal === "logs") {
      deps.metrics.logRecordsDropped.inc({ reason: "invalid_log_record" });
      deps.logger.warn({ traceId, spanId, err }, "log record could not be read");
    } else {
      deps.metrics.spansRejected.inc({ reason: "invalid_span" });
      deps.logger.warn({ traceId, spanId, err }, "span could not be read");
    }
  }
}
