import { describe, expect, it } from "vitest";
import { normalizeSpan } from "../../src/normalize/normalize-span.ts";
import type { Attributes, OtlpSpan, OtlpSpanEvent } from "../../src/otlp/otlp-span.ts";
import { LlmSpanSchema } from "../../src/span/llm-span.ts";
import { onlySpan } from "./otlp-json.ts";

function makeSpan(attributes: Attributes, more: Partial<OtlpSpan> = {}): OtlpSpan {
  return {
    traceId: "0123456789abcdef0123456789abcdef",
    spanId: "0123456789abcdef",
    parentSpanId: null,
    name: "span",
    kind: 1,
    startTimeUnixNano: "1767225600000000000",
    endTimeUnixNano: "1767225601000000000",
    attributes,
    events: [],
    status: { code: 0 },
    resource: {},
    scope: { name: "test" },
    ...more,
  };
}

describe("pitfall 2: flattened indices", () => {
  it("orders llm.input_messages numerically (10 after 9) and skips gaps", () => {
    const attrs: Attributes = {};
    // Insert in string order ("0", "1", "10", "2", …) to catch lexicographic sorting.
    for (const n of ["0", "1", "10", "2", "3", "4", "6", "7", "8", "9"]) {
      attrs[`llm.input_messages.${n}.message.role`] = n === "10" ? "user" : "assistant";
      attrs[`llm.input_messages.${n}.message.content`] = `m${n}`;
    }
    attrs["openinference.span.kind"] = "LLM";
    const span = normalizeSpan(makeSpan(attrs));
    expect(span.inputMessages.map((m) => m.content)).toEqual([
      "m0",
      "m1",
      "m2",
      "m3",
      "m4",
      "m6",
      "m7",
      "m8",
      "m9",
      "m10",
    ]);
    expect(span.question).toBe("m10");
  });

  it("orders OpenLLMetry gen_ai.prompt.N the same way and ignores gen_ai.prompt.name", () => {
    const span = normalizeSpan(
      makeSpan({
        "gen_ai.prompt.10.role": "user",
        "gen_ai.prompt.10.content": "latest question",
        "gen_ai.prompt.9.role": "user",
        "gen_ai.prompt.9.content": "older question",
        "gen_ai.prompt.name": "not-a-message",
      }),
    );
    expect(span.convention).toBe("openllmetry");
    expect(span.inputMessages.map((m) => m.content)).toEqual(["older question", "latest question"]);
    expect(span.question).toBe("latest question");
  });
});

describe("pitfall 7: kind values in any case", () => {
  it.each([
    [{ "openinference.span.kind": "retriever" }, "RETRIEVER", "openinference"],
    [{ "openinference.span.kind": "prompt" }, "CHAIN", "openinference"],
    [{ "fi.span.kind": "llm" }, "LLM", "traceai"],
    [{ "gen_ai.span.kind": "Reranker" }, "RERANKER", "traceai"],
    [{ "gen_ai.span.kind": "VECTOR_DB" }, "RETRIEVER", "traceai"],
    [{ "traceloop.span.kind": "Task" }, "CHAIN", "openllmetry"],
    [{ "traceloop.span.kind": "agent" }, "AGENT", "openllmetry"],
    [{ "llm.request.type": "rerank" }, "RERANKER", "openllmetry"],
    [{ "langfuse.observation.type": "GENERATION" }, "LLM", "langfuse"],
    [{ "gen_ai.operation.name": "CHAT", "gen_ai.provider.name": "openai" }, "LLM", "otel-genai"],
    [{ "gen_ai.operation.name": "embeddings" }, "EMBEDDING", "otel-genai"],
    [{ "gen_ai.operation.name": "apply_guardrail" }, "GUARDRAIL", "otel-genai"],
    [{ "gen_ai.operation.name": "invoke_workflow" }, "CHAIN", "otel-genai"],
    [{ "gen_ai.operation.name": "search_memory" }, "RETRIEVER", "otel-genai"],
    [{ "gen_ai.tool.name": "lookup" }, "TOOL", "otel-genai"],
    [{ "gen_ai.system": "openai", "gen_ai.request.model": "gpt-4" }, "LLM", "otel-genai-legacy"],
    [{ model: "llama3" }, "LLM", "unknown"],
    [{ "ai.operationId": "ai.embedMany.doEmbed" }, "EMBEDDING", "vercel-ai"],
    // Without model info a provider call is not classed LLM (semconv step 6).
    [{ "ai.operationId": "ai.streamText.doStream" }, "UNKNOWN", "vercel-ai"],
    [{ "http.method": "GET" }, "UNKNOWN", "unknown"],
  ] as const)("%o → %s", (attributes, kind, convention) => {
    const span = normalizeSpan(makeSpan({ ...attributes }));
    expect(span.kind).toBe(kind);
    expect(span.convention).toBe(convention);
  });
});

