import type { LlmSpan } from "../../src/span/llm-span.ts";

let counter = 0;

/** A valid LlmSpan with sensible blanks; tests override what they are about. */
export function makeSpan(overrides: Partial<LlmSpan> = {}): LlmSpan {
  counter += 1;
  return {
    traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
    spanId: counter.toString(16).padStart(16, "0"),
    parentSpanId: null,
    name: "span",
    kind: "CHAIN",
    convention: "openinference",
    startTimeUnixNano: "1000",
    endTimeUnixNano: "2000",
    status: { code: 0 },
    isError: false,
    model: null,
    requestModel: null,
    provider: null,
    systemInstructions: null,
    inputMessages: [],
    outputMessages: [],
    input: null,
    output: null,
    question: null,
    answer: null,
    documents: [],
    toolName: null,
    usage: { inputTokens: null, outputTokens: null, totalTokens: null },
    timeToFirstTokenMs: null,
    sessionId: null,
    userId: null,
    serviceName: "support-bot",
    serviceVersion: "v42",
    environment: null,
    promptName: null,
    promptVersion: null,
    route: null,
    attributes: {},
    resource: {},
    project: "default",
    ...overrides,
  };
}
