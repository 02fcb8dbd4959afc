import { z } from "zod";
import { DocumentSchema, LlmSpanSchema } from "./llm-span.ts";

/**
 * One span with what trace assembly found for it: the question, the answer and the documents it
 * was given to answer from. The one shape of "a span under evaluation": assembly builds it, the
 * spans table stores it, an evaluation job carries it, and an evaluator's input
 * (`EvaluationInput`) is it with the span's ids beside it.
 */
export const EvaluationTargetSchema = z.object({
  span: LlmSpanSchema,
  question: z.string().nullable(),
  answer: z.string().nullable(),
  context: z.array(DocumentSchema),
});
export type EvaluationTarget = z.infer<typeof EvaluationTargetSchema>;
