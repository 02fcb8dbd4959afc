import type { TraceBuffer } from "../buffer/trace-buffer.ts";
import type { Metrics } from "../metrics/metrics.ts";
import { decodeLogsRequest } from "../otlp/decode-logs.ts";
import { decodeTraceRequest } from "../otlp/decode-traces.ts";
import type { IngestJob } from "../queues/payloads.ts";
import type { Logger } from "../util/logger.ts";
import { decompress } from "./decompress.ts";
import { type ReadExportDeps, readLogContent, readSpans, reportDropped } from "./read-export.ts";
import type { RequestSpool } from "./request-spool.ts";

/** For a job of an older build, which did not record the inflated size (its bodies were inflated). */
const MAX_INFLATED_BYTES = 64 * 1024 * 1024;

export interface SpooledRequestDeps extends ReadExportDeps {
  spool: RequestSpool;
  buffer: TraceBuffer;
  metrics: Metrics;
  logger: Logger;
}

/**
 * Reads one spooled export request into the trace buffer: decode, normalise, redact, append, and
 * only then drop the body. A traces request appends its spans, a logs request the GenAI content
 * of its records (joined to their spans when the trace is assembled). A crash in between redoes
 * the append; the buffer keeps one copy of a span per id and of a record per identity, so
 * nothing is counted twice.
 */
export async function processSpooledRequest(
  job: IngestJob,
  deps: SpooledRequestDeps,
): Promise<{ buffered: number }> {
  const body = await deps.spool.body(job);
  if (body === null) {
    // Read and dropped by a worker that died before finishing the job (its spans are in the
    // buffer), or never read before its TTL: only the second loses spans, and says so.
    if (Date.now() - job.receivedAtMs >= deps.spool.ttlSeconds * 1000) {
      if (job.signal === "logs") {
        deps.metrics.logRecordsDropped.inc({ reason: "expired_in_spool" }, job.spans);
      } else {
        deps.metrics.spansRejected.inc({ reason: "expired_in_spool" }, job.spans);
      }
      deps.logger.warn(
        {
          signal: job.signal,
          items: job.spans,
          receivedAtMs: job.receivedAtMs,
          ttlSeconds: deps.spool.ttlSeconds,
        },
        "an acknowledged request expired in the spool before a worker read it (trace_buffer_ttl_s)",
      );
    }
    return { buffered: 0 };
  }
  // Ingest checked this body with the same rules, so the items it rejected are rejected again
  // here (and were already answered and counted); the others read as they were acknowledged.
  const inflated = await decompress(body, job.coding, job.bodyBytes ?? MAX_INFLATED_BYTES);
  const buffered =
    job.signal === "logs"
      ? await bufferLogContent(inflated, job, deps)
      : await bufferSpans(inflated, job, deps);
  await deps.spool.drop(job);
  return { buffered };
}

async function bufferSpans(
  inflated: Buffer,
  job: IngestJob,
  deps: SpooledRequestDeps,
): Promise<number> {
  const { spans, dropped } = readSpans(
    decodeTraceRequest(inflated, job.encoding),
    job.project,
    deps,
  );
  await deps.buffer.append(spans);
  reportDropped("traces", dropped, deps);
  return spans.length;
}

/**
 * The GenAI content of a logs request, beside its spans in the trace buffer. Ingest counted the
 * records it drops for good (not GenAI content, no span to join); here only content events that
 * turn out to hold no content are counted.
 */
async function bufferLogContent(
  inflated: Buffer,
  job: IngestJob,
  deps: SpooledRequestDeps,
): Promise<number> {
  const decoded = decodeLogsRequest(inflated, job.encoding);
  const origin = { project: job.project, receivedAtMs: job.receivedAtMs };
  const { contents, dropped } = readLogContent(decoded, origin, deps);
  await deps.buffer.appendContent(contents);
  reportDropped("logs", dropped, deps);
  return contents.length;
}
