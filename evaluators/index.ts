/**
 * The built-in evaluators. The example in `example-keyword.ts` is not among them: it shows users
 * how to write their own.
 */
import type { Evaluator } from "../src/index.ts";
import { groundedness } from "./groundedness.ts";
import { hallucination } from "./hallucination.ts";

export { GroundednessSettingsSchema, groundedness } from "./groundedness.ts";
export { HallucinationSettingsSchema, hallucination } from "./hallucination.ts";

// Each evaluator keeps its own settings type; the registry sees them through the common contract.
export const builtinEvaluators: readonly Evaluator[] = [
  groundedness as unknown as Evaluator,
  hallucination as unknown as Evaluator,
];
