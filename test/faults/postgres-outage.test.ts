import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePorts } from "../support/free-ports.ts";
import { ragTraceSpans } from "../support/otel-spans.ts";
import { eventually } from "../support/services.ts";
import { startTestService, type TestService } from "../support/test-service.ts";
import { awaitTraceEvaluations } from "../support/trace-evaluations.ts";

/**
 * A PostgreSQL cluster of this test's own on a spare port, made with initdb and pg_ctl. They
 * refuse to run as root, so they run as the `postgres` user.
 */
const version = readdirSync("/usr/lib/postgresql").sort().pop() as string;
const bin = (tool: string) => `/usr/lib/postgresql/${version}/bin/${tool}`;
/** The port of this test's own PostgreSQL: free, and below the ephemeral range. */
let port = 0;
const root = mkdtempSync(path.join(tmpdir(), "tj-pg-"));
chmodSync(root, 0o777);
const data = path.join(root, "data");
const OUTAGE_MS = Number(process.env.TJ_PG_OUTAGE_MS ?? 30_000);

function asPostgres(args: string[]): void {
  const command = args.map((a) => `'${a}'`).join(" ");
  execFileSync("su", ["postgres", "-s", "/bin/sh", "-c", command], { stdio: "ignore" });
}

const pgCtl = (action: "start" | "stop") =>
  asPostgres(
    action === "start"
      ? [
          bin("pg_ctl"),
          "-D",
          data,
          "-w",
          "-l",
          path.join(root, "log"),
          "-o",
          `-p ${port} -k ${root} -c listen_addresses=127.0.0.1`,
          "start",
        ]
      : [bin("pg_ctl"), "-D", data, "-w", "-m", "fast", "stop"],
  );

let svc: TestService;

beforeAll(async () => {
  [port = 0] = await freePorts(1);
  asPostgres([bin("initdb"), "-D", data, "-A", "trust", "-U", "postgres"]);
  pgCtl("start");
  svc = await startTestService({
    database_url: `postgres://postgres@127.0.0.1:${port}/tracejudge`,
  });
}, 60_000);

afterAll(async () => {
  await svc?.stop().catch(() => {});
  try {
    pgCtl("stop");
  } catch {
    // already stopped
  }
});

async function send(n: number): Promise<string[]> {
  const traces = Array.from({ length: n }, () => ragTraceSpans());
  for (const spans of traces) {
    const body = Buffer.from(ProtobufTraceSerializer.serializeRequest(spans) as Uint8Array);
    const res = await fetch(`${svc.url}/v1/traces`, {
      method: "POST",
      headers: { "content-type": "application/x-protobuf" },
      body,
    });
    expect(res.status).toBe(200);
  }
  return traces.map((spans) => spans[0]?.spanContext().traceId as string);
}

describe("PostgreSQL stopped under load", () => {
  it("keeps ingesting, reports the outage in /readyz, and loses no verdict once it is back", async () => {
    const before = await send(10);
    pgCtl("stop");
    // Ingest never needed PostgreSQL: traces keep coming in while it is down.
    const during = await send(20);
    await eventually(
      async () => ((await fetch(`${svc.url}/readyz`)).status === 503 ? true : undefined),
      10_000,
      "not ready",
    );
    const ready = (await (await fetch(`${svc.url}/readyz`)).json()) as {
      checks: Record<string, string>;
    };
    expect(ready.checks.postgres).toMatch(/^down/);
    await new Promise((r) => setTimeout(r, OUTAGE_MS));
    pgCtl("start");
    await eventually(
      async () => ((await fetch(`${svc.url}/readyz`)).status === 200 ? true : undefined),
      30_000,
      "ready again",
    );

    for (const traceId of [...before, ...during]) {
      const events = await awaitTraceEvaluations(svc.url, traceId, 2, 60_000);
      expect(events.map((e) => e.status)).toEqual(["ok", "ok"]);
    }
  }, 180_000);
});
