import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fillTemplate, QUESTION_TEMPLATES } from "../../src/assemble/prompt-template.ts";
import { exportSpans } from "../support/otel-spans.ts";
import { startTestService, type TestService } from "../support/test-service.ts";
import { awaitTraceEvaluations } from "../support/trace-evaluations.ts";

/**
 * Issue 12's measurement: apps that paste their context into LangChain's rlm/rag-prompt (question
 * first) with no retriever span. Before prompts were read both ways round, the stored question was
 * the question plus the context, and the context only the instructions: 4 of 5 supported answers
 * failed.
 */
const CASES = [
  {
    question: "How long do I have to request a refund?",
    context: "Refunds are accepted within 30 days of purchase with the original receipt.",
    supported: "Within 30 days of purchase, with the original receipt.",
    contradicted: "You have 90 days to request a refund, and no receipt is needed.",
  },
  {
    question: "Do you ship to Canada?",
    context:
      "We ship to the United States and Canada. Canadian orders arrive in 5 to 8 business days.",
    supported: "Yes, Canadian orders arrive in 5 to 8 business days.",
    contradicted: "No, we only ship within the United States.",
  },
  {
    question: "What does the premium plan cost?",
    context: "The premium plan costs 12 dollars per month or 120 dollars per year.",
    supported: "12 dollars per month, or 120 dollars per year.",
    contradicted: "The premium plan costs 20 dollars per month and includes a free phone.",
  },
  {
    question: "When is customer support open?",
    context: "Customer support is open Monday to Friday from 9 am to 6 pm Central European Time.",
    supported: "Monday to Friday, 9 am to 6 pm Central European Time.",
    contradicted: "Support is available around the clock, seven days a week.",
  },
  {
    question: "Can I change my delivery address after ordering?",
    context:
      "The delivery address can be changed until the order is packed, usually within 2 hours of ordering.",
    supported: "Yes, until the order is packed, usually within 2 hours of ordering.",
    contradicted: "No, the delivery address can never be changed once the order is placed.",
  },
];

const RLM_RAG_PROMPT = QUESTION_TEMPLATES.find((t) => t.name === "langchain-hub-rlm-rag-prompt");

let svc: TestService;

beforeAll(async () => {
  svc = await startTestService();
});

afterAll(async () => {
  await svc?.stop();
});

/** One LLM call as OpenInference's LangChain instrumentation records it: the prompt as one user message. */
function llmCall(prompt: string, answer: string): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ "service.name": "policy-bot" }),
    spanProcessors: [new SimpleSpanProcessor(memory)],
  });
  const span = provider
    .getTracer("openinference.instrumentation.langchain")
    .startSpan("ChatOpenAI", {
      attributes: {
        "openinference.span.kind": "LLM",
        "llm.model_name": "gpt-4o-mini",
        "llm.input_messages.0.message.role": "user",
        "llm.input_messages.0.message.content": prompt,
        "llm.output_messages.0.message.role": "assistant",
        "llm.output_messages.0.message.content": answer,
      },
    });
  span.end();
  return memory.getFinishedSpans();
}

describe("rlm/rag-prompt without a retriever", () => {
  it("judges every answer on the question and the context it pasted, and gets all ten right", async () => {
    if (!RLM_RAG_PROMPT) throw new Error("rlm/rag-prompt is not a known template");
    const sent = CASES.flatMap((c) =>
      [
        { answer: c.supported, supported: true },
        { answer: c.contradicted, supported: false },
      ].map(({ answer, supported }) => ({
        ...c,
        answer,
        supported,
        spans: llmCall(
          fillTemplate(RLM_RAG_PROMPT.template, { question: c.question, context: c.context }),
          answer,
        ),
      })),
    );
    for (const s of sent) await exportSpans(svc.url, s.spans);

    const db = new pg.Client({ connectionString: svc.config.database_url });
    await db.connect();
    let right = 0;
    try {
      for (const s of sent) {
        const traceId = s.spans[0]?.spanContext().traceId as string;
        const events = await awaitTraceEvaluations(svc.url, traceId, 2);
        const { rows } = await db.query<{ question: string; context: { content: string }[] }>(
          "SELECT question, context FROM spans WHERE trace_id = $1",
          [traceId],
        );
        expect(rows[0]?.question).toBe(s.question);
        expect(rows[0]?.context.map((d) => d.content)).toEqual([s.context]);
        const verdicts = events.map((e) => [e.evaluator, e.passed]);
        expect(verdicts.sort(), s.answer).toEqual([
          ["groundedness", s.supported],
          ["hallucination", s.supported],
        ]);
        right += 1;
      }
    } finally {
      await db.end();
    }
    expect(right).toBe(10);
  });
});
