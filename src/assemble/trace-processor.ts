import type { Queue } from "bullmq";
import type { TraceBuffer } from "../buffer/trace-buffer.ts";
import type { Config } from "../config/config-schema.ts";
import { storing } from "../errors.ts";
import { type ActiveEvaluator, appliesTo } from "../evaluators/registry.ts";
import type { Metrics } from "../metrics/metrics.ts";
import { type BulkEvaluationJob, evaluationJob, type TraceJob } from "../queues/payloads.ts";
import { decideSampling } from "../sampling/sampler.ts";
import type { SpanStore } from "../store/span-store.ts";
import { assembleTrace, type EvaluationTarget } from "./assemble-trace.ts";

export interface TraceProcessorDeps {
  buffer: TraceBuffer;
  spanStore: SpanStore;
  evaluationsQueue: Queue;
  evaluators: ActiveEvaluator[];
  config: Config;
  metrics: Metrics;
}

export interface TraceOutcome {
  sampled: boolean;
  /** LLM spans of this generation that had not been dispatched before. */
  newTargets: number;
  jobs: number;
}

/**
 * Assembles one quiet trace and dispatches one evaluation job per new span, naming every evaluator
 * that applies to it. Each
 * step is safe to redo after a crash: job ids are deterministic, the span upsert is idempotent,
 * and spans are marked dispatched only after their jobs are in the queue. (The scanner took the
 * trace out of the pending set when it queued this job.)
 */
export async function processTrace(job: TraceJob, deps: TraceProcessorDeps): Promise<TraceOutcome> {
  const { buffer, metrics } = deps;
  const spans = await buffer.read(job.traceId);
  const trace = assembleTrace(job.traceId, spans);
  metrics.tracesAssembled.inc();

  const done = await buffer.dispatched(
    job.traceId,
    trace.targets.map((t) => t.span.spanId),
  );
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
    const evaluated: EvaluationTarget[] = [];
    for (const target of fresh) {
      const matching = deps.evaluators.filter((active) => appliesTo(active, target.span));
      if (matching.length === 0 && isLlm(target))
        metrics.spansNotEvaluated.inc({ reason: "no_evaluator" });
      if (matching.length === 0) continue;
      evaluated.push(target);
      jobs.push(
        evaluationJob(
          matching.map((active) => active.evaluator),
          target,
          enqueuedAtMs,
        ),
      );
    }
    await storing(() => deps.spanStore.upsertMany(evaluated));
    if (jobs.length > 0) await deps.evaluationsQueue.addBulk(jobs);
  }
  await buffer.markDispatched(
    job.traceId,
    fresh.map((t) => t.span.spanId),
  );
  return { sampled: decision.sampled, newTargets: fresh.length, jobs: jobs.length };
}
