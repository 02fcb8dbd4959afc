import * as traceloop from "@traceloop/node-server-sdk";
import OpenAI from "openai";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeOpenAIServer } from "../../support/fake-openai-server.ts";
import { eventually } from "../../support/services.ts";
import { startTestService, type TestService } from "../../support/test-service.ts";

const POLICY = "Refunds are accepted within 30 days of purchase with the original receipt.";
const QUESTION = "How long do I have to request a refund?";
const ANSWER = "Within 30 days of purchase, with the original receipt.";

let svc: TestService;
let llm: FakeOpenAIServer;

beforeAll(async () => {
  svc = await startTestService();
  llm = await FakeOpenAIServer.start(() => ({ content: ANSWER }));
  // OpenLLMetry's own SDK, exporting to tracejudge as its OTLP backend.
  traceloop.initialize({
    appName: "refund-bot",
    baseUrl: svc.url,
    apiKey: "not-checked",
    disableBatch: true,
    // The SDK types `openai` as its CommonJS build; this file imports the ES build of the same class.
    instrumentModules: { openAI: OpenAI as never },
    silenceInitializationMessage: true,
  });
});

afterAll(async () => {
  await llm?.close();
  await svc?.stop();
});

describe("@traceloop/node-server-sdk (OpenLLMetry)", () => {
  it("gets its instrumented OpenAI call evaluated against the context in the prompt", async () => {
    const client = new OpenAI({ baseURL: llm.baseUrl, apiKey: "sk-test-not-a-real-key-0000" });
    await client.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [
        { role: "system", content: `Answer from this policy only: ${POLICY}` },
        { role: "user", content: QUESTION },
      ],
    });
    await traceloop.forceFlush();

    const db = new pg.Client({ connectionString: svc.config.database_url });
    await db.connect();
    try {
      const row = await eventually(
        async () => {
          const { rows } = await db.query<{
            trace_id: string;
            span_id: string;
            question: string;
            answer: string;
            convention: string;
          }>(
            "SELECT trace_id, span_id, question, answer, convention FROM spans WHERE kind = 'LLM'",
          );
          return rows[0];
        },
        20_000,
        "the stored LLM span",
      );
      expect(row).toMatchObject({ question: QUESTION, answer: ANSWER });
      const events = await eventually(
        async () => {
          const res = await fetch(
            `${svc.url}/v1/evaluations?trace_id=${row.trace_id}&span_id=${row.span_id}`,
          );
          const { evaluations } = (await res.json()) as {
            evaluations: { evaluator: string; status: string; passed: boolean }[];
          };
          return evaluations.length >= 2 ? evaluations : undefined;
        },
        20_000,
        "verdicts",
      );
      expect(events.map((e) => `${e.evaluator}:${e.status}`).sort()).toEqual([
        "groundedness:ok",
        "hallucination:ok",
      ]);
      expect(events.every((e) => e.passed)).toBe(true);
    } finally {
      await db.end();
    }
  });
});
