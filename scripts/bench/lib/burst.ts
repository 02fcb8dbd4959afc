/** The engine's peak: a burst of traces sent at once, timed until every eval event is stored. */
import type { ChildService } from "./child-service.ts";
import { countEvents, waitForEvents } from "./child-service.ts";
import { postAll } from "./load.ts";
import { bodiesOf, makeTraces } from "./otlp-bodies.ts";

export interface BurstResult {
  traces: number;
  /** LLM spans (one per trace) whose eval events are all stored, per second, request to last row. */
  spansPerSecond: number;
  /** The same with the trace wait taken off the elapsed time. */
  spansPerSecondBeyondWait: number;
  /** Eval events per second between the first and the last one stored (database clock). */
  eventsPerSecondStored: number;
  ingestSeconds: number;
  totalSeconds: number;
  stored: number;
  expected: number;
  timedOut: boolean;
  byStatus: Record<string, number>;
  retried: number;
  /** CPU seconds this process (the load generator) spent sending the bodies and waiting for the events. */
  loadCpuSeconds: number;
}

export async function burst(
  service: ChildService,
  options: {
    traces: number;
    evaluatorsPerSpan: number;
    traceWaitMs: number;
    timeoutMs: number;
    firstIndex?: number;
  },
): Promise<BurstResult> {
  const before = await countEvents(service.pool);
  const startedAt = new Date();
  const bodies = bodiesOf(makeTraces(options.traces, options.firstIndex ?? 0), "protobuf").map(
    (b) => b.body,
  );
  const expected = before + options.traces * options.evaluatorsPerSpan;
  const t0 = performance.now();
  const loadCpuBefore = process.cpuUsage();
  const { retried } = await postAll(service.url, bodies, "protobuf", 8);
  const ingestSeconds = (performance.now() - t0) / 1000;
  const done = await waitForEvents(service.pool, expected, options.timeoutMs);
  const loadCpu = process.cpuUsage(loadCpuBefore);
  const totalSeconds = (done.at - t0) / 1000;
  const spans = (done.count - before) / options.evaluatorsPerSpan;
  const { rows } = await service.pool.query<{ status: string; n: string; first: Date; last: Date }>(
    `SELECT status, count(*)::text AS n, min(created_at) AS first, max(created_at) AS last
     FROM eval_events WHERE created_at >= $1 GROUP BY status`,
    [startedAt],
  );
  const byStatus = Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  const first = Math.min(...rows.map((r) => r.first.getTime()));
  const last = Math.max(...rows.map((r) => r.last.getTime()));
  return {
    traces: options.traces,
    spansPerSecond: spans / totalSeconds,
    spansPerSecondBeyondWait: spans / Math.max(0.001, totalSeconds - options.traceWaitMs / 1000),
    eventsPerSecondStored: (done.count - before) / Math.max(0.001, (last - first) / 1000),
    ingestSeconds,
    totalSeconds,
    stored: done.count - before,
    expected: expected - before,
    timedOut: done.timedOut,
    byStatus,
    retried,
    loadCpuSeconds: (loadCpu.user + loadCpu.system) / 1e6,
  };
}
