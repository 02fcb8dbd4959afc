import type { Queue } from "bullmq";
import type { TraceBuffer } from "../buffer/trace-buffer.ts";
import type { Config } from "../config/config-schema.ts";
import { storing } from "../errors.ts";
import {
  type EvaluationProcessorDeps,
  processEvaluation,
} from "../evaluate/evaluation-processor.ts";
import { type ActiveEvaluator, appliesTo, runsInline } from "../evaluators/registry.ts";
import type { Metrics } from "../metrics/metrics.ts";
import {
  type BulkEvaluationJob,
  type EvaluationJob,
  type EvaluatorRef,
  evaluationInput,
  evaluationJob,
  type TraceJob,
} from "../queues/payloads.ts";
import { decideSampling } from "../sampling/sampler.ts";
import type { SpanWriter } from "../store/span-store.ts";
import { assembleTrace, type EvaluationTarget } from "./assemble-trace.ts";

export interface TraceProcessorDeps {
  buffer: TraceBuffer;
  /** Where sampled spans are stored (batched across concurrent trace jobs by the workers). */
  spanStore: SpanWriter;
  evaluationsQueue: Queue;
  evaluators: ActiveEvaluator[];
  config: Config;
  metrics: Metrics;
  /** How inline evaluators (`runsInline`) run and store their verdicts; none: every one is queued. */
  inline?: EvaluationProcessorDeps;
}

export interface TraceOutcome {
  sampled: boolean;
  /** LLM spans of this generation that had not been dispatched before. */
  newTargets: number;
  jobs: number;
}

/**
 * Assembles one quiet trace, runs the inline evaluators on each new span, and dispatches one
 * evaluation job per new span naming every other evaluator that applies to it. Each
 * step is safe to redo after a crash: job ids are deterministic, the span upsert is idempotent,
 * and spans are marked dispatched only after their jobs are in the queue. (The scanner took the
 * trace out of the pending set when it queued this job.)
 */
export async function processTrace(job: TraceJob, deps: TraceProcessorDeps): Promise<TraceOutcome> {
  const { buffer, metrics } = deps;
  const { spans, dispatched: done } = await buffer.readTrace(job.traceId);
  const trace = assembleTrace(job.traceId, spans);
  metrics.tracesAssembled.inc();

  const fresh = trace.targets.filter((t) => !done.has(t.span.spanId));
  const decision = decideSampling(job.traceId, trace.spans, deps.config);
  metrics.tracesSampled.inc({ reason: decision.sampled ? decision.reason : "not_sampled" });

  // Evaluators route by span kind and attributes: LLM spans by default, any span on request.
  // Only LLM spans count as "not evaluated"; a tool span nobody asked about is not a gap.
  const isLlm = (t: EvaluationTarget) => t.span.kind === "LLM";
  const jobs: BulkEvaluationJob[] = [];
  if (!decision.sampled) {
    metrics.spansNotEvaluated.inc({ reason: "not_sampled" }, fresh.filter(isLlm).length);
  } else {
    const enqueuedAtMs = Date.now();
    const due: { target: EvaluationTarget; matching: ActiveEvaluator[] }[] = [];
    for (const target of fresh) {
      const matching = deps.evaluators.filter((active) => appliesTo(active, target.span));
      if (matching.length === 0 && isLlm(target))
        metrics.spansNotEvaluated.inc({ reason: "no_evaluator" });
      if (matching.length > 0) due.push({ target, matching });
    }
    await storing(() => deps.spanStore.upsertMany(due.map((d) => d.target)));
    for (const { target, matching } of due) {
      const queued: EvaluatorRef[] = [];
      const inline: EvaluatorRef[] = [];
      for (const active of matching) {
        (deps.inline && runsInline(active) ? inline : queued).push(active.evaluator);
      }
      if (deps.inline && inline.length > 0) {
        // Judged here and now; whatever fails (or this worker lacks) goes on to the queue.
        const job: EvaluationJob = {
          evaluators: inline,
          input: evaluationInput(target),
          enqueuedAtMs,
        };
        const inlineDeps = deps.inline;
        // Counted as stored, not as run: a redone trace job finds its verdicts there already.
        const outcome = await processEvaluation(
          job,
          { number: 1, last: false },
          {
            ...inlineDeps,
            onStored: (event) => {
              metrics.evaluationsInline.inc();
              inlineDeps.onStored?.(event);
            },
          },
        );
        queued.push(...outcome.retry, ...outcome.missing);
      }
      if (queued.length > 0) jobs.push(evaluationJob(queued, target, enqueuedAtMs));
    }
    if (jobs.length > 0) await deps.evaluationsQueue.addBulk(jobs);
  }
  await buffer.markDispatched(
    job.traceId,
    fresh.map((t) => t.span.spanId),
  );
  return { sampled: decision.sampled, newTargets: fresh.length, jobs: jobs.length };
}
