import { spawn } from "node:child_process";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { freePorts } from "../support/free-ports.ts";
import {
  deleteRedisPrefix,
  REDIS_URL,
  testDatabaseUrl,
  testRedisPrefix,
} from "../support/services.ts";

const BIN = path.resolve(import.meta.dirname, "../../bin/tracejudge.mjs");
const db = testDatabaseUrl();
const prefix = testRedisPrefix();

afterAll(async () => {
  await db.drop();
  await deleteRedisPrefix(prefix);
});

describe("tracejudge demo", () => {
  it("sends traces of two releases and prints the signed alert for the worse one", async () => {
    const [port = 0] = await freePorts(1);
    const child = spawn(
      process.execPath,
      [BIN, "demo", "--traces", "40", "--interval", "30", "--exit-after-alert"],
      {
        env: {
          PATH: process.env.PATH ?? "",
          DATABASE_URL: db.url,
          REDIS_URL,
          TRACEJUDGE_REDIS_PREFIX: prefix,
          PORT: String(port),
        },
      },
    );
    let stdout = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => child.kill("SIGKILL"), 90_000);
      child.on("exit", (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    expect(stdout).toContain(`console:  http://127.0.0.1:${port}/`);
    const alert = stdout.split("\n").find((l) => l.startsWith("[webhook] alert.firing"));
    expect(alert).toMatch(/demo-groundedness-gate .*"service.version":"v2".*signature=valid/);
    expect(stdout).not.toMatch(/alert\.firing .*"service.version":"v1"/);
    expect(code).toBe(0);
  }, 120_000);
});
