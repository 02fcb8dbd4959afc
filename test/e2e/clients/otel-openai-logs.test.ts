import { OTLPLogExporter } from "@opentelemetry/exporter-logs-otlp-proto";
import { OpenAIInstrumentation } from "@opentelemetry/instrumentation-openai";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { LoggerProvider, SimpleLogRecordProcessor } from "@opentelemetry/sdk-logs";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ClientApp, judgedLlmSpans, startClientApp } from "../../support/client-app.ts";
import { metricLines } from "../../support/service-metrics.ts";

/**
 * The official OpenTelemetry GenAI instrumentation for JS, `@opentelemetry/instrumentation-openai`
 * (0.21.0, the newest that runs on Node 20), with content capture on: the span keeps the model,
 * usage and ids, and the messages go out as log records to /v1/logs.
 */

const DOCUMENT = "Refunds are accepted within 30 days of purchase with the original receipt.";
const SYSTEM = `Answer from this policy only.\n\nPolicy: ${DOCUMENT}`;
const SUPPORTED = {
  question: "How long do I have to request a refund?",
  answer: "You can request a refund within 30 days of purchase, with the original receipt.",
};
const CONTRADICTED = {
  question: "Can I get a refund after two months?",
  answer: "Yes, refunds are accepted within 90 days of purchase, and no receipt is needed.",
};

let app: ClientApp;
let loggerProvider: LoggerProvider;
let instrumentation: OpenAIInstrumentation;

beforeAll(async () => {
  app = await startClientApp("rag-with-otel-openai", [SUPPORTED, CONTRADICTED]);
  // As an app's SDK setup does: a LoggerProvider exporting OTLP/HTTP protobuf beside the traces.
  loggerProvider = new LoggerProvider({
    resource: resourceFromAttributes({ "service.name": "rag-with-otel-openai" }),
    processors: [
      new SimpleLogRecordProcessor({
        exporter: new OTLPLogExporter({ url: `${app.svc.url}/v1/logs` }),
      }),
    ],
  });
  instrumentation = new OpenAIInstrumentation({ captureMessageContent: true });
  instrumentation.setTracerProvider(app.provider);
  instrumentation.setLoggerProvider(loggerProvider);
  // The openai module is already loaded (ESM, imported above), so require hooks never see it:
  // patch it the way the instrumentation's own module hook does.
  for (const definition of instrumentation.getModuleDefinitions()) definition.patch?.({ OpenAI });
});

afterAll(async () => {
  for (const definition of instrumentation?.getModuleDefinitions() ?? [])
    definition.unpatch?.({ OpenAI });
  await loggerProvider?.shutdown();
  await app?.close();
});

describe("@opentelemetry/instrumentation-openai with its content sent as OTLP log records", () => {
  it("gets each LLM span judged on the question, answer and system prompt its logs carried", async () => {
    const client = new OpenAI({ baseURL: app.llm.baseUrl, apiKey: "sk-test-not-a-real-key-0000" });
    for (const { question } of [SUPPORTED, CONTRADICTED]) {
      await client.chat.completions.create({
        model: "gpt-4o-mini",
        messages: [
          { role: "system", content: SYSTEM },
          { role: "user", content: question },
        ],
      });
    }
    await loggerProvider.forceFlush();
    await app.provider.forceFlush();

    const [supported, contradicted] = await judgedLlmSpans(app.svc, 2, 20_000);
    // The span itself (model, usage) and exactly what the log records carried.
    expect(supported).toMatchObject({
      name: "chat gpt-4o-mini",
      model: "gpt-4o-mini-2024-07-18",
      question: SUPPORTED.question,
      answer: SUPPORTED.answer,
      context: [SYSTEM],
    });
    expect(contradicted).toMatchObject({
      question: CONTRADICTED.question,
      answer: CONTRADICTED.answer,
      context: [SYSTEM],
    });
    expect(supported?.verdicts).toEqual([
      { evaluator: "groundedness", status: "ok", passed: true },
      { evaluator: "hallucination", status: "ok", passed: true },
    ]);
    expect(contradicted?.verdicts).toEqual([
      { evaluator: "groundedness", status: "ok", passed: false },
      { evaluator: "hallucination", status: "ok", passed: false },
    ]);

    // Six records (system, user, choice per call), every one joined to its span.
    const received = await metricLines(app.svc.url, "tracejudge_log_records_received_total");
    expect(received).toEqual(['tracejudge_log_records_received_total{encoding="protobuf"} 6']);
  });
});
