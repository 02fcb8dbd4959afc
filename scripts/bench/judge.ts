/**
 * Judge-bound benchmark: a config judge (`judges:`) against a local OpenAI-compatible server that
 * answers in a fixed 200 ms. Phase 1, rate limit out of the way: evaluations per second against
 * the Little's-law limit (concurrency / latency), target >= 90%. Phase 2, the configured
 * `judge.requests_per_minute` below that limit: the judge's request rate must not exceed it.
 *
 *   npm run bench:judge
 *   BENCH_JUDGE_CONCURRENCY=20 BENCH_JUDGE_LATENCY_MS=200 BENCH_JUDGE_SECONDS=8
 *   BENCH_JUDGE_RPM (default: half the Little's-law limit, per minute)
 */
import { FakeOpenAIServer } from "../../test/support/fake-openai-server.ts";
import { type BurstResult, burst } from "./lib/burst.ts";
import { startChildService } from "./lib/child-service.ts";
import {
  envNumber,
  fmt,
  printSummary,
  printTable,
  ratio,
  runIfMain,
  type SummaryRow,
} from "./lib/report.ts";

interface Phase {
  result: BurstResult;
  /** Evaluations per second from the first judge request to the last event stored. */
  evalsPerSecond: number;
  /** Judge requests per second in the whole seconds between the first and the last. */
  steadyRequestsPerSecond: number;
  /** The most requests any window held beyond `limit × its length` (the bucket allows 1 s). */
  excess: number;
  /** Requests per second over the second half of the requests. */
  longRunPerSecond: number;
  /** Most judge requests received within any one second. */
  busiestSecond: number;
  /** Judge requests received in each second from the first one. */
  perSecond: number[];
  requests: number;
}

/** Requests per second over the second half of the requests (past the bucket's early burst). */
function secondHalfRate(times: number[]): number {
  const mid = Math.floor(times.length / 2);
  const from = times[mid];
  const last = times[times.length - 1];
  if (from === undefined || last === undefined || last <= from) return Number.NaN;
  return (times.length - 1 - mid) / ((last - from) / 1000);
}

async function phase(
  judge: FakeOpenAIServer,
  options: { concurrency: number; rpm: number; spans: number; timeoutMs: number },
): Promise<Phase> {
  judge.requests.length = 0;
  const service = await startChildService({
    trace_wait_ms: 200,
    judge: {
      base_url: judge.baseUrl,
      api_key: "bench-key",
      model: "gpt-4o-mini",
      requests_per_minute: options.rpm,
      tokens_per_minute: 1_000_000_000,
    },
    judges: [
      {
        name: "politeness",
        version: "1",
        prompt: "Is this reply to a customer polite?\n\nReply:\n{{answer}}",
        output: { type: "boolean" },
        threshold: 0.5,
      },
    ],
    evaluators: [
      { name: "groundedness", enabled: false },
      { name: "hallucination", enabled: false },
    ],
    workers: { evaluation_concurrency: options.concurrency },
  });
  try {
    const result = await burst(service, {
      traces: options.spans,
      evaluatorsPerSpan: 1,
      traceWaitMs: 200,
      timeoutMs: options.timeoutMs,
    });
    const { rows } = await service.pool.query<{ last: Date }>(
      "SELECT max(created_at) AS last FROM eval_events",
    );
    const times = judge.requests.map((r) => performance.timeOrigin + r.at).sort((a, b) => a - b);
    const first = times[0] ?? Number.NaN;
    const lastStored = rows[0]?.last?.getTime() ?? Number.NaN;
    let busiestSecond = 0;
    for (let i = 0, j = 0; i < times.length; i++) {
      while ((times[i] as number) - (times[j] as number) >= 1000) j++;
      busiestSecond = Math.max(busiestSecond, i - j + 1);
    }
    // The token bucket's promise: in any window of Δt, at most limit × Δt + one second's burst.
    // `excess` is the most any window went over limit × Δt (requests).
    const perMs = options.rpm / 60_000;
    let excess = 0;
    let best = Number.NEGATIVE_INFINITY;
    times.forEach((t, j) => {
      best = Math.max(best, -j + perMs * t);
      excess = Math.max(excess, j + 1 - perMs * t + best);
    });
    const perSecond: number[] = [];
    for (const t of times) {
      const k = Math.floor((t - first) / 1000);
      while (perSecond.length <= k) perSecond.push(0);
      perSecond[k] = (perSecond[k] ?? 0) + 1;
    }
    // Steady state: the whole seconds after the first (the bucket's burst, the ramp) and before
    // the last (the tail of the burst).
    const interior = perSecond.length >= 3 ? perSecond.slice(1, -1) : perSecond;
    const steadyRequestsPerSecond = interior.reduce((a, b) => a + b, 0) / interior.length;
    if (service.warnings.length > 0)
      process.stdout.write(`service warnings:\n${service.warnings.slice(0, 5).join("\n")}\n`);
    return {
      result,
      evalsPerSecond: result.stored / ((lastStored - first) / 1000),
      steadyRequestsPerSecond,
      busiestSecond,
      perSecond,
      excess,
      longRunPerSecond: secondHalfRate(times),
      requests: times.length,
    };
  } finally {
    await service.stop();
  }
}

