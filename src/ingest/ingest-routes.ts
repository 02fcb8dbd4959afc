import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { TraceBuffer } from "../buffer/trace-buffer.ts";
import { ERROR_CATALOG, type ErrorSpec } from "../error-catalog.ts";
import { errorMessage, TracejudgeError } from "../errors.ts";
import type { Metrics } from "../metrics/metrics.ts";
import { type CheckedLogs, checkLogsRequest, decodeLogsRequest } from "../otlp/decode-logs.ts";
import {
  checkTraceRequest,
  type DecodedTraces,
  decodeTraceRequest,
  type OtlpEncoding,
} from "../otlp/decode-traces.ts";
import type { IngestSignal } from "../queues/payloads.ts";
import type { Logger } from "../util/logger.ts";
import type { Backpressure } from "./backpressure.ts";
import { type ContentCoding, contentCoding, decompress } from "./decompress.ts";
import { encodingOf, sendExportResponse, sendOtlpError } from "./otlp-response.ts";
import { type ReadExportDeps, readLogContent, readSpans, reportDropped } from "./read-export.ts";
import { type RequestSpool, receivedNowMs } from "./request-spool.ts";

export interface IngestDeps {
  spool: RequestSpool;
  metrics: Metrics;
  backpressure: Backpressure;
  logger: Logger;
  /** Largest body accepted, before and after decompression. */
  maxBodyBytes: number;
  /** The caller's ingest rate: seconds to wait before these items may pass, 0 to go on. */
  admit?: (request: FastifyRequest, spans: number) => number;
  /**
   * `redaction.before_queue`: ingest reads each request itself (decode, normalise, redact) and
   * appends what it kept to the trace buffer, so nothing unredacted is ever written to Redis.
   * Absent (the default): the body is spooled as it came, and a worker reads it.
   */
  readBeforeQueue?: ReadExportDeps & { buffer: TraceBuffer };
}

/** The OTLP/HTTP traces path. */
export const TRACES_PATH = "/v1/traces";
/** Where traceAI's `register()` (`@traceai/fi-core`) sends OTLP/HTTP: `<endpoint>/tracer/v1/traces`. */
export const TRACEAI_TRACES_PATH = "/tracer/v1/traces";
/** The OTLP/HTTP logs path. */
export const LOGS_PATH = "/v1/logs";
/** The OTLP/HTTP export routes (`METHOD path`): every failure there is an OTLP Status body. */
export const OTLP_ROUTES: ReadonlySet<string> = new Set(
  [TRACES_PATH, TRACEAI_TRACES_PATH, LOGS_PATH].map((path) => `POST ${path}`),
);

/** A request's items as ingest checked them. */
interface CheckedExport {
  accepted: number;
  rejected: number;
  errors: string[];
  /** Accepted items worth spooling (and counted against the key's rate); 0: nothing to spool. */
  keep: number;
}

/** An export request as received, once its body is inflated and checked. */
interface ReceivedExport {
  /** The body as it came (compressed or not). */
  raw: Buffer;
  /** The body inflated. */
  body: Buffer;
  encoding: OtlpEncoding;
  coding: ContentCoding;
  /** The project of the key that sent it. */
  project: string;
}

/** What differs between the OTLP signals ingest takes, and between the two ways of keeping them. */
interface ExportSignal<Checked extends CheckedExport> {
  signal: IngestSignal;
  check(body: Buffer, encoding: OtlpEncoding): Checked;
  /** Keeps a request with items worth keeping; resolves once they are in Redis. */
  keep(checked: Checked, request: ReceivedExport): Promise<void>;
  /** Counts a request's items, once its answer is final (a 503 is retried whole). */
  count(checked: Checked, encoding: OtlpEncoding): void;
}

/**
 * Spooled as it came: a compressed body keeps Redis's share small, and the worker inflates it
 * again (to the size checked here).
 */
