import { spawn } from "node:child_process";
import path from "node:path";

/** The CLI as users run it. */
export const BIN = path.resolve(import.meta.dirname, "../../bin/tracejudge.mjs");

/**
 * Runs `tracejudge ARGS` to its end as a child process, with only PATH and `env` in its
 * environment (so the machine's own OPENAI_* or TRACEJUDGE_* variables cannot leak in). With
 * `timeoutMs`, a process still running then is killed and resolves with code null. `bin` runs
 * another copy of the CLI (an installed package's) instead of this checkout's.
 */
export function runCli(
  args: string[],
  env: Record<string, string> = {},
  options: { timeoutMs?: number; bin?: string } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [options.bin ?? BIN, ...args], {
      env: { PATH: process.env.PATH ?? "", ...env },
      ...(options.timeoutMs ? { timeout: options.timeoutMs, killSignal: "SIGKILL" } : {}),
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}
