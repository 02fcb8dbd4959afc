/**
 * Memory benchmark: resident memory of the service process (`tracejudge start` as a child, so the
 * RSS is its alone) under a steady load, sampled every few seconds; it must level off. Prints the
 * series and the slope of its last half.
 *
 *   npm run bench:memory
 *   BENCH_MEMORY_SECONDS=60 (600 for the 10-minute run) BENCH_MEMORY_RATE=50 (traces/s)
 *   BENCH_MEMORY_SAMPLE_S=5 BENCH_MEMORY_TRACE_WAIT_MS=1000 BENCH_CONCURRENCY=50
 */
import { countEvents, startChildService, waitForEvents } from "./lib/child-service.ts";
import { sendPaced } from "./lib/load.ts";
import {
  envNumber,
  fmt,
  printSummary,
  printTable,
  runIfMain,
  type SummaryRow,
  sleep,
  slope,
} from "./lib/report.ts";

const EVALUATORS_PER_SPAN = 2;
const MIB = 1024 * 1024;

interface Sample {
  seconds: number;
  rssMiB: number;
  sent: number;
  stored: number;
}

export async function runMemory(): Promise<{ rows: SummaryRow[] }> {
  const seconds = envNumber("BENCH_MEMORY_SECONDS", 60);
  const rate = envNumber("BENCH_MEMORY_RATE", 50);
  const every = envNumber("BENCH_MEMORY_SAMPLE_S", 5);
  const traceWaitMs = envNumber("BENCH_MEMORY_TRACE_WAIT_MS", 1000);
  const concurrency = envNumber("BENCH_CONCURRENCY", 50);
  const timeoutMs = envNumber("BENCH_TIMEOUT_S", 300) * 1000;
  process.stdout.write(
    `memory: ${rate} traces/s (3 spans, 1 LLM span, 2 evaluations each) for ${seconds} s, ` +
      `RSS every ${every} s; trace wait ${traceWaitMs} ms, evaluation concurrency ${concurrency}\n`,
  );

  const service = await startChildService({
    trace_wait_ms: traceWaitMs,
    sampling: { rate: 1 },
    workers: { evaluation_concurrency: concurrency },
  });
  try {
    await sleep(2000);
    const idleMiB = service.rss() / MIB;
    const samples: Sample[] = [];
    let sent = 0;
    const start = performance.now();
    let loading = true;
    const load = sendPaced(service.url, {
      tracesPerSecond: rate,
      seconds,
      onTick: (n) => {
        sent = n;
      },
    }).finally(() => {
      loading = false;
    });
    const sampler = (async () => {
      for (let k = 1; ; k++) {
        await sleep(Math.max(0, start + k * every * 1000 - performance.now()));
        if (!loading) break;
        samples.push({
          seconds: (performance.now() - start) / 1000,
          rssMiB: service.rss() / MIB,
          sent,
          stored: await countEvents(service.pool),
        });
      }
    })();
    const result = await load;
    await sampler;
    const drained = await waitForEvents(
      service.pool,
      result.traces * EVALUATORS_PER_SPAN,
      timeoutMs,
    );
    const drainedMiB = service.rss() / MIB;

    printTable(
      "Memory: resident set of the service under steady load",
      ["t (s)", "RSS (MiB)", "traces sent", "eval events stored", "backlog (evaluations)"],
      samples.map((s) => [
        fmt(s.seconds, 0),
        fmt(s.rssMiB, 1),
        s.sent,
        s.stored,
        Math.max(0, s.sent * EVALUATORS_PER_SPAN - s.stored),
      ]),
    );
    const half = samples.slice(Math.floor(samples.length / 2));
    const perMinute = slope(half.map((s) => ({ x: s.seconds / 60, y: s.rssMiB })));
    const meanHalf = half.reduce((a, s) => a + s.rssMiB, 0) / Math.max(1, half.length);
    const peak = Math.max(...samples.map((s) => s.rssMiB));
    // Levels off: the last half grows by less than 2% of its mean per minute (20% per 10 min).
    const enough = half.length >= 3;
    const levels = enough && perMinute < 0.02 * meanHalf;
    const verdict = !enough ? "too few samples" : levels ? "yes" : "no";
    const backlogEnd = samples.at(-1);
    printTable(
      "Memory summary",
      ["measure", "value"],
      [
        ["RSS idle after start (MiB)", fmt(idleMiB, 1)],
        ["RSS peak under load (MiB)", fmt(peak, 1)],
        ["RSS after the backlog drained (MiB)", fmt(drainedMiB, 1)],
        ["slope of the last half (MiB/min)", fmt(perMinute, 2)],
        ["levels off (slope < 2% of its mean per minute)", verdict],
        [
          "evaluations stored / expected",
          `${drained.count} / ${result.traces * EVALUATORS_PER_SPAN}${drained.timedOut ? " (timed out)" : ""}`,
        ],
        [
          "backlog at the last sample (evaluations)",
          backlogEnd ? Math.max(0, backlogEnd.sent * EVALUATORS_PER_SPAN - backlogEnd.stored) : 0,
        ],
        ["requests retried after 429/503", result.retried],
      ],
    );
    if (seconds < 300)
      process.stdout.write(
        `note: RSS moves in garbage-collection cycles of tens of seconds; ${seconds} s shows the ` +
          "trend, BENCH_MEMORY_SECONDS=600 settles it.\n",
      );
    if (service.warnings.length > 0)
      process.stdout.write(`service warnings:\n${service.warnings.slice(0, 5).join("\n")}\n`);
    return {
      rows: [
        {
          benchmark: `memory RSS, ${rate} traces/s for ${seconds} s (MiB)`,
          engine: `peak ${fmt(peak, 0)}, slope ${fmt(perMinute, 1)}/min`,
          ceiling: `idle ${fmt(idleMiB, 0)}`,
          ratio: fmt(peak / idleMiB, 2),
          target: "levels off",
          met: !enough ? "n/a" : levels ? "yes" : "no",
        },
      ],
    };
  } finally {
    await service.stop();
  }
}

runIfMain(import.meta.url, async () => {
  const { rows } = await runMemory();
  printSummary(rows);
});
