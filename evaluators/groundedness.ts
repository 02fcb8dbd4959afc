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
 * Settings of `groundedness`.
 * - `backend`: `offline` (default) or `judge` (reserved; skipped as `judge_not_configured`).
 * - `threshold`: passed when the score reaches it; the default was chosen on cross-validated
 *   train data to maximise balanced accuracy.
 */
export const GroundednessSettingsSchema = z.object({
  backend: BackendSchema,
  threshold: thresholdSchema(round(OFFLINE_MODEL.thresholds.groundedness)),
});
export type GroundednessSettings = z.infer<typeof GroundednessSettingsSchema>;

/**
 * groundedness: the share of the answer's claims that the context supports. Each claim counts by a
 * soft step at the claim threshold (½) of its support probability, so a claim well below it
 * counts about 0 and one well above about 1 (see `supportedShare`); `details.claims` lists each
 * claim with `supported` (probability ≥ the claim threshold) and its probability.
 *
 * Labels: `grounded` (score ≥ threshold), `partially_grounded` (below, but some claim supported),
 * `ungrounded` (no claim supported). Edge cases:
 * - answer null → skipped, `no_answer`; no context document → skipped, `no_context`;
 * - nothing checkable (a refusal, only filler, empty text) → score 1, label `refusal` or
 *   `no_claims`, passed;
 * - the question is extra context, but a claim none of whose words the documents hold is not
 *   supported, whatever the question says.
 */
export const groundedness = defineEvaluator({
  name: "groundedness",
  version: "1.0.0",
  description: "Share of the answer's claims that the context supports.",
  settings: GroundednessSettingsSchema,
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
    const score = round(analysis.groundedness);
    const supported = analysis.claims.filter((c) => c.supported).length;
    const passed = score >= ctx.settings.threshold;
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
    return {
      score,
      label,
      passed,
      explanation,
      details: { claims: claimDetails(analysis.claims), backend: "offline" },
    };
  },
});
