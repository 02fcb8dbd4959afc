import { createHash } from "node:crypto";
import { z } from "zod";
import type { EvaluationInput } from "../evaluators/contract.ts";
import type { LlmSpan } from "../span/llm-span.ts";

/**
 * One line of a cases file (the format of shared/data/hallucination-dev.jsonl): `id`, `context`
 * (a string, or an array of passages), `answer`, and optionally `question`. Other fields (`label`,
 * `task`, `source`) are carried along untouched.
 */
export const EvalCaseSchema = z.looseObject({
  id: z.union([z.string().min(1), z.number()]).transform(String),
  question: z.string().nullable().optional(),
  context: z.union([z.string(), z.array(z.string())]),
  answer: z.string().nullable(),
});
export type EvalCase = z.infer<typeof EvalCaseSchema>;

function hex(text: string, length: number): string {
  return createHash("sha256").update(text).digest("hex").slice(0, length);
}

/**
 * The evaluation input a case stands for: a minimal LLM span whose ids derive from the case id,
 * carrying the question and the answer, with each context passage as one document.
 */
export function evalCaseToInput(c: EvalCase): EvaluationInput {
  const traceId = hex(`trace:${c.id}`, 32);
  const spanId = hex(`span:${c.id}`, 16);
  const question = c.question && c.question.trim() !== "" ? c.question : null;
  const passages = Array.isArray(c.context) ? c.context : [c.context];
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
    project: "default",
  };
  return {
    traceId,
    spanId,
    span,
    question,
    answer: c.answer,
    context: passages
      .filter((p) => p.trim() !== "")
      .map((content, i) => ({ id: `${c.id}#${i}`, content, origin: "prompt" })),
  };
}
