import type { Queue } from "bullmq";
import pg from "pg";
import { type EvaluatorRef, evaluationJob } from "../../src/queues/payloads.ts";
import type { EvaluationTarget } from "../../src/span/evaluation-target.ts";
import { SpanStore } from "../../src/store/span-store.ts";

/**
 * Queues an evaluations job as assembly does: the span, with what assembly found for it, stored
 * in the spans table of `databaseUrl` first, then a job that names it.
 */
export async function queueEvaluation(
  databaseUrl: string,
  queue: Queue,
  evaluators: EvaluatorRef[],
  target: EvaluationTarget,
): Promise<void> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
  try {
    await new SpanStore(pool).upsertMany([target]);
  } finally {
    await pool.end();
  }
  const job = evaluationJob(evaluators, target.span, Date.now());
  await queue.add(job.name, job.data, job.opts);
}
