import { expect } from "vitest";
import { caseToInput, type LabelledCase } from "../../evaluators/testing/case-input.ts";
import { offlineContext } from "../../evaluators/testing/offline-context.ts";
import { EvaluationResultSchema } from "../../src/evaluators/contract.ts";
import type { EvaluationInput, Evaluator } from "../../src/index.ts";

/** An evaluation input for an answer against one context document. */
export function makeInput(
  answer: string | null,
  context: string | string[],
  question = "",
): EvaluationInput {
  const documents = Array.isArray(context) ? context : [context];
  const input = caseToInput({
    id: `test-${answer ?? "null"}-${documents.join("|")}`.slice(0, 200),
    source: "test",
    task: "qa",
    question,
    context: documents[0] ?? "",
    answer,
    label: "supported",
  });
  return { ...input, context: documents.map((content, i) => ({ id: `doc-${i}`, content })) };
}

/** Runs an evaluator the way the engine does: settings parsed by its schema, defaults applied. */
export async function run(evaluator: Evaluator, input: EvaluationInput, settings: unknown = {}) {
  return evaluator.evaluate(input, offlineContext(evaluator, settings));
}

/** Each labelled case's score under the evaluator's defaults; every verdict must be `ok`. */
export async function scoreCases(
  evaluator: Evaluator,
  cases: readonly LabelledCase[],
): Promise<number[]> {
  const scores: number[] = [];
  for (const c of cases) {
    const result = EvaluationResultSchema.parse(await run(evaluator, caseToInput(c)));
    expect(result.status).toBe("ok");
    scores.push(result.score as number);
  }
  return scores;
}
