import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { builtinEvaluators } from "../../evaluators/index.ts";
import { parseCases } from "../../evaluators/testing/case-input.ts";
import { auc } from "../../evaluators/testing/metrics.ts";
import { scoreCases } from "./helpers.ts";

// The labelled data lives in the shared folder beside the repository (CI gets a copy there).
const DEV = resolve(
  dirname(fileURLToPath(import.meta.url)),
  "../../../shared/data/hallucination-dev.jsonl",
);
const SLICE = 200;
// A modest floor, well under the measured figures: it catches a broken backend, not a regression
// of a point or two (the bench reports those).
const AUC_FLOOR = 0.7;

describe.skipIf(!existsSync(DEV))("quality smoke test on the first 200 dev cases", () => {
  const cases = existsSync(DEV) ? parseCases(readFileSync(DEV, "utf8")).slice(0, SLICE) : [];

  it.each(builtinEvaluators.map((e) => [e.name, e] as const))(
    "%s ranks supported answers above hallucinated ones",
    async (_name, evaluator) => {
      const scores = await scoreCases(evaluator, cases);
      const value = auc(
        scores,
        cases.map((c) => c.label === "supported"),
      );
      expect(value).toBeGreaterThan(AUC_FLOOR);
    },
  );
});
