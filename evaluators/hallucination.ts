import { defineEvaluator, z } from "../src/index.ts";
import {
  BackendSchema,
  claimDetails,
  describeClaim,
  noClaimsResult,
  preflight,
  round,
  thresholdSchema,
} from "./common.ts";
import { analyseOffline } from "./offline/analyse.ts";
import { OFFLINE_MODEL } from "./offline/model.ts";

/**
 * Settings of `hallucination`.
 * - `backend`: `offline` (default) or `judge` (reserved; skipped as `judge_not_configured`).
 * - `threshold`: passed when the score reaches it; the default was chosen on cross-validated
 *   train data to maximise balanced accuracy.
 */
export const HallucinationSettingsSchema = z.object({
  backend: BackendSchema,
  threshold: thresholdSchema(round(OFFLINE_MODEL.thresholds.hallucination)),
});
export type HallucinationSettings = z.infer<typeof HallucinationSettingsSchema>;

/**
 * hallucination (HallucinationScore): whether the answer states things the context does not
 * support or contradicts. Score 1 = no hallucination found: the probability that every claim is
 * supported (the product of the claims' support probabilities).
 *
 * Labels: `no_hallucination` (score ≥ threshold) or `hallucination`. Edge cases:
 * - answer null → skipped, `no_answer`; no context document → skipped, `no_context`;
 * - nothing checkable (a refusal, only filler, empty text) → score 1, label `refusal` or
 *   `no_claims`, passed;
 * - the question is extra context, but a claim none of whose words the documents hold is not
 *   supported, whatever the question says.
 */
export const hallucination = defineEvaluator({
  name: "hallucination",
  version: "1.0.0",
  description: "Whether the answer states things the context does not support or contradicts.",
  settings: HallucinationSettingsSchema,
  appliesTo: { kind: ["LLM"] },
  evaluate(input, ctx) {
    const pre = preflight(input, ctx.settings.backend);
    if (pre.kind === "skip") return pre.result;
    const analysis = analyseOffline({
      answer: pre.answer,
      question: input.question,
      documents: pre.documents,
    });
    if (analysis.noClaims) return noClaimsResult(analysis);
    const score = round(analysis.noHallucination);
    const passed = score >= ctx.settings.threshold;
    const flagged = analysis.claims.filter((c) => !c.supported).sort((a, b) => a.score - b.score);
    // Failing on the product alone can leave every single claim above the claim threshold: then
    // name the weakest one, since it is where the doubt is.
    const named =
      flagged.length > 0
        ? flagged
        : passed
          ? []
          : [...analysis.claims].sort((a, b) => a.score - b.score).slice(0, 1);
    const explanation =
      named.length === 0
        ? `No unsupported or contradicted statement found in ${analysis.claims.length} claim${analysis.claims.length === 1 ? "" : "s"}.`
        : `Unsupported or contradicted: ${named.slice(0, 5).map(describeClaim).join("; ")}.`;
    return {
      score,
      label: passed ? "no_hallucination" : "hallucination",
      passed,
      explanation,
      details: {
        claims: claimDetails(analysis.claims),
        unsupported: named.map((c) => c.text),
        backend: "offline",
      },
    };
  },
});
