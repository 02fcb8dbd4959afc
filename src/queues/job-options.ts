const WEEK_S = 7 * 86_400;

/**
 * Default options of the engine's jobs: retries with exponential back-off; a completed job is
 * removed at once (its result lives in PostgreSQL, and its id may be reused by a later
 * generation), a failed one is kept a week for inspection.
 */
export function jobOptions(attempts: number, backoffMs: number) {
  return {
    attempts,
    backoff: { type: "exponential", delay: backoffMs },
    removeOnComplete: true,
    removeOnFail: { age: WEEK_S },
  };
}

/**
 * Options of one webhook delivery's job: its webhook's attempts, and the `webhook` back-off the
 * webhooks worker computes (exponential, never sooner than the receiver's `Retry-After`). Kept
 * as the engine's jobs are: removed once done, a failed one kept a week.
 */
export function webhookJobOptions(jobId: string, attempts: number) {
  return {
    jobId,
    attempts,
    backoff: { type: "webhook" },
    removeOnComplete: true,
    removeOnFail: { age: WEEK_S },
  };
}
