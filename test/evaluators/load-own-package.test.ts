import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  OWN_PACKAGE_EVALUATORS,
  userLabels,
  writeOwnPackageModules,
} from "../support/own-package-modules.ts";
import { runCli } from "../support/run-cli.ts";

describe('a user\'s evaluator module importing "tracejudge" from a folder of its own', () => {
  const { dir, config, cases } = writeOwnPackageModules();

  it("cannot find the package on its own (there is none on its way up)", () => {
    const alone = spawnSync(process.execPath, [path.join(dir, "plain.mjs")], { encoding: "utf8" });
    expect(alone.status).not.toBe(0);
    expect(alone.stderr).toMatch(/Cannot find package 'tracejudge'/);
  });

  it("is loaded by the CLI with tracejudge resolved to the running service's own package", async () => {
    const { code, stdout, stderr } = await runCli(
      ["eval", "--cases", cases, "--evaluator", "all"],
      { TRACEJUDGE_CONFIG: config },
      { timeoutMs: 60_000 },
    );
    expect(stderr).not.toMatch(/cannot load/);
    expect(code).toBe(0);
    expect(userLabels(stdout)).toEqual(OWN_PACKAGE_EVALUATORS);
  }, 90_000);
});
