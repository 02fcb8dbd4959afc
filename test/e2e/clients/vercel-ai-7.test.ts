import { OpenTelemetry } from "@ai-sdk/otel";
import { trace } from "@opentelemetry/api";
import { createOpenAI } from "ai-sdk-openai-v4";
import { generateText, registerTelemetry, stepCountIs, streamText, tool } from "ai-v7";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  BOTH_PASSED,
  type ClientApp,
  judgedLlmSpans,
  startClientApp,
} from "../../support/client-app.ts";
import {
  BY_TOOL,
  CONTRADICTED,
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

/**
 * The Vercel AI SDK 7 (`ai` 7, `@ai-sdk/openai` 4) traced through `@ai-sdk/otel`, on the same RAG
 * scenario as the ai 6 test. Installed under npm aliases (`ai-v7`, `ai-sdk-openai-v4`) beside
 * ai 6. Every release of these packages requires Node 22 (`engines`), so the suite skips on
 * older Node: CI runs Node 20, where installing them only warns (EBADENGINE) and importing them
 * works, but running them is not supported.
 */
const NODE_MAJOR = Number(process.versions.node.split(".")[0]);

let app: ClientApp;

/** The AI SDK's OpenAI provider on the fake model, through Chat Completions. */
function chatModel() {
  const openai = createOpenAI({ baseURL: app.llm.baseUrl, apiKey: "sk-test-not-a-real-key-0000" });
  return openai.chat("gpt-4o-mini");
}

describe.skipIf(NODE_MAJOR < 22)("Vercel AI SDK (ai 7) through @ai-sdk/otel", () => {
  beforeAll(async () => {
    app = await startClientApp("vercel-ai-7-rag", SCENARIOS);
    // As an app's OpenTelemetry SDK setup does (NodeSDK registers its provider globally), then
    // @ai-sdk/otel as its README sets it up: every AI SDK call is traced from here on, on the
    // integration's own tracer ("gen_ai", where ai 6 used "ai").
    trace.setGlobalTracerProvider(app.provider);
    registerTelemetry(new OpenTelemetry());
  });
  afterAll(async () => {
    trace.disable();
    await app?.close();
  });

  it("judges an answer on the context the app put into the system prompt", async () => {
    const { text } = await generateText({
      model: chatModel(),
      system: contextSystemPrompt(IN_SYSTEM.question),
      prompt: IN_SYSTEM.question,
    });
    expect(text).toBe(IN_SYSTEM.answer);
    await app.provider.forceFlush();

    const spans = await judgedLlmSpans(app.svc, 1);
    // The invoke_agent and step spans wrap the call; only the chat span is the LLM.
    expect(spans).toHaveLength(1);
    expect(spans[0]).toMatchObject({
      name: "chat gpt-4o-mini",
      convention: "otel-genai",
      ...judgedOnSystemContext(IN_SYSTEM),
    });
    expect(spans[0]?.input_tokens).toBeGreaterThan(0);
    expect(spans[0]?.verdicts).toEqual(BOTH_PASSED);
  });

  it("judges the answer after a retrieval tool call on the tool's result", async () => {
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
    });
    expect(await result.text).toBe(STREAMED.answer);
    expect(app.llm.requests.at(-1)?.body.stream).toBe(true);
    await app.provider.forceFlush();

    const spans = await judgedLlmSpans(app.svc, 4);
    expect(spans).toHaveLength(4);
    expect(spans.at(-1)).toMatchObject({
      name: "chat gpt-4o-mini",
      ...judgedOnSystemContext(STREAMED),
      output_tokens: Math.ceil(STREAMED.answer.length / 4),
    });
    expect(spans.at(-1)?.verdicts).toEqual(BOTH_PASSED);
  });

  it("fails an answer that contradicts the context in the system prompt", async () => {
    const { text } = await generateText({
      model: chatModel(),
      system: contextSystemPrompt(CONTRADICTED.question),
      prompt: CONTRADICTED.question,
    });
    expect(text).toBe(CONTRADICTED.answer);
    await app.provider.forceFlush();

    const spans = await judgedLlmSpans(app.svc, 5);
    expect(spans).toHaveLength(5);
    expect(spans.at(-1)).toMatchObject(judgedOnSystemContext(CONTRADICTED));
    expect(spans.at(-1)?.verdicts).toEqual([
      { evaluator: "groundedness", status: "ok", passed: false },
      { evaluator: "hallucination", status: "ok", passed: false },
    ]);
  });
});
