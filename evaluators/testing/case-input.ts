import { evalCaseToInput } from "../../src/cases/eval-case.ts";
import { type EvaluationInput, z } from "../../src/index.ts";

/**
 * One labelled case of a groundedness data set (`shared/data/hallucination-*.jsonl`): a question,
 * the context the answer must be supported by, the answer, and whether it is.
 */
export const LabelledCaseSchema = z.object({
  id: z.string(),
  source: z.string().default("unknown"),
  task: z.enum(["qa", "summarization", "dialogue", "data2text"]),
  question: z.string().nullable().default(""),
  context: z.string(),
  answer: z.string().nullable(),
  label: z.enum(["supported", "hallucinated"]),
  origin: z.string().optional(),
});
export type LabelledCase = z.infer<typeof LabelledCaseSchema>;

/**
 * The evaluation input a case stands for: the same one `tracejudge eval` builds (a minimal LLM
 * span with ids derived from the case id, the context as one document; an empty question is null).
 */
export function caseToInput(c: LabelledCase): EvaluationInput {
  return evalCaseToInput({ id: c.id, question: c.question, context: c.context, answer: c.answer });
}

/** Reads a JSON-lines file of cases, validating each line; errors name the line. */
export function parseCases(text: string): LabelledCase[] {
  const cases: LabelledCase[] = [];
  for (const [i, line] of text.split("\n").entries()) {
    if (line.trim() === "") continue;
    const parsed = LabelledCaseSchema.safeParse(JSON.parse(line));
    if (!parsed.success) throw new Error(`line ${i + 1}: ${z.prettifyError(parsed.error)}`);
    cases.push(parsed.data);
  }
  return cases;
}
