import { describe, expect, it } from "vitest";
import { normalizeSpan } from "../../src/normalize/normalize-span.ts";
import { LlmSpanSchema } from "../../src/span/llm-span.ts";
import { openLlmetryTrace } from "./fixtures/openllmetry.ts";
import { spanNamed } from "./otlp-json.ts";

describe("OpenLLMetry / Traceloop", () => {
  it("reads a workflow span as a CHAIN with raw I/O, route and association properties", () => {
    const span = normalizeSpan(spanNamed(openLlmetryTrace, "answer_question.workflow"));
    LlmSpanSchema.parse(span);
    expect(span).toMatchObject({
      kind: "CHAIN",
      convention: "openllmetry",
      route: "answer_question",
      sessionId: "sess-991",
      userId: "u-42",
      input: '{"args":["Can I swap butter for oil?"],"kwargs":{}}',
      output: "Yes, use 3/4 the amount.",
      answer: "Yes, use 3/4 the amount.",
      question: null,
      model: null,
      serviceName: "recipe-rag",
      serviceVersion: "0.9.0",
    });
  });

  it("reads a vector-DB span's db.query.result events as a RETRIEVER's documents", () => {
    const span = normalizeSpan(spanNamed(openLlmetryTrace, "chroma.query"));
    expect(span.convention).toBe("openllmetry");
    // No kind attribute at all: the result events are what make it a retriever.
    expect(span.kind).toBe("RETRIEVER");
    // The second hit has no text and cannot ground anything.
    expect(span.documents).toEqual([
      { id: "r-12", content: "Oil can replace butter at a 3:4 ratio.", origin: "retrieval" },
    ]);
  });

  it("reads legacy indexed gen_ai.prompt.N / gen_ai.completion.N", () => {
    const span = normalizeSpan(spanNamed(openLlmetryTrace, "openai.chat"));
    LlmSpanSchema.parse(span);
    expect(span).toMatchObject({
      kind: "LLM",
      convention: "openllmetry",
      model: "gpt-4o-mini-2024-07-18",
      requestModel: "gpt-4o-mini",
      provider: "openai",
      question: "Can I swap butter for oil?",
      answer: "Yes, use 3/4 the amount.",
      systemInstructions: "Answer from the recipes given.",
      usage: { inputTokens: 64, outputTokens: 9, totalTokens: 73 },
      promptName: "recipe-answer",
      promptVersion: "2",
      route: "answer_question",
    });
    expect(span.outputMessages[0]?.toolCalls).toEqual([
      { id: "call_x", name: "convert_units", arguments: '{"from":"butter"}' },
    ]);
  });
});
