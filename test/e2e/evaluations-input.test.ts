import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportSpans, ragTraceSpans } from "../support/otel-spans.ts";
import { startTestService, type TestService } from "../support/test-service.ts";
import { awaitTraceEvaluations } from "../support/trace-evaluations.ts";

let svc: TestService;

beforeAll(async () => {
  svc = await startTestService();
});

afterAll(async () => {
  await svc?.stop();
});

const QUESTION = "I am jane.doe@example.com. How long do I have to request a refund?";
const DOCUMENT = "Refunds are accepted within 30 days of purchase with a receipt.";
const ANSWER = "You can request a refund within 30 days of purchase.";

interface EventWithInput {
  span_id: string;
  evaluator: string;
  input?: {
    question: string | null;
    answer: string | null;
    context: { content: string; id?: string; origin?: string; source_span_id?: string }[];
  } | null;
}

async function getJson(path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${svc.url}${path}`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe("judged input through the eval-event API", () => {
  let traceId: string;
  let llmSpanId: string;
  let retrieverSpanId: string;

  beforeAll(async () => {
    const spans = ragTraceSpans({ question: QUESTION, document: DOCUMENT, answer: ANSWER });
    const llm = spans.find((s) => s.name === "ChatCompletion");
    const retriever = spans.find((s) => s.name === "retrieve");
    if (!llm || !retriever) throw new Error("the RAG trace lacks its spans");
    traceId = llm.spanContext().traceId;
    llmSpanId = llm.spanContext().spanId;
    retrieverSpanId = retriever.spanContext().spanId;
    await exportSpans(svc.url, spans);
    await awaitTraceEvaluations(svc.url, traceId, 2);
  });

  it("answers the question, answer and context each verdict judged, as stored (redacted), when asked", async () => {
    for (const path of [
      `/v1/traces/${traceId}/evaluations?include=input`,
      `/v1/evaluations?trace_id=${traceId}&include=input`,
    ]) {
      const { status, body } = await getJson(path);
      expect(status, path).toBe(200);
      const events = (body.evaluations as EventWithInput[]).filter((e) => e.span_id === llmSpanId);
      expect(events.map((e) => e.evaluator).sort(), path).toEqual(
        expect.arrayContaining(["groundedness", "hallucination"]),
      );
      for (const event of events) {
        expect(event.input, path).toEqual({
          question: "I am [REDACTED:email]. How long do I have to request a refund?",
          answer: ANSWER,
          context: [
            {
              content: DOCUMENT,
              id: "doc-1",
              score: 0.92,
              origin: "retrieval",
              source_span_id: retrieverSpanId,
            },
          ],
        });
        expect(JSON.stringify(event), path).not.toContain("jane.doe@example.com");
      }
    }
  });

  it("leaves the input out unless asked, and pages with it as without", async () => {
    const plain = await getJson(`/v1/traces/${traceId}/evaluations`);
    expect(plain.status).toBe(200);
    const events = plain.body.evaluations as EventWithInput[];
    expect(events.length).toBeGreaterThanOrEqual(2);
    for (const event of events) expect(event).not.toHaveProperty("input");

    const first = await getJson(`/v1/evaluations?trace_id=${traceId}&include=input&limit=1`);
    expect(first.status).toBe(200);
    expect(first.body.evaluations).toHaveLength(1);
    const cursor = first.body.next_cursor as string;
    expect(cursor).toEqual(expect.any(String));
    const second = await getJson(
      `/v1/evaluations?trace_id=${traceId}&include=input&limit=1&cursor=${cursor}`,
    );
    const [a] = first.body.evaluations as EventWithInput[];
    const [b] = second.body.evaluations as EventWithInput[];
    expect(b?.evaluator).not.toBe(a?.evaluator);
    expect(b?.input?.answer).toBe(ANSWER);
  });

  it("accepts include as a list or repeated", async () => {
    for (const query of ["include=input,input", "include=input&include=input", "include= input "]) {
      const { status, body } = await getJson(`/v1/traces/${traceId}/evaluations?${query}`);
      expect(status, query).toBe(200);
      expect((body.evaluations as EventWithInput[])[0]?.input?.answer, query).toBe(ANSWER);
    }
  });

  it("rejects an unknown include value with a 400 that names it and what is allowed", async () => {
    for (const path of [
      `/v1/evaluations?include=inputs`,
      `/v1/traces/${traceId}/evaluations?include=input,spans`,
    ]) {
      const { status, body } = await getJson(path);
      expect(status, path).toBe(400);
      expect(body.error).toBe("invalid_request");
      expect(body.message, path).toMatch(
        /^include: unknown value\(s\) "(inputs|spans)"; allowed: input$/,
      );
    }
  });

  it("answers input null for an event whose span is no longer stored", async () => {
    const pg = await import("pg");
    const db = new pg.default.Client({ connectionString: svc.config.database_url });
    await db.connect();
    try {
      await db.query("DELETE FROM spans WHERE trace_id = $1 AND span_id = $2", [
        traceId,
        llmSpanId,
      ]);
    } finally {
      await db.end();
    }
    const { status, body } = await getJson(
      `/v1/evaluations?trace_id=${traceId}&span_id=${llmSpanId}&include=input`,
    );
    expect(status).toBe(200);
    const events = body.evaluations as EventWithInput[];
    expect(events.length).toBeGreaterThanOrEqual(2);
    for (const event of events) expect(event.input).toBeNull();
  });
});
