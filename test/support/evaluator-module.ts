import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

const INDEX = path.resolve(import.meta.dirname, "../../src/index.ts");

/**
 * Writes a module of custom evaluators to a directory of its own and returns its path, for
 * `evaluator_modules`. `source` is the module's body: `defineEvaluator` is imported for it.
 */
export function writeEvaluatorModule(source: string, fileName = "evaluators.ts"): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), "tj-evaluators-")), fileName);
  writeFileSync(file, `import { defineEvaluator } from ${JSON.stringify(INDEX)};\n${source}`);
  return file;
}

/** A deterministic evaluator, `test.quality`: answers containing "BAD" score 0.1, others 0.95. */
export const QUALITY_EVALUATOR = `export const quality = defineEvaluator({
  name: "test.quality", version: "1",
  evaluate: ({ answer }) => {
    const score = answer?.includes("BAD") ? 0.1 : 0.95;
    return { score, passed: score >= 0.5, explanation: score < 0.5 ? "bad answer" : "fine" };
  },
});
`;
