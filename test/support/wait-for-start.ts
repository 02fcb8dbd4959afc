import type { ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";

/**
 * Resolves with the service's URL once a child logs "tracejudge started"; rejects (with its last
 * lines) if it exits first or takes over 60 s. Warning lines go to `warnings` (the first 20).
 */
export function waitForStart(
  child: ChildProcess,
  what: string,
  warnings: string[] = [],
): Promise<string> {
  const tail: string[] = [];
  return new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not start in 60 s`)), 60_000);
    const onLine = (line: string) => {
      tail.push(line);
      if (tail.length > 30) tail.shift();
      let entry: { level?: number; msg?: string; url?: string } = {};
      try {
        entry = JSON.parse(line);
      } catch {
        return;
      }
      if ((entry.level ?? 0) >= 40 && warnings.length < 20) warnings.push(line);
      if (entry.msg === "tracejudge started" && entry.url) {
        clearTimeout(timer);
        resolveUrl(entry.url);
      }
    };
    if (child.stdout) createInterface({ input: child.stdout }).on("line", onLine);
    if (child.stderr) createInterface({ input: child.stderr }).on("line", onLine);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited with ${code} before it started:\n${tail.join("\n")}`));
    });
  });
}