export async function runJudge(): Promise<{ rows: SummaryRow[] }> {
  const concurrency = envNumber("BENCH_JUDGE_CONCURRENCY", 20);
  const latencyMs = envNumber("BENCH_JUDGE_LATENCY_MS", 200);
  const seconds = envNumber("BENCH_JUDGE_SECONDS", 8);
  const timeoutMs = envNumber("BENCH_TIMEOUT_S", 300) * 1000;
  const littles = concurrency / (latencyMs / 1000);
  const rpm = envNumber("BENCH_JUDGE_RPM", Math.round((littles / 2) * 60));
  const limit = rpm / 60;
  process.stdout.write(
    `judge: fixed ${latencyMs} ms answers, evaluation concurrency ${concurrency} ` +
      `(Little's-law limit ${fmt(littles)}/s), rate-limited phase at ${rpm} requests/min\n`,
  );

  const judge = await FakeOpenAIServer.start(() => ({
    delayMs: latencyMs,
    content: { reasoning: "Courteous and to the point.", verdict: true },
  }));
  try {
    const open = await phase(judge, {
      concurrency,
      rpm: 1_000_000,
      spans: Math.round(littles * seconds),
      timeoutMs,
    });
    const limited = await phase(judge, {
      concurrency,
      rpm,
      spans: Math.round(Math.min(littles, limit) * seconds),
      timeoutMs,
    });
    // One judge request per evaluation (none was retried: requests = evaluations), so the steady
    // request rate is the steady evaluation rate.
    const q = ratio(open.steadyRequestsPerSecond, littles);
    const qLimit = ratio(limited.longRunPerSecond, limit);
    // The bucket's one-second burst, plus 100 ms of arrival jitter: the bucket grants in the
    // service, the requests are timed on arrival here, through a busy event loop and the network.
    const within = limited.excess <= limit * 1.1 + 1 && limited.longRunPerSecond <= limit * 1.01;
    const row = (name: string, p: Phase, bound: string, r: number) => [
      name,
      `${p.result.stored}/${p.result.expected}`,
      p.requests,
      fmt(p.evalsPerSecond),
      fmt(p.steadyRequestsPerSecond),
      p === open ? "-" : fmt(p.longRunPerSecond),
      p.busiestSecond,
      p === open ? "-" : fmt(p.excess, 1),
      bound,
      fmt(r, 3),
    ];
    printTable(
      "Judge-bound: config judge over a local judge server",
      [
        "phase",
        "evals",
        "judge requests",
        "evals/s overall",
        "evals/s steady",
        "req/s 2nd half",
        "busiest 1 s",
        "max excess",
        "bound",
        "ratio",
      ],
      [
        row("no rate limit", open, `Little's ${fmt(littles)}/s`, q),
        row(`${rpm} req/min`, limited, `limit ${fmt(limit)}/s (+1 s burst)`, qLimit),
      ],
    );
    process.stdout.write(
      "overall: first judge request to last event stored (with ramp and tail); steady: the whole " +
        "seconds between the first and the last; 2nd half: the request rate over the second half " +
        "of the requests (past the bucket's burst); max excess: the most requests any window held over limit x its length (the " +
        "bucket allows 1 s of the limit; 0.1 s more is allowed for arrival jitter). Ratios: steady / Little's, 2nd half / limit.\n" +
        `judge requests per second, no limit: ${open.perSecond.join(" ")}\n` +
        `judge requests per second, ${rpm}/min: ${limited.perSecond.join(" ")}\n`,
    );
    return {
      rows: [
        {
          benchmark: "judge-bound (evals/s steady vs concurrency/latency)",
          engine: fmt(open.steadyRequestsPerSecond),
          ceiling: fmt(littles),
          ratio: fmt(q, 3),
          target: ">= 0.90",
          met: q >= 0.9 ? "yes" : "no",
        },
        {
          benchmark: "judge rate limit (req/s vs limit)",
          engine: fmt(limited.longRunPerSecond),
          ceiling: fmt(limit),
          ratio: fmt(qLimit, 3),
          target: "<= 1.01, excess <= 1.1 s",
          met: within ? "yes" : "no",
        },
      ],
    };
  } finally {
    await judge.close();
  }
}

runIfMain(import.meta.url, async () => {
  const { rows } = await runJudge();
  printSummary(rows);
});
