import { describe, expect, it } from "vitest";
import { noForbiddenWords } from "../../evaluators/example-keyword.ts";
import { EvaluationResultSchema } from "../../src/evaluators/contract.ts";
import { type Evaluator, isEvaluator } from "../../src/index.ts";
import { makeInput, run } from "./helpers.ts";

const evaluator = noForbiddenWords as unknown as Evaluator;

describe("example.no-forbidden-words", () => {
  it("is a valid evaluator", () => {
    expect(isEvaluator(noForbiddenWords)).toBe(true);
  });

  it("scores 1 without forbidden words and 0 with one, case-insensitively by default", async () => {
    expect(
      await run(evaluator, makeInput("Returns are accepted within 30 days.", "ctx")),
    ).toMatchObject({ score: 1, passed: true });
    const bad = EvaluationResultSchema.parse(
      await run(evaluator, makeInput("This is GUARANTEED to work.", "ctx")),
    );
    expect(bad).toMatchObject({ score: 0, passed: false, label: "forbidden_words" });
    expect(bad.explanation).toContain("guaranteed");
  });

  it("takes its word list from settings", async () => {
    const result = await run(evaluator, makeInput("Totally free!", "ctx"), { words: ["free"] });
    expect(result).toMatchObject({ score: 0 });
  });

  it("skips a span without an answer", async () => {
    expect(await run(evaluator, makeInput(null, "ctx"))).toMatchObject({
      status: "skipped",
      reason: "no_answer",
    });
  });
});
