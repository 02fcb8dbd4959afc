/**
 * The service as a child process (`node bin/tracejudge.mjs start|api`), so that it has a core of
 * its own and its resident memory is its alone. Each instance gets a database and a Redis prefix
 * of its own, both removed by `stop()`.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import pg from "pg";
import type { ConfigInput } from "../../../src/config/config-schema.ts";
import { deleteRedisPrefix, REDIS_URL, testDatabaseUrl } from "../../../test/support/services.ts";
import { waitForStart } from "../../../test/support/wait-for-start.ts";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

/** Variables that would override the config file in the child. */
const OVERRIDING = /^(DATABASE_URL|REDIS_URL|PORT|HOST|TRACEJUDGE_.*|OPENAI_.*|OTEL_.*)$/;

export interface ChildService {
  url: string;
  pid: number;
  prefix: string;
  databaseUrl: string;
  /** A pool on the service's database, for counting eval events. */
  pool: pg.Pool;
  /** Lines the service logged at warn level or above (the first 20). */
  warnings: string[];
  /** Resident set size of the process in bytes (Linux /proc). */
  rss(): number;
  /** CPU time the process has used so far, user and system, in seconds (Linux /proc). */
  cpuSeconds(): number;
  /** The same, split into user and system (kernel: system calls, the network) time. */
  cpuTimes(): { user: number; system: number };
  stop(): Promise<void>;
}

const running = new Set<ChildService>();

/** Stops every service still running (on an error or Ctrl-C). */
export async function stopAll(): Promise<void> {
  await Promise.allSettled([...running].map((s) => s.stop()));
}

process.once("SIGINT", () => {
  stopAll().finally(() => process.exit(130));
});

export function randomPrefix(): string {
  return `{tjbench-${randomBytes(5).toString("hex")}}`;
}

/** This process's environment for a child, without what would override its config file. */
export function childEnv(configFile: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env))
    if (value !== undefined && !OVERRIDING.test(key)) env[key] = value;
  env.TRACEJUDGE_CONFIG = configFile;
  return env;
}

export async function startChildService(
  config: Partial<ConfigInput>,
  role: "start" | "api" = "start",
): Promise<ChildService> {
  const db = testDatabaseUrl();
  const prefix = randomPrefix();
  const file = join(tmpdir(), `tracejudge-bench-${prefix.slice(1, -1)}.yaml`);
  const full = {
    log_level: "info",
    ...config,
    server: { host: "127.0.0.1", port: 0, ...config.server },
    database_url: db.url,
    redis_url: REDIS_URL,
    redis_prefix: prefix,
  };
  // YAML is a superset of JSON.
  writeFileSync(file, JSON.stringify(full, null, 2));
  const env = childEnv(file);

  // BENCH_CPU_PROF_DIR=dir: a V8 CPU profile of the service, written when it exits.
  const profile = process.env.BENCH_CPU_PROF_DIR
    ? ["--cpu-prof", `--cpu-prof-dir=${resolve(process.env.BENCH_CPU_PROF_DIR)}`]
    : [];
  const args = [...profile, ...serviceArgs(role)];
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: ROOT,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const warnings: string[] = [];
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  const url = await waitForStart(child, "the service", warnings).catch(async (err) => {
    child.kill("SIGKILL");
    await exited;
    await db.drop().catch(() => {});
    await deleteRedisPrefix(prefix).catch(() => {});
    rmSync(file, { force: true });
    throw err;
  });

  const pool = new pg.Pool({ connectionString: db.url, max: 4 });
  let stopping: Promise<void> | undefined;
  const service: ChildService = {
    url,
    pid: child.pid as number,
    prefix,
    databaseUrl: db.url,
    pool,
    warnings,
    rss: () => {
      const status = readFileSync(`/proc/${child.pid}/status`, "utf8");
      const kb = /VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1];
      return kb ? Number(kb) * 1024 : Number.NaN;
    },
    cpuSeconds: () => processCpuSeconds(child.pid as number),
    cpuTimes: () => processCpuTimes(child.pid as number),
    stop: () => {
      stopping ??= (async () => {
        running.delete(service);
        if (child.exitCode === null && child.signalCode === null) {
          child.kill("SIGTERM");
          const killer = setTimeout(() => child.kill("SIGKILL"), 35_000);
          await exited;
          clearTimeout(killer);
        }
        await pool.end().catch(() => {});
        await db.drop().catch(() => {});
        await deleteRedisPrefix(prefix).catch(() => {});
        rmSync(file, { force: true });
      })();
      return stopping;
    },
  };
  running.add(service);
  return service;
}

