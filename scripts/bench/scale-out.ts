/**
 * Scale-out benchmark on the real distributed engine: one `tracejudge api` process and N
 * `tracejudge worker` processes (N = 1, 2, 4 by default), all sharing one PostgreSQL database and
 * one Redis prefix of the benchmark's own (fresh for each N, removed after it). The same workload
 * for each N: a burst of RAG traces sent as OTLP/protobuf (one LLM span each), sampling 100%, the
 * two built-in offline evaluators, timed from the first request until every eval event is stored.
 * Prints LLM spans/s per N and the speed-up over N = 1, with the CPU each process used.
 *
 * Every process shares the machine's cores with Redis, PostgreSQL and the load generator: with
 * more worker processes than cores they compete for CPU, and the curve flattens or falls.
 *
 *   npm run bench:scale
 *   BENCH_SCALE_WORKERS=1,2,4 BENCH_SCALE_TRACES=3000 BENCH_SCALE_WARMUP_TRACES=200
 *   BENCH_CONCURRENCY=50 BENCH_TRACE_WAIT_MS=200 BENCH_TIMEOUT_S=300 (per N)
 *   BENCH_SCALE_DEADLINE_S=1500 (the whole run) BENCH_TRACE_CONCURRENCY and BENCH_SCAN_INTERVAL_MS
 *   (default: the service's)
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import type { ConfigInput } from "../../src/config/config-schema.ts";
import { deleteRedisPrefix, REDIS_URL, testDatabaseUrl } from "../../test/support/services.ts";
import { waitForStart } from "../../test/support/wait-for-start.ts";
import { type BurstResult, burst } from "./lib/burst.ts";
import {
  type ChildService,
  childEnv,
  processCpuSeconds,
  processCpuTimes,
  ROOT,
  randomPrefix,
  serviceArgs,
} from "./lib/child-service.ts";
import {
  envNumber,
  fmt,
  printSummary,
  printTable,
  runIfMain,
  type SummaryRow,
} from "./lib/report.ts";

/** The two built-in offline evaluators judge every LLM span. */
const EVALUATORS_PER_SPAN = 2;

type Role = "api" | "worker";

interface RoleProcess {
  role: Role;
  pid: number;
  url: string;
  warnings: string[];
  /** User + system CPU seconds the process has used so far. */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

/** Every child still running, killed synchronously if the benchmark exits early. */
const children = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of children) child.kill("SIGKILL");
});
process.once("SIGINT", () => {
  for (const child of children) child.kill("SIGKILL");
});

/** Busy and total jiffies of the whole machine (every core), from /proc/stat. */
function machineTicks(): { busy: number; total: number } {
  const line = readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "";
  const values = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = values.reduce((s, v) => s + v, 0);
  const idle = (values[3] ?? 0) + (values[4] ?? 0);
  return { busy: total - idle, total };
}

/** Starts `node bin/tracejudge.mjs <role>` on the config file; resolves once it has started. */
async function startRole(role: Role, configFile: string): Promise<RoleProcess> {
  const child = spawn(process.execPath, serviceArgs(role), {
    cwd: ROOT,
    env: childEnv(configFile),
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.add(child);
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  exited.then(() => children.delete(child));
  const warnings: string[] = [];
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const killer = setTimeout(() => child.kill("SIGKILL"), 35_000);
        await exited;
        clearTimeout(killer);
      }
    })();
    return stopping;
  };
  try {
    const url = await waitForStart(child, role, warnings);
    return {
      role,
      pid: child.pid as number,
      url,
      warnings,
      cpuSeconds: () => processCpuSeconds(child.pid as number),
      stop,
    };
  } catch (err) {
    child.kill("SIGKILL");
    await exited;
    throw err;
  }
}

export interface ScaleOutRun {
  workers: number;
  result: BurstResult;
  apiCpuSeconds: number;
  workerCpuSeconds: number[];
  /** Cores' worth of CPU the whole machine was busy during the measured burst. */
  machineBusyCores: number;
  /** The 1-minute load average just before the run (other work on the machine shows here). */
  loadBefore: number;
  warnings: string[];
}

/** The resources of the run in progress, for the deadline to clean up. */
let current: { cleanup: () => Promise<void> } | undefined;

