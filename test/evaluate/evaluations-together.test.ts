import pg from "pg";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { processEvaluationsTogether } from "../../src/evaluate/evaluation-processor.ts";
import { defineEvaluator } from "../../src/evaluators/define-evaluator.ts";
import { type ActiveEvaluator, toActive } from "../../src/evaluators/registry.ts";
import { createMetrics } from "../../src/metrics/metrics.ts";
import { type EvaluationWork, evaluationInput } from "../../src/queues/payloads.ts";
import { EvalEventBatcher } from "../../src/store/eval-event-batcher.ts";
import { EvalEventStore, type NewEvalEvent } from "../../src/store/eval-event-store.ts";
import { makeSpan } from "../support/llm-spans.ts";
import { migratedTestDatabase } from "../support/migrated-database.ts";

const db = migratedTestDatabase();

/** Spins for `ms` of wall time: a CPU-bound evaluator, as the offline ones are. */
function spin(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {}
}

const SPIN_MS = 30;
const slow = toActive(
  defineEvaluator({
    name: "test.slow",
    version: "1",
    evaluate: () => {
      spin(SPIN_MS);
      return { score: 1, label: "pass", explanation: "slow" };
    },
  }),
  {},
);
const picky = toActive(
  defineEvaluator({
    name: "test.picky",
    version: "1",
    evaluate: (input) => {
      if (input.answer?.includes("throw")) throw new Error("cannot judge this one");
      return { score: 0.5, label: "half", explanation: "picky" };
    },
  }),
  {},
);
const evaluators = new Map<string, ActiveEvaluator>([
  [slow.key, slow],
  [picky.key, picky],
]);
const refs = [slow.evaluator, picky.evaluator].map(({ name, version }) => ({ name, version }));

function work(traceId: string, answer: string): EvaluationWork {
  const span = makeSpan({ traceId, kind: "LLM", answer });
  return {
    evaluators: refs,
    input: evaluationInput({ span, question: "Why?", answer, context: [] }),
    enqueuedAtMs: Date.now(),
  };
}

/** An eval event store that counts the INSERT statements it runs. */
function countingStore(pool: pg.Pool): { store: EvalEventStore; statements: () => number } {
  const store = new EvalEventStore(pool);
  let statements = 0;
  const insertNew = store.insertNew.bind(store);
  store.insertNew = (events: NewEvalEvent[]) => {
    statements += 1;
    return insertNew(events);
  };
  return { store, statements: () => statements };
}

function deps(store: EvalEventStore, stored: NewEvalEvent[] = []) {
  return {
    evaluators,
    verdicts: new EvalEventBatcher(store),
    metrics: createMetrics(),
    logger: pino({ level: "silent" }),
    timeoutMs: 5000,
    judge: null,
    onStored: (event: NewEvalEvent) => stored.push(event),
  };
}

describe("processEvaluationsTogether", () => {
  it("runs each span's evaluators in turn and stores every verdict in one INSERT, each with its own latency", async () => {
    const { store, statements } = countingStore(db.pool);
    const stored: NewEvalEvent[] = [];
    const jobs = ["1", "2", "3", "4"].map((n) => work(n.repeat(32), `answer ${n}`));
    const outcomes = await processEvaluationsTogether(
      jobs,
      { number: 1, last: false },
      deps(store, stored),
    );
    expect(outcomes).toEqual(
      jobs.map(() => ({
        stored: { "test.slow@1": "ok", "test.picky@1": "ok" },
        retry: [],
        missing: [],
      })),
    );
    expect(statements()).toBe(1);
    expect(stored).toHaveLength(8);
    const { rows } = await db.pool.query<{ trace_id: string; latency_ms: number }>(
      "SELECT trace_id, latency_ms FROM eval_events WHERE evaluator = 'test.slow' ORDER BY trace_id",
    );
    expect(rows.map((r) => r.trace_id)).toEqual(jobs.map((j) => j.input.traceId));
    // Its own run (about 30 ms), not the whole batch's (about 120 ms) spent waiting for its row.
    for (const { latency_ms } of rows) {
      expect(latency_ms).toBeGreaterThanOrEqual(SPIN_MS - 1);
      expect(latency_ms).toBeLessThan(3 * SPIN_MS);
    }
  });

  it("leaves an evaluator that threw in retry and stores the rest", async () => {
    const { store } = countingStore(db.pool);
    const jobs = [work("5".repeat(32), "fine"), work("6".repeat(32), "please throw")];
    const [fine, threw] = await processEvaluationsTogether(
      jobs,
      { number: 1, last: false },
      deps(store),
    );
    expect(fine).toEqual({
      stored: { "test.slow@1": "ok", "test.picky@1": "ok" },
      retry: [],
      missing: [],
    });
    expect(threw?.stored).toEqual({ "test.slow@1": "ok" });
    expect(threw?.retry).toEqual([refs[1]]);
    expect(threw?.error).toMatchObject({ code: "EVALUATOR_FAILED" });
  });

  it("names the evaluators this worker lacks as missing", async () => {
    const { store } = countingStore(db.pool);
    const job = {
      ...work("7".repeat(32), "fine"),
      evaluators: [{ name: "test.elsewhere", version: "3" }],
    };
    const [outcome] = await processEvaluationsTogether(
      [job],
      { number: 1, last: false },
      deps(store),
    );
    expect(outcome?.missing).toEqual([{ name: "test.elsewhere", version: "3" }]);
    expect(outcome?.stored).toEqual({});
  });

  it("leaves every verdict in retry with STORE_UNAVAILABLE while PostgreSQL cannot be reached", async () => {
    const pool = new pg.Pool({ connectionString: "postgres://postgres@127.0.0.1:1/none" });
    try {
      const stored: NewEvalEvent[] = [];
      const jobs = [work("8".repeat(32), "fine"), work("9".repeat(32), "fine")];
      const outcomes = await processEvaluationsTogether(
        jobs,
        { number: 1, last: false },
        deps(new EvalEventStore(pool), stored),
      );
      for (const outcome of outcomes) {
        expect(outcome.stored).toEqual({});
        expect(outcome.retry).toEqual(expect.arrayContaining(refs));
        expect(outcome.error).toMatchObject({ code: "STORE_UNAVAILABLE" });
      }
      expect(stored).toEqual([]);
    } finally {
      await pool.end();
    }
  });
});
