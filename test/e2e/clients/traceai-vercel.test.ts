import { createOpenAI } from "@ai-sdk/openai";
import type { Tracer } from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { FISimpleSpanProcessor, isFISpan } from "@traceai/vercel";
import { generateText, stepCountIs, tool } from "ai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ANSWERING_MODEL,
  BOTH_PASSED,
  type ClientApp,
  exportingTracerProvider,
  judgedLlmSpans,
  startClientApp,
} from "../../support/client-app.ts";
import {
  BY_TOOL,
  contextSystemPrompt,
  expectJudgedOnToolResult,
  GET_INFORMATION,
  IN_SYSTEM,
  judgedOnSystemContext,
  lookUp,
  SCENARIOS,
  TOOL_SYSTEM_PROMPT,
  toolCallCompletion,
} from "../../support/vercel-ai-scenarios.ts";

/**
 * traceAI's Vercel AI SDK integration, `@traceai/vercel` (the one traceAI package on the npm
 * registry): its `FISimpleSpanProcessor` rewrites each AI SDK span into traceAI's FI conventions
 * (`fi.span.kind`, `llm.input_messages.*`, `output.value`, `llm.model_name`) before the exporter
 * sends it, and `isFISpan` keeps only the spans it converted. The app is the ai 6 RAG app of
 * `vercel-ai.test.ts`, exporting to `/v1/traces` and, as traceAI's own exporters do, to
 * `/tracer/v1/traces`.
 */
let app: ClientApp;

/** Asked after BY_TOOL in the same chat: answered from the tool result in the chat history. */
const FOLLOW_UP = {
  question: "Is there a faster option than standard shipping?",
  answer: "Express shipping arrives the next business day.",
};

beforeAll(async () => {
  app = await startClientApp("traceai-vercel-rag", [...SCENARIOS, FOLLOW_UP]);
});
afterAll(() => app?.close());

/** The AI SDK's `experimental_telemetry` setting, on the app's tracer. */
type Telemetry = { isEnabled: true; tracer: Tracer };

/**
 * Runs `calls` traced as the package's README sets traceAI up (its processor, keeping only the
 * spans it converted, with an OTLP/HTTP protobuf exporter to `path`), then exports every span.
 */
async function tracedByTraceAi<T>(path: string, calls: (telemetry: Telemetry) => Promise<T>) {
  const provider = exportingTracerProvider(app.svc, "traceai-vercel-rag", {
    processor: (url) =>
      new FISimpleSpanProcessor({
        exporter: new OTLPTraceExporter({ url: `${url}${path}` }),
        spanFilter: isFISpan,
      }),
  });
  try {
    const result = await calls({ isEnabled: true, tracer: provider.getTracer("ai") });
    await provider.forceFlush();
    return result;
  } finally {
    await provider.shutdown();
  }
}

function chatModel() {
  const openai = createOpenAI({ baseURL: app.llm.baseUrl, apiKey: "sk-test-not-a-real-key-0000" });
  return openai.chat("gpt-4o-mini");
}

/** BY_TOOL asked of the tool-calling app: the model calls the tool, then answers from its result. */
function askWithTool(telemetry: Telemetry) {
  app.llm.enqueue({ body: toolCallCompletion("getInformation", { question: BY_TOOL.question }) });
  return generateText({
    model: chatModel(),
    system: TOOL_SYSTEM_PROMPT,
    prompt: BY_TOOL.question,
    tools: { getInformation: tool(GET_INFORMATION) },
    stopWhen: stepCountIs(3),
    experimental_telemetry: telemetry,
  });
}

describe("traceAI for the Vercel AI SDK (@traceai/vercel, ai 6)", () => {
  it("judges an answer on the system prompt's context, exported to /v1/traces", async () => {
    const { text } = await tracedByTraceAi("/v1/traces", (telemetry) =>
      generateText({
        model: chatModel(),
        system: contextSystemPrompt(IN_SYSTEM.question),
        prompt: IN_SYSTEM.question,
        experimental_telemetry: telemetry,
      }),
    );
    expect(text).toBe(IN_SYSTEM.answer);

    const spans = await judgedLlmSpans(app.svc, 1);
    // The wrapping ai.generateText span is a CHAIN in traceAI's conversion too.
    expect(spans).toHaveLength(1);
    expect(spans[0]).toMatchObject({
      name: "ai.generateText.doGenerate",
      ...judgedOnSystemContext(IN_SYSTEM),
      // Read as traceAI's: the processor's `fi.span.kind` is on the span.
      convention: "traceai",
      output_tokens: Math.ceil(IN_SYSTEM.answer.length / 4),
    });
    expect(spans[0]?.input_tokens).toBeGreaterThan(0);
    expect(spans[0]?.verdicts).toEqual(BOTH_PASSED);
  });

  it("judges the answer after a retrieval tool call on the tool's result, exported to /tracer/v1/traces", async () => {
    const { text } = await tracedByTraceAi("/tracer/v1/traces", askWithTool);
    expect(text).toBe(BY_TOOL.answer);

    const spans = await judgedLlmSpans(app.svc, 3);
    expect(spans).toHaveLength(3);
    const own = spans.slice(1);
    expect(own.map((s) => [s.name, s.convention])).toEqual([
      ["ai.generateText.doGenerate", "traceai"],
      ["ai.generateText.doGenerate", "traceai"],
    ]);
    expectJudgedOnToolResult(own);
    expect(own.map((s) => s.model)).toEqual([ANSWERING_MODEL, ANSWERING_MODEL]);
  });

  it("judges a follow-up on the tool result in its chat history, with no tool call in its trace", async () => {
    const { text } = await tracedByTraceAi("/v1/traces", async (telemetry) => {
      const first = await askWithTool(telemetry);
      // The chat app's next request: the whole conversation so far, then the new question.
      return generateText({
        model: chatModel(),
        system: TOOL_SYSTEM_PROMPT,
        messages: [
          { role: "user", content: BY_TOOL.question },
          ...first.response.messages,
          { role: "user", content: FOLLOW_UP.question },
        ],
        tools: { getInformation: tool(GET_INFORMATION) },
        experimental_telemetry: telemetry,
      });
    });
    expect(text).toBe(FOLLOW_UP.answer);

    const spans = await judgedLlmSpans(app.svc, 6);
    const followUp = spans.at(-1);
    expect(followUp).toMatchObject({
      convention: "traceai",
      question: FOLLOW_UP.question,
      answer: FOLLOW_UP.answer,
      // Not the system prompt's instruction: the tool's result, as the model was given it.
      context: [lookUp(BY_TOOL.question)],
      model: ANSWERING_MODEL,
    });
    expect(followUp?.verdicts).toEqual(BOTH_PASSED);
  });
});
