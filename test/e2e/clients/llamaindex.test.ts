import * as llamaIndexOpenAI from "@llamaindex/openai";
import { OpenAI, OpenAIEmbedding } from "@llamaindex/openai";
import * as traceloop from "@traceloop/node-server-sdk";
import * as llamaindex from "llamaindex";
import { Document, MetadataMode, Settings, VectorStoreIndex } from "llamaindex";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ClientApp, judgedLlmSpans, startClientApp } from "../../support/client-app.ts";

/** The knowledge base: each question's two documents share its words, the others do not. */
const DOCUMENTS = [
  "Refunds are accepted within thirty days of purchase.",
  "Every refund requires the original purchase receipt.",
  "Standard shipping takes three to five business days.",
  "Express shipping arrives the next business day.",
];
const CASES = [
  {
    question: "Within how many days of purchase are refunds accepted?",
    context: [DOCUMENTS[0], DOCUMENTS[1]],
    answer: "Refunds are accepted within thirty days of purchase.",
  },
  {
    question: "How long does standard shipping take?",
    context: [DOCUMENTS[2], DOCUMENTS[3]],
    answer: "Standard shipping takes three to five business days.",
  },
];

let app: ClientApp;

beforeAll(async () => {
  app = await startClientApp("llamaindex-rag", CASES);
  // OpenLLMetry's SDK instruments LlamaIndex.TS (the OpenInference package for it ships no code).
  traceloop.initialize({
    appName: "llamaindex-rag",
    baseUrl: app.svc.url,
    apiKey: "not-checked",
    disableBatch: true,
    // The SDK types `llamaindex` as its CommonJS build; this file imports the ES build.
    instrumentModules: { llamaIndex: llamaindex as never, llamaIndexOpenAI },
    silenceInitializationMessage: true,
  });
  const session = { apiKey: "sk-test-not-a-real-key-0000", baseURL: app.llm.baseUrl };
  Settings.llm = new OpenAI({ model: "gpt-4o-mini", ...session });
  Settings.embedModel = new OpenAIEmbedding({ model: "text-embedding-3-small", ...session });
});

afterAll(() => app?.close());

describe("LlamaIndex.TS traced by OpenLLMetry (@traceloop/node-server-sdk)", () => {
  it("gets each query engine answer judged on its question, answer and retrieved nodes", async () => {
    const index = await VectorStoreIndex.fromDocuments(
      DOCUMENTS.map((text) => new Document({ text })),
    );
    const engine = index.asQueryEngine({ similarityTopK: 2 });
    // The nodes each answer was synthesised from, in the order the engine pasted them.
    const retrieved: string[][] = [];
    for (const c of CASES) {
      const response = await engine.query({ query: c.question });
      expect(response.toString()).toBe(c.answer);
      retrieved.push((response.sourceNodes ?? []).map((n) => n.node.getContent(MetadataMode.LLM)));
      expect([...(retrieved.at(-1) ?? [])].sort()).toEqual([...c.context].sort());
    }
    await traceloop.forceFlush();

    const spans = await judgedLlmSpans(app.svc, CASES.length);
    expect(spans).toHaveLength(CASES.length);
    for (const [i, c] of CASES.entries()) {
      // The default text QA template's instructions are in neither the question nor the context.
      expect(spans[i]).toMatchObject({
        question: c.question,
        answer: c.answer,
        context: [retrieved[i]?.join("\n\n")],
        // The instrumentation reports the configured model as the response model too.
        model: "gpt-4o-mini",
        output_tokens: Math.ceil(c.answer.length / 4),
      });
      expect(spans[i]?.input_tokens).toBeGreaterThan(0);
      expect(spans[i]?.verdicts).toEqual([
        { evaluator: "groundedness", status: "ok", passed: true },
        { evaluator: "hallucination", status: "ok", passed: true },
      ]);
    }
  });
});
