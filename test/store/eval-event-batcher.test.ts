import { describe, expect, it } from "vitest";
import { EvalEventBatcher } from "../../src/store/eval-event-batcher.ts";
import { EvalEventStore, type NewEvalEvent } from "../../src/store/eval-event-store.ts";
import { makeEvalEvent } from "../support/eval-events.ts";
import { migratedTestDatabase } from "../support/migrated-database.ts";

const db = migratedTestDatabase();

/** The real store, counting the statements it runs. */
class CountingStore extends EvalEventStore {
  statements = 0;
  override insertNew(events: NewEvalEvent[]) {
    this.statements += 1;
    return super.insertNew(events);
  }
}

function event(i: number): NewEvalEvent {
  return makeEvalEvent({ traceId: "cd".repeat(16), spanId: i.toString(16).padStart(16, "0") });
}

describe("EvalEventBatcher", () => {
  it("stores concurrent verdicts in a few statements, each caller learning whether its row was new", async () => {
    const store = new CountingStore(db.pool);
    const batcher = new EvalEventBatcher(store, { maxBatch: 40, maxDelayMs: 20 });
    const results = await Promise.all([
      ...Array.from({ length: 100 }, (_, i) => batcher.add(event(i))),
      batcher.add(event(7)),
    ]);
    expect(store.statements).toBeLessThanOrEqual(4);
    expect(results.filter(Boolean)).toHaveLength(100);
    expect(results[100]).toBe(false);
    const { rows } = await db.pool.query("SELECT count(*)::int AS n FROM eval_events");
    expect(rows[0].n).toBe(100);
    expect(await batcher.add(event(3))).toBe(false);
  });

  it("writes at once when idle, and batches what arrives while a statement is in flight", async () => {
    // The real store, holding its first statement until the test lets it go.
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const sizes: number[] = [];
    class GatedStore extends EvalEventStore {
      override async insertNew(events: NewEvalEvent[]) {
        sizes.push(events.length);
        if (sizes.length === 1) await gate;
        return super.insertNew(events);
      }
    }
    // A delay no test would wait out: nothing here may depend on it.
    const batcher = new EvalEventBatcher(new GatedStore(db.pool), { maxDelayMs: 600_000 });
    const first = batcher.add(event(900));
    await new Promise((r) => setImmediate(r));
    expect(sizes).toEqual([1]); // idle: went at once
    const rest = Array.from({ length: 10 }, (_, i) => batcher.add(event(901 + i)));
    await new Promise((r) => setTimeout(r, 20));
    expect(sizes).toEqual([1]); // waiting for the statement in flight
    release();
    expect(await first).toBe(true);
    expect(await Promise.all(rest)).toEqual(Array(10).fill(true));
    expect(sizes).toEqual([1, 10]);
    await batcher.drain();
  });

  it("fails only the bad row of a batch; its neighbours are stored", async () => {
    const batcher = new EvalEventBatcher(new EvalEventStore(db.pool), { maxDelayMs: 10 });
    const bad = { ...event(500), score: 7 };
    const outcomes = await Promise.allSettled([
      batcher.add(event(501)),
      batcher.add(bad),
      batcher.add(event(502)),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    const { rows } = await db.pool.query(
      "SELECT span_id FROM eval_events WHERE span_id = ANY($1) ORDER BY span_id",
      [[event(500).spanId, event(501).spanId, event(502).spanId]],
    );
    expect(rows.map((r) => r.span_id)).toEqual([event(501).spanId, event(502).spanId]);
    await batcher.drain();
  });
});
