import { describe, expect, it } from "vitest";
import { normalizeSpan } from "../../src/normalize/normalize-span.ts";
import { LlmSpanSchema } from "../../src/span/llm-span.ts";
import { vercelDoStream, vercelGenerateTextTrace } from "./fixtures/vercel-ai.ts";
import { onlySpan, toOtlpSpans } from "./otlp-json.ts";

const [outer, firstCall, toolCall, secondCall] = toOtlpSpans(vercelGenerateTextTrace).map((s) =>
  normalizeSpan(s),
);

describe("Vercel AI SDK", () => {
  it("reads the outer ai.generateText span as a CHAIN wrapper", () => {
    expect(outer).toBeDefined();
    LlmSpanSchema.parse(outer);
    expect(outer).toMatchObject({
      kind: "CHAIN",
      convention: "vercel-ai",
      model: "gpt-4o",
      provider: "openai",
      question: "Is Lisbon warm in May?",
      answer: "Yes, around 22°C.",
      systemInstructions: "You plan trips.",
      route: "trip-chat",
      sessionId: "chat-77",
      userId: "user-5",
      promptName: "trip-system",
      promptVersion: "12",
      usage: { inputTokens: 300, outputTokens: 30, totalTokens: null },
      serviceName: "trip-web",
      serviceVersion: "42",
    });
  });

  it("reads doGenerate as an LLM call with tool calls and response model", () => {
    LlmSpanSchema.parse(firstCall);
    expect(firstCall).toMatchObject({
      kind: "LLM",
      convention: "vercel-ai",
      model: "gpt-4o-2024-08-06",
      requestModel: "gpt-4o",
      provider: "openai",
      question: "Is Lisbon warm in May?",
      answer: null,
      usage: { inputTokens: 120, outputTokens: 18, totalTokens: null },
    });
    expect(firstCall?.outputMessages).toEqual([
      {
        role: "assistant",
        content: "",
        toolCalls: [{ id: "call_w", name: "weather", arguments: '{"city":"Lisbon","month":5}' }],
      },
    ]);
  });

  it("reads v5 tool-call/tool-result parts and usage names on the second call", () => {
    expect(secondCall?.inputMessages.slice(2)).toEqual([
      {
        role: "assistant",
        content: "",
        toolCalls: [{ id: "call_w", name: "weather", arguments: '{"city":"Lisbon","month":5}' }],
      },
      { role: "tool", content: '{"avgHighC":22}', toolCallId: "call_w" },
    ]);
    expect(secondCall?.answer).toBe("Yes, around 22°C.");
    expect(secondCall?.usage).toEqual({ inputTokens: 180, outputTokens: 12, totalTokens: 192 });
  });

  it("reads ai.toolCall as a TOOL with raw arguments and result", () => {
    expect(toolCall).toMatchObject({
      kind: "TOOL",
      toolName: "weather",
      input: '{"city":"Lisbon","month":5}',
      output: '{"avgHighC":22}',
      answer: '{"avgHighC":22}',
      model: null,
    });
  });

  it("derives time to first token from the firstChunk event and maps Vertex providers", () => {
    const span = normalizeSpan(onlySpan(vercelDoStream));
    expect(span.kind).toBe("LLM");
    expect(span.convention).toBe("vercel-ai");
    expect(span.timeToFirstTokenMs).toBe(350.5);
    expect(span.provider).toBe("gcp.vertex_ai");
    expect(span.question).toBeNull();
    expect(span.answer).toBeNull();
  });
});
