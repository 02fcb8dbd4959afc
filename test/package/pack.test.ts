import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  OWN_PACKAGE_EVALUATORS,
  userLabels,
  writeOwnPackageModules,
} from "../support/own-package-modules.ts";
import { runCli } from "../support/run-cli.ts";

/**
 * The package as a user gets it: `npm pack` (which builds through `prepack`), the tarball
 * installed into a fresh project, then imported from plain Node, type-checked by a consumer's tsc
 * and run as a CLI. The install takes its tarballs from npm's cache and asks the registry only
 * for the packages' metadata.
 */
const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, "../..");
const TSC = path.join(ROOT, "node_modules/typescript/bin/tsc");
const { version } = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8"));

const project = mkdtempSync(path.join(tmpdir(), "tj-consumer-"));
const packDir = mkdtempSync(path.join(tmpdir(), "tj-pack-"));
const installedBin = path.join(project, "node_modules/tracejudge/bin/tracejudge.mjs");
let contents: string[] = [];

beforeAll(async () => {
  await run("npm", ["pack", "--pack-destination", packDir], { cwd: ROOT });
  const tarball = path.join(packDir, `tracejudge-${version}.tgz`);
  contents = (await run("tar", ["tzf", tarball])).stdout
    .split("\n")
    .filter(Boolean)
    .map((entry) => entry.replace(/^package\//, ""));
  writeFileSync(
    path.join(project, "package.json"),
    JSON.stringify({ name: "consumer", private: true, type: "module" }),
  );
  await run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", tarball], {
    cwd: project,
  });
}, 240_000);

// The installed project holds about 175 MB of dependencies.
afterAll(() => {
  rmSync(project, { recursive: true, force: true });
  rmSync(packDir, { recursive: true, force: true });
});

describe("the packed tarball", () => {
  it("holds the CLI and the build, with the files the build reads at run time", () => {
    expect(contents).toEqual(
      expect.arrayContaining([
        "package.json",
        "README.md",
        "bin/tracejudge.mjs",
        "dist/src/index.js",
        "dist/src/index.d.ts",
        "dist/src/cli/main.js",
        "dist/evaluators/index.js",
        "dist/src/store/migrations/001_initial.sql",
        "dist/src/console/public/index.html",
      ]),
    );
  });

  it("leaves out the sources, tests, scripts and CI", () => {
    const outside = contents.filter((f) => !/^(bin|dist)\//.test(f));
    expect(outside.sort()).toEqual(["README.md", "package.json"]);
    expect(contents.filter((f) => /^(src|test|scripts|evaluators|\.ci)\//.test(f))).toEqual([]);
    expect(
      contents.filter((f) => f.startsWith("dist/") && !/\.(js|d\.ts|sql|html|css)$/.test(f)),
    ).toEqual([]);
  });
});

describe("the installed package", () => {
  it("is imported from plain Node", async () => {
    const script = `import { defineEvaluator, z } from "tracejudge";
const e = defineEvaluator({ name: "consumer.one", version: "1", settings: z.object({}), evaluate: () => ({ score: 1 }) });
console.log(e.name);`;
    const { stdout } = await run(process.execPath, ["--input-type=module", "-e", script], {
      cwd: project,
    });
    expect(stdout.trim()).toBe("consumer.one");
  });

  // require() of an ES module: Node 20.19, 22.12 and later (the "default" export condition).
  const requireModule = (process.features as { require_module?: boolean }).require_module === true;
  it.runIf(requireModule)("is required from CommonJS", async () => {
    const script = 'console.log(typeof require("tracejudge").defineEvaluator)';
    const { stdout } = await run(process.execPath, ["-e", script], { cwd: project });
    expect(stdout.trim()).toBe("function");
  });

  it("type-checks a consumer, with its declaration files checked too", async () => {
    writeFileSync(
      path.join(project, "consumer.ts"),
      `import { defineEvaluator, type EvaluationInput, z } from "tracejudge";
export const short = defineEvaluator({
  name: "consumer.short", version: "1",
  settings: z.object({ max: z.number().default(80) }),
  evaluate(input: EvaluationInput, ctx) {
    const length: number = (input.answer ?? "").length;
    // @ts-expect-error: the settings are typed by their schema, so a misspelt one is an error
    ctx.settings.maxx;
    return { score: length <= ctx.settings.max ? 1 : 0 };
  },
});
`,
    );
    writeFileSync(
      path.join(project, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "ES2022",
          module: "NodeNext",
          moduleResolution: "NodeNext",
          strict: true,
          noEmit: true,
          skipLibCheck: false,
          typeRoots: [path.join(ROOT, "node_modules/@types")],
          types: ["node"],
        },
        files: ["consumer.ts"],
      }),
    );
    const checked = await run(process.execPath, [TSC, "-p", project]).then(
      () => "",
      (err: { stdout: string }) => err.stdout,
    );
    expect(checked).toBe("");
  }, 60_000);

  it("runs its CLI from the build", async () => {
    const { code, stdout } = await runCli(["--version"], {}, { bin: installedBin });
    expect(code).toBe(0);
    expect(stdout.trim()).toBe(version);
  });

  it('loads a user\'s evaluator modules, TypeScript too, with "tracejudge" resolved to itself', async () => {
    const { config, cases } = writeOwnPackageModules();
    const { code, stdout, stderr } = await runCli(
      ["eval", "--cases", cases, "--evaluator", "all"],
      { TRACEJUDGE_CONFIG: config },
      { bin: installedBin, timeoutMs: 60_000 },
    );
    expect(stderr).not.toMatch(/cannot load/);
    expect(code).toBe(0);
    expect(userLabels(stdout)).toEqual(OWN_PACKAGE_EVALUATORS);
  }, 90_000);
});
