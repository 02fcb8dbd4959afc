import pg from "pg";
import { describe, expect, it } from "vitest";
import { TracejudgeError } from "../../src/errors.ts";
import { readEvaluationWork } from "../../src/evaluate/evaluation-work.ts";
import { evaluationInput, evaluationJob } from "../../src/queues/payloads.ts";
import type { EvaluationTarget } from "../../src/span/evaluation-target.ts";
import { SpanStore } from "../../src/store/span-store.ts";
import { makeSpan } from "../support/llm-spans.ts";
import { migratedTestDatabase } from "../support/migrated-database.ts";

const db = migratedTestDatabase();
const evaluators = [{ name: "groundedness", version: "1" }];

function target(traceId: string): EvaluationTarget {
  return {
    span: makeSpan({ traceId, kind: "LLM", answer: "Refunds take 30 days." }),
    question: "How long do refunds take?",
    answer: "Refunds take 30 days.",
    context: [
      { content: "Refunds take 30 days.", origin: "retrieval", sourceSpanId: "1".repeat(16) },
    ],
  };
}

describe("readEvaluationWork", () => {
  it("reads the span a job names from the spans table, as assembly stored it", async () => {
    const stored = target("a".repeat(32));
    await new SpanStore(db.pool).upsertMany([stored]);
    const job = evaluationJob(evaluators, stored.span, 5).data;
    expect(await readEvaluationWork(job, new SpanStore(db.pool))).toEqual({
      evaluators,
      enqueuedAtMs: 5,
      input: evaluationInput(stored),
    });
  });

  it("takes the span an older build's job carries, without reading the table", async () => {
    const carried = target("b".repeat(32));
    const input = evaluationInput(carried);
    const unreachable = {
      target: () => Promise.reject(new Error("the table must not be read")),
    };
    expect(await readEvaluationWork({ evaluators, enqueuedAtMs: 1, input }, unreachable)).toEqual({
      evaluators,
      enqueuedAtMs: 1,
      input,
    });
  });

  it("says which span is not stored: no row, or a row that does not read as a span", async () => {
    const store = new SpanStore(db.pool);
    const missing = evaluationJob(evaluators, target("c".repeat(32)).span, 1).data;
    expect(await readEvaluationWork(missing, store)).toEqual({
      notStored: missing.span,
      job: missing,
    });
    const mangled = target("d".repeat(32));
    await store.upsertMany([mangled]);
    await db.pool.query("UPDATE spans SET span = '{\"kind\": 7}' WHERE trace_id = $1", [
      mangled.span.traceId,
    ]);
    const job = evaluationJob(evaluators, mangled.span, 1).data;
    expect(await readEvaluationWork(job, store)).toMatchObject({ notStored: job.span });
  });

  it("throws STORE_UNAVAILABLE while PostgreSQL cannot be reached, so the job waits for it", async () => {
    const pool = new pg.Pool({ connectionString: "postgres://postgres@127.0.0.1:1/none" });
    try {
      const job = evaluationJob(evaluators, target("e".repeat(32)).span, 1).data;
      const read = readEvaluationWork(job, new SpanStore(pool));
      await expect(read).rejects.toBeInstanceOf(TracejudgeError);
      await expect(read).rejects.toMatchObject({ code: "STORE_UNAVAILABLE" });
    } finally {
      await pool.end();
    }
  });
});