async function runOnce(
  workers: number,
  settings: {
    traces: number;
    warmupTraces: number;
    concurrency: number;
    traceWaitMs: number;
    traceConcurrency: number;
    // 0: the service's default `workers.scan_interval_ms`.
    scanIntervalMs: number;
    timeoutMs: number;
  },
): Promise<ScaleOutRun> {
  const db = testDatabaseUrl();
  const prefix = randomPrefix();
  const file = join(tmpdir(), `tracejudge-bench-scale-${prefix.slice(1, -1)}.yaml`);
  const config: Partial<ConfigInput> & Record<string, unknown> = {
    log_level: "info",
    trace_wait_ms: settings.traceWaitMs,
    sampling: { rate: 1 },
    workers: {
      evaluation_concurrency: settings.concurrency,
      ...(settings.traceConcurrency > 0 ? { trace_concurrency: settings.traceConcurrency } : {}),
      ...(settings.scanIntervalMs > 0 ? { scan_interval_ms: settings.scanIntervalMs } : {}),
    },
    server: { host: "127.0.0.1", port: 0 },
    database_url: db.url,
    redis_url: REDIS_URL,
    redis_prefix: prefix,
  };
  // YAML is a superset of JSON.
  writeFileSync(file, JSON.stringify(config, null, 2));

  const processes: RoleProcess[] = [];
  let pool: pg.Pool | undefined;
  let cleaned: Promise<void> | undefined;
  const cleanup = () => {
    cleaned ??= (async () => {
      await Promise.allSettled(processes.map((p) => p.stop()));
      await pool?.end().catch(() => {});
      await db.drop().catch(() => {});
      await deleteRedisPrefix(prefix).catch(() => {});
      rmSync(file, { force: true });
    })();
    return cleaned;
  };
  current = { cleanup };
  const loadBefore = loadavg()[0] ?? Number.NaN;
  try {
    // The API first: it creates the database and applies the migrations; the workers then start
    // together on the same database and prefix.
    const api = await startRole("api", file);
    processes.push(api);
    const started = await Promise.allSettled(
      Array.from({ length: workers }, () => startRole("worker", file)),
    );
    for (const s of started) if (s.status === "fulfilled") processes.push(s.value);
    const failed = started.find((s) => s.status === "rejected");
    if (failed) throw (failed as PromiseRejectedResult).reason;
    const workerProcesses = processes.slice(1);

    pool = new pg.Pool({ connectionString: db.url, max: 4 });
    const service: ChildService = {
      url: api.url,
      pid: api.pid,
      prefix,
      databaseUrl: db.url,
      pool,
      warnings: api.warnings,
      rss: () => Number.NaN,
      // Every process of the deployment: the API and the workers.
      cpuSeconds: () => processes.reduce((sum, p) => sum + processCpuSeconds(p.pid), 0),
      cpuTimes: () =>
        processes.reduce(
          (sum, p) => {
            const t = processCpuTimes(p.pid);
            return { user: sum.user + t.user, system: sum.system + t.system };
          },
          { user: 0, system: 0 },
        ),
      stop: cleanup,
    };
    if (settings.warmupTraces > 0) {
      const warm = await burst(service, {
        traces: settings.warmupTraces,
        evaluatorsPerSpan: EVALUATORS_PER_SPAN,
        traceWaitMs: settings.traceWaitMs,
        timeoutMs: settings.timeoutMs,
      });
      if (warm.timedOut) throw new Error(`the warm-up timed out with ${workers} worker(s)`);
    }
    const apiCpu0 = api.cpuSeconds();
    const workerCpu0 = workerProcesses.map((w) => w.cpuSeconds());
    const machine0 = machineTicks();
    const result = await burst(service, {
      traces: settings.traces,
      evaluatorsPerSpan: EVALUATORS_PER_SPAN,
      traceWaitMs: settings.traceWaitMs,
      timeoutMs: settings.timeoutMs,
      firstIndex: settings.warmupTraces,
    });
    const machine1 = machineTicks();
    const cores = availableParallelism();
    return {
      workers,
      result,
      apiCpuSeconds: api.cpuSeconds() - apiCpu0,
      workerCpuSeconds: workerProcesses.map((w, i) => w.cpuSeconds() - (workerCpu0[i] ?? 0)),
      machineBusyCores:
        ((machine1.busy - machine0.busy) / Math.max(1, machine1.total - machine0.total)) * cores,
      loadBefore,
      warnings: processes.flatMap((p) => p.warnings.map((w) => `${p.role} ${p.pid}: ${w}`)),
    };
  } finally {
    await cleanup();
    current = undefined;
  }
}

function parseWorkers(raw: string | undefined): number[] {
  const list = (raw ?? "1,2,4")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "")
    .map(Number);
  if (list.length === 0 || list.some((n) => !Number.isInteger(n) || n < 1 || n > 32))
    throw new Error(`BENCH_SCALE_WORKERS must be a list like 1,2,4, got "${raw}"`);
  return list;
}

