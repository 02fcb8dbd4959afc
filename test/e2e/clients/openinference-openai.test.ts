import { OpenAIInstrumentation } from "@arizeai/openinference-instrumentation-openai";
import { context, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BasicTracerProvider, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import OpenAI from "openai";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeOpenAIServer } from "../../support/fake-openai-server.ts";
import { startTestService, type TestService } from "../../support/test-service.ts";
import { awaitTraceEvaluations } from "../../support/trace-evaluations.ts";

const DOCUMENT = "Refunds are accepted within 30 days of purchase with the original receipt.";
const QUESTION = "How long do I have to request a refund?";
const ANSWER = "Within 30 days of purchase, with the original receipt.";

let svc: TestService;
let llm: FakeOpenAIServer;
let provider: BasicTracerProvider;

beforeAll(async () => {
  // As a Node app's SDK setup does: the active span follows async calls (the instrumented call
  // becomes a child of the app's own chain span).
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  svc = await startTestService();
  // The application's model: an OpenAI-compatible server on loopback.
  llm = await FakeOpenAIServer.start(() => ({ content: ANSWER, model: "gpt-4o-mini-2024-07-18" }));
  provider = new BasicTracerProvider({
    resource: resourceFromAttributes({
      "service.name": "rag-with-openinference",
      "service.version": "2026.11.1",
    }),
    spanProcessors: [
      new SimpleSpanProcessor(new OTLPTraceExporter({ url: `${svc.url}/v1/traces` })),
    ],
  });
});

afterAll(async () => {
  context.disable();
  await provider?.shutdown();
  await llm?.close();
  await svc?.stop();
});

describe("@arizeai/openinference-instrumentation-openai around the openai client", () => {
  it("gets its LLM span evaluated with the right question, answer and retrieved context", async () => {
    const instrumentation = new OpenAIInstrumentation({ tracerProvider: provider });
    instrumentation.manuallyInstrument(OpenAI);
    const client = new OpenAI({ baseURL: llm.baseUrl, apiKey: "sk-test-not-a-real-key-0000" });
    const tracer = provider.getTracer("rag-app");

    // The app's own RAG pipeline: a chain, a retriever (OpenInference attributes), then the call.
    const root = tracer.startSpan("rag", { attributes: { "openinference.span.kind": "CHAIN" } });
    const ctx = trace.setSpan(context.active(), root);
    tracer
      .startSpan(
        "retrieve",
        {
          attributes: {
            "openinference.span.kind": "RETRIEVER",
            "input.value": QUESTION,
            "retrieval.documents.0.document.content": DOCUMENT,
          },
        },
        ctx,
      )
      .end();
    await context.with(ctx, () =>
      client.chat.completions.create({
        model: "gpt-4o-mini",
        messages: [
          { role: "system", content: "Answer from the documents only." },
          { role: "user", content: QUESTION },
        ],
      }),
    );
    root.end();
    await provider.forceFlush();
    instrumentation.disable();

    const traceId = root.spanContext().traceId;
    const events = await awaitTraceEvaluations(svc.url, traceId, 2, 20_000);
    expect(events.map((e) => e.evaluator).sort()).toEqual(["groundedness", "hallucination"]);
    expect(events.every((e) => e.status === "ok" && e.model === "gpt-4o-mini-2024-07-18")).toBe(
      true,
    );

    // What was judged: the instrumented span's question and answer, the retriever's document.
    const db = new pg.Client({ connectionString: svc.config.database_url });
    await db.connect();
    try {
      const { rows } = await db.query<{
        question: string;
        answer: string;
        context: { content: string }[];
        convention: string;
      }>(
        "SELECT question, answer, context, convention FROM spans WHERE trace_id = $1 AND span_id = $2",
        [traceId, events[0]?.span_id],
      );
      expect(rows[0]).toMatchObject({
        question: QUESTION,
        answer: ANSWER,
        convention: "openinference",
      });
      expect(rows[0]?.context.map((d) => d.content)).toContain(DOCUMENT);
    } finally {
      await db.end();
    }
  });
});
