import { DelayedError, type Job } from "bullmq";
import { TracejudgeError } from "../errors.ts";

/** How often workers without a job's evaluator version hand it back before it is an error. */
export const MAX_EVALUATOR_MISSES = 30;
const EVALUATOR_MISS_DELAY_MS = 1000;
/** About two hours of handing back, with the delay capped at 30 s, before a job fails as usual. */
const MAX_STORE_RETRIES = 250;

/**
 * Puts a job back in the queue for later without spending one of its attempts (the work is fine;
 * what it needs is missing for now), counting how often in `counter` in its data. Always throws
 * (BullMQ's way of leaving a job delayed).
 */
export async function handBack(
  job: Job,
  token: string,
  counter: string,
  delayMs: number,
): Promise<never> {
  const count = Number((job.data as Record<string, unknown>)[counter] ?? 0);
  await job.updateData({ ...job.data, [counter]: count + 1 });
  await job.moveToDelayed(Date.now() + delayMs, token);
  throw new DelayedError();
}

/**
 * During a rolling deploy (or a `reevaluate` run) a worker may not have the job's evaluator
 * version while others do: the job goes back, up to `MAX_EVALUATOR_MISSES` times.
 */
export async function handBackIfEvaluatorMissing(
  job: Job,
  token: string | undefined,
  known: boolean,
): Promise<void> {
  const misses = Number((job.data as { misses?: number }).misses ?? 0);
  if (known || !token || misses >= MAX_EVALUATOR_MISSES) return;
  await handBack(job, token, "misses", EVALUATOR_MISS_DELAY_MS);
}

/**
 * While PostgreSQL is down, a job goes back with a growing delay (capped at 30 s) instead of
 * spending its attempts: an outage of minutes must not turn verdicts into failures.
 */
export async function handBackIfStoreDown(
  job: Job,
  token: string | undefined,
  err: unknown,
): Promise<void> {
  if (!(err instanceof TracejudgeError) || err.code !== "STORE_UNAVAILABLE" || !token) return;
  const retries = Number((job.data as { storeRetries?: number }).storeRetries ?? 0);
  if (retries >= MAX_STORE_RETRIES) return;
  await handBack(job, token, "storeRetries", Math.min(30_000, 250 * 2 ** retries));
}
