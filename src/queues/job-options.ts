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
