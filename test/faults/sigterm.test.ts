import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { ensureDatabase } from "../../src/store/migrate.ts";
import { freePorts } from "../support/free-ports.ts";
import { ragTraceSpans } from "../support/otel-spans.ts";
import {
  deleteRedisPrefix,
  eventually,
  REDIS_URL,
  testDatabaseUrl,
  testRedisPrefix,
} from "../support/services.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");
const BIN = path.join(ROOT, "bin/tracejudge.mjs");
const dir = mkdtempSync(path.join(tmpdir(), "tj-term-"));
const db = testDatabaseUrl();
const prefix = testRedisPrefix();
const GRACE_MS = 6000;
const TRACES = 20;

writeFileSync(
  path.join(dir, "slow.ts"),
  `import { defineEvaluator } from ${JSON.stringify(path.join(ROOT, "src/index.ts"))};
export const slow = defineEvaluator({
  name: "test.slow", version: "1",
  evaluate: async () => { await new Promise((r) => setTimeout(r, 1500)); return { score: 1 }; },
});
`,
);

function start(port: number): ChildProcess {
  const file = path.join(dir, `config-${port}.yaml`);
  writeFileSync(
    file,
    stringify({
      database_url: db.url,
      redis_url: REDIS_URL,
      redis_prefix: prefix,
      trace_wait_ms: 200,
      shutdown_grace_ms: GRACE_MS,
      log_level: "warn",
      server: { port },
      evaluator_modules: ["./slow.ts"],
      evaluators: [
        { name: "groundedness", enabled: false },
        { name: "hallucination", enabled: false },
      ],
      workers: { scan_interval_ms: 50, lock_ms: 2000 },
    }),
  );
  return spawn(process.execPath, [BIN, "start"], {
    env: { PATH: process.env.PATH ?? "", TRACEJUDGE_CONFIG: file },
    stdio: ["ignore", "ignore", "inherit"],
  });
}

const children: ChildProcess[] = [];
let pool: pg.Pool | undefined;

afterAll(async () => {
  for (const child of children) child.kill("SIGKILL");
  await pool?.end();
  await db.drop();
  await deleteRedisPrefix(prefix);
});

describe("SIGTERM", () => {
  it("stops accepting, lets running evaluations finish, exits within the grace period, and loses nothing", async () => {
    await ensureDatabase(db.url);
    pool = new pg.Pool({ connectionString: db.url });
    const [port = 0] = await freePorts(1);
    const first = start(port);
    children.push(first);
    const url = `http://127.0.0.1:${port}`;
    await eventually(
      async () => ((await fetch(`${url}/readyz`)).status === 200 ? true : undefined),
      30_000,
      "ready",
    );

    const spans = Array.from({ length: TRACES }, () => ragTraceSpans()).flat();
    const body = Buffer.from(ProtobufTraceSerializer.serializeRequest(spans) as Uint8Array);
    expect(
      (
        await fetch(`${url}/v1/traces`, {
          method: "POST",
          headers: { "content-type": "application/x-protobuf" },
          body,
        })
      ).status,
    ).toBe(200);
    // Wait until evaluations are running (the evaluator takes 1.5 s each).
    await new Promise((r) => setTimeout(r, 800));

    const started = Date.now();
    const exited = new Promise<number | null>((resolve) =>
      first.once("exit", (code) => resolve(code)),
    );
    first.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(GRACE_MS);
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();

    // Whatever was left goes to the next process; nothing is lost or done twice.
    const next = start(port + 1);
    children.push(next);
    const count = async () =>
      (
        await (pool as pg.Pool).query<{ rows: number; spans: number }>(
          "SELECT count(*)::int AS rows, count(DISTINCT (trace_id, span_id))::int AS spans FROM eval_events",
        )
      ).rows[0];
    await eventually(
      async () => ((await count())?.rows === TRACES ? true : undefined),
      40_000,
      "every verdict",
    );
    await new Promise((r) => setTimeout(r, 1000));
    expect(await count()).toEqual({ rows: TRACES, spans: TRACES });
  }, 120_000);
});
