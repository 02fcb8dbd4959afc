import { context, trace } from "@opentelemetry/api";
import { ExportResultCode } from "@opentelemetry/core";
// The exporter traceAI's `register()` (`@traceai/fi-core`) builds for HTTP: OTLP/HTTP JSON to
// `<endpoint>/tracer/v1/traces`. `@traceai/fi-core` itself is not on the npm registry this
// project installs from, so the test drives the same exporter at the same path.
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashKey } from "../../../src/api/auth.ts";
import { eventually } from "../../support/services.ts";
import { startTestService, type TestService } from "../../support/test-service.ts";

const KEY = "tj_support_Hq42vLm8";
const QUESTION = "Do you ship to Canada?";
const DOCUMENT = "We ship to the United States and Canada. Shipping to Canada takes 5 to 7 days.";
const ANSWER = "Yes, we ship to Canada; delivery takes 5 to 7 days.";

let svc: TestService;

beforeAll(async () => {
  svc = await startTestService({
    auth: { keys: [{ name: "support-ingest", project: "support", sha256: hashKey(KEY) }] },
  } as never);
});

afterAll(async () => {
  await svc?.stop();
});

/** A traceAI-instrumented RAG call: a vector-DB span, then a streaming chat completion. */
function traceAiSpans(): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    // What `register({ projectName, projectType })` puts on the resource.
    resource: resourceFromAttributes({ project_name: "support-bot", project_type: "observe" }),
    spanProcessors: [new SimpleSpanProcessor(memory)],
  });
  const tracer = provider.getTracer("traceai.openai", "0.1.10");
  const root = tracer.startSpan("answer", { attributes: { "gen_ai.span.kind": "CHAIN" } });
  const ctx = trace.setSpan(context.active(), root);
  const retriever = tracer.startSpan(
    "ShippingPolicyRetriever",
    {
      attributes: {
        "gen_ai.span.kind": "vector_db",
        "input.value": JSON.stringify({ query: QUESTION }),
        "retrieval.documents.0.document.id": "ship-1",
        "retrieval.documents.0.document.content": DOCUMENT,
      },
    },
    ctx,
  );
  retriever.end();
  const llm = tracer.startSpan(
    "ChatCompletion",
    {
      attributes: {
        "gen_ai.span.kind": "LLM",
        "gen_ai.provider.name": "openai",
        // A streaming call: the model is named only here.
        "gen_ai.request.parameters": JSON.stringify({
          model: "gpt-4o-mini",
          temperature: 0,
          stream: true,
        }),
        "gen_ai.input.messages.0.message.role": "user",
        "gen_ai.input.messages.0.message.content": QUESTION,
        "gen_ai.output.messages.0.message.role": "assistant",
        "gen_ai.output.messages.0.message.content": ANSWER,
      },
    },
    ctx,
  );
  llm.end();
  root.end();
  return memory.getFinishedSpans();
}

async function exportTo(url: string, spans: ReadableSpan[], headers: Record<string, string>) {
  const exporter = new OTLPTraceExporter({ url, headers });
  try {
    return await new Promise<{ code: ExportResultCode; error?: Error }>((resolve) =>
      exporter.export(spans, resolve),
    );
  } finally {
    await exporter.shutdown();
  }
}

describe("traceAI's collector path, /tracer/v1/traces", () => {
  it("takes traceAI's export as /v1/traces does: stored, judged, under the key's project", async () => {
    const spans = traceAiSpans();
    const traceId = spans[0]?.spanContext().traceId as string;
    const llmSpanId = spans.find((s) => s.name === "ChatCompletion")?.spanContext().spanId;
    const result = await exportTo(`${svc.url}/tracer/v1/traces`, spans, {
      authorization: `Bearer ${KEY}`,
    });
    expect(result.code, String(result.error)).toBe(ExportResultCode.SUCCESS);

    const db = new pg.Client({ connectionString: svc.config.database_url });
    await db.connect();
    try {
      const row = await eventually(
        async () =>
          (
            await db.query<{
              span_id: string;
              project: string;
              convention: string;
              model: string | null;
              question: string;
              answer: string;
              context: { content: string; origin: string }[];
            }>(
              "SELECT span_id, project, convention, model, question, answer, context FROM spans WHERE trace_id = $1 AND kind = 'LLM'",
              [traceId],
            )
          ).rows[0],
        20_000,
        "the stored LLM span",
      );
      expect(row).toMatchObject({
        span_id: llmSpanId,
        project: "support",
        convention: "traceai",
        model: "gpt-4o-mini",
        question: QUESTION,
        answer: ANSWER,
      });
      expect(row.context.map((d) => [d.content, d.origin])).toEqual([[DOCUMENT, "retrieval"]]);
    } finally {
      await db.end();
    }

    const verdicts = await eventually(
      async () => {
        const res = await fetch(`${svc.url}/v1/traces/${traceId}/evaluations`, {
          headers: { authorization: `Bearer ${KEY}` },
        });
        const { evaluations } = (await res.json()) as {
          evaluations: { span_id: string; evaluator: string; status: string; passed: boolean }[];
        };
        const own = evaluations.filter((e) => e.span_id === llmSpanId);
        return own.length >= 2 ? own : undefined;
      },
      20_000,
      "the LLM span's verdicts",
    );
    // The answer restates the document: both evaluators pass it.
    expect(verdicts.map((e) => [e.evaluator, e.status, e.passed]).sort()).toEqual([
      ["groundedness", "ok", true],
      ["hallucination", "ok", true],
    ]);
  });

  it("asks the same key, and answers in OTLP, as /v1/traces does", async () => {
    const spans = traceAiSpans();
    const refused = await fetch(`${svc.url}/tracer/v1/traces`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(refused.status).toBe(401);
    const wrongType = await fetch(`${svc.url}/tracer/v1/traces`, {
      method: "POST",
      headers: { "content-type": "text/plain", authorization: `Bearer ${KEY}` },
      body: "spans",
    });
    expect(wrongType.status).toBe(415);
    expect(await wrongType.text()).toMatch(/not supported/);
    const unauthenticated = await exportTo(`${svc.url}/tracer/v1/traces`, spans, {});
    expect(unauthenticated.code).toBe(ExportResultCode.FAILED);
  });
});
