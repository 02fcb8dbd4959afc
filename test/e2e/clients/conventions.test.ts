import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { normalizeSpan } from "../../../src/normalize/normalize-span.ts";
import { decodeTraceRequest } from "../../../src/otlp/decode-traces.ts";
import { langfuseTrace } from "../../normalize/fixtures/langfuse.ts";
import { openInferenceRagTrace } from "../../normalize/fixtures/openinference.ts";
import { openLlmetryTrace } from "../../normalize/fixtures/openllmetry.ts";
import { otelChatJsonString, otelChatStructured } from "../../normalize/fixtures/otel-genai.ts";
import { otelLegacyContentEvents } from "../../normalize/fixtures/otel-genai-legacy.ts";
import { traceAiPython, traceAiTypeScript } from "../../normalize/fixtures/traceai.ts";
import { vercelGenerateTextTrace } from "../../normalize/fixtures/vercel-ai.ts";
import { eventually } from "../../support/services.ts";
import { startTestService, type TestService } from "../../support/test-service.ts";

/**
 * Spans shaped as each convention emits them (traceAI, the Vercel AI SDK, OpenLLMetry, Langfuse,
 * OpenInference, OTel GenAI current and legacy), sent to the running service as OTLP/JSON: every
 * LLM span gets both verdicts, judged on the question and answer that convention carries.
 */
const FIXTURES = {
  "traceAI TypeScript": { payload: traceAiTypeScript, convention: "traceai" },
  "traceAI Python": { payload: traceAiPython, convention: "traceai" },
  "Vercel AI SDK": { payload: vercelGenerateTextTrace, convention: "vercel-ai" },
  OpenLLMetry: { payload: openLlmetryTrace, convention: "openllmetry" },
  Langfuse: { payload: langfuseTrace, convention: "langfuse" },
  OpenInference: { payload: openInferenceRagTrace, convention: "openinference" },
  "OTel GenAI (JSON string)": { payload: otelChatJsonString, convention: "otel-genai" },
  "OTel GenAI (structured)": { payload: otelChatStructured, convention: "otel-genai" },
  "OTel GenAI legacy events": { payload: otelLegacyContentEvents, convention: "otel-genai-legacy" },
};

/** The fixture with fresh trace ids, so fixtures sharing an example id stay separate traces. */
function withFreshIds(payload: unknown): { body: string; traceIds: string[] } {
  let text = JSON.stringify(payload);
  const ids = [
    ...new Set([...text.matchAll(/"traceId":"([0-9a-fA-F]{32})"/g)].map((m) => m[1] as string)),
  ];
  const fresh = ids.map(() => randomBytes(16).toString("hex"));
  ids.forEach((id, i) => {
    text = text.split(id).join(fresh[i] as string);
  });
  return { body: text, traceIds: fresh };
}

let svc: TestService;
let db: pg.Client;

beforeAll(async () => {
  svc = await startTestService();
  db = new pg.Client({ connectionString: svc.config.database_url });
  await db.connect();
});
afterAll(async () => {
  await db?.end();
  await svc?.stop();
});

describe("spans of every convention through the service", () => {
  for (const [name, { payload, convention }] of Object.entries(FIXTURES)) {
    it(`${name}: each LLM span gets its verdicts, judged on its own question and answer`, async () => {
      const { body, traceIds } = withFreshIds(payload);
      const llmSpans = decodeTraceRequest(Buffer.from(body), "json")
        .spans.map(normalizeSpan)
        .filter((s) => s.kind === "LLM");
      expect(llmSpans.length).toBeGreaterThan(0);
      const res = await fetch(`${svc.url}/v1/traces`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      });
      expect(res.status).toBe(200);

      for (const span of llmSpans) {
        const events = await eventually(
          async () => {
            const r = await fetch(
              `${svc.url}/v1/evaluations?trace_id=${span.traceId}&span_id=${span.spanId}`,
            );
            const { evaluations } = (await r.json()) as {
              evaluations: { evaluator: string; status: string }[];
            };
            return evaluations.length >= 2 ? evaluations : undefined;
          },
          20_000,
          `verdicts of ${name} span ${span.spanId}`,
        );
        expect(events.map((e) => e.evaluator).sort()).toEqual(["groundedness", "hallucination"]);
      }
      const { rows } = await db.query<{
        convention: string;
        question: string | null;
        answer: string | null;
      }>(
        "SELECT convention, question, answer FROM spans WHERE trace_id = ANY($1) AND kind = 'LLM'",
        [traceIds],
      );
      expect(rows.length).toBe(llmSpans.length);
      for (const row of rows) expect(row.convention).toBe(convention);
      // A step that only called a tool has no answer to judge (skipped: no_answer); the others do.
      expect(
        rows.some((row) => row.answer),
        `${name}: an answer`,
      ).toBe(true);
    });
  }
});
