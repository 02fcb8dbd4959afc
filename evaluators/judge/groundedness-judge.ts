import { type EvaluationResultInput, z } from "../../src/index.ts";
import { noClaimsResult, round } from "../common.ts";
import {
  citedPassage,
  evidenceText,
  type JudgeCallOptions,
  type JudgeMaterial,
  quoted,
  requestOptions,
  userMessage,
} from "./material.ts";
import { GROUNDEDNESS_SYSTEM } from "./prompts.ts";

/**
 * The judge's answer for groundedness: every claim of the answer with its verdict. Every property
 * is required (strict structured outputs); the ones that may be empty are nullable. The reason
 * and the evidence come before the verdict so the model states what the passages say before it
 * decides. Passage numbers are plain numbers, checked afterwards (`citedPassage`): integer and
 * range keywords are not understood by every OpenAI-compatible server's grammar.
 */
export const GroundednessAnswerSchema = z.object({
  refusal: z.boolean(),
  claims: z.array(
    z.object({
      text: z.string(),
      reason: z.string(),
      evidence_passage: z.number().nullable(),
      evidence_quote: z.string().nullable(),
      verdict: z.enum(["supported", "unsupported", "contradicted"]),
    }),
  ),
});
export type GroundednessAnswer = z.infer<typeof GroundednessAnswerSchema>;

/** The structured-output name of `GroundednessAnswerSchema`. */
export const GROUNDEDNESS_SCHEMA_NAME = "groundedness_claims";

/**
 * Groundedness by the LLM judge, in ONE call: the judge extracts the answer's atomic claims and
 * verifies each against the numbered passages in the same structured answer. One call rather
 * than extract-then-verify halves latency and cost and lets the verifier read each claim beside
 * the sentence it came from; the claims are listed explicitly, so the score's denominator is
 * still what the judge extracted, not a count it made up.
 *
 * - score = supported claims / claims (contradicted and unsupported both count against);
 * - label `grounded` (score ≥ threshold), `partially_grounded` (below, some claim supported),
 *   `ungrounded` (none supported); passed = score ≥ threshold;
 * - no claim → score 1, label `refusal` (the judge says the answer declines) or `no_claims`;
 * - `details.claims`: each claim with `verdict`, `supported`, `reason`, `passage` (1-based, null
 *   when none or out of range) and `evidence` (the judge's quote if the passage holds it, else
 *   the start of the passage);
 * - `usage`: the judge's model, tokens, cost and latency (both calls when the answer had to be
 *   asked again). A malformed answer twice throws `JUDGE_MALFORMED` (an `error` event).
 */
export async function judgeGroundedness(
  material: JudgeMaterial,
  options: JudgeCallOptions,
): Promise<EvaluationResultInput> {
  const { value, usage } = await options.judge.complete({
    system: GROUNDEDNESS_SYSTEM,
    user: userMessage(material),
    schema: GroundednessAnswerSchema,
    schemaName: GROUNDEDNESS_SCHEMA_NAME,
    ...requestOptions(options),
  });
  if (value.claims.length === 0) return { ...noClaimsResult(value.refusal, "judge"), usage };

  const claims = value.claims.map((c) => {
    const passage = citedPassage(c.evidence_passage, material.documents);
    return {
      text: c.text,
      verdict: c.verdict,
      supported: c.verdict === "supported",
      reason: c.reason,
      passage,
      evidence: evidenceText(c.evidence_quote, passage, material.documents),
    };
  });
  const supported = claims.filter((c) => c.supported).length;
  const total = claims.length;
  const score = round(supported / total);
  const passed = score >= options.threshold;
  const label = passed ? "grounded" : supported > 0 ? "partially_grounded" : "ungrounded";
  const against = claims.filter((c) => !c.supported);
  const explanation =
    against.length === 0
      ? `All ${total} claim${total === 1 ? "" : "s"} supported by the context.`
      : `${supported} of ${total} claims supported by the context. Not supported: ${against
          .slice(0, 5)
          .map((c) => `${quoted(c.text)} (${c.verdict}: ${c.reason})`)
          .join("; ")}.`;
  return {
    score,
    label,
    passed,
    explanation,
    details: { claims, backend: "judge" },
    usage,
  };
}
