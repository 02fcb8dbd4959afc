import { describe, expect, it } from "vitest";
import { mergeSpanContent } from "../../src/logs/merge-span-content.ts";
import { readSpanContent, type SpanContent } from "../../src/logs/span-content.ts";
import { normalizeSpan } from "../../src/normalize/normalize-span.ts";
import { decodeLogsRequest } from "../../src/otlp/decode-logs.ts";
import { decodeTraceRequest } from "../../src/otlp/decode-traces.ts";
import { RedactionConfigSchema } from "../../src/redact/redaction-config.ts";
import { createRedactor } from "../../src/redact/redactor.ts";
import type { LlmSpan } from "../../src/span/llm-span.ts";
import {
  contentlessChatSpan,
  jsChatRecords,
  jsResponsesRecords,
  keyValues,
  logsRequest,
  pythonChatRecords,
  pythonOperationDetailsRecord,
} from "./fixtures/genai-log-records.ts";

const IDS = { traceId: "5b8efff798038103d269b633813fc60c", spanId: "eee19b7ec3c1b174" };
const PROMPT = {
  system: "Answer from this document only: Refunds are accepted within 30 days of purchase.",
  user: "How long do I have to request a refund?",
};
const ANSWER = "You have 30 days from purchase to request a refund.";
const deps = { normalize: normalizeSpan, redact: (span: LlmSpan) => span };

function json(value: object): Buffer {
  return Buffer.from(JSON.stringify(value));
}

function contentsOf(records: object[], project = "default", receivedAtMs = 0): SpanContent[] {
  const decoded = decodeLogsRequest(json(logsRequest(records)), "json");
  return decoded.records.flatMap((record, position) => {
    const read = readSpanContent(record, { project, receivedAtMs, position }, deps);
    return "content" in read ? [read.content] : [];
  });
}

function chatSpan(): LlmSpan {
  const [span] = decodeTraceRequest(json(contentlessChatSpan(IDS)), "json").spans;
  return normalizeSpan(span as NonNullable<typeof span>);
}

