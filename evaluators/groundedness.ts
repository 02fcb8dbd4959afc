import { defineEvaluator, type EvaluationResultInput, type z } from "../src/index.ts";
import {
  claimDetails,
  describeClaim,
  evaluateGrounding,
  groundingSettingsSchema,
  round,
  takenTogether,
} from "./common.ts";
import { judgeGroundedness } from "./judge/groundedness-judge.ts";
import type { OfflineAnalysis } from "./offline/analyse.ts";

/**
 * Settings of `groundedness`.
 * - `backend`: `offline` (default) or `judge` (the shared LLM judge; skipped as
 *   `judge_not_configured` when the service has none).
 * - `threshold`: passed when the score reaches it. Offline default 0.5: the offline score is
 *   centred on its decision point, chosen on cross-validated data (RAGTruth's real answers for
 *   long answers, the benchmark files for short ones) for the best F1 of "hallucinated". Judge
 *   default 0.8: at least four claims in five supported, so any unsupported claim fails an answer
 *   of up to four claims.
 * - `model`: the judge model for this evaluator (default: the judge's).
 */
export const GroundednessSettingsSchema = groundingSettingsSchema({
  offline: 0.5,
  judge: 0.8,
});
export type GroundednessSettings = z.infer<typeof GroundednessSettingsSchema>;

/**
 * groundedness: the share of the answer's claims that the context supports. Offline, a short
 * answer (one or two claims, as benchmark answers are) scores the share of claims whose support
 * probability reaches ½, with the last 0.05 of the scale ordering answers of the same share by the
 * probability that all their claims hold (see `groundednessScore`). A long answer (three claims or
 * more, as real LLM answers are) is judged by the answer model (`evaluators/offline/answer-model.ts`)
 * twice: as a whole, and claim by claim, each claim alone, by how much of it the context holds
 * and which numbers, names, dates or negations it adds; the score adds the two logits (the whole
 * answer's, and a weight, `claimMeanWeight`, times that of its claims' mean support probability).
 * A claim with a hard contradiction (an opposite word, a date, number or name the context lacks)
 * fails the answer. Either way the score is moved on the logit scale so that 0.5 is the decision
 * point. `details.claims` lists each claim with `supported`, its score and what failed.
 *
 * With `backend: judge` the LLM judge extracts and verifies the claims in one call instead; see
 * `judgeGroundedness` (score = supported claims / claims) and `evaluators/judge/README.md`.
 *
 * Labels: `grounded` (score ≥ threshold), `partially_grounded` (below, but some claim supported),
 * `ungrounded` (no claim supported). Edge cases, for both backends:
 * - answer null → skipped, `no_answer`; no context document → skipped, `no_context`;
 * - backend `judge` without a judge configured → skipped, `judge_not_configured`;
 * - nothing checkable (a refusal, only filler, empty text) → score 1, label `refusal` or
 *   `no_claims`, passed;
 * - offline, the question is extra context, but a claim none of whose words the documents hold
 *   is not supported, whatever the question says; the judge is told the question is never
 *   evidence.
 */
export const groundedness = defineEvaluator({
  name: "groundedness",
  version: "1.7.0",
  description: "Share of the answer's claims that the context supports.",
  settings: GroundednessSettingsSchema,
  appliesTo: { kind: ["LLM"] },
  usesJudge: (settings) => settings.backend === "judge",
  // Offline, it is sub-millisecond CPU with no I/O: judged at assembly, with no queue hop.
  inline: (settings) => settings.backend === "offline",
  evaluate: (input, ctx) => evaluateGrounding(input, ctx, judgeGroundedness, offlineGroundedness),
});

/** Groundedness's verdict from the offline analysis of a long or short answer with claims. */
function offlineGroundedness(analysis: OfflineAnalysis, threshold: number): EvaluationResultInput {
  const score = round(analysis.groundedness);
  const supported = analysis.claims.filter((c) => c.supported).length;
  const passed = score >= threshold;
  const label = passed ? "grounded" : supported > 0 ? "partially_grounded" : "ungrounded";
  const weakest = [...analysis.claims]
    .sort((a, b) => a.score - b.score)
    .filter((c, i) => i === 0 || !c.supported)
    .slice(0, 3);
  const total = analysis.claims.length;
  const explanation =
    supported === total
      ? `All ${total} claim${total === 1 ? "" : "s"} supported by the context; least supported: ${describeClaim(weakest[0] as (typeof weakest)[number])}.`
      : `${supported} of ${total} claims supported by the context. Least supported: ${weakest.map(describeClaim).join("; ")}.`;
  const why = passed ? explanation : `${explanation}${takenTogether(analysis.answerIssues)}`;
  return {
    score,
    label,
    passed,
    explanation: why,
    details: {
      claims: claimDetails(analysis.claims),
      ...(analysis.answerIssues.length > 0 ? { answerIssues: [...analysis.answerIssues] } : {}),
      backend: "offline",
    },
  };
}
