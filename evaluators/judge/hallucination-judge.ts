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
import { HALLUCINATION_SYSTEM } from "./prompts.ts";

/**
 * The judge's answer for hallucination: how many claims it checked, and the ones the passages
 * contradict or do not support. Supported claims are only counted, not listed: the judge's output
 * (and its cost) grows with what is wrong, not with the answer's length. Every property is
 * required, the ones that may be empty nullable (strict structured outputs); numbers are plain
 * and checked afterwards, as in `GroundednessAnswerSchema`.
 */
export const HallucinationAnswerSchema = z.object({
  refusal: z.boolean(),
  claims_checked: z.number(),
  hallucinations: z.array(
    z.object({
      statement: z.string(),
      reason: z.string(),
      passage: z.number().nullable(),
      quote: z.string().nullable(),
      kind: z.enum(["contradicted", "unsupported"]),
    }),
  ),
});
export type HallucinationAnswer = z.infer<typeof HallucinationAnswerSchema>;

/** The structured-output name of `HallucinationAnswerSchema`. */
export const HALLUCINATION_SCHEMA_NAME = "hallucination_findings";

/**
 * Hallucination by the LLM judge, in one call: the judge goes through the answer's claims and
 * lists those the numbered passages contradict or do not support.
 *
 * - score = 1 − hallucinations / claims checked: 1 = none found, 0 = every claim is one. The
 *   denominator is at least the number listed, so a judge that miscounts cannot push the score
 *   below 0; contradicted and unsupported weigh the same (both are statements the user cannot
 *   trust from the context);
 * - label says what was found: `hallucination` when the list is not empty, else
 *   `no_hallucination`; passed = score ≥ threshold (the judge default 1: any finding fails);
 * - no claim checked and none listed → score 1, label `refusal` or `no_claims`;
 * - `details.hallucinations`: each with `statement`, `kind`, `reason`, `passage` (1-based, null
 *   when none or out of range) and `evidence`; `details.unsupported` their texts, as offline;
 *   `details.claims_checked`;
 * - `usage` as in `judgeGroundedness`; a malformed answer twice throws `JUDGE_MALFORMED`.
 */
export async function judgeHallucination(
  material: JudgeMaterial,
  options: JudgeCallOptions,
): Promise<EvaluationResultInput> {
  const { value, usage } = await options.judge.complete({
    system: HALLUCINATION_SYSTEM,
    user: userMessage(material),
    schema: HallucinationAnswerSchema,
    schemaName: HALLUCINATION_SCHEMA_NAME,
    ...requestOptions(options),
  });
  const found = value.hallucinations.map((h) => {
    const passage = citedPassage(h.passage, material.documents);
    return {
      statement: h.statement,
      kind: h.kind,
      reason: h.reason,
      passage,
      evidence: evidenceText(h.quote, passage, material.documents),
    };
  });
  const reported = Number.isFinite(value.claims_checked)
    ? Math.max(0, Math.round(value.claims_checked))
    : 0;
  const checked = Math.max(reported, found.length);
  if (checked === 0) return { ...noClaimsResult(value.refusal, "judge"), usage };

  const score = round(1 - found.length / checked);
  const passed = score >= options.threshold;
  const explanation =
    found.length === 0
      ? `No contradicted or unsupported statement found in ${checked} claim${checked === 1 ? "" : "s"}.`
      : `${found.length} of ${checked} claims contradicted or unsupported: ${found
          .slice(0, 5)
          .map((h) => `${quoted(h.statement)} (${h.kind}: ${h.reason})`)
          .join("; ")}.`;
  return {
    score,
    label: found.length > 0 ? "hallucination" : "no_hallucination",
    passed,
    explanation,
    details: {
      hallucinations: found,
      unsupported: found.map((h) => h.statement),
      claims_checked: checked,
      backend: "judge",
    },
    usage,
  };
}
