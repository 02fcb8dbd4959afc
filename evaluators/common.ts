import {
  type EvaluationContext,
  type EvaluationInput,
  type EvaluationResultInput,
  z,
} from "../src/index.ts";
import type { JudgeCallOptions, JudgeMaterial } from "./judge/material.ts";
import { analyseOffline, type ClaimVerdict, type OfflineAnalysis } from "./offline/analyse.ts";

/**
 * Which backend judges: `offline` (the default: no network, no key, deterministic) or `judge` (the
 * shared LLM judge; skipped with `judge_not_configured` when the service has none).
 */
export const BackendSchema = z.enum(["offline", "judge"]).default("offline");
export type Backend = z.infer<typeof BackendSchema>;

/**
 * The settings both grounding evaluators take:
 * - `backend`: `offline` (default) or `judge`;
 * - `threshold`: passed when the score reaches it. Its default depends on the backend, because
 *   the scores do: the offline ones are calibrated probabilities, the judge's are counts of
 *   claims. After parsing it is always set;
 * - `model`: the judge model for this evaluator (judge backend only; default: the judge's).
 */
export function groundingSettingsSchema(defaults: Record<Backend, number>) {
  return z
    .object({
      backend: BackendSchema,
      threshold: z.number().min(0).max(1).optional(),
      model: z.string().min(1).optional(),
    })
    .transform((s) => ({ ...s, threshold: s.threshold ?? defaults[s.backend] }));
}

/** The settings of either grounding evaluator, parsed: the threshold is always set. */
export type GroundingSettings = z.output<ReturnType<typeof groundingSettingsSchema>>;

/** What both grounding evaluators check before judging, in this order. */
type Preflight =
  | { kind: "skip"; result: EvaluationResultInput }
  | { kind: "go"; question: string | null; answer: string; documents: string[] };

/** A skipped verdict with its reason. */
const skippedResult = (reason: string): EvaluationResultInput => ({
  status: "skipped",
  reason,
  score: null,
});

/** The context documents the grounding evaluators check an answer against: those with text. */
export function groundingDocuments(input: EvaluationInput): string[] {
  return input.context.map((d) => d.content).filter((c) => c.trim() !== "");
}

/**
 * - answer `null` (not captured) → skipped, `no_answer`;
 * - no context document with text → skipped, `no_context`.
 * Both come before any backend is asked, so neither costs a judge call.
 */
function preflight(input: EvaluationInput): Preflight {
  if (input.answer === null) return { kind: "skip", result: skippedResult("no_answer") };
  const documents = groundingDocuments(input);
  if (documents.length === 0) return { kind: "skip", result: skippedResult("no_context") };
  return { kind: "go", question: input.question, answer: input.answer, documents };
}

/**
 * How both grounding evaluators judge a span: `preflight`, then with `backend: judge` the LLM judge
 * through `judgeWith`, else the offline analysis (shared by the two evaluators of a span), which
 * `offlineVerdict` turns into the evaluator's own score, label and explanation. An answer with
 * nothing checkable gets `noClaimsResult` from either.
 */
export function evaluateGrounding(
  input: EvaluationInput,
  ctx: EvaluationContext<GroundingSettings>,
  judgeWith: (material: JudgeMaterial, options: JudgeCallOptions) => Promise<EvaluationResultInput>,
  offlineVerdict: (analysis: OfflineAnalysis, threshold: number) => EvaluationResultInput,
): EvaluationResultInput | Promise<EvaluationResultInput> {
  const pre = preflight(input);
  if (pre.kind === "skip") return pre.result;
  if (ctx.settings.backend === "judge") {
    if (!ctx.judge) return skippedResult("judge_not_configured");
    return judgeWith(pre, {
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
  return offlineVerdict(analysis, ctx.settings.threshold);
}

const round = (x: number): number => Math.round(x * 10_000) / 10_000;

/**
 * The claims as they appear in `details.claims` (offline backend). Copies: the analysis they come
 * from is shared by both evaluators of a span.
 */
export function claimDetails(claims: readonly ClaimVerdict[]) {
  return claims.map((c) => ({
    text: c.text,
    supported: c.supported,
    score: round(c.score),
    evidence: c.evidence,
    issues: [...c.issues],
  }));
}

/** "\"claim\" (0.12: the number \"39\" is not in the context)" */
export function describeClaim(c: ClaimVerdict): string {
  const why = c.issues.length > 0 ? `: ${c.issues.slice(0, 2).join("; ")}` : "";
  const text = c.text.length > 160 ? `${c.text.slice(0, 157)}...` : c.text;
  return `"${text}" (${round(c.score).toFixed(2)}${why})`;
}

/** " Taken together: the claims jump back …" when the answer model held something against the whole. */
export function takenTogether(answerIssues: readonly string[]): string {
  return answerIssues.length === 0 ? "" : ` Taken together: ${answerIssues.join("; ")}.`;
}

/**
 * The result for an answer with nothing checkable: score 1, passed, label `refusal` when the
 * answer declines to answer, else `no_claims`. Nothing stated means nothing unsupported.
 */
export function noClaimsResult(refusal: boolean, backend: Backend): EvaluationResultInput {
  return {
    score: 1,
    label: refusal ? "refusal" : "no_claims",
    passed: true,
    explanation: refusal
      ? "The answer declines to answer; it states nothing to check."
      : "The answer makes no checkable claim.",
    details: { claims: [], backend },
  };
}

export { round };