export async function runScaleOut(): Promise<{ rows: SummaryRow[]; runs: ScaleOutRun[] }> {
  const counts = parseWorkers(process.env.BENCH_SCALE_WORKERS);
  const settings = {
    traces: envNumber("BENCH_SCALE_TRACES", 3000),
    warmupTraces: envNumber("BENCH_SCALE_WARMUP_TRACES", 200),
    concurrency: envNumber("BENCH_CONCURRENCY", 50),
    traceWaitMs: envNumber("BENCH_TRACE_WAIT_MS", 200),
    // 0: the service's default `workers.trace_concurrency`.
    traceConcurrency: envNumber("BENCH_TRACE_CONCURRENCY", 0),
    scanIntervalMs: envNumber("BENCH_SCAN_INTERVAL_MS", 0),
    timeoutMs: envNumber("BENCH_TIMEOUT_S", 300) * 1000,
  };
  const deadlineS = envNumber("BENCH_SCALE_DEADLINE_S", 1500);
  const cores = availableParallelism();
  process.stdout.write(
    `scale-out: 1 api process + ${counts.join(", ")} worker process(es); each run ${settings.traces} traces ` +
      `(3 spans, 1 LLM span each) after ${settings.warmupTraces} warm-up traces, evaluation concurrency ` +
      `${settings.concurrency} per worker, trace concurrency ${settings.traceConcurrency || "default"} per worker, ` +
      `trace wait ${settings.traceWaitMs} ms; ${cores} cores; whole run bounded to ${deadlineS} s\n`,
  );

  // The whole benchmark is bounded: past the deadline every child is killed and its state removed.
  const deadline = setTimeout(() => {
    process.stderr.write(`scale-out: over the ${deadlineS} s deadline; stopping\n`);
    const run = current;
    for (const child of children) child.kill("SIGKILL");
    const cleanup = run ? run.cleanup() : Promise.resolve();
    Promise.race([cleanup, new Promise((r) => setTimeout(r, 15_000))]).finally(() =>
      process.exit(1),
    );
  }, deadlineS * 1000);

  const runs: ScaleOutRun[] = [];
  try {
    for (const n of counts) {
      process.stdout.write(`  ${n} worker process(es)... `);
      const run = await runOnce(n, settings);
      runs.push(run);
      process.stdout.write(
        `${fmt(run.result.spansPerSecond)} LLM spans/s (${fmt(run.result.totalSeconds)} s)\n`,
      );
    }
  } finally {
    clearTimeout(deadline);
  }

  const base = runs.find((r) => r.workers === 1)?.result.spansPerSecond;
  const speedUp = (r: ScaleOutRun) => (base ? r.result.spansPerSecond / base : Number.NaN);
  printTable(
    "Scale-out: 1 `tracejudge api` + N `tracejudge worker` processes, OTLP request → both offline eval events stored",
    [
      "worker processes",
      "LLM spans/s",
      "speed-up vs 1",
      "events stored / expected",
      "total (s)",
      "CPU s: api",
      "CPU s: each worker",
      "worker CPU ms / LLM span",
      "machine busy (cores)",
      "load avg before",
    ],
    runs.map((r) => [
      r.workers,
      fmt(r.result.spansPerSecond),
      base ? `${fmt(speedUp(r), 2)}×` : "n/a (no N = 1 run)",
      `${r.result.stored} / ${r.result.expected}${r.result.timedOut ? " (timed out)" : ""}`,
      fmt(r.result.totalSeconds),
      fmt(r.apiCpuSeconds, 1),
      r.workerCpuSeconds.map((s) => fmt(s, 1)).join(", "),
      fmt(
        (r.workerCpuSeconds.reduce((a, b) => a + b, 0) * 1000) /
          Math.max(1, r.result.stored / EVALUATORS_PER_SPAN),
        2,
      ),
      `${fmt(r.machineBusyCores, 2)} of ${cores}`,
      fmt(r.loadBefore, 2),
    ]),
  );
  process.stdout.write(
    `Note: this machine has ${cores} cores, shared by the api process, the worker processes, Redis, ` +
      "PostgreSQL, this load generator and any other work running at the time (the load average " +
      `before each run shows it). With more than ${cores} worker processes they compete for CPU, so ` +
      "the curve is expected to flatten there, or fall, as every process also pays its own fixed costs " +
      "(queue polling, garbage collection, context switches) on the same cores; the worker CPU per " +
      "LLM span shows it. The speed-up measures this machine, not the engine's limit on a bigger one.\n",
  );
  const warnings = runs.flatMap((r) => r.warnings);
  if (warnings.length > 0) process.stdout.write(`service warnings:\n${warnings.join("\n")}\n`);

  const rows: SummaryRow[] = runs.map((r) => ({
    benchmark: `scale-out, ${r.workers} worker process${r.workers === 1 ? "" : "es"} (LLM spans/s, speed-up vs 1)`,
    engine: fmt(r.result.spansPerSecond),
    ceiling: base ? `${fmt(base * r.workers)} (linear)` : "n/a",
    ratio: base ? `${fmt(speedUp(r), 2)}×` : "n/a",
    target: `(context, ${cores} cores)`,
    met: r.result.timedOut ? "no" : "n/a",
  }));
  return { rows, runs };
}

runIfMain(import.meta.url, async () => {
  const { rows } = await runScaleOut();
  printSummary(rows);
});
