import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ExportResultCode } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { ragTraceSpans } from "../support/otel-spans.ts";
import { eventually } from "../support/services.ts";
import { startTestService, type TestService } from "../support/test-service.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");
const BIN = path.join(ROOT, "bin/tracejudge.mjs");
const TRACES = 300;
const dir = mkdtempSync(path.join(tmpdir(), "tj-kill-"));

/** Slow enough that a kill lands in the middle of a batch of concurrent evaluations. */
const slowModule = path.join(dir, "slow.ts");
writeFileSync(
  slowModule,
  `import { defineEvaluator } from ${JSON.stringify(path.join(ROOT, "src/index.ts"))};
export const slow = defineEvaluator({
  name: "test.slow", version: "1",
  evaluate: async () => { await new Promise((r) => setTimeout(r, 150)); return { score: 1 }; },
});
`,
);

const evaluatorSettings = {
  evaluator_modules: [slowModule],
  evaluators: [
    { name: "groundedness", enabled: false },
    { name: "hallucination", enabled: false },
  ],
  workers: { lock_ms: 2000, scan_interval_ms: 50, backoff_ms: 50 },
};

let api: TestService;
let pool: pg.Pool;
const children: ChildProcess[] = [];

function startWorker(): ChildProcess {
  const file = path.join(dir, `worker-${children.length}.yaml`);
  writeFileSync(
    file,
    stringify({
      ...evaluatorSettings,
      database_url: api.config.database_url,
      redis_url: api.config.redis_url,
      redis_prefix: api.config.redis_prefix,
      trace_wait_ms: api.config.trace_wait_ms,
      log_level: "warn",
      server: { port: 0 },
    }),
  );
  const child = spawn(process.execPath, [BIN, "worker"], {
    env: { PATH: process.env.PATH ?? "", TRACEJUDGE_CONFIG: file },
    stdio: ["ignore", "ignore", "inherit"],
  });
  children.push(child);
  return child;
}

async function stored(): Promise<{ rows: number; spans: number }> {
  const { rows } = await pool.query<{ rows: number; spans: number }>(
    "SELECT count(*)::int AS rows, count(DISTINCT (trace_id, span_id))::int AS spans FROM eval_events",
  );
  return rows[0] as { rows: number; spans: number };
}

beforeAll(async () => {
  api = await startTestService(evaluatorSettings, { roles: { api: true, workers: false } });
  pool = new pg.Pool({ connectionString: api.config.database_url });
});

afterAll(async () => {
  for (const child of children) child.kill("SIGKILL");
  await pool?.end();
  await api?.stop();
});

describe("a worker killed with SIGKILL in the middle of a batch", () => {
  it("leaves every span with exactly its eval event once a new worker takes over", async () => {
    const first = startWorker();
    const exporter = new OTLPTraceExporter({ url: `${api.url}/v1/traces` });
    const spans = Array.from({ length: TRACES }, () => ragTraceSpans()).flat();
    await new Promise<void>((resolve, reject) =>
      exporter.export(spans, (r) =>
        r.code === ExportResultCode.SUCCESS ? resolve() : reject(r.error),
      ),
    );
    await exporter.shutdown();

    await eventually(
      async () => ((await stored()).rows >= 40 ? true : undefined),
      30_000,
      "the first verdicts",
    );
    first.kill("SIGKILL");
    const atKill = (await stored()).rows;
    expect(atKill).toBeLessThan(TRACES);

    startWorker();
    await eventually(
      async () => ((await stored()).rows >= TRACES ? true : undefined),
      40_000,
      "every verdict",
    );
    // A little longer: a redone job must not add a second row.
    await new Promise((r) => setTimeout(r, 1500));
    expect(await stored()).toEqual({ rows: TRACES, spans: TRACES });
  }, 120_000);
});
