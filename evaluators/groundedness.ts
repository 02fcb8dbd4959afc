import { defineEvaluator, type z } from "../src/index.ts";
import {
  claimDetails,
  describeClaim,
  groundingSettingsSchema,
  noClaimsResult,
  preflight,
  round,
  skippedResult,
} from "./common.ts";
import { judgeGroundedness } from "./judge/groundedness-judge.ts";
import { analyseOffline } from "./offline/analyse.ts";
import { OFFLINE_MODEL } from "./offline/model.ts";

/**
 * Settings of `groundedness`.
 * - `backend`: `offline` (default) or `judge` (the shared LLM judge; skipped as
 *   `judge_not_configured` when the service has none).
 * - `threshold`: passed when the score reaches it. Offline default: chosen on cross-validated
 *   train data to maximise balanced accuracy (about 0.97: every claim supported, and all of them
 *   together not much less likely than not). Judge default 0.8: at least four claims in five
 *   supported, so any unsupported claim fails an answer of up to four claims.
 * - `model`: the judge model for this evaluator (default: the judge's).
 */
export const GroundednessSettingsSchema = groundingSettingsSchema({
  offline: round(OFFLINE_MODEL.thresholds.groundedness),
  judge: 0.8,
});
export type GroundednessSettings = z.infer<typeof GroundednessSettingsSchema>;

/**
 * groundedness: the share of the answer's claims that the context supports. A claim is supported
 * when its support probability reaches the claim threshold (½); the last 0.05 of the scale orders
 * answers with the same share by the probability that all their claims hold, so the score is
 * 0.95·share + 0.05·Π p (see `groundednessScore`). `details.claims` lists each claim with
 * `supported` and its probability: the score counts exactly the claims marked supported.
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
  version: "1.2.1",
  description: "Share of the answer's claims that the context supports.",
  settings: GroundednessSettingsSchema,
  appliesTo: { kind: ["LLM"] },
  usesJudge: (settings) => settings.backend === "judge",
  // Offline, it is sub-millisecond CPU with no I/O: judged at assembly, with no queue hop.
  inline: (settings) => settings.backend === "offline",
  evaluate(input, ctx) {
    const pre = preflight(input);
    if (pre.kind === "skip") return pre.result;
    if (ctx.settings.backend === "judge") {
      if (!ctx.judge) return skippedResult("judge_not_configured");
      return judgeGroundedness(pre, {
        judge: ctx.judge,
        model: ctx.settings.model,
        threshold: ctx.settings.threshold,
        signal: ctx.signal,
      });
    }
    const analysis = analyseOffline({
      answer: pre.answer,
      question: input.question,
      documents: pre.documents,
    });
    if (analysis.noClaims) return noClaimsResult(analysis.refusal, "offline");
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
