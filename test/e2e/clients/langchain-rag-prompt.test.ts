import { StringOutputParser } from "@langchain/core/output_parsers";
import { ChatPromptTemplate } from "@langchain/core/prompts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BOTH_PASSED, judgedLlmSpans } from "../../support/client-app.ts";
import {
  KeywordRetriever,
  type LangChainApp,
  retrievalChain,
  startLangChainApp,
} from "../../support/langchain-app.ts";

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

/** Waits for the next LLM spans and checks each was judged on `expected`, and passed. */
async function expectJudged(
  from: number,
  expected: { question: string; answer: string; context: string[] }[],
) {
  const spans = (await judgedLlmSpans(app.svc, from + expected.length)).slice(from);
  expect(spans).toHaveLength(expected.length);
  for (const [i, e] of expected.entries()) {
    // Neither the template's instructions nor the "Answer:" cue leak into the question or context.
    expect(spans[i]).toMatchObject(e);
    expect(spans[i]?.verdicts).toEqual(BOTH_PASSED);
  }
}

beforeAll(async () => {
  app = await startLangChainApp("langchain-rag-prompt", CASES);
});
afterAll(() => app?.close());

describe("LangChain.js with the rlm/rag-prompt template", () => {
  it("without a retriever, judges each LLM call on the question and the context pasted into it", async () => {
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

    // One document: the app pasted the documents as one block of text.
    await expectJudged(
      0,
      CASES.map((c) => ({
        question: c.question,
        answer: c.answer,
        context: [c.documents.join("\n\n")],
      })),
    );
  });

  it("with a retriever, judges on the retrieved documents, each once", async () => {
    const retriever = new KeywordRetriever(
      CASES.flatMap((c) => c.documents),
      ["refund", "shipping"],
    );
    const prompt = ChatPromptTemplate.fromMessages([["human", RAG_PROMPT]]);
    const chain = retrievalChain(app, retriever, prompt);
    for (const c of CASES) expect(await chain.invoke(c.question)).toBe(c.answer);
    await app.provider.forceFlush();

    await expectJudged(
      CASES.length,
      CASES.map((c) => ({ question: c.question, answer: c.answer, context: c.documents })),
    );
  });
});