describe("GenAI content from log records, merged into its span", () => {
  it("the span alone has no question and no answer (what made it no_answer)", () => {
    const span = chatSpan();
    expect(span.kind).toBe("LLM");
    expect(span).toMatchObject({ question: null, answer: null, inputMessages: [] });
  });

  it.each([
    ["the JS instrumentation's chat events (event.name attribute)", jsChatRecords],
    ["the Python openai-v2 events (event_name field, observed time only)", pythonChatRecords],
    [
      "the JS instrumentation's Responses API operation details (input, then output)",
      jsResponsesRecords,
    ],
    [
      "the Python operation-details event (attributes)",
      (...a: Parameters<typeof jsChatRecords>) => [pythonOperationDetailsRecord(...a)],
    ],
  ])("%s", (_name, records) => {
    const [merged] = mergeSpanContent([chatSpan()], contentsOf(records(IDS, PROMPT, ANSWER)));
    expect(merged).toMatchObject({
      question: PROMPT.user,
      answer: ANSWER,
      systemInstructions: PROMPT.system,
      inputMessages: [
        { role: "system", content: PROMPT.system },
        { role: "user", content: PROMPT.user },
      ],
      outputMessages: [{ role: "assistant", content: ANSWER }],
      // What the span itself carried is kept.
      model: "gpt-4o-mini-2024-07-18",
      usage: { inputTokens: 52, outputTokens: 12 },
    });
  });

  it("orders messages by time, then observed time, then as they were received", () => {
    // Buffered in the wrong order: the choice first, then the user message, then the system one.
    const [system, user, choice] = jsChatRecords(IDS, PROMPT, ANSWER) as object[];
    const contents = [
      ...contentsOf([choice as object], "default", 3),
      // One request per record (a SimpleLogRecordProcessor), received in this order, with ties in
      // time and observed time: the order they were received in decides.
      ...contentsOf([user as object], "default", 2.5),
      ...contentsOf([system as object], "default", 2.25),
    ];
    const [merged] = mergeSpanContent([chatSpan()], contents);
    expect(merged?.inputMessages.map((m) => m.role)).toEqual(["system", "user"]);
    expect(merged?.answer).toBe(ANSWER);
    // Observed time before receipt: the Python records carry no time but distinct observed times.
    const [py1, py2] = pythonChatRecords(IDS, PROMPT, ANSWER) as object[];
    const [byObserved] = mergeSpanContent(
      [chatSpan()],
      [...contentsOf([py2 as object], "default", 1), ...contentsOf([py1 as object], "default", 2)],
    );
    expect(byObserved?.inputMessages.map((m) => m.role)).toEqual(["system", "user"]);
  });

  it("orders choices by index and takes the first as the answer", () => {
    const choice = (index: number, content: string, observed: string) => ({
      ...IDS,
      eventName: "gen_ai.choice",
      observedTimeUnixNano: observed,
      body: {
        kvlistValue: { values: keyValues({ index, finish_reason: "stop", message: { content } }) },
      },
    });
    const contents = contentsOf([choice(1, "second", "5"), choice(0, "first", "6")]);
    const [merged] = mergeSpanContent([chatSpan()], contents);
    expect(merged?.outputMessages.map((m) => m.content)).toEqual(["first", "second"]);
    expect(merged?.answer).toBe("first");
  });

  it("counts a record sent twice (an exporter's retry) once", () => {
    const records = jsChatRecords(IDS, PROMPT, ANSWER);
    const [merged] = mergeSpanContent(
      [chatSpan()],
      [...contentsOf(records), ...contentsOf(records)],
    );
    expect(merged?.inputMessages).toHaveLength(2);
    expect(merged?.outputMessages).toHaveLength(1);
  });

  it("keeps what the span recorded itself over its log records", () => {
    const own = {
      ...chatSpan(),
      inputMessages: [{ role: "user", content: "own question" }],
      question: "own question",
    };
    const [merged] = mergeSpanContent([own], contentsOf(jsChatRecords(IDS, PROMPT, ANSWER)));
    expect(merged?.question).toBe("own question");
    expect(merged?.answer).toBe(ANSWER);
  });

  it("joins a span only with content its own project sent", () => {
    const contents = contentsOf(jsChatRecords(IDS, PROMPT, ANSWER), "other-project");
    const [merged] = mergeSpanContent([chatSpan()], contents);
    expect(merged?.answer).toBeNull();
  });

  it("reads tool messages, plain-string bodies and assistant tool calls", () => {
    const record = (event: string, body: unknown, observed: string) => ({
      ...IDS,
      observedTimeUnixNano: observed,
      attributes: keyValues({ "event.name": event }),
      body:
        typeof body === "string"
          ? { stringValue: body }
          : { kvlistValue: { values: keyValues(body as Record<string, unknown>) } },
    });
    const contents = contentsOf([
      record("gen_ai.user.message", "What is the order status?", "1"),
      record(
        "gen_ai.assistant.message",
        {
          tool_calls: [
            { id: "call_1", type: "function", function: { name: "order_status", arguments: "{}" } },
          ],
        },
        "2",
      ),
      record("gen_ai.tool.message", { id: "call_1", content: "Order 42 shipped on Monday." }, "3"),
    ]);
    const [merged] = mergeSpanContent([chatSpan()], contents);
    expect(merged?.inputMessages).toEqual([
      { role: "user", content: "What is the order status?" },
      {
        role: "assistant",
        content: "",
        toolCalls: [{ id: "call_1", name: "order_status", arguments: "{}" }],
      },
      { role: "tool", content: "Order 42 shipped on Monday.", toolCallId: "call_1" },
    ]);
    expect(merged?.question).toBe("What is the order status?");
  });

  it("drops records that are not GenAI content, name no span, or hold no content", () => {
    const decoded = decodeLogsRequest(
      json(
        logsRequest([
          { body: { stringValue: "GET /health 200" }, severityNumber: 9 },
          { eventName: "gen_ai.user.message", body: anyContent("no span") },
          // Content capture off: the Python instrumentation sends no body at all, and a choice
          // with its role and finish reason only.
          {
            ...IDS,
            eventName: "gen_ai.choice",
            body: {
              kvlistValue: {
                values: keyValues({
                  index: 0,
                  finish_reason: "stop",
                  message: { role: "assistant" },
                }),
              },
            },
          },
          {
            ...IDS,
            eventName: "gen_ai.user.message",
            attributes: keyValues({ "gen_ai.system": "openai" }),
          },
        ]),
      ),
      "json",
    );
    const origin = { project: "default", receivedAtMs: 0, position: 0 };
    expect(decoded.records.map((r) => readSpanContent(r, origin, deps))).toEqual([
      { dropped: "not_genai_content" },
      { dropped: "no_span" },
      { dropped: "no_content" },
      { dropped: "no_content" },
    ]);
  });

  it("redacts content from log records with the span redactor", () => {
    const redact = createRedactor(RedactionConfigSchema.parse({})).redactSpan;
    const [record] = decodeLogsRequest(
      json(
        logsRequest([
          {
            ...IDS,
            eventName: "gen_ai.user.message",
            body: anyContent("My card is 4111 1111 1111 1111, why was it declined?"),
          },
        ]),
      ),
      "json",
    ).records;
    const origin = { project: "default", receivedAtMs: 0, position: 0 };
    const read = readSpanContent(record as NonNullable<typeof record>, origin, {
      ...deps,
      redact,
    });
    expect("content" in read && read.content.inputMessages[0]?.content).not.toContain(
      "4111 1111 1111 1111",
    );
  });
});

function anyContent(content: string) {
  return { kvlistValue: { values: keyValues({ content }) } };
}
