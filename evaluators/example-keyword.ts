/**
 * An example custom evaluator: fails an answer that uses a forbidden word. Copy this file to start
 * your own; it uses only the public API, like the built-ins.
 *
 *   settings: { words: ["guarantee", ...], caseSensitive: false }
 */
import { defineEvaluator, z } from "../src/index.ts";

// Settings come from the config file, parsed by this schema with its defaults applied.
const Settings = z.object({
  words: z.array(z.string().min(1)).default(["guarantee", "guaranteed", "risk-free", "100% safe"]),
  caseSensitive: z.boolean().default(false),
});

export const noForbiddenWords = defineEvaluator({
  name: "example.no-forbidden-words",
  version: "1.0.0",
  description: "Score 1 when the answer uses none of the forbidden words, 0 otherwise.",
  settings: Settings,
  appliesTo: { kind: ["LLM"] }, // which spans to judge
  evaluate(input, ctx) {
    // No answer captured: say so rather than guess. `score: null` is "undecided", not an error.
    if (input.answer === null) return { status: "skipped", reason: "no_answer", score: null };
    const { words, caseSensitive } = ctx.settings;
    const answer = caseSensitive ? input.answer : input.answer.toLowerCase();
    const found = words.filter((w) => answer.includes(caseSensitive ? w : w.toLowerCase()));
    return {
      score: found.length === 0 ? 1 : 0, // 1 is always the best score
      label: found.length === 0 ? "clean" : "forbidden_words",
      passed: found.length === 0,
      explanation: found.length === 0 ? "No forbidden word." : `Uses: ${found.join(", ")}.`,
      details: { found },
    };
  },
});
