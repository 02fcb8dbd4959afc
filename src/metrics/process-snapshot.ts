import { z } from "zod";

/** What is read of a Prometheus registry: prom-client's `Registry` fits. */
export interface MetricsSource {
  getMetricsAsJSON(): Promise<
    {
      name: string;
      values: { value: number; labels: Partial<Record<string, string | number>> }[];
    }[]
  >;
}

const CountsSchema = z.record(z.string(), z.number());

/**
 * The counters the pipeline health shows, as one process counted them since it started: they can
 * be summed over processes.
 */
export const PipelineCountersSchema = z.object({
  spans_received: z.number(),
  spans_rejected: CountsSchema,
  traces_assembled: z.number(),
  traces_sampled: CountsSchema,
  spans_not_evaluated: CountsSchema,
  evaluations: CountsSchema,
});
export type PipelineCounters = z.infer<typeof PipelineCountersSchema>;

/**
 * One process's counters as it published them to Redis. Read back by another process, possibly
 * of another version, so it is validated when read.
 */
export const ProcessSnapshotSchema = z.object({
  /** Random, fixed for the life of the process. */
  id: z.string(),
  /** `api`, `worker`, or `api+worker` (`tracejudge start`). */
  role: z.string(),
  host: z.string(),
  pid: z.number().int(),
  started_at: z.string(),
  published_at: z.string(),
  counters: PipelineCountersSchema,
});
export type ProcessSnapshot = z.infer<typeof ProcessSnapshotSchema>;

/** Where the processes' snapshots live; every key carries the prefix (and so its hash tag). */
export function processKeys(prefix: string) {
  return {
    /** Sorted set: process id → when (ms, the process's clock) it last published. */
    index: `${prefix}:processes`,
    /** The process's snapshot as JSON, with a TTL of a few publish periods. */
    snapshot: (id: string) => `${prefix}:process:${id}`,
  };
}

type Metrics = Awaited<ReturnType<MetricsSource["getMetricsAsJSON"]>>;

/** A metric's total over all its label values. */
function total(metrics: Metrics, name: string): number {
  const metric = metrics.find((m) => m.name === name);
  return metric ? metric.values.reduce((sum, v) => sum + v.value, 0) : 0;
}

/** A metric's totals per value of one label. */
function byLabel(metrics: Metrics, name: string, label: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of metrics.find((m) => m.name === name)?.values ?? []) {
    const key = String(v.labels[label] ?? "unknown");
    out[key] = (out[key] ?? 0) + v.value;
  }
  return out;
}

/** This process's pipeline counters, read from its registry. */
export async function readCounters(source: MetricsSource): Promise<PipelineCounters> {
  const metrics = await source.getMetricsAsJSON();
  return {
    spans_received: total(metrics, "tracejudge_spans_received_total"),
    spans_rejected: byLabel(metrics, "tracejudge_spans_rejected_total", "reason"),
    traces_assembled: total(metrics, "tracejudge_traces_assembled_total"),
    traces_sampled: byLabel(metrics, "tracejudge_traces_sampled_total", "reason"),
    spans_not_evaluated: byLabel(metrics, "tracejudge_spans_not_evaluated_total", "reason"),
    evaluations: byLabel(metrics, "tracejudge_evaluations_total", "status"),
  };
}

export function emptyCounters(): PipelineCounters {
  return {
    spans_received: 0,
    spans_rejected: {},
    traces_assembled: 0,
    traces_sampled: {},
    spans_not_evaluated: {},
    evaluations: {},
  };
}

function addCounts(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
  const out = { ...a };
  for (const [key, n] of Object.entries(b)) out[key] = (out[key] ?? 0) + n;
  return out;
}

/** The sum of two processes' counters. */
export function addCounters(a: PipelineCounters, b: PipelineCounters): PipelineCounters {
  return {
    spans_received: a.spans_received + b.spans_received,
    spans_rejected: addCounts(a.spans_rejected, b.spans_rejected),
    traces_assembled: a.traces_assembled + b.traces_assembled,
    traces_sampled: addCounts(a.traces_sampled, b.traces_sampled),
    spans_not_evaluated: addCounts(a.spans_not_evaluated, b.spans_not_evaluated),
    evaluations: addCounts(a.evaluations, b.evaluations),
  };
}
