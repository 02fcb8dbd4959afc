import { describe, expect, it } from "vitest";
import { normalizeSpan } from "../../src/normalize/normalize-span.ts";
import { LlmSpanSchema } from "../../src/span/llm-span.ts";
import { langfuseTrace } from "./fixtures/langfuse.ts";
import { spanNamed } from "./otlp-json.ts";

describe("Langfuse SDK", () => {
  it("reads a generation: messages, model, usage details, prompt, release, error level", () => {
    const span = normalizeSpan(spanNamed(langfuseTrace, "answer"));
    LlmSpanSchema.parse(span);
    expect(span).toMatchObject({
      kind: "LLM",
      convention: "langfuse",
      model: "claude-3-7-sonnet",
      requestModel: "claude-3-7-sonnet-latest",
      provider: "anthropic",
      question: "Where is my order #1234?",
      answer: "Order #1234 has shipped.",
      systemInstructions: "You are the order-status assistant.",
      usage: { inputTokens: 210, outputTokens: 14, totalTokens: 224 },
      promptName: "order-status",
      promptVersion: "7",
      // 2026-01-01T00:40:01.250Z is 1767228001.25 s; the span started at 1767228001 s.
      timeToFirstTokenMs: 250,
      isError: true,
      sessionId: "lf-session-1",
      userId: "lf-user-9",
      environment: "production",
      serviceVersion: "web@5.2.0",
      route: "support-chat",
    });
  });

  it("reads a retriever observation's query out of its JSON input", () => {
    const span = normalizeSpan(spanNamed(langfuseTrace, "order-lookup"));
    expect(span.kind).toBe("RETRIEVER");
    expect(span.question).toBe("order 1234 status");
    expect(span.input).toBe('{"query":"order 1234 status"}');
    // Langfuse has no document schema: its output is kept as text, not guessed at.
    expect(span.documents).toEqual([]);
    expect(span.answer).toBeNull();
  });

  it("lets a generic span type fall through, keeping unwrapped raw I/O", () => {
    const span = normalizeSpan(spanNamed(langfuseTrace, "handle-request"));
    expect(span.kind).toBe("UNKNOWN");
    expect(span.convention).toBe("langfuse");
    expect(span.input).toBe("Where is my order #1234?");
    expect(span.output).toBe('{"status":"failed"}');
    expect(span.question).toBeNull();
    expect(span.isError).toBe(false);
    expect(span.serviceName).toBe("unknown_service:node");
  });
});
