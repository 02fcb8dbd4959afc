import { describe, expect, it } from "vitest";
import type { EvaluationTarget } from "../../src/span/evaluation-target.ts";
import { batchedSpanWriter, SpanStore } from "../../src/store/span-store.ts";
import { makeSpan } from "../support/llm-spans.ts";
import { migratedTestDatabase } from "../support/migrated-database.ts";

const db = migratedTestDatabase();

/** The real store, counting the statements it runs. */
class CountingStore extends SpanStore {
  statements = 0;
  override upsertMany(items: EvaluationTarget[]) {
    this.statements += 1;
    return super.upsertMany(items);
  }
}

const TRACE = "ef".repeat(16);
function stored(i: number, question: string): EvaluationTarget {
  const span = makeSpan({ traceId: TRACE, spanId: i.toString(16).padStart(16, "0"), kind: "LLM" });
  return { span, question, answer: "an answer", context: [] };
}

describe("batchedSpanWriter", () => {
  it("stores the spans of concurrent trace jobs in one statement, a span given twice as its last copy", async () => {
    const store = new CountingStore(db.pool);
    const writer = batchedSpanWriter(store);
    // Three jobs at once; the third is a later generation of the first job's trace.
    await Promise.all([
      writer.upsertMany([stored(1, "first"), stored(2, "second")]),
      writer.upsertMany([stored(3, "third")]),
      writer.upsertMany([stored(1, "first, with more context")]),
    ]);
    expect(store.statements).toBe(1);
    const { rows } = await db.pool.query<{ span_id: string; question: string }>(
      "SELECT span_id, question FROM spans WHERE trace_id = $1 ORDER BY span_id",
      [TRACE],
    );
    expect(rows.map((r) => r.question)).toEqual(["first, with more context", "second", "third"]);
    await writer.drain();
  });
});
