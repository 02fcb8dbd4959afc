import { defineEvaluator, type EvaluationResultInput, type z } from "../src/index.ts";
import {
  claimDetails,
  describeClaim,
  evaluateGrounding,
  groundingSettingsSchema,
  round,
  takenTogether,
} from "./common.ts";
import { judgeHallucination } from "./judge/hallucination-judge.ts";
import type { OfflineAnalysis } from "./offline/analyse.ts";

/**
 * Settings of `hallucination`.
 * - `backend`: `offline` (default) or `judge` (the shared LLM judge; skipped as
 *   `judge_not_configured` when the service has none).
 * - `threshold`: passed when the score reaches it. Offline default 0.5: the offline score is
 *   centred on its decision point, chosen on cross-validated data (RAGTruth's real answers for
 *   long answers, the benchmark files for short ones) for the best F1 of "hallucinated". Judge
 *   default 1: any contradicted or unsupported
 *   statement fails, which is what a hallucination check is for.
 * - `model`: the judge model for this evaluator (default: the judge's).
 */
export const HallucinationSettingsSchema = groundingSettingsSchema({
  offline: 0.5,
  judge: 1,
});
export type HallucinationSettings = z.infer<typeof HallucinationSettingsSchema>;

/**
 * hallucination (HallucinationScore): whether the answer states things the context does not
 * support or contradicts. Score 1 = no hallucination found. Offline, a short answer (one or two
 * claims) scores the probability that every claim is supported (the product of the claims'
 * support probabilities); a long one (three claims or more, as real LLM answers are) the answer
 * model's probability that the whole answer is supported (`evaluators/offline/answer-model.ts`):
 * how much of it the context holds, and the numbers, names, dates and negations it adds, so one
 * paraphrased word in eight sentences is not a hallucination. Either way the score is moved on the
 * logit scale so that 0.5 is the decision point. The claims named are those that would fail alone.
 *
 * With `backend: judge` the LLM judge lists the statements the context contradicts or does not
 * support instead; see `judgeHallucination` (score = 1 − hallucinations / claims checked, label
 * by whether any was found) and `evaluators/judge/README.md`.
 *
 * Labels (offline): `no_hallucination` (score ≥ threshold) or `hallucination`. Edge cases, for
 * both backends:
 * - answer null → skipped, `no_answer`; no context document → skipped, `no_context`;
 * - backend `judge` without a judge configured → skipped, `judge_not_configured`;
 * - nothing checkable (a refusal, only filler, empty text) → score 1, label `refusal` or
 *   `no_claims`, passed;
 * - offline, the question is extra context, but a claim none of whose words the documents hold
 *   is not supported, whatever the question says; the judge is told the question is never
 *   evidence.
 */
export const hallucination = defineEvaluator({
  name: "hallucination",
  version: "1.6.0",
  description: "Whether the answer states things the context does not support or contradicts.",
  settings: HallucinationSettingsSchema,
  appliesTo: { kind: ["LLM"] },
  usesJudge: (settings) => settings.backend === "judge",
  // Offline, it is sub-millisecond CPU with no I/O: judged at assembly, with no queue hop.
  inline: (settings) => settings.backend === "offline",
  evaluate: (input, ctx) => evaluateGrounding(input, ctx, judgeHallucination, offlineHallucination),
});

/** Hallucination's verdict from the offline analysis of a long or short answer with claims. */
function offlineHallucination(analysis: OfflineAnalysis, threshold: number): EvaluationResultInput {
  const score = round(analysis.noHallucination);
  const passed = score >= threshold;
  const flagged = analysis.claims.filter((c) => !c.supported).sort((a, b) => a.score - b.score);
  // Failing on the product alone can leave every single claim above the claim threshold: then
  // name the weakest one, since it is where the doubt is.
  const named =
    flagged.length > 0
      ? flagged
      : passed
        ? []
        : [...analysis.claims].sort((a, b) => a.score - b.score).slice(0, 1);
  const total = `${analysis.claims.length} claim${analysis.claims.length === 1 ? "" : "s"}`;
  // A long answer is judged as a whole: it may pass with a weak claim, and then says so.
  const explanation =
    named.length === 0
      ? `No unsupported or contradicted statement found in ${total}.`
      : passed
        ? `No hallucination found in ${total} taken together; weakest: ${named.slice(0, 3).map(describeClaim).join("; ")}.`
        : `Unsupported or contradicted: ${named.slice(0, 5).map(describeClaim).join("; ")}.${takenTogether(analysis.answerIssues)}`;
  return {
    score,
    label: passed ? "no_hallucination" : "hallucination",
    passed,
    explanation,
    details: {
      claims: claimDetails(analysis.claims),
      unsupported: named.map((c) => c.text),
      ...(analysis.answerIssues.length > 0 ? { answerIssues: [...analysis.answerIssues] } : {}),
      backend: "offline",
    },
  };
}
