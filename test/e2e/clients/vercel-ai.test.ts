import { createOpenAI } from "@ai-sdk/openai";
import { generateText, stepCountIs, streamText, tool } from "ai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  BOTH_PASSED,
  type ClientApp,
  judgedLlmSpans,
  startClientApp,
} from "../../support/client-app.ts";
import {
  BY_TOOL,
  contextSystemPrompt,
  expectJudgedOnToolResult,
  GET_INFORMATION,
  IN_SYSTEM,
  judgedOnSystemContext,
  SCENARIOS,
  STREAMED,
  TOOL_SYSTEM_PROMPT,
  toolCallCompletion,
} from "../../support/vercel-ai-scenarios.ts";

let app: ClientApp;

beforeAll(async () => {
  app = await startClientApp("vercel-ai-rag", SCENARIOS);
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
      system: contextSystemPrompt(IN_SYSTEM.question),
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
      ...judgedOnSystemContext(IN_SYSTEM),
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
      system: TOOL_SYSTEM_PROMPT,
      prompt: BY_TOOL.question,
      tools: {
        getInformation: tool(GET_INFORMATION),
      },
      stopWhen: stepCountIs(3),
      experimental_telemetry: telemetry(),
    });
    expect(text).toBe(BY_TOOL.answer);
    await app.provider.forceFlush();

    const spans = await judgedLlmSpans(app.svc, 3);
    expect(spans).toHaveLength(3);
    expectJudgedOnToolResult(spans);
  });

  it("judges a streamed answer (streamText) as a whole", async () => {
    const result = streamText({
      model: chatModel(),
      system: contextSystemPrompt(STREAMED.question),
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
      ...judgedOnSystemContext(STREAMED),
      output_tokens: Math.ceil(STREAMED.answer.length / 4),
    });
    expect(spans.at(-1)?.verdicts).toEqual(BOTH_PASSED);
  });
});