function spoolRequest(
  spool: RequestSpool,
  signal: IngestSignal,
  checked: CheckedExport,
  request: ReceivedExport,
): Promise<void> {
  return spool.put(request.raw, {
    signal,
    encoding: request.encoding,
    coding: request.coding,
    bodyBytes: request.body.length,
    project: request.project,
    spans: checked.keep,
  });
}

function tracesSignal(deps: IngestDeps): ExportSignal<CheckedExport & { decoded?: DecodedTraces }> {
  const { metrics, readBeforeQueue: reader } = deps;
  return {
    signal: "traces",
    check: (body, encoding) => {
      if (!reader) {
        const checked = checkTraceRequest(body, encoding);
        return { ...checked, keep: checked.accepted };
      }
      // Read here anyway, so decoded once: the decode runs the same checks, rejects the same
      // spans and gives the same answer.
      const decoded = decodeTraceRequest(body, encoding);
      const { rejected, errors } = decoded;
      return {
        accepted: decoded.spans.length,
        rejected,
        errors,
        keep: decoded.spans.length,
        decoded,
      };
    },
    keep: async (checked, request) => {
      if (!reader || !checked.decoded) return spoolRequest(deps.spool, "traces", checked, request);
      const { spans, dropped } = readSpans(checked.decoded, request.project, reader);
      await reader.buffer.append(spans);
      reportDropped("traces", dropped, deps);
    },
    count: ({ accepted, rejected }, encoding) => {
      if (rejected > 0) metrics.spansRejected.inc({ reason: "invalid_span" }, rejected);
      metrics.spansReceived.inc({ encoding }, accepted);
    },
  };
}

/**
 * Logs: only GenAI content events with a trace and span id are kept (spooled, then joined to
 * their spans); every other record is accepted, counted and dropped here.
 */
function logsSignal(deps: IngestDeps): ExportSignal<CheckedLogs & CheckedExport> {
  const { metrics, readBeforeQueue: reader } = deps;
  return {
    signal: "logs",
    check: (body, encoding) => {
      const checked = checkLogsRequest(body, encoding);
      return { ...checked, keep: checked.genaiContent };
    },
    keep: async (checked, request) => {
      if (!reader) return spoolRequest(deps.spool, "logs", checked, request);
      // Only requests holding GenAI content get here: the others end at the check.
      const decoded = decodeLogsRequest(request.body, request.encoding);
      const origin = { project: request.project, receivedAtMs: receivedNowMs() };
      const { contents, dropped } = readLogContent(decoded, origin, reader);
      await reader.buffer.appendContent(contents);
      reportDropped("logs", dropped, deps);
    },
    count: ({ accepted, rejected, keep, genaiWithoutSpan }, encoding) => {
      const dropped = metrics.logRecordsDropped;
      if (rejected > 0) dropped.inc({ reason: "invalid_log_record" }, rejected);
      if (genaiWithoutSpan > 0) dropped.inc({ reason: "no_span" }, genaiWithoutSpan);
      const other = accepted - keep - genaiWithoutSpan;
      if (other > 0) dropped.inc({ reason: "not_genai_content" }, other);
      metrics.logRecordsReceived.inc({ encoding }, accepted);
    },
  };
}

/**
 * `POST /v1/traces` (and its alias `POST /tracer/v1/traces`) and `POST /v1/logs`: OTLP/HTTP in
 * protobuf or JSON, gzip or not. The body is parsed and every item checked, then the request is
 * spooled in Redis for a worker to read (normalise, redact, buffer); the answer, partial success
 * included, is final once the spool holds it. Under `redaction.before_queue` ingest reads the
 * request itself and the answer is final once the trace buffer holds its redacted items. A logs
 * request holding no GenAI content is answered without spooling.
 */
