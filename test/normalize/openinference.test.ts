import { describe, expect, it } from "vitest";
import { normalizeSpan } from "../../src/normalize/normalize-span.ts";
import type { OtlpSpan } from "../../src/otlp/otlp-span.ts";
import { LlmSpanSchema } from "../../src/span/llm-span.ts";
import { openInferenceRagTrace } from "./fixtures/openinference.ts";
import { openInferenceLangChainTrace } from "./fixtures/openinference-langchain.ts";
import { spanNamed, toOtlpSpans } from "./otlp-json.ts";

describe("OpenInference", () => {
  it("reads a RETRIEVER span (semconv d2): query, documents, ids, route from metadata", () => {
    const span = normalizeSpan(spanNamed(openInferenceRagTrace, "VectorStoreRetriever"));
    LlmSpanSchema.parse(span);
    expect(span).toMatchObject({
      kind: "RETRIEVER",
      convention: "openinference",
      question: "How long do I have to request a refund?",
      answer: null,
      sessionId: "26bcd3d2-cad2-443d-a23c-625e47f3324a",
      userId: "9328ae73-7141-4f45-a044-8e06192aa465",
      route: "/api/chat",
      serviceName: "support-bot",
      serviceVersion: "1.4.2",
      model: null,
      provider: null,
      parentSpanId: "00f067aa0ba902b7",
    });
    expect(span.documents).toEqual([
      {
        id: "doc_123",
        content: "Refunds are accepted within 30 days of purchase.",
        score: 0.91,
        origin: "retrieval",
      },
      {
        id: "doc_456",
        content: "Store credit is issued for returns after 30 days.",
        score: 0.77,
        origin: "retrieval",
      },
    ]);
  });

  it("prefers a RERANKER's output documents over its input documents", () => {
    const span = normalizeSpan(spanNamed(openInferenceRagTrace, "CohereRerank"));
    expect(span.kind).toBe("RERANKER");
    expect(span.model).toBe("rerank-english-v3.0");
    expect(span.question).toBe("refund window");
    expect(span.documents.map((d) => [d.id, d.score])).toEqual([
      ["doc_123", 0.98],
      ["doc_456", 0.71],
    ]);
  });

  it("reads an LLM span's flattened messages, contents, tool calls and tokens", () => {
    const span = normalizeSpan(spanNamed(openInferenceRagTrace, "AzureChatOpenAI"));
    LlmSpanSchema.parse(span);
    expect(span).toMatchObject({
      kind: "LLM",
      model: "gpt-4o-2024-08-06",
      requestModel: "gpt-4o-2024-08-06",
      provider: "azure.ai.openai",
      promptVersion: "v3",
      question: "How long do I have\nto request a refund?",
      answer: "Within 30 days of purchase.",
      systemInstructions: "Context: Refunds are accepted within 30 days of purchase.",
      usage: { inputTokens: 230, outputTokens: 11, totalTokens: 241 },
      input: null,
    });
    expect(span.outputMessages).toEqual([
      {
        role: "assistant",
        content: "Within 30 days of purchase.",
        toolCalls: [{ id: "call_a", name: "open_ticket", arguments: '{"reason":"refund"}' }],
      },
    ]);
  });

  describe("LangChain.js LLM spans (recorded)", () => {
    const [invoked, streamed] = toOtlpSpans(openInferenceLangChainTrace);

    it("take the answering model from LangChain's output, keeping the requested one", () => {
      for (const recorded of [invoked, streamed]) {
        const span = normalizeSpan(recorded as OtlpSpan);
        LlmSpanSchema.parse(span);
        expect(span).toMatchObject({
          kind: "LLM",
          convention: "openinference",
          model: "gpt-4o-mini-2024-07-18",
          requestModel: "gpt-4o-mini",
          answer: "Refunds are accepted within 30 days.",
        });
      }
    });

    it("leave a response-model attribute first", () => {
      const recorded = invoked as OtlpSpan;
      const span = normalizeSpan({
        ...recorded,
        attributes: { ...recorded.attributes, "llm.response.model_name": "gpt-4o-mini-2025-01-01" },
      });
      expect(span).toMatchObject({ model: "gpt-4o-mini-2025-01-01", requestModel: "gpt-4o-mini" });
    });

    it("keep the requested model when the output names none", () => {
      const recorded = invoked as OtlpSpan;
      const output = JSON.stringify({
        generations: [[{ text: "Within 30 days." }]],
        llmOutput: {},
      });
      const span = normalizeSpan({
        ...recorded,
        attributes: { ...recorded.attributes, "output.value": output },
      });
      expect(span).toMatchObject({ model: "gpt-4o-mini", requestModel: "gpt-4o-mini" });
    });

    it("read Python LangChain's llm_output when the message carries no metadata", () => {
      const recorded = invoked as OtlpSpan;
      const output = JSON.stringify({
        generations: [[{ text: "Within 30 days.", generation_info: null }]],
        llm_output: { model_name: "gpt-4o-mini-2024-07-18" },
      });
      const span = normalizeSpan({
        ...recorded,
        attributes: { ...recorded.attributes, "output.value": output },
      });
      expect(span.model).toBe("gpt-4o-mini-2024-07-18");
    });
  });
});
