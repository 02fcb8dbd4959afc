import { describe, expect, it } from "vitest";
import { assembleTrace } from "../../src/assemble/assemble-trace.ts";
import { normalizeSpan } from "../../src/normalize/normalize-span.ts";
import { LlmSpanSchema } from "../../src/span/llm-span.ts";
import {
  traceAiPython,
  traceAiStreaming,
  traceAiTypeScript,
  traceAiVercelFollowUp,
  traceAiVercelToolCall,
  VERCEL_TOOL_RESULT,
} from "./fixtures/traceai.ts";
import { type KeyValueJson, onlySpan, spanNamed } from "./otlp-json.ts";

describe("traceAI", () => {
  it("reads the TypeScript shape: OpenAI-style JSON messages, project resource (semconv d3)", () => {
    const span = normalizeSpan(onlySpan(traceAiTypeScript));
    LlmSpanSchema.parse(span);
    expect(span).toMatchObject({
      kind: "LLM",
      convention: "traceai",
      model: "gpt-4o-mini-2024-07-18",
      provider: "openai",
      question: "How long do I have to request a refund?",
      answer: "Within 30 days of purchase.",
      systemInstructions: "Use the context.",
      usage: { inputTokens: 25, outputTokens: 9, totalTokens: 34 },
      sessionId: "session-456",
      serviceName: "support-bot",
      serviceVersion: "v7-prompt-refunds",
      input: null,
      output: null,
    });
    expect(span.inputMessages).toHaveLength(2);
  });

  it("reads the Python shape: flattened messages, lowercase kind, project as service", () => {
    const span = normalizeSpan(spanNamed(traceAiPython, "ChatMistralAI"));
    LlmSpanSchema.parse(span);
    expect(span).toMatchObject({
      kind: "LLM",
      convention: "traceai",
      model: "mistral-large-2411",
      provider: "mistral_ai",
      question: "Is water damage from a burst pipe covered?",
      answer: "Yes, sudden pipe bursts are covered.",
      systemInstructions: "You assess insurance claims.",
      serviceName: "claims-assistant",
      serviceVersion: "2026-02-rc1",
      promptName: "claims-triage",
      promptVersion: "4",
      usage: { inputTokens: 40, outputTokens: 8, totalTokens: null },
    });
  });

  it("maps VECTOR_DB to RETRIEVER and picks the query out of JSON-dumped input", () => {
    const span = normalizeSpan(spanNamed(traceAiPython, "PolicyRetriever"));
    expect(span.kind).toBe("RETRIEVER");
    expect(span.question).toBe("burst pipe coverage");
    expect(span.documents).toEqual([
      {
        id: "pol-7",
        content: "Sudden and accidental discharge…",
        score: 0.83,
        origin: "retrieval",
      },
    ]);
  });

  it("reads the model of a streaming span from gen_ai.request.parameters", () => {
    const span = normalizeSpan(onlySpan(traceAiStreaming));
    LlmSpanSchema.parse(span);
    expect(span).toMatchObject({
      kind: "LLM",
      convention: "traceai",
      model: "gpt-4o-mini",
      requestModel: "gpt-4o-mini",
      question: "Do you ship to Canada?",
      answer: "Yes, we ship to Canada.",
    });
  });

  it("prefers a model attribute to the parameters, and ignores parameters that are not JSON", () => {
    const withAttributes = (attributes: KeyValueJson[]) => {
      const copy = structuredClone(traceAiStreaming);
      const span = copy.resourceSpans[0]?.scopeSpans[0]?.spans[0];
      if (!span) throw new Error("fixture without its span");
      span.attributes = [...(span.attributes ?? []), ...attributes];
      return normalizeSpan(onlySpan(copy));
    };
    expect(
      withAttributes([
        { key: "gen_ai.response.model", value: { stringValue: "gpt-4o-mini-2024-07-18" } },
      ]).model,
    ).toBe("gpt-4o-mini-2024-07-18");
    const broken = structuredClone(traceAiStreaming);
    const span = broken.resourceSpans[0]?.scopeSpans[0]?.spans[0];
    if (!span) throw new Error("fixture without its span");
    span.attributes = (span.attributes ?? []).map((a) =>
      a.key === "gen_ai.request.parameters"
        ? { key: a.key, value: { stringValue: "{model: gpt" } }
        : a,
    );
    expect(normalizeSpan(onlySpan(broken)).model).toBeNull();
  });

  it("reads a Vercel AI SDK span converted by @traceai/vercel from the SDK's own messages, tool results included", () => {
    const span = normalizeSpan(onlySpan(traceAiVercelFollowUp));
    LlmSpanSchema.parse(span);
    expect(span).toMatchObject({
      kind: "LLM",
      convention: "traceai",
      model: "gpt-4o-mini-2024-07-18",
      question: "Is express shipping faster?",
      answer: "Yes: express shipping arrives the next business day.",
    });
    // The converted `llm.input_messages.3` has no content; the SDK's `ai.prompt.messages` has it.
    expect(span.inputMessages.find((m) => m.role === "tool")).toEqual({
      role: "tool",
      content: VERCEL_TOOL_RESULT,
      toolCallId: "call_1",
    });
    // So the tool result in the chat history is the answer's context, not the system prompt.
    const [target] = assembleTrace(span.traceId, [span]).targets;
    expect(target?.context.map((d) => [d.content, d.origin])).toEqual([
      [VERCEL_TOOL_RESULT, "tool"],
    ]);
  });

  it("keeps the arguments of a tool call that @traceai/vercel's conversion drops", () => {
    const span = normalizeSpan(onlySpan(traceAiVercelToolCall));
    expect(span.answer).toBeNull();
    expect(span.outputMessages).toEqual([
      {
        role: "assistant",
        content: "",
        toolCalls: [
          {
            id: "call_1",
            name: "getInformation",
            arguments: JSON.stringify({ question: "How long does standard shipping take?" }),
          },
        ],
      },
    ]);
  });
});
