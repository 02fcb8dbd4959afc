import { hostname } from "node:os";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { pipelineHealth } from "../../src/console/pipeline-health.ts";
import { exportSpans, ragTraceSpans } from "../support/otel-spans.ts";
import { eventually, REDIS_URL } from "../support/services.ts";
import { startTestService, type TestService } from "../support/test-service.ts";

type Health = Awaited<ReturnType<typeof pipelineHealth>>;
type Deployment = Extract<Health["deployment"], { error: null }>;

const TRACES = 5;
/** Short, so that a stopped process drops out (three periods) within the test. */
const INTERVAL_MS = 200;

let api: TestService;
let worker: TestService;
let redis: Redis;

beforeAll(async () => {
  const overrides = { console: { counters_interval_ms: INTERVAL_MS } };
  api = await startTestService(overrides, { roles: { api: true, workers: false } });
  worker = await startTestService(overrides, {
    roles: { api: false, workers: true },
    shareWith: api,
  });
  redis = new Redis(REDIS_URL);
});

afterAll(async () => {
  redis?.disconnect();
  await worker?.stop();
  await api?.stop();
});

async function deployment(): Promise<Deployment> {
  const res = await fetch(`${api.url}/v1/console/health`);
  expect(res.status).toBe(200);
  const health = (await res.json()) as Health;
  expect(health.deployment.error).toBeNull();
  return health.deployment as Deployment;
}

const sum = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

describe("pipeline health of a scaled-out deployment", () => {
  it("shows on the API what the worker assembled and evaluated, and both processes", async () => {
    await exportSpans(api.url, Array.from({ length: TRACES }, () => ragTraceSpans()).flat());
    const seen = await eventually(
      async () => {
        const d = await deployment();
        return d.traces_assembled >= TRACES && sum(d.evaluations) >= TRACES * 2 ? d : undefined;
      },
      20_000,
      "the worker's assemblies and evaluations in the API's health",
    );
    expect(seen.spans_received).toBe(TRACES * 3);
    expect(sum(seen.traces_sampled)).toBe(seen.traces_assembled);
    expect(seen.evaluations).toEqual({ ok: TRACES * 2 });
    expect(seen.processes.map((p) => p.role).sort()).toEqual(["api", "worker"]);
    for (const p of seen.processes) {
      expect(p).toMatchObject({ host: hostname(), pid: process.pid });
      expect(Date.parse(p.last_seen)).toBeGreaterThanOrEqual(Date.parse(p.started_at));
    }
    expect(seen.processes.find((p) => p.self)?.role).toBe("api");

    // The API process itself never assembles: its own counters say so.
    const health = (await (await fetch(`${api.url}/v1/console/health`)).json()) as Health;
    expect(health.process.traces_assembled).toBe(0);
    expect(health.process.spans_received).toBe(TRACES * 3);

    // One key per process, under the deployment's prefix (and so its hash tag).
    const keys = await redis.keys(`${api.config.redis_prefix}:process:*`);
    expect(keys).toHaveLength(2);
    for (const key of keys) {
      const ttl = await redis.pttl(key);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(3 * INTERVAL_MS);
    }
  });

  it("drops a stopped process once its snapshot expires", async () => {
    expect((await deployment()).processes).toHaveLength(2);
    const stoppedAt = Date.now();
    await worker.stop();
    const after = await eventually(
      async () => {
        const d = await deployment();
        return d.processes.length === 1 ? d : undefined;
      },
      10_000,
      "the stopped worker to drop out",
    );
    // Three publish periods of TTL: gone in about a second, not in tens.
    expect(Date.now() - stoppedAt).toBeLessThan(5_000);
    expect(after.processes[0]?.role).toBe("api");
    // Its counters left with it; the API's own remain.
    expect(after.traces_assembled).toBe(0);
    expect(after.spans_received).toBe(TRACES * 3);
    expect(await redis.zrange(`${api.config.redis_prefix}:processes`, "0", "-1")).toHaveLength(1);
  });
});
