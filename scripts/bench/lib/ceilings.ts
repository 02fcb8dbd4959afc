/** The raw ceilings the pipeline runs on: BullMQ with a no-op processor, and multi-row INSERTs. */
import { randomBytes } from "node:crypto";
import { Queue, Worker } from "bullmq";
import { Redis } from "ioredis";
import type pg from "pg";
import { EVAL_EVENT_COLUMNS } from "../../../src/store/eval-event-store.ts";
import { deleteRedisPrefix, REDIS_URL } from "../../../test/support/services.ts";
import { randomPrefix } from "./child-service.ts";

/**
 * Raw BullMQ on the same Redis: `jobs` small jobs added in bulk, then drained by one worker with a
 * no-op processor at `concurrency` (jobs removed on completion, as the service does).
 */
export async function rawBullmq(
  jobs: number,
  concurrency: number,
): Promise<{ addPerSecond: number; jobsPerSecond: number }> {
  const prefix = randomPrefix();
  const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const queue = new Queue("bench-noop", {
    connection,
    prefix,
    defaultJobOptions: { removeOnComplete: true, removeOnFail: true },
  });
  let worker: Worker | undefined;
  try {
    const addStart = performance.now();
    for (let i = 0; i < jobs; i += 1000) {
      const n = Math.min(1000, jobs - i);
      await queue.addBulk(
        Array.from({ length: n }, (_, k) => ({ name: "noop", data: { i: i + k } })),
      );
    }
    const addSeconds = (performance.now() - addStart) / 1000;
    let done = 0;
    let finish: () => void = () => {};
    const finished = new Promise<void>((r) => {
      finish = r;
    });
    const start = performance.now();
    worker = new Worker("bench-noop", async () => {}, {
      connection: new Redis(REDIS_URL, { maxRetriesPerRequest: null }),
      prefix,
      concurrency,
    });
    worker.on("completed", () => {
      done += 1;
      if (done === jobs) finish();
    });
    await finished;
    const seconds = (performance.now() - start) / 1000;
    return { addPerSecond: jobs / addSeconds, jobsPerSecond: jobs / seconds };
  } finally {
    await worker?.close();
    await queue.close();
    connection.disconnect();
    await deleteRedisPrefix(prefix);
  }
}

/**
 * Raw multi-row INSERTs into `eval_events` (with its unique key), one statement of `batch` rows at
 * a time on one connection. The rows are copies of events the engine stored, under new trace ids,
 * so they have the engine's sizes; they are deleted afterwards.
 */
export async function rawInsert(
  pool: pg.Pool,
  rows: number,
  batch = 1000,
): Promise<{ rowsPerSecond: number }> {
  // The store's own columns, so the ceiling writes exactly what the engine writes.
  const columns = EVAL_EVENT_COLUMNS;
  const { rows: templates } = await pool.query<Record<string, unknown>>(
    `SELECT ${columns.join(", ")} FROM eval_events ORDER BY id LIMIT ${batch}`,
  );
  if (templates.length === 0) throw new Error("no eval events to copy for the INSERT ceiling");
  const tag = `raw${randomBytes(4).toString("hex")}`;
  const client = await pool.connect();
  try {
    const start = performance.now();
    for (let done = 0; done < rows; done += batch) {
      const n = Math.min(batch, rows - done);
      const values: unknown[] = [];
      const tuples: string[] = [];
      for (let k = 0; k < n; k++) {
        const t = templates[k % templates.length] as Record<string, unknown>;
        const base = values.length;
        for (const c of columns) {
          const v = c === "trace_id" ? `${tag}-${done + k}` : t[c];
          values.push(c === "details" && v !== null ? JSON.stringify(v) : v);
        }
        tuples.push(`(${columns.map((_, j) => `$${base + j + 1}`).join(", ")})`);
      }
      await client.query(
        `INSERT INTO eval_events (${columns.join(", ")}) VALUES ${tuples.join(", ")}
         ON CONFLICT (trace_id, span_id, evaluator, evaluator_version) DO NOTHING`,
        values,
      );
    }
    const seconds = (performance.now() - start) / 1000;
    return { rowsPerSecond: rows / seconds };
  } finally {
    await client.query("DELETE FROM eval_events WHERE trace_id LIKE $1", [`${tag}-%`]);
    client.release();
  }
}
