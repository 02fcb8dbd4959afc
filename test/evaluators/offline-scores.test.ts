import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { groundedness, hallucination } from "../../evaluators/index.ts";
import { analyseOffline } from "../../evaluators/offline/analyse.ts";
import { caseToInput, type LabelledCase, parseCases } from "../../evaluators/testing/case-input.ts";
import type { EvaluationInput, Evaluator } from "../../src/index.ts";
import { run } from "./helpers.ts";

/**
 * The offline backend's scores on a fixed set of 273 cases (every tenth dev case, every 37th
 * train case, the RAG regression set, and ten dev cases with their context cut in two documents)
 * are the recorded ones, to 1e-9. Guards optimisations of the backend: they may change its speed,
 * never a score. `npx tsx scripts/offline-golden.ts fixture` rewrites the record, for a change that
 * is meant to change scores; the same script checks everything the backend computes on every case.
 */
const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, "../..");
const FILES: Record<string, string> = {
  dev: resolve(ROOT, "../shared/data/hallucination-dev.jsonl"),
  train: resolve(ROOT, "../shared/data/hallucination-train.jsonl"),
  rag: resolve(HERE, "fixtures/rag-regression.jsonl"),
};
const TOLERANCE = 1e-9;

interface Row {
  file: string;
  id: string;
  /** The context is cut in two documents after the full stop at this index. */
  cut?: number;
  groundedness: number;
  noHallucination: number;
  claims: number[];
  /** Score, label and passed of groundedness, then hallucination. */
  results: [number | null, string | null, boolean | null][];
}

const rows: Row[] = readFileSync(resolve(HERE, "fixtures/offline-scores.jsonl"), "utf8")
  .split("\n")
  .filter((l) => l.trim() !== "")
  .map((l) => JSON.parse(l) as Row);

const casesById = new Map<string, LabelledCase>();
for (const path of Object.values(FILES)) {
  if (!existsSync(path)) continue;
  for (const c of parseCases(readFileSync(path, "utf8"))) casesById.set(c.id, c);
}

function inputOf(row: Row): EvaluationInput {
  const c = casesById.get(row.id);
  if (!c) throw new Error(`case ${row.id} not found in ${row.file}`);
  const input = caseToInput(c);
  if (row.cut === undefined) return input;
  const parts = [c.context.slice(0, row.cut + 1), c.context.slice(row.cut + 2)];
  return { ...input, context: parts.map((content, i) => ({ id: `d${i}`, content })) };
}

const near = (a: number | null, b: number | null): boolean =>
  a === b || (a !== null && b !== null && Math.abs(a - b) < TOLERANCE);

/** What differs from the record for one row, as readable lines. */
async function differences(row: Row): Promise<string[]> {
  const input = inputOf(row);
  const out: string[] = [];
  const analysis = analyseOffline({
    answer: input.answer ?? "",
    question: input.question,
    documents: input.context.map((d) => d.content),
  });
  const name = `${row.id}${row.cut === undefined ? "" : "/split"}`;
  if (!near(analysis.groundedness, row.groundedness)) {
    out.push(`${name}: groundedness ${analysis.groundedness} != ${row.groundedness}`);
  }
  if (!near(analysis.noHallucination, row.noHallucination)) {
    out.push(`${name}: noHallucination ${analysis.noHallucination} != ${row.noHallucination}`);
  }
  const claims = analysis.claims.map((c) => c.score);
  if (
    claims.length !== row.claims.length ||
    claims.some((s, i) => !near(s, row.claims[i] ?? null))
  ) {
    out.push(`${name}: claims ${claims.join()} != ${row.claims.join()}`);
  }
  for (const [i, evaluator] of [groundedness, hallucination].entries()) {
    const r = (await run(evaluator as unknown as Evaluator, input)) as {
      score: number | null;
      label?: string;
      passed?: boolean;
    };
    const [score, label, passed] = row.results[i] ?? [];
    if (
      !near(r.score, score ?? null) ||
      (r.label ?? null) !== label ||
      (r.passed ?? null) !== passed
    ) {
      out.push(
        `${name}: ${evaluator.name} ${r.score} ${r.label} ${r.passed} != ${score} ${label} ${passed}`,
      );
    }
  }
  return out;
}

describe("the offline backend's scores on the recorded cases", () => {
  const rag = rows.filter((r) => r.file === "rag");
  const shared = rows.filter((r) => r.file !== "rag");

  it("has the cases it says", () => {
    expect(rag.length).toBe(67);
    expect(shared.length).toBe(213);
  });

  it("are unchanged on the RAG regression set", async () => {
    const diffs: string[] = [];
    for (const row of rag) diffs.push(...(await differences(row)));
    expect(diffs).toEqual([]);
  });

  it.skipIf(!existsSync(FILES.dev as string) || !existsSync(FILES.train as string))(
    "are unchanged on the dev and train cases, in either order (nothing cached leaks between cases)",
    async () => {
      const diffs: string[] = [];
      for (const row of [...shared, ...[...shared].reverse()])
        diffs.push(...(await differences(row)));
      expect(diffs).toEqual([]);
    },
  );
});
