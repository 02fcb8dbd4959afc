import type { z } from "zod";
import { TracejudgeError } from "../errors.ts";
import type { JudgeUsage } from "./judge-usage.ts";

/** One structured question to a judge model. */
export interface JudgeRequest<T> {
  /** Instructions: trusted text only. */
  system: string;
  /** The material to judge; untrusted parts must already be fenced (see `fence`). */
  user: string;
  /** The answer's shape: sent as a JSON schema (structured outputs) and checked with zod. */
  schema: z.ZodType<T>;
  /** A short identifier for the schema, e.g. `groundedness_verdicts`. */
  schemaName: string;
  /** Overrides the judge's default model. */
  model?: string;
  maxOutputTokens?: number;
  signal?: AbortSignal;
}

export interface JudgeResponse<T> {
  value: T;
  usage: JudgeUsage;
}

/**
 * An LLM judge shared by every evaluator: rate-limited per endpoint, retrying 429/5xx/timeouts,
 * counting tokens and cost. It throws `TracejudgeError`s: `JUDGE_UNAVAILABLE` (retryable),
 * `JUDGE_MALFORMED` (the model's answer did not match the schema twice; final), `JUDGE_BUDGET`
 * (the daily budget is spent; the evaluation is recorded as skipped).
 */
export interface Judge {
  /** The default model, for eval events and cost estimates. */
  readonly model: string;
  complete<T>(request: JudgeRequest<T>): Promise<JudgeResponse<T>>;
}

/**
 * `JUDGE_MALFORMED` (final): the model's answer did not match the schema, even after one
 * corrective retry. Carries the usage of those calls, because they cost money all the same.
 */
export class JudgeMalformedError extends TracejudgeError {
  readonly usage: JudgeUsage;

  constructor(message: string, usage: JudgeUsage) {
    super("JUDGE_MALFORMED", message, { retryable: false });
    this.name = "JudgeMalformedError";
    this.usage = usage;
  }
}
