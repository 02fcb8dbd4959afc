import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { stringify } from "yaml";
import type { ConfigInput } from "../../src/config/config-schema.ts";
import { BIN } from "./run-cli.ts";
import type { TestService } from "./test-service.ts";
import { waitForStart } from "./wait-for-start.ts";

/** A `tracejudge worker` process: its health and metrics URL, and how to stop it. */
export interface WorkerProcess {
  url: string;
  child: ChildProcess;
  /** SIGTERM, then SIGKILL if it has not exited within 15 s. */
  stop: () => Promise<void>;
}

/**
 * Starts `tracejudge worker` as a process of its own in `deployment`'s deployment (its database,
 * Redis and prefix), with `settings` beside those; resolves once it logs that it started.
 */
export async function startWorkerProcess(
  deployment: TestService,
  settings: Partial<ConfigInput>,
): Promise<WorkerProcess> {
  const file = path.join(mkdtempSync(path.join(tmpdir(), "tj-worker-")), "config.yaml");
  writeFileSync(
    file,
    stringify({
      ...settings,
      database_url: deployment.config.database_url,
      redis_url: deployment.config.redis_url,
      redis_prefix: deployment.config.redis_prefix,
      trace_wait_ms: deployment.config.trace_wait_ms,
      log_level: "info",
      server: { host: "127.0.0.1", port: 0 },
    }),
  );
  const child = spawn(process.execPath, [BIN, "worker"], {
    env: { PATH: process.env.PATH ?? "", TRACEJUDGE_CONFIG: file },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
    await exited;
    clearTimeout(timer);
  };
  const url = await waitForStart(child, "the worker").catch(async (err) => {
    await stop();
    throw err;
  });
  return { url, child, stop };
}
