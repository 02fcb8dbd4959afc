import { StringOutputParser } from "@langchain/core/output_parsers";
import { ChatPromptTemplate } from "@langchain/core/prompts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { judgedLlmSpans } from "../../support/client-app.ts";
import { type LangChainApp, startLangChainApp } from "../../support/langchain-app.ts";

/** LangChain hub's `rlm/rag-prompt`, verbatim: the question comes before the context. */
const RAG_PROMPT =
  "You are an assistant for question-answering tasks. Use the following pieces of retrieved context to answer the question. If you don't know the answer, just say that you don't know. Use three sentences maximum and keep the answer concise.\nQuestion: {question} \nContext: {context} \nAnswer:";

/** Each question with the documents the app pastes into the prompt (no retriever span). */
const CASES = [
  {
    question: "How long do I have to request a refund?",
    documents: [
      "Refunds are accepted within 30 days of purchase.",
      "A refund requires the original receipt.",
    ],
    answer: "Refunds are accepted within 30 days of purchase and require the original receipt.",
  },
  {
    question: "How long does standard shipping take?",
    documents: [
      "Standard shipping takes 3 to 5 business days.",
      "Express shipping arrives the next business day.",
    ],
    answer: "Standard shipping takes 3 to 5 business days.",
  },
];

let app: LangChainApp;

beforeAll(async () => {
  app = await startLangChainApp("langchain-rag-prompt", CASES);
});
afterAll(() => app?.close());

describe("LangChain.js with the rlm/rag-prompt template and no retriever", () => {
  it("gets each LLM call judged on the question and the context pasted into the template", async () => {
    const chain = ChatPromptTemplate.fromMessages([["human", RAG_PROMPT]])
      .pipe(app.model)
      .pipe(new StringOutputParser());

    for (const c of CASES) {
      // The app's own lookup, pasted into the prompt as LangChain's RAG tutorial formats documents.
      const answer = await chain.invoke({
        question: c.question,
        context: c.documents.join("\n\n"),
      });
      expect(answer).toBe(c.answer);
    }
    await app.provider.forceFlush();

    const spans = await judgedLlmSpans(app.svc, CASES.length);
    expect(spans).toHaveLength(CASES.length);
    for (const [i, c] of CASES.entries()) {
      // Neither the template's instructions nor the "Answer:" cue leak into the question or context.
      expect(spans[i]).toMatchObject({
        question: c.question,
        answer: c.answer,
        context: [c.documents.join("\n\n")],
      });
      expect(spans[i]?.verdicts).toEqual([
        { evaluator: "groundedness", status: "ok", passed: true },
        { evaluator: "hallucination", status: "ok", passed: true },
      ]);
    }
  });
});
