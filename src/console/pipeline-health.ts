import type { Queue } from "bullmq";
import type pg from "pg";
import { errorMessage } from "../errors.ts";

/** What the console reads of the Prometheus registry: prom-client's `Registry` fits. */
export interface MetricsSource {
  getMetricsAsJSON(): Promise<
    {
      name: string;
      values: { value: number; labels: Partial<Record<string, string | number>> }[];
    }[]
  >;
}

export type QueueLike = Pick<Queue, "name" | "getJobCounts" | "isPaused">;

const QUEUE_STATES = ["waiting", "active", "delayed", "prioritized", "failed"] as const;
/** A queue that does not answer in this long (Redis down) is reported as unreachable. */
const QUEUE_TIMEOUT_MS = 2000;

type Metrics = Awaited<ReturnType<MetricsSource["getMetricsAsJSON"]>>;

/** A counter's total, or its totals per value of one label. */
function total(metrics: Metrics, name: string): number {
  const metric = metrics.find((m) => m.name === name);
  return metric ? metric.values.reduce((sum, v) => sum + v.value, 0) : 0;
}
function byLabel(metrics: Metrics, name: string, label: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of metrics.find((m) => m.name === name)?.values ?? []) {
    const key = String(v.labels[label] ?? "unknown");
    out[key] = (out[key] ?? 0) + v.value;
  }
  return out;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

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
 * Pipeline health: this process's counters (spans received and rejected, traces sampled by
 * reason, spans not evaluated by reason; counters start at zero with the process), the queue
 * depths, and today's eval events from PostgreSQL (every replica's): how many, by status and
 * skip reason, and the judge spend.
 */
export async function pipelineHealth(deps: {
  pool: pg.Pool;
  metrics: MetricsSource;
  queues: readonly QueueLike[];
}) {
  const since = startOfUtcDay();
  const [metrics, queues, today, reasons] = await Promise.all([
    deps.metrics.getMetricsAsJSON(),
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
    process: {
      spans_received: total(metrics, "tracejudge_spans_received_total"),
      spans_rejected: byLabel(metrics, "tracejudge_spans_rejected_total", "reason"),
      traces_assembled: total(metrics, "tracejudge_traces_assembled_total"),
      traces_sampled: byLabel(metrics, "tracejudge_traces_sampled_total", "reason"),
      spans_not_evaluated: byLabel(metrics, "tracejudge_spans_not_evaluated_total", "reason"),
      evaluations: byLabel(metrics, "tracejudge_evaluations_total", "status"),
      pending_traces: total(metrics, "tracejudge_pending_traces"),
    },
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
