/**
 * The public API: what custom evaluators (and the built-ins in `evaluators/`) import.
 * `import { defineEvaluator } from "tracejudge";`
 */

export { z } from "zod";
export type {
  EvaluationContext,
  EvaluationInput,
  EvaluationResult,
  EvaluationResultInput,
  EvaluatorLogger,
  JudgeUsage,
} from "./evaluators/contract.ts";
export {
  defineEvaluator,
  type Evaluator,
  type EvaluatorDefinition,
  isEvaluator,
} from "./evaluators/define-evaluator.ts";
export type { SpanFilter } from "./evaluators/span-filter.ts";
export { FENCE_INSTRUCTIONS, fence } from "./judge/fence.ts";
export type { Judge, JudgeRequest, JudgeResponse } from "./judge/judge.ts";
export type { Document, LlmSpan, Message, SpanKind } from "./span/llm-span.ts";
