import type { Queue } from "bullmq";
import type pg from "pg";
import { errorMessage } from "../errors.ts";
import { type MetricsSource, readCounters } from "../metrics/process-snapshot.ts";
import { withTimeout } from "../redis/with-timeout.ts";
import { type DeploymentSource, deploymentCounters } from "./deployment-counters.ts";

export type { MetricsSource };

export type QueueLike = Pick<Queue, "name" | "getJobCounts" | "isPaused">;

const QUEUE_STATES = ["waiting", "active", "delayed", "prioritized", "failed"] as const;
/** A queue that does not answer in this long (Redis down) is reported as unreachable. */
const QUEUE_TIMEOUT_MS = 2000;

async function queueDepth(queue: QueueLike) {
  try {
    const [counts, paused] = await withTimeout(
      Promise.all([queue.getJobCounts(...QUEUE_STATES), queue.isPaused()]),
      QUEUE_TIMEOUT_MS,
    );
    return { name: queue.name, paused, counts, error: null };
  } catch (err) {
    return { name: queue.name, paused: null, counts: null, error: errorMessage(err) };
  }
}

/** Midnight UTC of the current day. */
export function startOfUtcDay(now = new Date()): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
}

/**
 * Pipeline health: the deployment's counters (spans received and rejected, traces assembled and
 * sampled by reason, spans not evaluated by reason, evaluations by status), summed over the live
 * processes of every role from the snapshots they publish to Redis, with those processes listed;
 * this process's own counters; the queue depths; and today's eval events from PostgreSQL: how
 * many, by status and skip reason, and the judge spend. A process's counters start at zero when it
 * starts. With Redis away, the deployment and the queues carry an error and the rest still answers.
 */
export async function pipelineHealth(deps: {
  pool: pg.Pool;
  metrics: MetricsSource;
  queues: readonly QueueLike[];
  deployment: DeploymentSource;
}) {
  const since = startOfUtcDay();
  const [deployment, process, queues, today, reasons] = await Promise.all([
    deploymentCounters(deps.deployment),
    readCounters(deps.metrics),
    Promise.all(deps.queues.map(queueDepth)),
    deps.pool.query<{ events: number; spend: number; judged: number }>(
      `SELECT count(*)::int AS events, COALESCE(sum(judge_cost_usd), 0)::float8 AS spend,
              (count(*) FILTER (WHERE judge_model IS NOT NULL))::int AS judged
       FROM eval_events WHERE created_at >= $1`,
      [since],
    ),
    deps.pool.query<{ status: string; reason: string | null; n: number }>(
      `SELECT status, reason, count(*)::int AS n FROM eval_events
       WHERE created_at >= $1 GROUP BY 1, 2 ORDER BY 3 DESC`,
      [since],
    ),
  ]);
  const byStatus: Record<string, number> = { ok: 0, error: 0, skipped: 0 };
  const skipped: Record<string, number> = {};
  const errors: Record<string, number> = {};
  for (const r of reasons.rows) {
    byStatus[r.status] = (byStatus[r.status] ?? 0) + r.n;
    const bucket = r.status === "skipped" ? skipped : r.status === "error" ? errors : null;
    if (bucket) bucket[r.reason ?? "unknown"] = (bucket[r.reason ?? "unknown"] ?? 0) + r.n;
  }
  const row = today.rows[0] ?? { events: 0, spend: 0, judged: 0 };
  return {
    deployment,
    process,
    queues,
    today: {
      since: since.toISOString(),
      eval_events: row.events,
      by_status: byStatus,
      skipped_by_reason: skipped,
      errors_by_reason: errors,
      judged_by_llm: row.judged,
      judge_spend_usd: row.spend,
    },
  };
}
