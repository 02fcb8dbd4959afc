import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePorts } from "../support/free-ports.ts";
import { ragTraceSpans } from "../support/otel-spans.ts";
import { eventually } from "../support/services.ts";
import { startTestService, type TestService } from "../support/test-service.ts";

/** A Redis of this test's own, persisting every write, so a restart keeps what it acknowledged. */
/** The port of this test's own Redis: free, and below the ephemeral range. */
let port = 0;
const dir = mkdtempSync(path.join(tmpdir(), "tj-redis-"));
let redis: ChildProcess | undefined;

function startRedis(): void {
  redis = spawn(
    "redis-server",
    [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--dir",
      dir,
      "--appendonly",
      "yes",
      "--appendfsync",
      "always",
      "--save",
      "",
    ],
    {
      stdio: "ignore",
    },
  );
}

async function redisUp(): Promise<void> {
  await eventually(
    async () => {
      try {
        return execFileSync("redis-cli", ["-p", String(port), "ping"])
          .toString()
          .includes("PONG")
          ? true
          : undefined;
      } catch {
        return undefined;
      }
    },
    10_000,
    "redis to start",
  );
}

function stopRedis(): Promise<void> {
  return new Promise((resolve) => {
    if (!redis || redis.exitCode !== null) return resolve();
    redis.once("exit", () => resolve());
    redis.kill("SIGTERM");
  });
}

let svc: TestService;

beforeAll(async () => {
  [port = 0] = await freePorts(1);
  startRedis();
  await redisUp();
});

afterAll(async () => {
  await stopRedis();
});

function post(spans: ReadableSpan[]): Promise<Response> {
  const body = Buffer.from(ProtobufTraceSerializer.serializeRequest(spans) as Uint8Array);
  return fetch(`${svc.url}/v1/traces`, {
    method: "POST",
    headers: { "content-type": "application/x-protobuf" },
    body,
  });
}

async function evaluated(traceId: string): Promise<number> {
  const res = await fetch(`${svc.url}/v1/traces/${traceId}/evaluations`);
  return ((await res.json()) as { evaluations: unknown[] }).evaluations.length;
}

// By default ingest spools each request for a worker; with redaction.before_queue it buffers the
// redacted spans itself. Either way, what it acknowledged is in Redis.
describe.each([{ beforeQueue: false }, { beforeQueue: true }])(
  "Redis restarted under load (redaction.before_queue: $beforeQueue)",
  ({ beforeQueue }) => {
    beforeAll(async () => {
      svc = await startTestService({
        redis_url: `redis://127.0.0.1:${port}`,
        redaction: { before_queue: beforeQueue },
        // A job a worker held when Redis went down comes back once its lock lapses and the
        // stall check runs (lock_ms each): with the default 30 s, later than the wait below.
        workers: { lock_ms: 5000 },
      });
    });

    afterAll(async () => {
      await svc?.stop();
    });

    it("answers 503 while Redis is down, reconnects by itself, and loses nothing it acknowledged", async () => {
      const before = Array.from({ length: 20 }, () => ragTraceSpans());
      for (const spans of before) expect((await post(spans)).status).toBe(200);

      await stopRedis();
      const during = ragTraceSpans();
      const refused = await eventually(
        async () => {
          const res = await post(during);
          return res.status === 503 ? res : undefined;
        },
        10_000,
        "a 503 while Redis is down",
      );
      expect(refused.headers.get("retry-after")).toMatch(/^\d+$/);
      expect((await fetch(`${svc.url}/healthz`)).status).toBe(200);
      expect((await fetch(`${svc.url}/readyz`)).status).toBe(503);

      startRedis();
      await redisUp();
      await eventually(
        async () => ((await fetch(`${svc.url}/readyz`)).status === 200 ? true : undefined),
        20_000,
        "ready again",
      );
      // The exporter retries what was refused; new traffic flows.
      await eventually(
        async () => ((await post(during)).status === 200 ? true : undefined),
        10_000,
        "the retried request",
      );
      const after = Array.from({ length: 5 }, () => ragTraceSpans());
      for (const spans of after) expect((await post(spans)).status).toBe(200);

      for (const spans of [...before, during, ...after]) {
        const traceId = spans[0]?.spanContext().traceId as string;
        await eventually(
          async () => ((await evaluated(traceId)) === 2 ? true : undefined),
          30_000,
          `verdicts of ${traceId}`,
        );
      }
    }, 120_000);
  },
);
