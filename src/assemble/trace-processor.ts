import type { Queue } from "bullmq";
import type { BufferedTrace, TraceBuffer } from "../buffer/trace-buffer.ts";
import type { Config } from "../config/config-schema.ts";
import { errorMessage, storing } from "../errors.ts";
import {
  type EvaluationProcessorDeps,
  processEvaluationsTogether,
} from "../evaluate/evaluation-processor.ts";
import { type ActiveEvaluator, appliesTo, runsInline } from "../evaluators/registry.ts";
import type { Metrics } from "../metrics/metrics.ts";
import {
  type BulkEvaluationJob,
  type EvaluationWork,
  type EvaluatorRef,
  evaluationInput,
  evaluationJob,
  type TraceJob,
} from "../queues/payloads.ts";
import { decideSampling } from "../sampling/sampler.ts";
import type { SpanWriter } from "../store/span-store.ts";
import type { Logger } from "../util/logger.ts";
import { assembleTrace, type EvaluationTarget } from "./assemble-trace.ts";

export interface TraceProcessorDeps {
  buffer: TraceBuffer;
  /** Where sampled spans are stored (batched across concurrent trace jobs by the workers). */
  spanStore: SpanWriter;
  evaluationsQueue: Queue;
  evaluators: ActiveEvaluator[];
  config: Config;
  metrics: Metrics;
  logger: Logger;
  /** How inline evaluators (`runsInline`) run and store their verdicts; none: every one is queued. */
  inline?: EvaluationProcessorDeps;
}

export interface TracesOutcome {
  /** Traces of the batch assembled (a trace whose assembly threw is logged and left out). */
  assembled: number;
  sampled: number;
  /** LLM spans of these generations that had not been dispatched before. */
  newTargets: number;
  /** Evaluation jobs queued (for the evaluators that do not run inline). */
  jobs: number;
}

/** A span due for evaluation, with the evaluators that apply to it. */
interface Due {
  target: EvaluationTarget;
  matching: ActiveEvaluator[];
}

/**
 * Assembles a batch of quiet traces, runs the inline evaluators on each new span, and dispatches
 * one evaluation job per new span naming every other evaluator that applies to it. The batch
 * shares its round trips: one read of every trace, one span upsert, one write of the inline
 * verdicts, one `addBulk`, one write of what was dispatched. Each step is safe to redo after a
 * crash: job ids are deterministic, the span upsert is idempotent, verdicts are stored once per
 * (span, evaluator, version), and spans are marked dispatched only after their jobs are in the
 * queue. (The scanner took the traces out of the pending set when it queued the batch.)
 */
export async function processTraces(
  batch: TraceJob[],
  deps: TraceProcessorDeps,
): Promise<TracesOutcome> {
  const { buffer, metrics } = deps;
  const buffered = await buffer.readTraces(batch.map((t) => t.traceId));
  const outcome: TracesOutcome = { assembled: 0, sampled: 0, newTargets: 0, jobs: 0 };
  const due: Due[] = [];
  const dispatched: { traceId: string; spanIds: string[] }[] = [];
  for (const [i, { traceId }] of batch.entries()) {
    try {
      const fresh = selectDue(traceId, buffered[i] as BufferedTrace, deps, due);
      dispatched.push({ traceId, spanIds: fresh.spanIds });
      outcome.assembled += 1;
      outcome.sampled += fresh.sampled ? 1 : 0;
      outcome.newTargets += fresh.spanIds.length;
    } catch (err) {
      // A trace that cannot be assembled (a bug, not an outage) must not hold up its batch.
      metrics.tracesFailed.inc();
      deps.logger.error({ traceId, err: errorMessage(err) }, "trace assembly failed");
    }
  }

  await storing(() => deps.spanStore.upsertMany(due.map((d) => d.target)));
  const enqueuedAtMs = Date.now();
  const inline = countingInline(deps);
  const queued = await runInline(due, enqueuedAtMs, inline);
  const jobs: BulkEvaluationJob[] = [];
  for (const [i, { target }] of due.entries()) {
    const refs = queued[i] ?? [];
    // The job names the span, stored above; the worker reads it there.
    if (refs.length > 0) jobs.push(evaluationJob(refs, target.span, enqueuedAtMs));
  }
  if (jobs.length > 0) await deps.evaluationsQueue.addBulk(jobs);
  await buffer.markDispatched(dispatched);
  outcome.jobs = jobs.length;
  return outcome;
}

