/**
 * Ingest benchmark: OTLP/HTTP spans per second into the service (API role alone, so no assembly
 * competes) against a bare fastify server that only reads and parses the same bodies, protobuf
 * and JSON, 100 spans per request, many connections (autocannon). Target: ratio >= 0.5. The
 * service runs twice: by default (check, spool the body) and with `redaction.before_queue`
 * (decode, normalise, redact, buffer), each with its CPU per span, to show what strict costs.
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
import {
  type ChildService,
  ROOT,
  redisCpuSeconds,
  startChildService,
} from "./lib/child-service.ts";
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
  /** The server's CPU time so far (user + system, s); absent for the bare server. */
  cpuSeconds?: () => number;
  /** Drops what the server left in Redis, between runs. */
  clean?: () => Promise<void>;
}

/** A child service as a target: what it spools or buffers (no worker reads it) is dropped between runs. */
function serviceTarget(name: string, service: ChildService): Target {
  return {
    name,
    url: service.url,
    cpuSeconds: () => service.cpuSeconds(),
    clean: async () => {
      // Spooled bodies and their jobs, or buffered traces and the pending set.
      await deleteRedisPrefix(`${service.prefix}:ingest:`);
      await deleteRedisPrefix(`${service.prefix}:trace`);
    },
  };
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
  const engines: ChildService[] = [];
  try {
    // The API role alone: by default it checks each request and spools it in Redis; with
    // redaction.before_queue it also decodes, normalises, redacts and buffers the spans. No
    // scanner or worker runs in that process, and the trace wait is an hour anyway.
    const settings = {
      trace_wait_ms: 3_600_000,
      backpressure: { max_spooled_requests: 1_000_000, max_pending_traces: 1_000_000 },
    };
    const engine = await startChildService(settings, "api");
    engines.push(engine);
    const strict = await startChildService(
      { ...settings, redaction: { before_queue: true } },
      "api",
    );
    engines.push(strict);
    const targets: Target[] = [
      bare,
      serviceTarget("tracejudge api", engine),
      serviceTarget("tracejudge api, redaction.before_queue", strict),
    ];
    const table: (string | number)[][] = [];
    const rows: SummaryRow[] = [];
    for (const encoding of ["protobuf", "json"] as const) {
      for (const target of targets) {
        if (warmup > 0) await hammer(target, bodies[encoding], encoding, warmup, connections);
      }
      // The servers take turns, so that whatever else loads the machine meanwhile weighs on
      // each; the median of the rounds is reported.
      const measured = targets.map(() => ({ rate: [] as number[], cpuUs: [] as number[] }));
      for (let round = 0; round < rounds; round++) {
        for (const [i, target] of targets.entries()) {
          // What the API left in Redis (no worker reads it here) is dropped between runs, so
          // that Redis does not fill up over the rounds.
          for (const t of targets) await t.clean?.();
          await sleep(500);
          const cpuBefore = target.cpuSeconds?.() ?? Number.NaN;
          const redisBefore = await redisCpuSeconds();
          const r = await hammer(target, bodies[encoding], encoding, seconds, connections);
          const spans = r.requests * SPANS_PER_REQUEST;
          // Per span accepted: the API's CPU, and Redis's for what the API wrote.
          const cpuUs = (((target.cpuSeconds?.() ?? Number.NaN) - cpuBefore) * 1e6) / spans;
          const redisUs = (((await redisCpuSeconds()) - redisBefore) * 1e6) / spans;
          measured[i]?.rate.push(r.spansPerSecond);
          measured[i]?.cpuUs.push(cpuUs);
          table.push([
            encoding,
            `${target.name}, round ${round + 1}`,
            fmt(r.spansPerSecond),
            fmt(r.requests),
            r.failed,
            `${fmt(r.p50)} / ${fmt(r.p99)}`,
            target.cpuSeconds ? fmt(cpuUs, 1) : "",
            fmt(redisUs, 1),
          ]);
        }
      }
      const rate = (i: number) => median(measured[i]?.rate ?? []);
      const cpuUs = (i: number) => median(measured[i]?.cpuUs ?? []);
      const ceiling = rate(0);
      for (const [i, target] of targets.entries()) {
        if (i === 0) continue;
        const q = ratio(rate(i), ceiling);
        table.push([
          encoding,
          `${target.name}: median, ratio to bare ${fmt(q, 2)}`,
          fmt(rate(i)),
          "",
          "",
          "",
          fmt(cpuUs(i), 1),
          "",
        ]);
      }
      const strictCost = ratio(rate(2), rate(1));
      table.push([
        encoding,
        `redaction.before_queue / default: spans/s ${fmt(strictCost, 2)}, API CPU per span ${fmt(ratio(cpuUs(2), cpuUs(1)), 2)}`,
        "",
        "",
        "",
        "",
        "",
        "",
      ]);
      const q = ratio(rate(1), ceiling);
      rows.push({
        benchmark: `ingest ${encoding} (spans/s, median of ${rounds})`,
        engine: fmt(rate(1)),
        ceiling: fmt(ceiling),
        ratio: fmt(q, 2),
        target: ">= 0.50",
        met: q >= 0.5 ? "yes" : "no",
      });
      rows.push({
        benchmark: `ingest ${encoding}, redaction.before_queue (spans/s; API CPU ${fmt(cpuUs(2), 1)} µs per span against ${fmt(cpuUs(1), 1)})`,
        engine: fmt(rate(2)),
        ceiling: fmt(ceiling),
        ratio: fmt(ratio(rate(2), ceiling), 2),
        target: "(the cost of strict mode)",
        met: "n/a",
      });
    }
    printTable(
      "Ingest: OTLP/HTTP spans per second",
      [
        "encoding",
        "server",
        "spans/s",
        "requests",
        "non-2xx/errors",
        "latency p50 / p99 (ms)",
        "API CPU per span (µs)",
        "Redis CPU per span (µs)",
      ],
      table,
    );
    for (const service of engines) {
      if (service.warnings.length > 0)
        process.stdout.write(`service warnings:\n${service.warnings.join("\n")}\n`);
    }
    return { rows };
  } finally {
    for (const service of engines) await service.stop();
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
