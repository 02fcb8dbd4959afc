import type { Tracer } from "@opentelemetry/api";
import { reasonOf } from "../error-catalog.ts";
import { errorMessage, failureReason, storing, TracejudgeError } from "../errors.ts";
import { evaluatorKey } from "../evaluators/evaluator-key.ts";
import type { ActiveEvaluator } from "../evaluators/registry.ts";
import { type Judge, JudgeMalformedError } from "../judge/judge.ts";
import type { Metrics } from "../metrics/metrics.ts";
import type { EvaluationWork, EvaluatorRef } from "../queues/payloads.ts";
import type { NewEvalEvent } from "../store/eval-event-store.ts";
import type { Logger } from "../util/logger.ts";
import { withEvaluationSpan } from "./evaluation-span.ts";
import type { SpanNotStored } from "./evaluation-work.ts";
import {
  errorEvent,
  eventScope,
  resultEvent,
  runEvaluator,
  skippedEvent,
} from "./run-evaluator.ts";

export interface EvaluationProcessorDeps {
  /** Active evaluators by `name@version` (a Map, or the service's catalog). */
  evaluators: { get(key: string): ActiveEvaluator | undefined };
  /** Where verdicts go: resolves true when the verdict was new (see `EvalEventBatcher`). */
  verdicts: { add(event: NewEvalEvent): Promise<boolean> };
  metrics: Metrics;
  logger: Logger;
  timeoutMs: number;
  signal?: AbortSignal;
  judge: Judge | null;
  /** Called once for each verdict newly stored (not for a duplicate). */
  onStored?: (event: NewEvalEvent) => void;
  /** tracejudge's own tracer (`OTEL_TRACES_EXPORTER=otlp`): a span per evaluator run. */
  tracer?: Tracer;
}

export interface Attempt {
  /** 1 for the first try. */
  number: number;
  /** Whether no retry follows if this one fails. */
  last: boolean;
  /**
   * Versions (`name@version`) this worker lacks that get their `evaluator_not_registered` error
   * now rather than going back for a worker that has them.
   */
  giveUp?: ReadonlySet<string>;
}

/** What became of a job's evaluators on this attempt. */
export interface EvaluationOutcome {
  /** Status stored (or found already stored) per `name@version`. */
  stored: Record<string, NewEvalEvent["status"]>;
  /** Evaluators that failed in a way worth another attempt, with the first such error. */
  retry: EvaluatorRef[];
  /** Evaluators this worker does not have (another deploy's worker may). */
  missing: EvaluatorRef[];
  /** Why retry or missing is not empty (`STORE_UNAVAILABLE` when the store went away). */
  error?: unknown;
}

/**
 * Runs a job's evaluators on its span one after the other (so `evaluation_concurrency` stays the
 * number of evaluations in flight) and stores each verdict. A retryable failure leaves that
 * evaluator in `retry`, unless this is the last attempt: then, as for a final failure, an `error`
 * eval event records the reason. Never throws for one evaluator's sake: the caller requeues
 * what is left.
 */
export async function processEvaluation(
  job: EvaluationWork,
  attempt: Attempt,
  deps: EvaluationProcessorDeps,
): Promise<EvaluationOutcome> {
  const outcome: EvaluationOutcome = { stored: {}, retry: [], missing: [] };
  for (const [i, ref] of job.evaluators.entries()) {
    const key = evaluatorKey(ref.name, ref.version);
    try {
      const status = await traced(ref, job, attempt, deps, (d) =>
        evaluateOne(ref, job, attempt, d),
      );
      if (status === "missing") noteMissing(outcome, ref);
      else outcome.stored[key] = status;
    } catch (err) {
      if (err instanceof TracejudgeError && err.code === "STORE_UNAVAILABLE") {
        // Nothing more can be stored now: this evaluator and the rest wait for the store, and
        // the verdicts already stored are not redone (a judge's are paid for).
        outcome.retry.push(...job.evaluators.slice(i));
        outcome.error = err;
        break;
      }
      outcome.retry.push(ref);
      outcome.error ??= err;
    }
  }
  return outcome;
}

/**
 * Runs the evaluators of several spans one after the other, as `processEvaluation` does, but
 * stores their verdicts together once all have run: the inline evaluators of a trace batch, whose
 * verdicts then share one multi-row INSERT instead of a commit each in turn. Each verdict's
 * latency is its own run's; only the wait for its row is shared. A verdict the store refused
 * leaves its evaluator in `retry`, as a failed run does. One outcome per job, in order.
 */
export async function processEvaluationsTogether(
  jobs: EvaluationWork[],
  attempt: Attempt,
  deps: EvaluationProcessorDeps,
): Promise<EvaluationOutcome[]> {
  const outcomes: EvaluationOutcome[] = [];
  const verdicts: { outcome: EvaluationOutcome; ref: EvaluatorRef; event: NewEvalEvent }[] = [];
  for (const job of jobs) {
    const outcome: EvaluationOutcome = { stored: {}, retry: [], missing: [] };
    outcomes.push(outcome);
    for (const ref of job.evaluators) {
      try {
        const status = await traced(ref, job, attempt, deps, async (d) => {
          const verdict = await judgeOne(ref, job, attempt, d);
          if (verdict === "missing") return "missing" as const;
          verdicts.push({ outcome, ref, event: verdict });
          return verdict.status;
        });
        if (status === "missing") noteMissing(outcome, ref);
      } catch (err) {
        outcome.retry.push(ref);
        outcome.error ??= err;
      }
    }
  }
  await Promise.all(
    verdicts.map(async ({ outcome, ref, event }) => {
      try {
        outcome.stored[evaluatorKey(ref.name, ref.version)] = await store(deps, ref.name, event);
      } catch (err) {
        outcome.retry.push(ref);
        // The store going away says more than an evaluator's own failure.
        if (err instanceof TracejudgeError && err.code === "STORE_UNAVAILABLE") outcome.error = err;
        else outcome.error ??= err;
      }
    }),
  );
  return outcomes;
}