export async function ingestRoutes(app: FastifyInstance, deps: IngestDeps): Promise<void> {
  // Bodies are read raw here whatever their type: decoding is ours, so that every failure gets
  // an OTLP answer in the request's encoding.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    "*",
    { parseAs: "buffer", bodyLimit: deps.maxBodyBytes },
    (_req, body, done) => done(null, body),
  );

  app.setErrorHandler((err: { statusCode?: number; message: string }, request, reply) => {
    const encoding = encodingOf(request.headers["content-type"]) ?? "json";
    const status =
      err.statusCode === 413 ? 413 : err.statusCode && err.statusCode < 500 ? err.statusCode : 500;
    deps.metrics.requestsRejected.inc({ status: String(status) });
    const message =
      status === 413 ? `the body is larger than ${deps.maxBodyBytes} bytes` : err.message;
    if (status === 500) deps.logger.error({ err: err.message }, "ingest failed");
    return sendOtlpError(reply, encoding, status, message);
  });

  const traces = tracesSignal(deps);
  const logs = logsSignal(deps);
  const receiveTraces = (request: FastifyRequest, reply: FastifyReply) =>
    receiveExport(request, reply, traces, deps);
  app.post(TRACES_PATH, receiveTraces);
  // traceAI's `register()` appends its collector path to the endpoint it is given, so that path
  // is the same route: same auth, limits and back-pressure.
  app.post(TRACEAI_TRACES_PATH, receiveTraces);
  app.post(LOGS_PATH, (request, reply) => receiveExport(request, reply, logs, deps));
}

async function receiveExport<Checked extends CheckedExport>(
  request: FastifyRequest,
  reply: FastifyReply,
  signal: ExportSignal<Checked>,
  deps: IngestDeps,
): Promise<FastifyReply> {
  const encoding = encodingOf(request.headers["content-type"]);
  if (!encoding) {
    deps.metrics.requestsRejected.inc({ status: "415" });
    return sendOtlpError(
      reply,
      "json",
      415,
      `Content-Type "${request.headers["content-type"] ?? ""}" is not supported: send application/x-protobuf or application/json`,
    );
  }
  const pushback = deps.backpressure.check();
  if (pushback) {
    deps.metrics.requestsRejected.inc({ status: String(pushback.status) });
    return sendOtlpError(
      reply,
      encoding,
      pushback.status,
      `try again later: ${pushback.reason}`,
      pushback.retryAfterSeconds,
    );
  }

  const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
  let coding: ContentCoding;
  let body: Buffer;
  let checked: Checked;
  try {
    coding = contentCoding(request.headers["content-encoding"]);
    body = await decompress(raw, coding, deps.maxBodyBytes);
    checked = signal.check(body, encoding);
  } catch (err) {
    if (!(err instanceof TracejudgeError)) throw err;
    // The catalog's OTLP status for the code (a bad body, too large, an unknown media type).
    const status: number = (ERROR_CATALOG[err.code] as ErrorSpec).otlp ?? 400;
    deps.metrics.requestsRejected.inc({ status: String(status) });
    return sendOtlpError(reply, encoding, status, err.message);
  }

  const wait = deps.admit?.(request, checked.keep) ?? 0;
  if (wait > 0) {
    deps.metrics.requestsRejected.inc({ status: "429" });
    return sendOtlpError(
      reply,
      encoding,
      429,
      "this API key's ingest rate is spent: try again later",
      wait,
    );
  }
  if (checked.keep > 0) {
    try {
      const project = request.caller?.project ?? "default";
      await signal.keep(checked, { raw, body, encoding, coding, project });
    } catch (err) {
      deps.metrics.requestsRejected.inc({ status: "503" });
      deps.logger.warn({ err: errorMessage(err) }, "cannot spool the request");
      return sendOtlpError(
        reply,
        encoding,
        503,
        "try again later: the trace buffer (Redis) is unavailable",
        5,
      );
    }
  }
  signal.count(checked, encoding);
  return sendExportResponse(
    reply,
    signal.signal,
    encoding,
    checked.rejected,
    checked.errors.join("; "),
  );
}
