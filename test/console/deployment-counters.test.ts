import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deploymentCounters } from "../../src/console/deployment-counters.ts";
import { CountersPublisher } from "../../src/metrics/counters-publisher.ts";
import { createMetrics } from "../../src/metrics/metrics.ts";
import { processKeys } from "../../src/metrics/process-snapshot.ts";
import { freePorts } from "../support/free-ports.ts";
import { deleteRedisPrefix, REDIS_URL, testRedisPrefix } from "../support/services.ts";

let redis: Redis;
let prefix: string;
const T0 = Date.parse("2025-03-01T12:00:00Z");

beforeAll(() => {
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  prefix = testRedisPrefix();
});

afterAll(async () => {
  await deleteRedisPrefix(prefix);
  redis?.disconnect();
});

function publisher(role: string, metrics = createMetrics(), clock = { now: T0 }) {
  return new CountersPublisher(redis, prefix, metrics.registry, {
    role,
    intervalMs: 60_000,
    now: () => clock.now,
    host: `${role}-host`,
    pid: 100,
  });
}

describe("counters published per process, summed for the console", () => {
  it("sums the live processes' counters and lists them, the reader's own figures live", async () => {
    const apiMetrics = createMetrics();
    const workerMetrics = createMetrics();
    const clock = { now: T0 };
    const api = publisher("api", apiMetrics, clock);
    const worker = publisher("worker", workerMetrics, clock);
    apiMetrics.spansReceived.inc({ encoding: "protobuf" }, 30);
    apiMetrics.spansRejected.inc({ reason: "invalid_span" }, 2);
    workerMetrics.tracesAssembled.inc(10);
    workerMetrics.tracesSampled.inc({ reason: "rate" }, 7);
    workerMetrics.tracesSampled.inc({ reason: "not_sampled" }, 3);
    workerMetrics.spansNotEvaluated.inc({ reason: "not_sampled" }, 3);
    workerMetrics.evaluations.inc({ evaluator: "groundedness", status: "ok" }, 7);
    workerMetrics.evaluations.inc({ evaluator: "hallucination", status: "error" }, 1);
    await api.publish();
    clock.now = T0 + 1000;
    await worker.publish();
    // Counted after the API's publish: the API reading its own health sees it anyway.
    apiMetrics.spansReceived.inc({ encoding: "json" }, 3);
    // Written by something else under the prefix (another version, a bug): left out.
    await redis.set(processKeys(prefix).snapshot("junk"), "{not json", "PX", 60_000);
    await redis.zadd(processKeys(prefix).index, T0, "junk");

    const view = await deploymentCounters({ redis, prefix, self: api });
    if (view.error !== null) throw new Error(view.error);
    expect(view).toMatchObject({
      spans_received: 33,
      spans_rejected: { invalid_span: 2 },
      traces_assembled: 10,
      traces_sampled: { rate: 7, not_sampled: 3 },
      spans_not_evaluated: { not_sampled: 3 },
      evaluations: { ok: 7, error: 1 },
      pending_traces: 0,
    });
    expect(view.processes).toEqual([
      {
        id: api.id,
        role: "api",
        host: "api-host",
        pid: 100,
        started_at: new Date(T0).toISOString(),
        last_seen: new Date(T0 + 1000).toISOString(),
        self: true,
      },
      {
        id: worker.id,
        role: "worker",
        host: "worker-host",
        pid: 100,
        started_at: new Date(T0).toISOString(),
        last_seen: new Date(T0 + 1000).toISOString(),
        self: false,
      },
    ]);
    await api.close();
    await worker.close();
  });

  it("publishes once more when closed, then never again; close is idempotent", async () => {
    const metrics = createMetrics();
    const p = new CountersPublisher(redis, prefix, metrics.registry, {
      role: "worker",
      intervalMs: 50,
    });
    const key = processKeys(prefix).snapshot(p.id);
    p.start();
    await new Promise((r) => setTimeout(r, 120));
    expect(JSON.parse((await redis.get(key)) ?? "{}").counters.traces_assembled).toBe(0);
    metrics.tracesAssembled.inc(4);
    await Promise.all([p.close(), p.close()]);
    expect(JSON.parse((await redis.get(key)) ?? "{}").counters.traces_assembled).toBe(4);
    // TTL of three periods, not refreshed: gone within a few hundred ms.
    const ttl = await redis.pttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(150);
    await new Promise((r) => setTimeout(r, 300));
    expect(await redis.exists(key)).toBe(0);
    const view = await deploymentCounters({ redis, prefix });
    expect(view.processes.map((proc) => proc.id)).not.toContain(p.id);
    expect(await redis.zscore(processKeys(prefix).index, p.id)).toBeNull();
  });

  it("answers with an error, not a hang, and closes promptly while Redis is away", async () => {
    const [port] = await freePorts(1);
    // Nothing listens there: commands wait in the offline queue, as on the service's connection
    // while Redis is down.
    const away = new Redis({ port, host: "127.0.0.1", maxRetriesPerRequest: null });
    away.on("error", () => {});
    try {
      const started = Date.now();
      const view = await deploymentCounters({ redis: away, prefix, timeoutMs: 200 });
      expect(view).toEqual({ error: expect.stringMatching(/no answer/), processes: [] });
      const p = new CountersPublisher(away, prefix, createMetrics().registry, {
        role: "api",
        intervalMs: 50,
        timeoutMs: 200,
      });
      p.start();
      await new Promise((r) => setTimeout(r, 120));
      await p.close();
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      away.disconnect();
    }
  });
});
