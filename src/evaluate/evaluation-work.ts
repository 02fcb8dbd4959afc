import { storing } from "../errors.ts";
import {
  type EvaluationJob,
  type EvaluationWork,
  evaluationInput,
  type SpanRef,
} from "../queues/payloads.ts";
import type { EvaluationTarget } from "../span/evaluation-target.ts";

/** Where an evaluations job's span is read: the spans table. */
export interface StoredSpans {
  /** The span with what assembly found for it, or null when no row (or no readable row) has it. */
  target(traceId: string, spanId: string): Promise<EvaluationTarget | null>;
}

/** A job whose span could not be read: every evaluator it names gets an error verdict. */
export interface SpanNotStored {
  notStored: SpanRef;
  job: EvaluationJob;
}

/**
 * The job with its span: read from the spans table by the ids the job names, or, for a job an
 * older build queued, the span it carries. Throws `STORE_UNAVAILABLE` while PostgreSQL is away
 * (the job waits for it, as a verdict's write does).
 */
export async function readEvaluationWork(
  job: EvaluationJob,
  spans: StoredSpans,
): Promise<EvaluationWork | SpanNotStored> {
  const { span, input, ...rest } = job;
  if (input !== undefined) return { ...rest, input };
  // The schema holds one of the two.
  const ref = span as SpanRef;
  const target = await storing(() => spans.target(ref.traceId, ref.spanId));
  return target === null ? { notStored: ref, job } : { ...rest, input: evaluationInput(target) };
}
