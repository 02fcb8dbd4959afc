import { createHash } from "node:crypto";
import { z } from "zod";
import { type EvaluationInput, EvaluationInputSchema } from "../evaluators/contract.ts";
import { evaluatorKey } from "../evaluators/evaluator-key.ts";
import { SpanIdSchema, TraceIdSchema } from "../otlp/otlp-span.ts";
import type { EvaluationTarget } from "../span/evaluation-target.ts";
import { DeliveryIdSchema } from "../webhooks/delivery-store.ts";

/*
 * The payload of every queue's jobs, validated where a job is dequeued (`readJob`): jobs outlive
 * deploys, so each schema also reads the shapes older builds queued.
 */

/** Payload of an `ingest` job: where the request's body waits, and how to read it. */
export const IngestJobSchema = z.object({
  bodyKey: z.string(),
  /** Which export request the body is; absent in jobs of builds that took traces only. */
  signal: z.enum(["traces", "logs"]).default("traces"),
  encoding: z.enum(["protobuf", "json"]),
  /** The body is spooled as it came; absent in jobs of builds that spooled it inflated. */
  coding: z.enum(["identity", "gzip", "deflate"]).default("identity"),
  /** Its size once inflated, as ingest checked it (the limit when a worker inflates it again). */
  bodyBytes: z.number().int().nonnegative().optional(),
  /** The project of the key that sent it; its spans belong to that project. */
  project: z.string(),
  /** Spans (log records joined to spans, for logs) the request was acknowledged with (for progress and metrics). */
  spans: z.number().int().nonnegative(),
  receivedAtMs: z.number(),
});
export type IngestJob = z.infer<typeof IngestJobSchema>;
export type IngestSignal = IngestJob["signal"];
/** A job as written (defaults not yet applied). */
export type IngestJobInput = z.input<typeof IngestJobSchema>;

/** Payload of a `traces` job: one generation of a trace (its spans up to `lastSeenMs`). */
export const TraceJobSchema = z.object({
  traceId: TraceIdSchema,
  lastSeenMs: z.number(),
});
export type TraceJob = z.infer<typeof TraceJobSchema>;

/**
 * Payload of a `traces` job: a batch of quiet traces, assembled together so that they share their
 * round trips. A job queued by an older build (one trace) still reads.
 */
export const TraceBatchJobSchema = z.preprocess(
  (data) =>
    typeof data === "object" && data !== null && !("traces" in data) ? { traces: [data] } : data,
  z.object({ traces: z.array(TraceJobSchema).min(1) }),
);
export type TraceBatchJob = z.infer<typeof TraceBatchJobSchema>;

/** One evaluator version, as a job names it. */
export const EvaluatorRefSchema = z.object({ name: z.string(), version: z.string() });
export type EvaluatorRef = z.infer<typeof EvaluatorRefSchema>;

/** A stored span, by id: the row of the spans table an `evaluations` job names. */
export const SpanRefSchema = z.object({
  traceId: TraceIdSchema,
  spanId: SpanIdSchema,
  /** The project of the span, for the error verdict if its row is gone. */
  project: z.string(),
});
export type SpanRef = z.infer<typeof SpanRefSchema>;

/**
 * Payload of an `evaluations` job: one span and every evaluator version it is due for, so the span
 * is read once however many evaluators judge it. A retry keeps only the evaluators still owed a
 * verdict. The job names the span (`span`): assembly stores it in the spans table before it
 * queues the job, and the worker reads it there. Validated when dequeued: jobs outlive deploys,
 * and jobs of older builds still read: those carried the span itself (`input`), the oldest one
 * `evaluator` and `version`.
 */
