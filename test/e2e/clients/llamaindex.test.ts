import * as llamaIndexOpenAI from "@llamaindex/openai";
import { OpenAI, OpenAIEmbedding } from "@llamaindex/openai";
import * as traceloop from "@traceloop/node-server-sdk";
import * as llamaindex from "llamaindex";
import {
  ContextChatEngine,
  Document,
  type EngineResponse,
  MetadataMode,
  Settings,
  VectorStoreIndex,
} from "llamaindex";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  BOTH_PASSED,
  type ClientApp,
  type JudgedSpan,
  judgedLlmSpans,
  startClientApp,
} from "../../support/client-app.ts";

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
let index: VectorStoreIndex;

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
  index = await VectorStoreIndex.fromDocuments(DOCUMENTS.map((text) => new Document({ text })));
});

afterAll(() => app?.close());

/** The stored LLM span was judged on exactly this turn's question, answer and nodes, and passed. */
function expectJudged(span: JudgedSpan | undefined, c: (typeof CASES)[number], nodes: string[]) {
  expect(span).toMatchObject({
    question: c.question,
    answer: c.answer,
    // The nodes as the engine pasted them, without its template's instructions.
    context: [nodes.join("\n\n")],
    // The instrumentation reports the configured model as the response model too.
    model: "gpt-4o-mini",
    output_tokens: Math.ceil(c.answer.length / 4),
  });
  expect(span?.input_tokens).toBeGreaterThan(0);
  expect(span?.verdicts).toEqual(BOTH_PASSED);
}

/** The texts of the nodes an answer came from, in the order the engine pasted them. */
function nodeTexts(response: EngineResponse, c: (typeof CASES)[number]): string[] {
  const texts = (response.sourceNodes ?? []).map((n) => n.node.getContent(MetadataMode.LLM));
  expect([...texts].sort()).toEqual([...c.context].sort());
  return texts;
}

describe("LlamaIndex.TS traced by OpenLLMetry (@traceloop/node-server-sdk)", () => {
  it("gets each query engine answer judged on its question, answer and retrieved nodes", async () => {
    const engine = index.asQueryEngine({ similarityTopK: 2 });
    const retrieved: string[][] = [];
    for (const c of CASES) {
      const response = await engine.query({ query: c.question });
      expect(response.toString()).toBe(c.answer);
      retrieved.push(nodeTexts(response, c));
    }
    await traceloop.forceFlush();

    const spans = await judgedLlmSpans(app.svc, CASES.length);
    expect(spans).toHaveLength(CASES.length);
    for (const [i, c] of CASES.entries()) expectJudged(spans[i], c, retrieved[i] ?? []);
  });

  it("judges a chat engine's follow-up on its own question and context, not the chat history", async () => {
    // ContextChatEngine sends the retrieved nodes in a system message beside the chat history.
    const chat = new ContextChatEngine({ retriever: index.asRetriever({ similarityTopK: 2 }) });
    const retrieved: string[][] = [];
    for (const c of [...CASES].reverse()) {
      const response = await chat.chat({ message: c.question });
      expect(response.toString()).toBe(c.answer);
      retrieved.push(nodeTexts(response, c));
    }
    const followUp = app.llm.requests.at(-1)?.messages.map((m) => m.role);
    // The history, then the new turn, then (LlamaIndex's memory puts it last) the context.
    expect(followUp).toEqual(["user", "assistant", "user", "system"]);
    await traceloop.forceFlush();

    const spans = (await judgedLlmSpans(app.svc, 2 * CASES.length)).slice(CASES.length);
    expect(spans).toHaveLength(CASES.length);
    for (const [i, c] of [...CASES].reverse().entries()) {
      expectJudged(spans[i], c, retrieved[i] ?? []);
    }
  });
});
