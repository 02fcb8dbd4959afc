/**
 * Ingest benchmark: OTLP/HTTP spans per second into the service (API role alone, so no assembly
 * competes) against a bare fastify server that only reads and parses the same bodies, protobuf
 * and JSON, 100 spans per request, many connections (autocannon). Target: ratio >= 0.5.
 *
 *   npm run bench:ingest
 *   BENCH_INGEST_SECONDS=5 BENCH_INGEST_ROUNDS=3 BENCH_INGEST_CONNECTIONS=32
 *   BENCH_INGEST_WARMUP_SECONDS=2
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";
import autocannon from "autocannon";
import { deleteRedisPrefix } from "../../test/support/services.ts";
import { type ChildService, ROOT, startChildService } from "./lib/child-service.ts";
import { CONTENT_TYPE, type Encoding, makeTraces, serialize } from "./lib/otlp-bodies.ts";
import {
  envNumber,
  fmt,
  printTable,
  ratio,
  runIfMain,
  type SummaryRow,
  sleep,
} from "./lib/report.ts";

const SPANS_PER_REQUEST = 100;
/** Distinct bodies cycled through by every connection. */
const DISTINCT_BODIES = 8;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] ?? 0)
    : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

interface Target {
  name: string;
  url: string;
}

/** Starts the bare server in a child process of its own. */
async function startBareServer(): Promise<Target & { stop: () => Promise<void> }> {
  const file = join(ROOT, "scripts/bench/bare-ingest-server.ts");
  const child = spawn(process.execPath, ["--import", "tsx", file], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the bare server did not start")), 30_000);
    if (child.stdout)
      createInterface({ input: child.stdout }).once("line", (line) => {
        clearTimeout(timer);
        resolve((JSON.parse(line) as { url: string }).url);
      });
    child.once("exit", (code) => reject(new Error(`the bare server exited with ${code}`)));
  });
  return {
    name: "bare fastify (read + parse)",
    url,
    stop: async () => {
      child.kill("SIGTERM");
      await exited;
    },
  };
}

async function hammer(
  target: Target,
  bodies: Buffer[],
  encoding: Encoding,
  seconds: number,
  connections: number,
) {
  const result = await autocannon({
    url: `${target.url}/v1/traces`,
    connections,
    duration: seconds,
    timeout: 30,
    requests: bodies.map((body) => ({
      method: "POST",
      path: "/v1/traces",
      headers: { "content-type": CONTENT_TYPE[encoding] },
      body,
    })),
  });
  const ok = result["2xx"];
  return {
    spansPerSecond: (ok * SPANS_PER_REQUEST) / result.duration,
    requests: ok,
    failed: result.non2xx + result.errors + result.timeouts,
    p50: result.latency.p50,
    p99: result.latency.p99,
  };
}

export interface IngestResult {
  rows: SummaryRow[];
}

export async function runIngest(): Promise<IngestResult> {
  const seconds = envNumber("BENCH_INGEST_SECONDS", 5);
  const warmup = envNumber("BENCH_INGEST_WARMUP_SECONDS", 2);
  const connections = envNumber("BENCH_INGEST_CONNECTIONS", 32);
  const rounds = envNumber("BENCH_INGEST_ROUNDS", 3);

  const spanSets = Array.from({ length: DISTINCT_BODIES }, (_, k) =>
    makeTraces(34, k * 34)
      .flat()
      .slice(0, SPANS_PER_REQUEST),
  );
  const bodies: Record<Encoding, Buffer[]> = {
    protobuf: spanSets.map((spans) => serialize(spans, "protobuf")),
    json: spanSets.map((spans) => serialize(spans, "json")),
  };
  const avgBytes = (list: Buffer[]) => list.reduce((s, b) => s + b.length, 0) / list.length;
  process.stdout.write(
    `ingest: ${SPANS_PER_REQUEST} spans per request, protobuf ${fmt(avgBytes(bodies.protobuf) / 1024)} KiB, ` +
      `JSON ${fmt(avgBytes(bodies.json) / 1024)} KiB per body; ${connections} connections, ` +
      `${rounds} rounds of ${seconds} s per server, taking turns, after ${warmup} s of warm-up\n`,
  );

  const bare = await startBareServer();
  let engine: ChildService | undefined;
  try {
    // The API role alone: spans are decoded, normalised, redacted and buffered in Redis; no
    // scanner or worker runs in that process, and the trace wait is an hour anyway.
    engine = await startChildService(
      { trace_wait_ms: 3_600_000, backpressure: { max_spooled_requests: 1_000_000 } },
      "api",
    );
    const targets: Target[] = [bare, { name: "tracejudge api", url: engine.url }];
    const enginePrefix = engine.prefix;
    const table: (string | number)[][] = [];
    const rows: SummaryRow[] = [];
    for (const encoding of ["protobuf", "json"] as const) {
      for (const target of targets) {
        if (warmup > 0) await hammer(target, bodies[encoding], encoding, warmup, connections);
      }
      // Bare and engine take turns, so that whatever else loads the machine meanwhile weighs on
      // both; the median of the rounds is reported.
      const measured: number[][] = [[], []];
      for (let round = 0; round < rounds; round++) {
        for (const [i, target] of targets.entries()) {
          // Requests the API spooled (no worker reads them here) are dropped between runs, so
          // that Redis does not fill up over the rounds.
          await deleteRedisPrefix(`${enginePrefix}:ingest:`);
          await sleep(500);
          const r = await hammer(target, bodies[encoding], encoding, seconds, connections);
          measured[i]?.push(r.spansPerSecond);
          table.push([
            encoding,
            `${target.name}, round ${round + 1}`,
            fmt(r.spansPerSecond),
            fmt(r.requests),
            r.failed,
            `${fmt(r.p50)} / ${fmt(r.p99)}`,
          ]);
        }
      }
      const ceiling = median(measured[0] ?? []);
      const engineRate = median(measured[1] ?? []);
      const q = ratio(engineRate, ceiling);
      table.push([encoding, "ratio of the medians, engine / bare", fmt(q, 2), "", "", ""]);
      rows.push({
        benchmark: `ingest ${encoding} (spans/s, median of ${rounds})`,
        engine: fmt(engineRate),
        ceiling: fmt(ceiling),
        ratio: fmt(q, 2),
        target: ">= 0.50",
        met: q >= 0.5 ? "yes" : "no",
      });
    }
    printTable(
      "Ingest: OTLP/HTTP spans per second",
      ["encoding", "server", "spans/s", "requests", "non-2xx/errors", "latency p50 / p99 (ms)"],
      table,
    );
    if (engine.warnings.length > 0)
      process.stdout.write(`service warnings:\n${engine.warnings.join("\n")}\n`);
    return { rows };
  } finally {
    await engine?.stop();
    await bare.stop();
  }
}

runIfMain(import.meta.url, async () => {
  const { rows } = await runIngest();
  printTable(
    "Ingest summary",
    ["benchmark", "engine", "ceiling", "ratio", "target", "met"],
    rows.map((r) => [r.benchmark, r.engine, r.ceiling, r.ratio, r.target, r.met]),
  );
});