/**
 * Runs one evaluator's turn inside its `evaluate <name>` span (when tracing), with deps whose judge
 * is traced under that span.
 */
function traced<S extends string>(
  ref: EvaluatorRef,
  job: EvaluationWork,
  attempt: Attempt,
  deps: EvaluationProcessorDeps,
  run: (deps: EvaluationProcessorDeps) => Promise<S>,
): Promise<S> {
  return withEvaluationSpan(deps.tracer, ref, job, attempt.number, deps.judge, (judge) =>
    run(judge === deps.judge ? deps : { ...deps, judge }),
  );
}

function noteMissing(outcome: EvaluationOutcome, ref: EvaluatorRef): void {
  outcome.missing.push(ref);
  outcome.error ??= new TracejudgeError(
    "EVALUATOR_FAILED",
    `${evaluatorKey(ref.name, ref.version)} is not registered on this worker`,
    { retryable: true },
  );
}

/** One evaluator on the job's span: the status stored, "missing", or a retryable throw. */
async function evaluateOne(
  ref: EvaluatorRef,
  job: EvaluationWork,
  attempt: Attempt,
  deps: EvaluationProcessorDeps,
): Promise<NewEvalEvent["status"] | "missing"> {
  const verdict = await judgeOne(ref, job, attempt, deps);
  return verdict === "missing" ? verdict : store(deps, ref.name, verdict);
}

/**
 * One evaluator on the job's span: the verdict to store (an `error` one for a final failure),
 * "missing", or a retryable throw.
 */
async function judgeOne(
  ref: EvaluatorRef,
  job: EvaluationWork,
  attempt: Attempt,
  deps: EvaluationProcessorDeps,
): Promise<NewEvalEvent | "missing"> {
  const key = evaluatorKey(ref.name, ref.version);
  const scope = eventScope(ref, job.input);
  const active = deps.evaluators.get(key);
  if (!active) {
    // A worker of an older or newer deploy may have it: retry before giving up.
    if (!attempt.last && !attempt.giveUp?.has(key)) return "missing";
    return errorEvent(
      scope,
      reasonOf("EVALUATOR_NOT_REGISTERED"),
      `${key} is not registered on any worker that tried`,
      attempt.number,
    );
  }
  try {
    const { result, latencyMs } = await runEvaluator(active, job.input, {
      logger: deps.logger,
      timeoutMs: deps.timeoutMs,
      judge: deps.judge,
      ...(deps.signal ? { signal: deps.signal } : {}),
    });
    deps.metrics.evaluationDuration.observe({ evaluator: ref.name }, latencyMs / 1000);
    return resultEvent(scope, result, latencyMs, attempt.number);
  } catch (err) {
    if (err instanceof TracejudgeError && err.code === "JUDGE_BUDGET") {
      // Visibly not judged, rather than dropped or retried into tomorrow.
      return skippedEvent(scope, "budget", err.message, attempt.number);
    }
    const retryable = err instanceof TracejudgeError ? err.retryable : true;
    if (retryable && !attempt.last) throw err;
    const code = failureReason(err);
    deps.logger.warn(
      {
        evaluator: key,
        traceId: job.input.traceId,
        spanId: job.input.spanId,
        err: errorMessage(err),
      },
      "evaluation failed for good",
    );
    const event = errorEvent(scope, code, errorMessage(err), attempt.number);
    if (!(err instanceof JudgeMalformedError)) return event;
    // The malformed answers were paid for: the row says what the failure cost.
    return {
      ...event,
      judgeModel: err.usage.model,
      judgeInputTokens: err.usage.inputTokens,
      judgeOutputTokens: err.usage.outputTokens,
      judgeCostUsd: err.usage.costUsd,
    };
  }
}

/**
 * A job whose span is not in the spans table (deleted since, or never stored by a build that
 * lost it): nothing can judge it, so each evaluator it names gets an `error` verdict saying so,
 * linked to the span's ids, rather than the job vanishing.
 */
export async function storeSpanNotStored(
  { notStored, job }: SpanNotStored,
  attempt: Pick<Attempt, "number">,
  deps: Pick<EvaluationProcessorDeps, "verdicts" | "metrics" | "logger" | "onStored">,
): Promise<Record<string, NewEvalEvent["status"]>> {
  const { traceId, spanId, project } = notStored;
  deps.logger.warn({ traceId, spanId }, "an evaluations job names a span the spans table lacks");
  const stored: Record<string, NewEvalEvent["status"]> = {};
  for (const ref of job.evaluators) {
    const scope = {
      project,
      traceId,
      spanId,
      evaluator: ref.name,
      evaluatorVersion: ref.version,
      serviceName: null,
      serviceVersion: null,
      model: null,
      spanName: null,
      spanKind: null,
      responseId: null,
    };
    const message = `span ${spanId} of trace ${traceId} is not in the spans table`;
    const event = errorEvent(scope, reasonOf("SPAN_NOT_STORED"), message, attempt.number);
    stored[evaluatorKey(ref.name, ref.version)] = await store(deps, ref.name, event);
  }
  return stored;
}

async function store(
  deps: Pick<EvaluationProcessorDeps, "verdicts" | "metrics" | "onStored">,
  evaluator: string,
  event: NewEvalEvent,
): Promise<NewEvalEvent["status"]> {
  if (await storing(() => deps.verdicts.add(event))) {
    deps.metrics.evaluations.inc({ evaluator, status: event.status });
    deps.onStored?.(event);
  }
  return event.status;
}
