import { describe, expect, it } from "vitest";
import { normalizeSpan } from "../../src/normalize/normalize-span.ts";
import { LlmSpanSchema } from "../../src/span/llm-span.ts";
import { otelChatJsonString, otelChatStructured } from "./fixtures/otel-genai.ts";
import { otelAgentTrace } from "./fixtures/otel-genai-agentic.ts";
import { onlySpan, spanNamed } from "./otlp-json.ts";

describe("OTel GenAI current conventions", () => {
  it("reads a chat span with JSON-string content (semconv d1)", () => {
    const span = normalizeSpan(onlySpan(otelChatJsonString));
    expect(LlmSpanSchema.parse(span)).toEqual(span);
    expect(span).toMatchObject({
      traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
      spanId: "00f067aa0ba902b7",
      parentSpanId: null,
      kind: "LLM",
      convention: "otel-genai",
      model: "gpt-4o-2024-08-06",
      requestModel: "gpt-4o",
      provider: "openai",
      systemInstructions: "Answer only from the provided policy excerpts.",
      answer: "You can request a refund within 90 days of purchase.",
      usage: { inputTokens: 412, outputTokens: 38, totalTokens: null },
      timeToFirstTokenMs: 420,
      sessionId: "conv_5j66UpCpwteGg4YSxUnt7lPY",
      serviceName: "support-bot",
      serviceVersion: "2026.08.1",
      environment: "prod",
      route: "/api/chat",
      isError: false,
      input: null,
      output: null,
    });
    expect(span.question).toMatch(/^Context:\n\[doc_123\].*\n\nQuestion: How long/s);
    expect(span.outputMessages).toEqual([
      { role: "assistant", content: "You can request a refund within 90 days of purchase." },
    ]);
    expect(span.documents).toEqual([]);
  });

  it("reads structured arrayValue content with tool calls and tool results", () => {
    const span = normalizeSpan(onlySpan(otelChatStructured));
    expect(span.kind).toBe("LLM");
    expect(span.convention).toBe("otel-genai");
    expect(span.parentSpanId).toBeNull();
    expect(span.model).toBe("claude-sonnet-4");
    expect(span.provider).toBe("anthropic");
    expect(span.systemInstructions).toBe("You are a weather assistant.");
    expect(span.inputMessages).toEqual([
      { role: "user", content: "Weather in Paris?" },
      {
        role: "assistant",
        content: "",
        toolCalls: [{ id: "call_1", name: "get_weather", arguments: '{"city":"Paris"}' }],
      },
      { role: "tool", content: "rainy, 57°F", toolCallId: "call_1" },
    ]);
    expect(span.question).toBe("Weather in Paris?");
    expect(span.answer).toBe("It is rainy in Paris,\n57°F.");
    expect(span.usage).toEqual({ inputTokens: 120, outputTokens: 15, totalTokens: null });
  });

  it("classifies agent, retrieval and tool spans and keeps only documents with text", () => {
    const agent = normalizeSpan(spanNamed(otelAgentTrace, "invoke_agent TravelPlanner"));
    expect(agent).toMatchObject({
      kind: "AGENT",
      provider: "azure.ai.openai",
      route: "TravelPlanner",
      environment: "staging",
      serviceVersion: "3.1.0",
    });

    const retrieval = normalizeSpan(spanNamed(otelAgentTrace, "retrieval hotel-index"));
    expect(retrieval.kind).toBe("RETRIEVER");
    expect(retrieval.question).toBe("quiet hotels near Gare du Nord");
    expect(retrieval.input).toBe("quiet hotels near Gare du Nord");
    expect(retrieval.answer).toBeNull();
    expect(retrieval.documents).toEqual([
      {
        id: "h-17",
        content: "Hotel Lumen: quiet rooms, 4 min walk.",
        score: 0.88,
        origin: "retrieval",
      },
      { id: "9", content: "Le Relais: courtyard rooms.", score: 0.5, origin: "retrieval" },
    ]);

    const tool = normalizeSpan(spanNamed(otelAgentTrace, "execute_tool book_hotel"));
    expect(tool).toMatchObject({
      kind: "TOOL",
      toolName: "book_hotel",
      input: '{"hotel":"h-17","nights":2}',
      isError: true,
      parentSpanId: "b7ad6b7169203331",
    });
    expect(tool.question).toBeNull();
  });
});
