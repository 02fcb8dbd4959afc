import { createHash } from "node:crypto";
import { z } from "zod";
import { EvaluationInputSchema } from "../evaluators/contract.ts";
import type { Document, LlmSpan } from "../span/llm-span.ts";

/** Payload of a `traces` job: one generation of a trace (its spans up to `lastSeenMs`). */
export const TraceJobSchema = z.object({
  traceId: z.string().regex(/^[0-9a-f]{32}$/),
  lastSeenMs: z.number(),
});
export type TraceJob = z.infer<typeof TraceJobSchema>;

/** Payload of an `evaluations` job. Validated when dequeued: jobs outlive deploys. */
export const EvaluationJobSchema = z.object({
  evaluator: z.string(),
  version: z.string(),
  input: EvaluationInputSchema,
  /** When the span's trace was assembled (ms), for the end-to-end latency. */
  enqueuedAtMs: z.number(),
  /** How many workers without this evaluator version handed the job back. */
  misses: z.number().int().nonnegative().optional(),
});
export type EvaluationJob = z.infer<typeof EvaluationJobSchema>;

/** BullMQ job ids may not contain ":"; these are deterministic so a redo adds nothing. */
export function traceJobId(job: TraceJob): string {
  return `t-${job.traceId}-${job.lastSeenMs}`;
}

export function evaluationJobId(
  traceId: string,
  spanId: string,
  evaluator: string,
  version: string,
): string {
  const digest = createHash("sha256").update(`${evaluator}@${version}`).digest("hex").slice(0, 16);
  return `e-${traceId}-${spanId}-${digest}`;
}

/** An `evaluations` job ready for `Queue.addBulk`, with its deterministic id. */
export interface BulkEvaluationJob {
  name: string;
  data: EvaluationJob;
  opts: { jobId: string };
}

/** The job that evaluates one span (with what assembly found for it) with one evaluator version. */
export function evaluationJob(
  evaluator: { name: string; version: string },
  target: { span: LlmSpan; question: string | null; answer: string | null; context: Document[] },
  enqueuedAtMs: number,
): BulkEvaluationJob {
  const { traceId, spanId } = target.span;
  return {
    name: `${evaluator.name}@${evaluator.version}`,
    data: {
      evaluator: evaluator.name,
      version: evaluator.version,
      enqueuedAtMs,
      input: {
        traceId,
        spanId,
        span: target.span,
        question: target.question,
        answer: target.answer,
        context: target.context,
      },
    },
    opts: { jobId: evaluationJobId(traceId, spanId, evaluator.name, evaluator.version) },
  };
}
