import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

/** The evaluators `writeOwnPackageModules` writes, each with the label it answers. */
export const OWN_PACKAGE_EVALUATORS = {
  "user.cjs-ts": "a .ts module outside any package, compiled to CommonJS",
  "user.esm-ts": "a .ts module in a type-module package",
  "user.mjs": "a .mjs module",
} as const;

function moduleSource(name: string, typed: boolean): string {
  const label = JSON.stringify(OWN_PACKAGE_EVALUATORS[name as keyof typeof OWN_PACKAGE_EVALUATORS]);
  const returns = typed ? ": { score: number; label: string }" : "";
  return `import { defineEvaluator, z } from "tracejudge";
export const evaluator = defineEvaluator({
  name: ${JSON.stringify(name)}, version: "1", settings: z.object({}),
  evaluate: ()${returns} => ({ score: 1, label: ${label} }),
});
`;
}

/**
 * A folder in the system's temporary directory (no node_modules on the way up) with a config file
 * naming three evaluator modules that `import ... from "tracejudge"`, one per way a module loads,
 * and a one-line cases file for `tracejudge eval`.
 */
export function writeOwnPackageModules(): { dir: string; config: string; cases: string } {
  const dir = mkdtempSync(path.join(tmpdir(), "tj-own-package-"));
  writeFileSync(path.join(dir, "cjs.ts"), moduleSource("user.cjs-ts", true));
  mkdirSync(path.join(dir, "esm"));
  writeFileSync(path.join(dir, "esm", "package.json"), '{ "type": "module" }\n');
  writeFileSync(path.join(dir, "esm", "evaluator.ts"), moduleSource("user.esm-ts", true));
  writeFileSync(path.join(dir, "plain.mjs"), moduleSource("user.mjs", false));
  const config = path.join(dir, "tracejudge.yaml");
  writeFileSync(config, "evaluator_modules: [./cjs.ts, ./esm/evaluator.ts, ./plain.mjs]\n");
  const cases = path.join(dir, "cases.jsonl");
  writeFileSync(cases, `${JSON.stringify({ id: "c1", context: "x", answer: "y" })}\n`);
  return { dir, config, cases };
}

/** The label of each user evaluator in `tracejudge eval`'s JSON lines. */
export function userLabels(stdout: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const line of stdout.split("\n")) {
    if (!line.startsWith("{")) continue;
    const row = JSON.parse(line) as { evaluator: string; label?: string };
    if (row.evaluator.startsWith("user.")) labels[row.evaluator] = row.label ?? "";
  }
  return labels;
}
