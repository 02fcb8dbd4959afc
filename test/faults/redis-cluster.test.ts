import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Cluster } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { judgeRateKeys, SharedRateLimiters } from "../../src/judge/shared-token-bucket.ts";
import { freePorts } from "../support/free-ports.ts";
import { exportSpans, ragTraceSpans } from "../support/otel-spans.ts";
import { eventually, testRedisPrefix } from "../support/services.ts";
import { startTestService, type TestService } from "../support/test-service.ts";
import { awaitTraceEvaluations } from "../support/trace-evaluations.ts";

/** A three-node Redis Cluster on loopback ports of this test's own (and their bus ports). */
let ports: number[] = [];
const root = mkdtempSync(path.join(tmpdir(), "tj-cluster-"));
const nodes: ChildProcess[] = [];
let svc: TestService;

function clusterOk(): boolean {
  try {
    return execFileSync("redis-cli", ["-p", String(ports[0]), "cluster", "info"])
      .toString()
      .includes("cluster_state:ok");
  } catch {
    return false;
  }
}

beforeAll(async () => {
  ports = await freePorts(3, [10_000]);
  for (const port of ports) {
    const dir = path.join(root, String(port));
    mkdirSync(dir);
    nodes.push(
      spawn(
        "redis-server",
        [
          "--port",
          String(port),
          "--bind",
          "127.0.0.1",
          "--cluster-enabled",
          "yes",
          "--cluster-config-file",
          "nodes.conf",
          "--dir",
          dir,
          "--save",
          "",
          "--appendonly",
          "no",
        ],
        { stdio: "ignore" },
      ),
    );
  }
  await eventually(
    async () => {
      try {
        for (const port of ports) execFileSync("redis-cli", ["-p", String(port), "ping"]);
        return true;
      } catch {
        return undefined;
      }
    },
    10_000,
    "the nodes",
  );
  execFileSync(
    "redis-cli",
    [
      "--cluster",
      "create",
      ...ports.map((p) => `127.0.0.1:${p}`),
      "--cluster-replicas",
      "0",
      "--cluster-yes",
    ],
    {
      stdio: "ignore",
    },
  );
  await eventually(async () => (clusterOk() ? true : undefined), 20_000, "cluster_state:ok");
  svc = await startTestService({ redis_cluster_nodes: ports.map((p) => `127.0.0.1:${p}`) });
}, 60_000);

afterAll(async () => {
  await svc?.stop();
  for (const node of nodes) node.kill("SIGKILL");
});

describe("the end-to-end path on a Redis Cluster", () => {
  it("evaluates a RAG trace with every key in one hash-tagged slot", async () => {
    const spans = ragTraceSpans();
    const llm = spans.find((s) => s.name === "ChatCompletion");
    const traceId = llm?.spanContext().traceId as string;
    await exportSpans(svc.url, spans);
    const events = await awaitTraceEvaluations(svc.url, traceId, 2, 30_000);
    expect(events.map((e) => e.evaluator).sort()).toEqual(["groundedness", "hallucination"]);
    expect(events.every((e) => e.span_id === llm?.spanContext().spanId)).toBe(true);
    expect((await fetch(`${svc.url}/readyz`)).status).toBe(200);
  }, 60_000);
});

describe("the judge's shared rate limit on a Redis Cluster", () => {
  it("is one bucket for two workers' connections, its script on the prefix's slot", async () => {
    const prefix = testRedisPrefix();
    const connect = () =>
      new Cluster(
        ports.map((port) => ({ host: "127.0.0.1", port })),
        {
          redisOptions: { maxRetriesPerRequest: null },
        },
      );
    const [a, b] = [connect(), connect()];
    // One request per 1000 ms: the second worker waits out the first one's turn.
    const limits = { requestsPerMinute: 1, tokensPerMinute: 1e9 };
    const [first, second] = [a, b].map(
      (redis) => new SharedRateLimiters({ redis, prefix, windowMs: 1000 }),
    );
    const url = "http://judge.invalid/v1";
    try {
      const started = performance.now();
      await first?.forEndpoint(url, limits).acquire(10);
      await second?.forEndpoint(url, limits).acquire(10);
      expect(performance.now() - started).toBeGreaterThanOrEqual(800);
      expect(await a.exists(judgeRateKeys(prefix).bucket(url))).toBe(1);
    } finally {
      first?.close();
      second?.close();
      a.disconnect();
      b.disconnect();
    }
  }, 30_000);
});
