import { DelayedError, type Job } from "bullmq";
import { TracejudgeError } from "../errors.ts";
import type { EvaluatorPresence } from "../evaluate/evaluator-presence.ts";
import { evaluatorKey } from "../evaluators/evaluator-key.ts";
import type { EvaluationJob } from "../queues/payloads.ts";

/** The fixed delay between hand-backs of builds that counted `misses`. */
const LEGACY_MISS_DELAY_MS = 1000;
/** About two hours of handing back, with the delay capped at 30 s, before a job fails as usual. */
const MAX_STORE_RETRIES = 250;

/**
 * Puts a job back in the queue until `atMs` without spending one of its attempts (the work is
 * fine; what it needs is missing for now), with `patch` merged into its data (what the next try
 * reads of the waiting so far). Always throws (BullMQ's way of leaving a job delayed).
 */
async function handBack(
  job: Job,
  token: string,
  patch: Record<string, unknown>,
  atMs: number,
): Promise<never> {
  await job.updateData({ ...job.data, ...patch });
  await job.moveToDelayed(atMs, token);
  throw new DelayedError();
}

/** How long, and how often, a job waits for a worker that has its evaluator versions. */
export interface EvaluatorWaitOptions {
  /**
   * How long a job waits for a version no worker advertises, from its first miss or the
   * version's last advertisement, whichever is later. Default 30 s.
   */
  graceMs: number;
  /**
   * How long a job waits at all, even for a version a live worker advertises, so that it never
   * goes round forever. Default 10 min.
   */
  maxWaitMs: number;
  /** Least delay of a hand-back; each is half the time waited so far. Default 1 s. */
  minDelayMs: number;
  /** Most delay of a hand-back. Default 5 s. */
  maxDelayMs: number;
}

export const EVALUATOR_WAIT_DEFAULTS: EvaluatorWaitOptions = {
  graceMs: 30_000,
  maxWaitMs: 10 * 60_000,
  minDelayMs: 1000,
  maxDelayMs: 5000,
};

/** When a job first met a worker without one of its versions (now, if it has not yet). */
export function firstMissAt(
  data: Pick<EvaluationJob, "firstMissAtMs" | "misses">,
  nowMs = Date.now(),
): number {
  // A job handed back by an older build carries only its count of misses, 1 s apart.
  return data.firstMissAtMs ?? nowMs - (data.misses ?? 0) * LEGACY_MISS_DELAY_MS;
}

/**
 * What a worker does with a job naming evaluator versions it lacks. During a rolling deploy (or a
 * `reevaluate` run) another worker has them: the job goes back, with a growing delay, for as long
 * as a live worker advertises the version (up to `maxWaitMs`). A version no worker advertises is a
 * misconfiguration: after `graceMs` it is stored as an `evaluator_not_registered` error.
 */
export class EvaluatorWait {
  private readonly options: EvaluatorWaitOptions;

  constructor(
    private readonly deps: {
      /** The versions this worker has. */
      evaluators: { get(key: string): unknown };
      presence: Pick<EvaluatorPresence, "lastSeen">;
    },
    options: Partial<EvaluatorWaitOptions> = {},
  ) {
    this.options = { ...EVALUATOR_WAIT_DEFAULTS, ...options };
  }

  /** The job's versions (`name@version`) this worker lacks and should give up on now. */
  async giveUpOn(job: EvaluationJob, nowMs = Date.now()): Promise<Set<string>> {
    const lacking = job.evaluators
      .map((ref) => evaluatorKey(ref.name, ref.version))
      .filter((key) => this.deps.evaluators.get(key) === undefined);
    if (lacking.length === 0) return new Set();
    const since = firstMissAt(job, nowMs);
    if (nowMs - since >= this.options.maxWaitMs) return new Set(lacking);
    // Unable to tell (Redis away): wait on rather than lose a verdict; maxWaitMs still bounds it.
    const seen = await this.deps.presence
      .lastSeen(lacking)
      .catch(() => new Map(lacking.map((key) => [key, nowMs])));
    return new Set(
      lacking.filter((key) => nowMs - Math.max(since, seen.get(key) ?? 0) >= this.options.graceMs),
    );
  }

  /**
   * Puts the job back for later without spending an attempt, recording its first miss; the delay
   * is half the time waited so far, within the bounds. Always throws (BullMQ's way of leaving a
   * job delayed), unless there is no lock token to move it with.
   */
  async handBack(job: Job, token: string | undefined, nowMs = Date.now()): Promise<void> {
    if (!token) return;
    const since = firstMissAt(job.data as EvaluationJob, nowMs);
    const { minDelayMs, maxDelayMs } = this.options;
    const delayMs = Math.min(maxDelayMs, Math.max(minDelayMs, (nowMs - since) / 2));
    await handBack(job, token, { firstMissAtMs: since }, nowMs + delayMs);
  }
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
  await handBack(
    job,
    token,
    { storeRetries: retries + 1 },
    Date.now() + Math.min(30_000, 250 * 2 ** retries),
  );
}
