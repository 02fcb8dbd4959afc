import { createOpenAI } from "@ai-sdk/openai";
import { generateText, stepCountIs, streamText, tool } from "ai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  ANSWERING_MODEL,
  BOTH_PASSED,
  type ClientApp,
  judgedLlmSpans,
  startClientApp,
} from "../../support/client-app.ts";

/** The app's knowledge base and its lookup (in a real app, a vector search). */
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
const lookUp = (question: string): string =>
  (POLICIES[/refund/i.test(question) ? "refund" : "shipping"] ?? []).join("\n\n");

const IN_SYSTEM = {
  question: "How long do I have to request a refund?",
  answer: "Refunds are accepted within 30 days of purchase and require the original receipt.",
};
const BY_TOOL = {
  question: "How long does standard shipping take?",
  answer: "Standard shipping takes 3 to 5 business days.",
};

const STREAMED = {
  question: "Which shipping arrives the next business day?",
  answer: "Express shipping arrives the next business day.",
};

let app: ClientApp;

beforeAll(async () => {
  app = await startClientApp("vercel-ai-rag", [IN_SYSTEM, BY_TOOL, STREAMED]);
});
afterAll(() => app?.close());

/** The AI SDK's OpenAI provider on the fake model, through Chat Completions. */
function chatModel() {
  const openai = createOpenAI({ baseURL: app.llm.baseUrl, apiKey: "sk-test-not-a-real-key-0000" });
  return openai.chat("gpt-4o-mini");
}

/** What the SDK's documented telemetry setting looks like with the app's tracer. */
const telemetry = () => ({
  isEnabled: true,
  functionId: "support-answer",
  tracer: app.provider.getTracer("ai"),
});

describe("Vercel AI SDK (ai 6) with experimental_telemetry", () => {
  it("judges an answer on the context the app put into the system prompt", async () => {
    const { text } = await generateText({
      model: chatModel(),
      system: `Answer the question using only this context:\n\n${lookUp(IN_SYSTEM.question)}`,
      prompt: IN_SYSTEM.question,
      experimental_telemetry: telemetry(),
    });
    expect(text).toBe(IN_SYSTEM.answer);
    await app.provider.forceFlush();

    const spans = await judgedLlmSpans(app.svc, 1);
    // The SDK's ai.generateText span wraps the call; only ai.generateText.doGenerate is the LLM.
    expect(spans).toHaveLength(1);
    const span = spans[0];
    expect(span).toMatchObject({
      question: IN_SYSTEM.question,
      answer: IN_SYSTEM.answer,
      // The system prompt's instruction line is not context.
      context: [lookUp(IN_SYSTEM.question)],
      model: ANSWERING_MODEL,
      convention: "vercel-ai",
    });
    expect(span?.input_tokens).toBeGreaterThan(0);
    expect(span?.verdicts).toEqual(BOTH_PASSED);
  });

  it("judges the answer after a retrieval tool call on the tool's result (the SDK's RAG guide)", async () => {
    // The model first calls the tool, then answers from its result.
    app.llm.enqueue({ body: toolCallCompletion("getInformation", { question: BY_TOOL.question }) });
    const { text } = await generateText({
      model: chatModel(),
      system: "Answer questions only from the information the getInformation tool returns.",
      prompt: BY_TOOL.question,
      tools: {
        getInformation: tool({
          description: "Looks up the store's policies relevant to a question.",
          inputSchema: z.object({ question: z.string() }),
          execute: async ({ question }) => lookUp(question),
        }),
      },
      stopWhen: stepCountIs(3),
      experimental_telemetry: telemetry(),
    });
    expect(text).toBe(BY_TOOL.answer);
    await app.provider.forceFlush();

    const spans = await judgedLlmSpans(app.svc, 3);
    expect(spans).toHaveLength(3);
    const answered = spans.find((s) => s.answer === BY_TOOL.answer);
    expect(answered).toMatchObject({
      question: BY_TOOL.question,
      context: [lookUp(BY_TOOL.question)],
    });
    expect(answered?.verdicts).toEqual(BOTH_PASSED);
    // The step that only called the tool has no answer to judge, and says so.
    const toolStep = spans.find((s) => s.trace_id === answered?.trace_id && s !== answered);
    expect(toolStep?.answer).toBeNull();
    expect(toolStep?.verdicts.map((v) => v.status)).toEqual(["skipped", "skipped"]);
  });

  it("judges a streamed answer (streamText) as a whole", async () => {
    const result = streamText({
      model: chatModel(),
      system: `Answer the question using only this context:\n\n${lookUp(STREAMED.question)}`,
      prompt: STREAMED.question,
      experimental_telemetry: telemetry(),
    });
    expect(await result.text).toBe(STREAMED.answer);
    expect(app.llm.requests.at(-1)?.body.stream).toBe(true);
    await app.provider.forceFlush();

    const spans = await judgedLlmSpans(app.svc, 4);
    expect(spans).toHaveLength(4);
    expect(spans.at(-1)).toMatchObject({
      name: "ai.streamText.doStream",
      question: STREAMED.question,
      answer: STREAMED.answer,
      context: [lookUp(STREAMED.question)],
      model: ANSWERING_MODEL,
      output_tokens: Math.ceil(STREAMED.answer.length / 4),
    });
    expect(spans.at(-1)?.verdicts).toEqual(BOTH_PASSED);
  });
});

/** A Chat Completions response whose only content is one call of `name`. */
function toolCallCompletion(name: string, args: object): object {
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
