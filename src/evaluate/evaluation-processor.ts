import { errorMessage, storing, TracejudgeError } from "../errors.ts";
import type { EvaluatorLogger } from "../evaluators/contract.ts";
import { type ActiveEvaluator, evaluatorKey } from "../evaluators/registry.ts";
import { type Judge, JudgeMalformedError } from "../judge/judge.ts";
import type { Metrics } from "../metrics/metrics.ts";
import type { EvaluationJob } from "../queues/payloads.ts";
import type { NewEvalEvent } from "../store/eval-event-store.ts";
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
  logger: EvaluatorLogger;
  timeoutMs: number;
  signal?: AbortSignal;
  judge: Judge | null;
  /** Called once for each verdict newly stored (not for a duplicate). */
  onStored?: (event: NewEvalEvent) => void;
}

export interface Attempt {
  /** 1 for the first try. */
  number: number;
  /** Whether no retry follows if this one fails. */
  last: boolean;
}

/**
 * Runs one evaluation and stores its verdict. A retryable failure is rethrown so that the queue
 * retries with back-off, unless this is the last attempt: then, as for a final failure, an
 * `error` eval event records the reason. Returns the status stored, or throws to retry.
 */
export async function processEvaluation(
  job: EvaluationJob,
  attempt: Attempt,
  deps: EvaluationProcessorDeps,
): Promise<"ok" | "error" | "skipped"> {
  const key = evaluatorKey(job.evaluator, job.version);
  const scope = eventScope({ name: job.evaluator, version: job.version }, job.input);
  const active = deps.evaluators.get(key);
  let event: NewEvalEvent;
  if (!active) {
    // A worker of an older or newer deploy may have it: retry before giving up.
    if (!attempt.last)
      throw new TracejudgeError("EVALUATOR_FAILED", `${key} is not registered on this worker`, {
        retryable: true,
      });
    event = errorEvent(
      scope,
      "evaluator_not_registered",
      `${key} is not registered on any worker that tried`,
      attempt.number,
    );
  } else {
    try {
      const { result, latencyMs } = await runEvaluator(active, job.input, {
        logger: deps.logger,
        timeoutMs: deps.timeoutMs,
        judge: deps.judge,
        ...(deps.signal ? { signal: deps.signal } : {}),
      });
      deps.metrics.evaluationDuration.observe({ evaluator: job.evaluator }, latencyMs / 1000);
      event = resultEvent(scope, result, latencyMs, attempt.number);
    } catch (err) {
      if (err instanceof TracejudgeError && err.code === "JUDGE_BUDGET") {
        // Visibly not judged, rather than dropped or retried into tomorrow.
        return store(
          deps,
          job.evaluator,
          skippedEvent(scope, "budget", err.message, attempt.number),
        );
      }
      const retryable = err instanceof TracejudgeError ? err.retryable : true;
      if (retryable && !attempt.last) throw err;
      const code = err instanceof TracejudgeError ? err.code.toLowerCase() : "evaluator_failed";
      deps.logger.warn(
        {
          evaluator: key,
          traceId: job.input.traceId,
          spanId: job.input.spanId,
          err: errorMessage(err),
        },
        "evaluation failed for good",
      );
      event = errorEvent(scope, code, errorMessage(err), attempt.number);
      if (err instanceof JudgeMalformedError) {
        // The malformed answers were paid for: the row says what the failure cost.
        event = {
          ...event,
          judgeModel: err.usage.model,
          judgeInputTokens: err.usage.inputTokens,
          judgeOutputTokens: err.usage.outputTokens,
          judgeCostUsd: err.usage.costUsd,
        };
      }
    }
  }
  return store(deps, job.evaluator, event);
}

async function store(
  deps: EvaluationProcessorDeps,
  evaluator: string,
  event: NewEvalEvent,
): Promise<NewEvalEvent["status"]> {
  if (await storing(() => deps.verdicts.add(event))) {
    deps.metrics.evaluations.inc({ evaluator, status: event.status });
    deps.onStored?.(event);
  }
  return event.status;
}
