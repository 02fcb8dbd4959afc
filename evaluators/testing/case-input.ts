import { createHash } from "node:crypto";
import { type EvaluationInput, type LlmSpan, z } from "../../src/index.ts";

/**
 * One labelled case of a groundedness data set (`shared/data/hallucination-*.jsonl`): a question,
 * the context the answer must be supported by, the answer, and whether it is.
 */
export const LabelledCaseSchema = z.object({
  id: z.string(),
  source: z.string().default("unknown"),
  task: z.enum(["qa", "summarization", "dialogue"]),
  question: z.string().nullable().default(""),
  context: z.string(),
  answer: z.string().nullable(),
  label: z.enum(["supported", "hallucinated"]),
  origin: z.string().optional(),
});
export type LabelledCase = z.infer<typeof LabelledCaseSchema>;

function hex(text: string, length: number): string {
  return createHash("sha256").update(text).digest("hex").slice(0, length);
}

/**
 * The evaluation input a case stands for: a minimal LLM span (ids derived from the case id, zeros
 * and nulls elsewhere) carrying the question and the answer, and the context as one document.
 * An empty question becomes null.
 */
export function caseToInput(c: LabelledCase): EvaluationInput {
  const traceId = hex(`trace:${c.id}`, 32);
  const spanId = hex(`span:${c.id}`, 16);
  const question = c.question && c.question.trim() !== "" ? c.question : null;
  const span: LlmSpan = {
    traceId,
    spanId,
    parentSpanId: null,
    name: "case",
    kind: "LLM",
    convention: "unknown",
    startTimeUnixNano: "0",
    endTimeUnixNano: "0",
    status: { code: 0 },
    isError: false,
    model: null,
    requestModel: null,
    provider: null,
    systemInstructions: null,
    inputMessages: question === null ? [] : [{ role: "user", content: question }],
    outputMessages: c.answer === null ? [] : [{ role: "assistant", content: c.answer }],
    input: null,
    output: null,
    question,
    answer: c.answer,
    documents: [],
    toolName: null,
    usage: { inputTokens: null, outputTokens: null, totalTokens: null },
    timeToFirstTokenMs: null,
    sessionId: null,
    userId: null,
    serviceName: null,
    serviceVersion: null,
    environment: null,
    promptName: null,
    promptVersion: null,
    route: null,
    attributes: {},
    resource: {},
  };
  return {
    traceId,
    spanId,
    span,
    question,
    answer: c.answer,
    context: [{ id: `${c.id}:context`, content: c.context, origin: "prompt" }],
  };
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