export const EvaluationJobSchema = z.preprocess(
  (data) => {
    if (typeof data !== "object" || data === null || "evaluators" in data) return data;
    const { evaluator, version, ...rest } = data as Record<string, unknown>;
    return { ...rest, evaluators: [{ name: evaluator, version }] };
  },
  z
    .object({
      evaluators: z.array(EvaluatorRefSchema).min(1),
      span: SpanRefSchema.optional(),
      /** The span and what assembly found for it, as older builds queued it. */
      input: EvaluationInputSchema.optional(),
      /** When the span's trace was assembled (ms), for the end-to-end latency. */
      enqueuedAtMs: z.number(),
      /** When a worker without one of these evaluator versions first handed the job back (ms). */
      firstMissAtMs: z.number().optional(),
      /** Hand-backs counted by older builds, 1 s apart: read as the first miss when it is absent. */
      misses: z.number().int().nonnegative().optional(),
    })
    .refine((job) => job.span !== undefined || job.input !== undefined, {
      message: "an evaluations job names its span (span) or carries it (input)",
      path: ["span"],
    }),
);
export type EvaluationJob = z.infer<typeof EvaluationJobSchema>;

/** An evaluations job with its span read: what `processEvaluation` runs. */
export type EvaluationWork = Omit<EvaluationJob, "span" | "input"> & { input: EvaluationInput };

/**
 * BullMQ job ids may not contain ":"; these are deterministic so a redo adds nothing: a batch is
 * named by the trace generations it holds.
 */
export function traceBatchJobId(batch: TraceBatchJob): string {
  const keys = batch.traces.map((t) => `${t.traceId}-${t.lastSeenMs}`).sort();
  if (keys.length === 1) return `t-${keys[0]}`;
  return `tb-${createHash("sha256").update(keys.join(",")).digest("hex").slice(0, 32)}`;
}

export function evaluationJobId(
  traceId: string,
  spanId: string,
  evaluators: EvaluatorRef[],
): string {
  const keys = evaluators.map((e) => evaluatorKey(e.name, e.version)).sort();
  const digest = createHash("sha256").update(keys.join(",")).digest("hex").slice(0, 16);
  return `e-${traceId}-${spanId}-${digest}`;
}

/** An `evaluations` job ready for `Queue.addBulk`, with its deterministic id. */
export interface BulkEvaluationJob {
  name: string;
  data: EvaluationJob;
  opts: { jobId: string };
}

/**
 * The job that evaluates one span with these evaluator versions. It names the span; the span with
 * what assembly found for it must be in the spans table before the job is queued.
 */
export function evaluationJob(
  evaluators: EvaluatorRef[],
  span: SpanRef,
  enqueuedAtMs: number,
): BulkEvaluationJob {
  const refs = evaluators.map(({ name, version }) => ({ name, version }));
  const { traceId, spanId, project } = span;
  return {
    name: refs.map((e) => evaluatorKey(e.name, e.version)).join("+"),
    data: { evaluators: refs, enqueuedAtMs, span: { traceId, spanId, project } },
    opts: { jobId: evaluationJobId(traceId, spanId, refs) },
  };
}

/** What an evaluator is given about one span: the span and what assembly found for it. */
export function evaluationInput(target: EvaluationTarget): EvaluationInput {
  return {
    traceId: target.span.traceId,
    spanId: target.span.spanId,
    span: target.span,
    question: target.question,
    answer: target.answer,
    context: target.context,
  };
}

/** The name of an `alerts` job that judges one rule; its payload is an `AlertJob`. */
export const ALERTS_JUDGE_JOB = "judge";
/** The name of the clock's `alerts` jobs (every rule, now); they carry no payload. */
export const ALERTS_TICK_JOB = "tick";

/** Payload of an `alerts` job that judges one rule: its key (`ruleKey`). */
export const AlertJobSchema = z.object({ rule: z.string().min(1) });
export type AlertJob = z.infer<typeof AlertJobSchema>;

/** Payload of a `webhooks` job: only the id, the body is read from Postgres (jobs outlive deploys). */
export const WebhookJobSchema = z.object({ delivery_id: DeliveryIdSchema }).strict();
export type WebhookJob = z.infer<typeof WebhookJobSchema>;
