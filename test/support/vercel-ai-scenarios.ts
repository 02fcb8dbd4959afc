import { expect } from "vitest";
import { z } from "zod";
import { ANSWERING_MODEL, BOTH_PASSED, type JudgedSpan } from "./client-app.ts";

/**
 * The RAG app both Vercel AI SDK client tests (ai 6 and ai 7) run: its knowledge base, its lookup
 * (in a real app, a vector search) and the questions it is asked, so the two majors are judged on
 * the same scenario.
 */
const POLICIES: Record<string, string[]> = {
  refund: [
    "Refunds are accepted within 30 days of purchase.",
    "A refund requires the original receipt.",
  ],
  shipping: [
    "Standard shipping takes 3 to 5 business days.",
    "Express shipping arrives the next business day.",
  ],
};

/** The documents the app retrieves for `question`, joined as it pastes them into a prompt. */
export const lookUp = (question: string): string =>
  (POLICIES[/refund/i.test(question) ? "refund" : "shipping"] ?? []).join("\n\n");

/** Answered from the context the app put into the system prompt. */
export const IN_SYSTEM = {
  question: "How long do I have to request a refund?",
  answer: "Refunds are accepted within 30 days of purchase and require the original receipt.",
};
/** Answered after a retrieval tool call, from the tool's result. */
export const BY_TOOL = {
  question: "How long does standard shipping take?",
  answer: "Standard shipping takes 3 to 5 business days.",
};
/** Answered as a stream. */
export const STREAMED = {
  question: "Which shipping arrives the next business day?",
  answer: "Express shipping arrives the next business day.",
};

/** Answered against the context in the system prompt: both evaluators fail it. */
export const CONTRADICTED = {
  question: "Can I get a refund after two months?",
  answer: "Yes, refunds are accepted within 90 days of purchase, and no receipt is needed.",
};

export const SCENARIOS = [IN_SYSTEM, BY_TOOL, STREAMED, CONTRADICTED] as const;

/** The system prompt that pastes the retrieved context under an instruction line. */
export const contextSystemPrompt = (question: string): string =>
  `Answer the question using only this context:\n\n${lookUp(question)}`;

/** The system prompt of the tool-calling app: an instruction, no context. */
export const TOOL_SYSTEM_PROMPT =
  "Answer questions only from the information the getInformation tool returns.";

/** What is stored for a scenario answered from the context in its system prompt. */
export const judgedOnSystemContext = (scenario: { question: string; answer: string }) => ({
  question: scenario.question,
  answer: scenario.answer,
  // The system prompt's instruction line is not context.
  context: [lookUp(scenario.question)],
  model: ANSWERING_MODEL,
});

/** The tool-calling app's retrieval tool, as either major's `tool()` takes it. */
export const GET_INFORMATION = {
  description: "Looks up the store's policies relevant to a question.",
  inputSchema: z.object({ question: z.string() }),
  execute: async ({ question }: { question: string }) => lookUp(question),
};

/**
 * Checks the spans of the tool-calling app's one call (BY_TOOL): the answering step is judged on
 * the tool's result and passes; the step that only called the tool has no answer to judge, and
 * says so.
 */
export function expectJudgedOnToolResult(spans: JudgedSpan[]): void {
  const answered = spans.find((s) => s.answer === BY_TOOL.answer);
  expect(answered).toMatchObject({
    question: BY_TOOL.question,
    context: [lookUp(BY_TOOL.question)],
  });
  expect(answered?.verdicts).toEqual(BOTH_PASSED);
  const toolStep = spans.find((s) => s.trace_id === answered?.trace_id && s !== answered);
  expect(toolStep?.answer).toBeNull();
  expect(toolStep?.verdicts.map((v) => v.status)).toEqual(["skipped", "skipped"]);
}

/** A Chat Completions response whose only content is one call of `name`. */
export function toolCallCompletion(name: string, args: object): object {
  return {
    id: "chatcmpl-fake-tool-call",
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model: ANSWERING_MODEL,
    choices: [
      {
        index: 0,
        message: {
          role: "assistant",
          content: null,
          tool_calls: [
            {
              id: "call_1",
              type: "function",
              function: { name, arguments: JSON.stringify(args) },
            },
          ],
        },
        finish_reason: "tool_calls",
      },
    ],
    usage: { prompt_tokens: 40, completion_tokens: 12, total_tokens: 52 },
  };
}
