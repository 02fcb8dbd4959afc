import { type ChildProcess, spawn } from "node:child_process";
import { createServer, type Server } from "node:http";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { freePorts } from "../support/free-ports.ts";
import { BIN, runCli } from "../support/run-cli.ts";
import {
  ADMIN_DATABASE_URL,
  deleteRedisPrefix,
  eventually,
  REDIS_URL,
  testDatabaseUrl,
  testRedisPrefix,
} from "../support/services.ts";

const db = testDatabaseUrl();
const prefix = testRedisPrefix();
const [closedPort = 0, servicePort = 0] = await freePorts(2);

/** The service's stdout as log records; a line that is not JSON fails the test. */
function records(stdout: string): { level: number; msg: string; code?: string }[] {
  return stdout
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line));
}

/** The one fatal record a failed start writes, with nothing on stderr and no stack anywhere. */
function fatal(run: { code: number | null; stdout: string; stderr: string }) {
  expect(run.code, run.stdout + run.stderr).toBe(1);
  expect(run.stderr).toBe("");
  expect(run.stdout).not.toMatch(/\n\s+at /);
  const fatals = records(run.stdout).filter((r) => r.level === 60);
  expect(fatals).toHaveLength(1);
  return fatals[0] as { msg: string; code?: string };
}

afterAll(async () => {
  await db.drop();
  await deleteRedisPrefix(prefix);
});

describe("start with Redis out of reach", () => {
  it("start, api and worker each exit 1 after the start-up wait, with one JSON line naming REDIS_URL", async () => {
    const env = {
      DATABASE_URL: db.url,
      REDIS_URL: `redis://user:s3cret@127.0.0.1:${closedPort}`,
      TRACEJUDGE_STARTUP_WAIT_MS: "2000",
      PORT: "0",
    };
    const started = Date.now();
    const runs = await Promise.all(
      ["start", "api", "worker"].map((role) => runCli([role], env, { timeoutMs: 60_000 })),
    );
    const elapsedMs = Date.now() - started;
    for (const run of runs) {
      const line = fatal(run);
      expect(line.code, line.msg).toBe("REDIS_UNAVAILABLE");
      expect(line.msg).toContain(`REDIS_URL=redis://user:***@127.0.0.1:${closedPort}`);
      expect(line.msg).toMatch(/within 2 s: connect ECONNREFUSED/);
      expect(run.stdout).not.toContain("s3cret");
      // Not one line per reconnection attempt.
      expect(records(run.stdout).filter((r) => /redis/i.test(r.msg))).toHaveLength(1);
    }
    // Bounded: the wait plus the process's own start (tsx, migrations), not forever.
    expect(elapsedMs).toBeLessThan(45_000);
  }, 90_000);
});

describe("start with a bad DATABASE_URL", () => {
  const role = `tj_nocreate_${Math.random().toString(36).slice(2, 8)}`;
  afterAll(async () => {
    const admin = new pg.Client({ connectionString: ADMIN_DATABASE_URL });
    await admin.connect();
    await admin.query(`DROP ROLE IF EXISTS ${role}`).finally(() => admin.end());
  });

  it("names DATABASE_URL with the password masked, in one line, for each way it can be wrong", async () => {
    const admin = new pg.Client({ connectionString: ADMIN_DATABASE_URL });
    await admin.connect();
    await admin.query(`CREATE ROLE ${role} LOGIN NOCREATEDB`).finally(() => admin.end());
    const server = new URL(ADMIN_DATABASE_URL);
    const cases: [string, string, RegExp][] = [
      [
        "postgres//pw@oops",
        "CONFIG_INVALID",
        /DATABASE_URL=postgres\/\/\*\*\*@oops is not a PostgreSQL URL/,
      ],
      [
        `postgres://root:pw@127.0.0.1:${closedPort}/x`,
        "DATABASE_UNAVAILABLE",
        new RegExp(
          `cannot connect to PostgreSQL \\(DATABASE_URL=postgres://root:\\*\\*\\*@127\\.0\\.0\\.1:${closedPort}/x\\): .*ECONNREFUSED`,
        ),
      ],
      [
        `postgres://${role}:pw@${server.host}/tracejudge_test_never_created`,
        "DATABASE_UNAVAILABLE",
        /database "tracejudge_test_never_created" does not exist and cannot be created \(DATABASE_URL=postgres:\/\/tj_nocreate_\w+:\*\*\*@.*\): permission denied/,
      ],
    ];
    const env = { REDIS_URL, TRACEJUDGE_REDIS_PREFIX: prefix, PORT: "0" };
    const runs = await Promise.all(
      cases.map(([url]) => runCli(["start"], { ...env, DATABASE_URL: url }, { timeoutMs: 60_000 })),
    );
    runs.forEach((run, i) => {
      const [, code, message] = cases[i] as [string, string, RegExp];
      const line = fatal(run);
      expect(line.code).toBe(code);
      expect(line.msg).toMatch(message);
      expect(run.stdout).not.toContain(":pw@");
    });
    // migrate says the same on stderr, in one line.
    const migrate = await runCli(
      ["migrate"],
      { DATABASE_URL: cases[1]?.[0] ?? "" },
      { timeoutMs: 60_000 },
    );
    expect(migrate.code).toBe(1);
    expect(migrate.stderr.trim().split("\n")).toHaveLength(1);
    expect(migrate.stderr).toMatch(cases[1]?.[2] ?? /never/);
  }, 90_000);
});

describe("start with OTEL_EXPORTER_OTLP_PROTOCOL=grpc", () => {
  let child: ChildProcess | undefined;
  let collector: Server | undefined;
  afterAll(() => {
    child?.kill("SIGKILL");
    collector?.close();
  });

  it("warns that only http/protobuf and http/json are supported, and still starts", async () => {
    const [collectorPort = 0] = await freePorts(1);
    collector = createServer((_req, res) => res.end()).listen(collectorPort, "127.0.0.1");
    child = spawn(process.execPath, [BIN, "start"], {
      env: {
        PATH: process.env.PATH ?? "",
        DATABASE_URL: db.url,
        REDIS_URL,
        TRACEJUDGE_REDIS_PREFIX: prefix,
        PORT: String(servicePort),
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${collectorPort}`,
        OTEL_EXPORTER_OTLP_PROTOCOL: "grpc",
      },
    });
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (d) => {
      stdout += d;
    });
    child.stderr?.on("data", (d) => {
      stderr += d;
    });
    await eventually(
      async () => ((await fetch(`http://127.0.0.1:${servicePort}/readyz`)).ok ? true : undefined),
      45_000,
      `the service to be ready (${stdout}${stderr})`,
    );
    const warnings = records(stdout).filter((r) => r.level === 40 && /grpc/.test(r.msg));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.msg).toMatch(
      /OTEL_EXPORTER_OTLP_PROTOCOL=grpc is not supported .*only http\/protobuf and http\/json.*sending http\/protobuf/,
    );
    expect(stderr).toBe("");
    const exited = new Promise<number | null>((resolve) => child?.on("exit", resolve));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  }, 90_000);
});