/**
 * Assembles one trace and decides sampling; adds its new spans that some evaluator applies to
 * to `due`. Returns the new LLM-span targets (to mark dispatched) and the sampling decision.
 */
function selectDue(
  traceId: string,
  { spans, dispatched: done }: BufferedTrace,
  deps: TraceProcessorDeps,
  due: Due[],
): { spanIds: string[]; sampled: boolean } {
  const { metrics } = deps;
  const trace = assembleTrace(traceId, spans);
  metrics.tracesAssembled.inc();
  const fresh = trace.targets.filter((t) => !done.has(t.span.spanId));
  const decision = decideSampling(traceId, trace.spans, deps.config);
  metrics.tracesSampled.inc({ reason: decision.sampled ? decision.reason : "not_sampled" });

  // Evaluators route by span kind and attributes: LLM spans by default, any span on request.
  // Only LLM spans count as "not evaluated"; a tool span nobody asked about is not a gap.
  const isLlm = (t: EvaluationTarget) => t.span.kind === "LLM";
  if (!decision.sampled) {
    metrics.spansNotEvaluated.inc({ reason: "not_sampled" }, fresh.filter(isLlm).length);
  } else {
    for (const target of fresh) {
      const matching = deps.evaluators.filter((active) => appliesTo(active, target.span));
      if (matching.length === 0 && isLlm(target))
        metrics.spansNotEvaluated.inc({ reason: "no_evaluator" });
      if (matching.length > 0) due.push({ target, matching });
    }
  }
  return { spanIds: fresh.map((t) => t.span.spanId), sampled: decision.sampled };
}

/**
 * The inline evaluators' deps, counting what they store: as stored, not as run, since a redone
 * trace job finds its verdicts there already.
 */
function countingInline(deps: TraceProcessorDeps): EvaluationProcessorDeps | undefined {
  const inline = deps.inline;
  if (!inline) return undefined;
  return {
    ...inline,
    onStored: (event) => {
      deps.metrics.evaluationsInline.inc();
      inline.onStored?.(event);
    },
  };
}

/**
 * Runs the inline evaluators of the batch's spans here and now, their verdicts stored together;
 * returns, per span, the evaluators left for the queue: those that do not run inline, and inline
 * ones that failed (or that this worker lacks).
 */
async function runInline(
  due: Due[],
  enqueuedAtMs: number,
  inline: EvaluationProcessorDeps | undefined,
): Promise<EvaluatorRef[][]> {
  const queued: EvaluatorRef[][] = [];
  const inlineJobs: EvaluationWork[] = [];
  const inlineOf: number[] = [];
  for (const [i, { target, matching }] of due.entries()) {
    const refs: EvaluatorRef[] = [];
    const inlineRefs: EvaluatorRef[] = [];
    for (const active of matching) {
      (inline && runsInline(active) ? inlineRefs : refs).push(active.evaluator);
    }
    queued.push(refs);
    if (inlineRefs.length === 0) continue;
    inlineJobs.push({ evaluators: inlineRefs, input: evaluationInput(target), enqueuedAtMs });
    inlineOf.push(i);
  }
  if (!inline || inlineJobs.length === 0) return queued;
  const outcomes = await processEvaluationsTogether(inlineJobs, { number: 1, last: false }, inline);
  for (const [j, outcome] of outcomes.entries()) {
    queued[inlineOf[j] as number]?.push(...outcome.retry, ...outcome.missing);
  }
  return queued;
}
