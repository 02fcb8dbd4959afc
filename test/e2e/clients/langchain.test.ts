import { AIMessage, type BaseMessage, HumanMessage } from "@langchain/core/messages";
import { StringOutputParser } from "@langchain/core/output_parsers";
import { ChatPromptTemplate, MessagesPlaceholder } from "@langchain/core/prompts";
import { RunnableLambda, RunnableSequence } from "@langchain/core/runnables";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ANSWERING_MODEL, BOTH_PASSED, judgedLlmSpans } from "../../support/client-app.ts";
import {
  KeywordRetriever,
  type LangChainApp,
  retrievalChain,
  startLangChainApp,
} from "../../support/langchain-app.ts";

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

/** A follow-up asked after the shipping question, with that exchange as the chat history. */
const FOLLOW_UP = {
  question: "And what do I need for a refund?",
  answer: "A refund requires the original receipt.",
};

let app: LangChainApp;

beforeAll(async () => {
  app = await startLangChainApp("langchain-rag", [...CASES, FOLLOW_UP]);
});
afterAll(() => app?.close());

describe("LangChain.js with @arizeai/openinference-instrumentation-langchain", () => {
  it("gets each LLM call of a retrieval chain judged on its question, answer and retrieved documents", async () => {
    const prompt = ChatPromptTemplate.fromMessages([
      ["system", "Answer the question using only this context:\n\n{context}"],
      ["human", "{question}"],
    ]);
    const retriever = new KeywordRetriever(DOCUMENTS, ["refund", "shipping"]);
    const chain = retrievalChain(app, retriever, prompt);

    for (const c of CASES) expect(await chain.invoke(c.question)).toBe(c.answer);
    expect(app.llm.requests.map((r) => r.model)).toEqual(CASES.map(() => "gpt-4o-mini"));
    await app.provider.forceFlush();

    const spans = await judgedLlmSpans(app.svc, CASES.length);
    expect(spans).toHaveLength(CASES.length);
    for (const [i, c] of CASES.entries()) {
      expect(spans[i]).toMatchObject({
        question: c.question,
        answer: c.answer,
        context: c.context,
        // The app asks for gpt-4o-mini; the instrumentation's `llm.model_name` says so, and only
        // LangChain's output (`output.value`) names the snapshot that answered.
        model: ANSWERING_MODEL,
        convention: "openinference",
      });
      expect(spans[i]?.input_tokens).toBeGreaterThan(0);
      expect(spans[i]?.output_tokens).toBe(Math.ceil(c.answer.length / 4));
      expect(spans[i]?.verdicts).toEqual(BOTH_PASSED);
    }
  });

  it("judges a streamed follow-up on its own question and documents, not the chat history", async () => {
    const prompt = ChatPromptTemplate.fromMessages([
      ["system", "Answer the question using only this context:\n\n{context}"],
      new MessagesPlaceholder("history"),
      // The human turn labels the question and cues the answer; neither label is the question.
      ["human", "Question: {question}\nHelpful Answer:"],
    ]);
    const retriever = new KeywordRetriever(DOCUMENTS, ["refund", "shipping"]);
    type Turn = { question: string; history: BaseMessage[] };
    const question = (input: Turn) => input.question;
    const chain = RunnableSequence.from([
      {
        context: RunnableLambda.from(question)
          .pipe(retriever)
          .pipe((docs) => docs.map((d) => d.pageContent).join("\n\n")),
        question,
        history: (input: Turn) => input.history,
      },
      prompt,
      app.model,
      new StringOutputParser(),
    ]);
    const shipping = CASES[1] as (typeof CASES)[number];
    let streamed = "";
    const stream = await chain.stream({
      question: FOLLOW_UP.question,
      history: [new HumanMessage(shipping.question), new AIMessage(shipping.answer)],
    });
    for await (const piece of stream) streamed += piece;
    expect(streamed).toBe(FOLLOW_UP.answer);
    await app.provider.forceFlush();

    const spans = await judgedLlmSpans(app.svc, CASES.length + 1);
    expect(spans.at(-1)).toMatchObject({
      question: FOLLOW_UP.question,
      answer: FOLLOW_UP.answer,
      context: [DOCUMENTS[0], DOCUMENTS[1]],
      model: ANSWERING_MODEL,
    });
    expect(spans.at(-1)?.verdicts).toEqual(BOTH_PASSED);
  });
});
