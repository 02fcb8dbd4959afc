import { z } from "zod";
import { errorMessage, TracejudgeError } from "../errors.ts";
import type { EvaluationInput, EvaluationResult } from "../evaluators/contract.ts";
import { EvaluationResultSchema } from "../evaluators/contract.ts";
import type { ActiveEvaluator } from "../evaluators/registry.ts";
import type { Judge } from "../judge/judge.ts";
import { GEN_AI } from "../normalize/attribute-names.ts";
import type { NewEvalEvent } from "../store/eval-event-store.ts";
import type { Logger } from "../util/logger.ts";

export interface RunOptions {
  logger: Logger;
  timeoutMs: number;
  /** Aborts the evaluation from outside (shutdown). */
  signal?: AbortSignal;
  judge: Judge | null;
}

/**
 * Runs one evaluator on one input with a timeout, and checks its verdict against the result
 * schema. Throws `EVALUATOR_TIMEOUT` or `EVALUATOR_FAILED` (retryable: the cause may pass) or
 * `EVALUATOR_RESULT_INVALID` (final: the same code gives the same bad answer).
 */
export async function runEvaluator(
  active: ActiveEvaluator,
  input: EvaluationInput,
  options: RunOptions,
): Promise<{ result: EvaluationResult; latencyMs: number }> {
  const controller = new AbortController();
  const onAbort = () => controller.abort(options.signal?.reason);
  options.signal?.addEventListener("abort", onAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const started = performance.now();
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const err = new TracejudgeError(
          "EVALUATOR_TIMEOUT",
          `${active.key} took longer than ${options.timeoutMs} ms`,
          {
            retryable: true,
          },
        );
        controller.abort(err);
        reject(err);
      }, options.timeoutMs);
    });
    const run = Promise.resolve().then(() =>
      active.evaluator.evaluate(input, {
        settings: active.settings,
        logger: options.logger,
        signal: controller.signal,
        judge: options.judge,
      }),
    );
    let raw: unknown;
    try {
      raw = await Promise.race([run, timeout]);
    } catch (err) {
      if (err instanceof TracejudgeError) throw err;
      throw new TracejudgeError("EVALUATOR_FAILED", `${active.key} threw: ${errorMessage(err)}`, {
        retryable: true,
        cause: err,
      });
    }
    const parsed = EvaluationResultSchema.safeParse(raw);
    if (!parsed.success) {
      throw new TracejudgeError(
        "EVALUATOR_RESULT_INVALID",
        `${active.key} returned an invalid result: ${z.prettifyError(parsed.error).replace(/\n/g, "; ")}`,
      );
    }
    return { result: parsed.data, latencyMs: performance.now() - started };
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener("abort", onAbort);
  }
}

type Scope = Pick<
  NewEvalEvent,
  | "project"
  | "traceId"
  | "spanId"
  | "evaluator"
  | "evaluatorVersion"
  | "serviceName"
  | "serviceVersion"
  | "model"
  | "spanName"
  | "spanKind"
  | "responseId"
>;

/** The fields that link a verdict to its span and scope it (service, release, model, span name). */
export function eventScope(
  evaluator: { name: string; version: string },
  input: EvaluationInput,
): Scope {
  const span = input.span;
  return {
    project: span.project,
    traceId: input.traceId,
    spanId: input.spanId,
    evaluator: evaluator.name,
    evaluatorVersion: evaluator.version,
    serviceName: span.serviceName,
    serviceVersion: span.serviceVersion,
    model: span.model ?? span.requestModel,
    spanName: span.name,
    spanKind: span.kind,
    responseId: responseId(span.attributes[GEN_AI.RESPONSE_ID]),
  };
}

/** A response id as a string; anything else a span may hold there is no id. */
function responseId(value: unknown): string | null {
  return typeof value === "string" && value !== "" ? value : null;
}

export function resultEvent(
  scope: Scope,
  result: EvaluationResult,
  latencyMs: number,
  attempts: number,
): NewEvalEvent {
  return {
    ...scope,
    status: result.status,
    reason: result.reason ?? null,
    score: result.status === "skipped" ? null : result.score,
    label: result.label,
    passed: result.passed,
    explanation: result.explanation,
    details: result.details ?? null,
    judgeModel: result.usage?.model ?? null,
    judgeInputTokens: result.usage?.inputTokens ?? null,
    judgeOutputTokens: result.usage?.outputTokens ?? null,
    judgeCostUsd: result.usage?.costUsd ?? null,
    latencyMs,
    attempts,
  };
}

/** A final failure is stored as an `error` eval event with the reason, never dropped. */
export function errorEvent(
  scope: Scope,
  reason: string,
  message: string,
  attempts: number,
): NewEvalEvent {
  return {
    ...scope,
    status: "error",
    reason,
    score: null,
    label: null,
    passed: null,
    explanation: message,
    details: null,
    judgeModel: null,
    judgeInputTokens: null,
    judgeOutputTokens: null,
    judgeCostUsd: null,
    latencyMs: null,
    attempts,
  };
}

/** An evaluation the engine chose not to run (the judge budget is spent), with the reason. */
export function skippedEvent(
  scope: Scope,
  reason: string,
  message: string,
  attempts: number,
): NewEvalEvent {
  return { ...errorEvent(scope, reason, message, attempts), status: "skipped" };
}
