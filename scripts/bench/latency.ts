/**
 * Latency benchmark: p50/p99 from a span's arrival (its OTLP request sent) to its last eval event
 * stored (both offline evaluators), under a steady load at half of the engine's measured peak.
 * Target (issue 14): p99 < trace wait + 200 ms. The peak is measured first on the same service (a burst,
 * timed until its last eval event, the trace wait taken off), unless given.
 *
 *   npm run bench:latency
 *   BENCH_LATENCY_TRACE_WAIT_MS=1000 BENCH_LATENCY_SECONDS=20 BENCH_CONCURRENCY=50
 *   BENCH_PEAK_SPANS_PER_S (skip the peak measurement) or BENCH_LATENCY_PEAK_TRACES=2000
 *   BENCH_SCAN_INTERVAL_MS (default: the service's)
 */
import { burst } from "./lib/burst.ts";
import { startChildService, waitForEvents } from "./lib/child-service.ts";
import { sendPaced } from "./lib/load.ts";
import {
  envNumber,
  fmt,
  printSummary,
  printTable,
  quantile,
  ratio,
  runIfMain,
  type SummaryRow,
} from "./lib/report.ts";

/** How far past the trace wait the p99 may be. */
const LATENCY_MARGIN_MS = 200;

const EVALUATORS_PER_SPAN = 2;

export async function runLatency(): Promise<{ rows: SummaryRow[] }> {
  const traceWaitMs = envNumber("BENCH_LATENCY_TRACE_WAIT_MS", 1000);
  const seconds = envNumber("BENCH_LATENCY_SECONDS", 20);
  const concurrency = envNumber("BENCH_CONCURRENCY", 50);
  const peakTraces = envNumber("BENCH_LATENCY_PEAK_TRACES", 2000);
  const timeoutMs = envNumber("BENCH_TIMEOUT_S", 300) * 1000;
  const givenPeak = envNumber("BENCH_PEAK_SPANS_PER_S", 0);
  // 0: the service's default `workers.scan_interval_ms`.
  const scanIntervalMs = envNumber("BENCH_SCAN_INTERVAL_MS", 0);

  const service = await startChildService({
    trace_wait_ms: traceWaitMs,
    sampling: { rate: 1 },
    workers: {
      evaluation_concurrency: concurrency,
      ...(scanIntervalMs > 0 ? { scan_interval_ms: scanIntervalMs } : {}),
    },
  });
  try {
    let peak = givenPeak;
    let peakSource = "given";
    if (!(peak > 0)) {
      const measured = await burst(service, {
        traces: peakTraces,
        evaluatorsPerSpan: EVALUATORS_PER_SPAN,
        traceWaitMs,
        timeoutMs,
        firstIndex: 1_000_000,
      });
      peak = measured.spansPerSecondBeyondWait;
      peakSource = `burst of ${peakTraces} traces`;
    }
    const rate = peak / 2;
    process.stdout.write(
      `latency: peak ${fmt(peak)} LLM spans/s (${peakSource}); steady load at ${fmt(rate)} ` +
        `traces/s (1 LLM span each) for ${seconds} s; trace wait ${traceWaitMs} ms\n`,
    );
    const { rows: countRows } = await service.pool.query<{ n: string }>(
      "SELECT count(*)::text AS n FROM eval_events",
    );
    const before = Number(countRows[0]?.n ?? 0);
    const cpuBefore = service.cpuTimes();
    const sent = await sendPaced(service.url, { tracesPerSecond: rate, seconds });
    const done = await waitForEvents(
      service.pool,
      before + sent.traces * EVALUATORS_PER_SPAN,
      timeoutMs,
    );
    // What the steady load cost the service: what a shorter scan interval trades for latency.
    const cpuAfter = service.cpuTimes();
    const cpuPerSpanMs =
      ((cpuAfter.user - cpuBefore.user + cpuAfter.system - cpuBefore.system) * 1000) / sent.traces;
    const ids = [...sent.sentAt.keys()];
    const { rows } = await service.pool.query<{ trace_id: string; n: string; last: Date }>(
      `SELECT trace_id, count(*)::text AS n, max(created_at) AS last FROM eval_events
       WHERE trace_id = ANY($1) GROUP BY trace_id`,
      [ids],
    );
    const latencies: number[] = [];
    // Latencies by the second of the run their span was sent in: a backlog that builds up shows.
    const firstSent = Math.min(...sent.sentAt.values());
    const bySecond: number[][] = [];
    for (const row of rows) {
      if (Number(row.n) < EVALUATORS_PER_SPAN) continue;
      const at = sent.sentAt.get(row.trace_id) as number;
      const ms = row.last.getTime() - at;
      latencies.push(ms);
      const k = Math.floor((at - firstSent) / 1000);
      while (bySecond.length <= k) bySecond.push([]);
      bySecond[k]?.push(ms);
    }
    const p50 = quantile(latencies, 0.5);
    const p90 = quantile(latencies, 0.9);
    const p99 = quantile(latencies, 0.99);
    const max = quantile(latencies, 1);
    const bound = traceWaitMs + LATENCY_MARGIN_MS;
    printTable(
      "Latency: span sent → its last eval event stored",
      ["measure", "ms", "beyond the trace wait (ms)"],
      [
        ["p50", fmt(p50), fmt(p50 - traceWaitMs)],
        ["p90", fmt(p90), fmt(p90 - traceWaitMs)],
        ["p99", fmt(p99), fmt(p99 - traceWaitMs)],
        ["max", fmt(max), fmt(max - traceWaitMs)],
        ["target: p99 under", fmt(bound), String(LATENCY_MARGIN_MS)],
      ],
    );
    process.stdout.write(
      `p50 / p99 (ms) by second of the run: ${bySecond
        .map((l) => `${fmt(quantile(l, 0.5), 0)}/${fmt(quantile(l, 0.99), 0)}`)
        .join(" ")}\n`,
    );
    process.stdout.write(
      `${latencies.length} of ${sent.traces} spans fully evaluated` +
        `${done.timedOut ? " (timed out waiting for the rest)" : ""}; ` +
        `${sent.retried} requests retried after 429/503; service CPU ${fmt(cpuPerSpanMs, 2)} ms per LLM span under this load\n`,
    );
    if (service.warnings.length > 0)
      process.stdout.write(`service warnings:\n${service.warnings.slice(0, 5).join("\n")}\n`);
    const q = ratio(p99, bound);
    return {
      rows: [
        {
          benchmark: `latency p50 / p99 at ${fmt(rate)} spans/s (ms)`,
          engine: `${fmt(p50)} / ${fmt(p99)}`,
          ceiling: `${fmt(bound)} (wait + ${LATENCY_MARGIN_MS})`,
          ratio: fmt(q, 2),
          target: "p99 < 1.00",
          met: q < 1 && latencies.length === sent.traces ? "yes" : "no",
        },
      ],
    };
  } finally {
    await service.stop();
  }
}

runIfMain(import.meta.url, async () => {
  const { rows } = await runLatency();
  printSummary(rows);
});