describe("malformed and missing content", () => {
  it("ignores invalid JSON in gen_ai.input.messages, keeping it as raw text", () => {
    const broken = '[{"role":"user","parts":[{"type":"text","content":"hi"}]';
    const span = normalizeSpan(
      makeSpan({
        "gen_ai.operation.name": "chat",
        "gen_ai.request.model": "gpt-4o",
        "gen_ai.input.messages": broken,
        "gen_ai.output.messages": "not json at all",
        "gen_ai.system_instructions": "{oops",
      }),
    );
    expect(LlmSpanSchema.parse(span)).toEqual(span);
    expect(span.inputMessages).toEqual([]);
    expect(span.outputMessages).toEqual([]);
    expect(span.question).toBeNull();
    expect(span.input).toBe(broken);
    expect(span.systemInstructions).toBe("{oops");
  });

  it("gives null question and answer when content capture is off", () => {
    const span = normalizeSpan(
      makeSpan({
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": "gpt-4o",
        "gen_ai.usage.input_tokens": "17",
        "gen_ai.usage.output_tokens": "not a number",
      }),
    );
    expect(span).toMatchObject({
      kind: "LLM",
      question: null,
      answer: null,
      input: null,
      output: null,
      systemInstructions: null,
      inputMessages: [],
      outputMessages: [],
      usage: { inputTokens: 17, outputTokens: null, totalTokens: null },
      timeToFirstTokenMs: null,
    });
  });

  it("has no answer when the only output is a tool call, despite a raw response body", () => {
    const span = normalizeSpan(
      makeSpan({
        "fi.span.kind": "LLM",
        "gen_ai.output.messages": JSON.stringify([
          {
            role: "assistant",
            content: null,
            tool_calls: [{ id: "c1", type: "function", function: { name: "f", arguments: "{}" } }],
          },
        ]),
        "output.value": JSON.stringify({ choices: [{ message: { role: "assistant" } }] }),
      }),
    );
    expect(span.outputMessages).toEqual([
      { role: "assistant", content: "", toolCalls: [{ id: "c1", name: "f", arguments: "{}" }] },
    ]);
    expect(span.answer).toBeNull();
  });

  it("never throws on odd values and always yields a valid LlmSpan", () => {
    const odd: Attributes = {
      "gen_ai.input.messages": [null, 3, "plain", { role: 7, parts: "x" }, [{ nested: true }]],
      "gen_ai.output.messages": { role: "assistant" },
      "llm.input_messages.0.message.contents.x.message_content.text": "no index",
      "llm.output_messages.1": "bare",
      "retrieval.documents.0.document.content": { not: "text" },
      "retrieval.documents.1.document.score": "high",
      "gen_ai.retrieval.documents": "[{]",
      "ai.prompt": "{}",
      "ai.response.toolCalls": '[{"toolName":null}]',
      "gen_ai.usage.input_tokens": "9007199254740993",
      "langfuse.observation.completion_start_time": "yesterday",
      "langfuse.observation.usage_details": "[1,2]",
      "ai.telemetry.metadata.langfusePrompt": "{bad",
      metadata: "[]",
      "session.id": 12345,
      "error.type": "",
    };
    const events: OtlpSpanEvent[] = [
      { name: "gen_ai.choice", timeUnixNano: "x", attributes: { body: "{not json" } },
      { name: "gen_ai.user.message", timeUnixNano: "1", attributes: { body: null } },
      { name: "db.query.result", timeUnixNano: "2", attributes: {} },
      { name: "ai.stream.firstChunk", timeUnixNano: "garbage", attributes: {} },
    ];
    const span = normalizeSpan(
      makeSpan(odd, { events, startTimeUnixNano: "not-a-number", parentSpanId: "" as never }),
    );
    expect(() => LlmSpanSchema.parse(span)).not.toThrow();
    expect(span.parentSpanId).toBeNull();
    expect(span.sessionId).toBe("12345");
    expect(span.isError).toBe(false);
    expect(span.inputMessages).toEqual([{ role: "user", content: "plain" }]);
    expect(span.documents).toEqual([]);
    expect(span.timeToFirstTokenMs).toBeNull();
  });
});

describe("provider spellings (pitfall 10)", () => {
  it.each([
    ["gen_ai.system", "az.ai.openai", "azure.ai.openai"],
    ["gen_ai.provider.name", "azure.openai", "azure.ai.openai"],
    ["gen_ai.provider.name", "mistralai", "mistral_ai"],
    ["gen_ai.provider.name", "vertex_ai", "gcp.vertex_ai"],
    ["gen_ai.system", "vertexai", "gcp.vertex_ai"],
    ["gen_ai.system", "xai", "x_ai"],
    ["gen_ai.provider.name", "aws.bedrock", "aws.bedrock"],
    ["gen_ai.provider.name", "ibm.watsonx.ai", "ibm.watsonx.ai"],
    ["ai.model.provider", "amazon-bedrock", "aws.bedrock"],
    ["ai.model.provider", "mistral.chat", "mistral_ai"],
    ["ai.model.provider", "acme.chat", "acme"],
  ])("%s=%s → %s", (key, value, expected) => {
    expect(normalizeSpan(makeSpan({ [key]: value })).provider).toBe(expected);
  });

  it("combines OpenInference hosting provider and model vendor", () => {
    const bedrock = makeSpan({ "openinference.span.kind": "LLM", "llm.provider": "aws" });
    expect(normalizeSpan(bedrock).provider).toBe("aws.bedrock");
    const vertex = makeSpan({
      "openinference.span.kind": "LLM",
      "llm.provider": "google",
      "llm.system": "vertexai",
    });
    expect(normalizeSpan(vertex).provider).toBe("gcp.vertex_ai");
  });
});

describe("test decoder", () => {
  it("lowercases ids, keeps oversized int64 as text and treats empty parent as root", () => {
    const span = onlySpan({
      resourceSpans: [
        {
          scopeSpans: [
            {
              spans: [
                {
                  traceId: "5B8EFFF798038103D269B633813FC60C",
                  spanId: "EEE19B7EC3C1B174",
                  parentSpanId: "",
                  name: "x",
                  startTimeUnixNano: "1",
                  endTimeUnixNano: "2",
                  attributes: [{ key: "big", value: { intValue: "9223372036854775807" } }],
                },
              ],
            },
          ],
        },
      ],
    });
    expect(span.traceId).toBe("5b8efff798038103d269b633813fc60c");
    expect(span.parentSpanId).toBeNull();
    expect(span.attributes.big).toBe("9223372036854775807");
  });
});