/** utime + stime of a process from /proc/PID/stat, in seconds (USER_HZ is 100 on Linux). */
export function processCpuSeconds(pid: number): number {
  const { user, system } = processCpuTimes(pid);
  return user + system;
}

/** User and system CPU time of a process from /proc/PID/stat, in seconds (USER_HZ is 100). */
export function processCpuTimes(pid: number): { user: number; system: number } {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after "pid (comm) ", whose name may hold spaces: utime is field 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { user: Number(fields[11]) / 100, system: Number(fields[12]) / 100 };
  } catch {
    return { user: Number.NaN, system: Number.NaN }; // the process is gone
  }
}

/**
 * Node's arguments for `tracejudge <role>`, with the young-generation size the Dockerfile and
 * `npm start` run the service with.
 */
export function serviceArgs(role: string): string[] {
  return ["--max-semi-space-size=32", join(ROOT, "bin/tracejudge.mjs"), role];
}

/** CPU time the benchmark's Redis server has used, user and system, in seconds (INFO cpu). */
export async function redisCpuSeconds(): Promise<number> {
  const redis = new Redis(REDIS_URL);
  try {
    const info = await redis.info("cpu");
    const read = (name: string) => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? 0);
    return read("used_cpu_user") + read("used_cpu_sys");
  } finally {
    redis.disconnect();
  }
}

/** Linux's USER_HZ: /proc reports CPU time in these ticks on every architecture Node runs on. */
const CLOCK_TICKS_PER_SECOND = 100;

/** CPU ticks (user + system) of each running PostgreSQL server process, by pid. */
export function postgresCpuTicks(): Map<number, number> {
  const ticks = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // "pid (comm) state ppid …": comm may hold spaces, so fields count from its closing ")".
      const close = stat.lastIndexOf(")");
      if (stat.slice(stat.indexOf("(") + 1, close) !== "postgres") continue;
      const fields = stat.slice(close + 2).split(" ");
      ticks.set(Number(entry), Number(fields[11]) + Number(fields[12]));
    } catch {
      // The process ended between the listing and the read.
    }
  }
  return ticks;
}

/**
 * CPU seconds PostgreSQL used between two readings of `postgresCpuTicks`: processes that started
 * in between count from zero; those that ended in between are missed (the service's pool keeps
 * its connections, so what is missed is the odd autovacuum worker).
 */
export function postgresCpuSecondsSince(before: Map<number, number>): number {
  let ticks = 0;
  for (const [pid, now] of postgresCpuTicks()) ticks += now - (before.get(pid) ?? 0);
  return ticks / CLOCK_TICKS_PER_SECOND;
}

/** Eval events stored so far. */
export async function countEvents(pool: pg.Pool): Promise<number> {
  const { rows } = await pool.query<{ n: string }>("SELECT count(*)::text AS n FROM eval_events");
  return Number(rows[0]?.n ?? 0);
}

/** Polls until at least `expected` eval events are stored; resolves the time (ms) it saw them. */
export async function waitForEvents(
  pool: pg.Pool,
  expected: number,
  timeoutMs: number,
  pollMs = 100,
): Promise<{ count: number; at: number; timedOut: boolean }> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const count = await countEvents(pool);
    const at = performance.now();
    if (count >= expected) return { count, at, timedOut: false };
    if (at > deadline) return { count, at, timedOut: true };
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
