import { LangChainInstrumentation } from "@arizeai/openinference-instrumentation-langchain";
import * as CallbackManagerModule from "@langchain/core/callbacks/manager";
import { Document } from "@langchain/core/documents";
import { StringOutputParser } from "@langchain/core/output_parsers";
import { ChatPromptTemplate } from "@langchain/core/prompts";
import { BaseRetriever } from "@langchain/core/retrievers";
import { RunnablePassthrough, RunnableSequence } from "@langchain/core/runnables";
import { ChatOpenAI } from "@langchain/openai";
import { context } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import type { BasicTracerProvider } from "@opentelemetry/sdk-trace-base";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportingTracerProvider, judgedLlmSpans } from "../../support/client-app.ts";
import { FakeOpenAIServer } from "../../support/fake-openai-server.ts";
import { startTestService, type TestService } from "../../support/test-service.ts";

/** The knowledge base: each question below retrieves exactly its two documents. */
const DOCUMENTS = [
  "Refunds are accepted within 30 days of purchase.",
  "A refund requires the original receipt.",
  "Standard shipping takes 3 to 5 business days.",
  "Express shipping arrives the next business day.",
  "Gift cards cannot be exchanged for cash.",
];
const CASES = [
  {
    question: "How do I get a refund and by when?",
    context: [DOCUMENTS[0], DOCUMENTS[1]],
    answer: "Refunds are accepted within 30 days of purchase and require the original receipt.",
  },
  {
    question: "How long does shipping take?",
    context: [DOCUMENTS[2], DOCUMENTS[3]],
    answer: "Standard shipping takes 3 to 5 business days; express arrives the next business day.",
  },
];

/** A small in-memory retriever: the documents that share a keyword with the query. */
class KeywordRetriever extends BaseRetriever {
  override lc_namespace = ["tracejudge", "test"];
  static override lc_name() {
    return "KeywordRetriever";
  }

  async _getRelevantDocuments(query: string): Promise<Document[]> {
    const words = query.toLowerCase().match(/\b(refund|shipping)\b/g) ?? [];
    return DOCUMENTS.filter((doc) => words.some((w) => doc.toLowerCase().includes(w))).map(
      (pageContent) => new Document({ pageContent }),
    );
  }
}

let svc: TestService;
let llm: FakeOpenAIServer;
let provider: BasicTracerProvider;
let instrumentation: LangChainInstrumentation;

beforeAll(async () => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  svc = await startTestService();
  // The model answers each question with its supported answer.
  llm = await FakeOpenAIServer.start((request) => {
    const asked = JSON.stringify(request.messages);
    const found = CASES.find((c) => asked.includes(c.question));
    return { content: found?.answer ?? "I don't know.", model: "gpt-4o-mini-2024-07-18" };
  });
  provider = exportingTracerProvider(svc, "langchain-rag");
  // The instrumentation's documented setup, with the app's tracer provider.
  instrumentation = new LangChainInstrumentation({ tracerProvider: provider });
  instrumentation.manuallyInstrument(CallbackManagerModule);
});

afterAll(async () => {
  instrumentation?.disable();
  context.disable();
  await provider?.shutdown();
  await llm?.close();
  await svc?.stop();
});

describe("LangChain.js with @arizeai/openinference-instrumentation-langchain", () => {
  it("gets each LLM call of a retrieval chain judged on its question, answer and retrieved documents", async () => {
    const model = new ChatOpenAI({
      model: "gpt-4o-mini",
      apiKey: "sk-test-not-a-real-key-0000",
      configuration: { baseURL: llm.baseUrl },
    });
    const prompt = ChatPromptTemplate.fromMessages([
      ["system", "Answer the question using only this context:\n\n{context}"],
      ["human", "{question}"],
    ]);
    const formatDocs = (docs: Document[]) => docs.map((d) => d.pageContent).join("\n\n");
    const chain = RunnableSequence.from([
      {
        context: new KeywordRetriever().pipe(formatDocs),
        question: new RunnablePassthrough(),
      },
      prompt,
      model,
      new StringOutputParser(),
    ]);

    for (const c of CASES) expect(await chain.invoke(c.question)).toBe(c.answer);
    await provider.forceFlush();

    const spans = await judgedLlmSpans(svc, CASES.length);
    expect(spans).toHaveLength(CASES.length);
    for (const [i, c] of CASES.entries()) {
      expect(spans[i]).toMatchObject({
        question: c.question,
        answer: c.answer,
        context: c.context,
        // The instrumentation records the requested model, not the one that answered.
        model: "gpt-4o-mini",
        convention: "openinference",
      });
      expect(spans[i]?.input_tokens).toBeGreaterThan(0);
      expect(spans[i]?.output_tokens).toBe(Math.ceil(c.answer.length / 4));
      expect(spans[i]?.verdicts).toEqual([
        { evaluator: "groundedness", status: "ok", passed: true },
        { evaluator: "hallucination", status: "ok", passed: true },
      ]);
    }
  });
});
