import { z } from "zod";
import type { Judge } from "../judge/judge.ts";
import { JudgeUsageSchema } from "../judge/judge-usage.ts";
import { EvaluationTargetSchema } from "../span/evaluation-target.ts";
import type { Logger } from "../util/logger.ts";

export { type JudgeUsage, JudgeUsageSchema } from "../judge/judge-usage.ts";

/**
 * What an evaluator judges: one span with the question, the answer and the context documents that
 * trace assembly found for it (retrieved documents, tool results, context pasted into the prompt).
 */
export const EvaluationInputSchema = z.object({
  traceId: z.string(),
  spanId: z.string(),
  ...EvaluationTargetSchema.shape,
});
export type EvaluationInput = z.infer<typeof EvaluationInputSchema>;

/**
 * An evaluator's verdict. `score` is in [0, 1] with 1 best, or null when the evaluator could not
 * decide (that is not an error). `status: "skipped"` with a `reason` says the span could not be
 * judged (no answer captured, no context).
 */
export const EvaluationResultSchema = z.object({
  status: z.enum(["ok", "skipped"]).default("ok"),
  reason: z.string().optional(),
  score: z.number().min(0).max(1).nullable(),
  label: z.string().nullable().default(null),
  passed: z.boolean().nullable().default(null),
  explanation: z.string().default(""),
  details: z.record(z.string(), z.unknown()).optional(),
  usage: JudgeUsageSchema.optional(),
});
export type EvaluationResult = z.infer<typeof EvaluationResultSchema>;
export type EvaluationResultInput = z.input<typeof EvaluationResultSchema>;

/** The logger an evaluator gets: the service's pino logger, or anything with these methods. */
export type EvaluatorLogger = Logger;

/** What the engine hands an evaluator for one evaluation. */
export interface EvaluationContext<Settings> {
  /** The evaluator's own settings, parsed by its `settings` schema (defaults applied). */
  settings: Settings;
  logger: EvaluatorLogger;
  /** Aborted when the evaluation times out or the service shuts down. */
  signal: AbortSignal;
  /** The shared LLM judge, or null when none is configured (offline backends need none). */
  judge: Judge | null;
}
