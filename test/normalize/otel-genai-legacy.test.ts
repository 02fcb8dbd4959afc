import { describe, expect, it } from "vitest";
import { normalizeSpan } from "../../src/normalize/normalize-span.ts";
import { LlmSpanSchema } from "../../src/span/llm-span.ts";
import { otelLegacyContentEvents, otelLegacyMessageEvents } from "./fixtures/otel-genai-legacy.ts";
import { onlySpan } from "./otlp-json.ts";

describe("OTel GenAI legacy (≤ v1.36) conventions", () => {
  it("reads v1.26/27 gen_ai.content.prompt/completion events", () => {
    const span = normalizeSpan(onlySpan(otelLegacyContentEvents));
    LlmSpanSchema.parse(span);
    expect(span).toMatchObject({
      kind: "LLM",
      convention: "otel-genai-legacy",
      model: "gpt-3.5-turbo-0125",
      requestModel: "gpt-3.5-turbo",
      provider: "openai",
      question: "What is the capital of France?",
      answer: "Paris.",
      systemInstructions: "Be terse.",
      usage: { inputTokens: 52, outputTokens: 12, totalTokens: null },
      serviceName: "legacy-bot",
      isError: false,
    });
    expect(span.inputMessages.map((m) => m.role)).toEqual(["system", "user"]);
  });

  it("reads v1.28 per-message events in all three body forms", () => {
    const span = normalizeSpan(onlySpan(otelLegacyMessageEvents));
    LlmSpanSchema.parse(span);
    expect(span.convention).toBe("otel-genai-legacy");
    expect(span.kind).toBe("LLM");
    expect(span.inputMessages).toEqual([
      { role: "system", content: "You are a travel assistant." },
      { role: "user", content: "Weather in Oslo?" },
      {
        role: "assistant",
        content: "",
        toolCalls: [{ id: "call_oslo", name: "get_weather", arguments: '{"city":"Oslo"}' }],
      },
      { role: "tool", content: "-3°C, snow", toolCallId: "call_oslo" },
      { role: "user", content: "And should I pack boots?" },
    ]);
    expect(span.question).toBe("And should I pack boots?");
    expect(span.answer).toBe("Yes, pack boots.");
    expect(span.systemInstructions).toBe("You are a travel assistant.");
    expect(span.isError).toBe(true);
    expect(span.status).toEqual({ code: 2, message: "upstream reset" });
  });
});
