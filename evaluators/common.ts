import { type EvaluationInput, type EvaluationResultInput, z } from "../src/index.ts";
import type { ClaimVerdict, OfflineAnalysis } from "./offline/analyse.ts";

/**
 * Which backend judges: `offline` (the default: no network, no key, deterministic) or `judge` (an
 * LLM judge; reserved, not wired yet: such evaluations are skipped with `judge_not_configured`).
 */
export const BackendSchema = z.enum(["offline", "judge"]).default("offline");
export type Backend = z.infer<typeof BackendSchema>;

/** A threshold in [0, 1] with a default. */
export const thresholdSchema = (fallback: number) => z.number().min(0).max(1).default(fallback);

/** What both grounding evaluators check before judging, in this order. */
export type Preflight =
  | { kind: "skip"; result: EvaluationResultInput }
  | { kind: "go"; answer: string; documents: string[] };

const skipped = (reason: string): { kind: "skip"; result: EvaluationResultInput } => ({
  kind: "skip",
  result: { status: "skipped", reason, score: null },
});

/**
 * - answer `null` (not captured) → skipped, `no_answer`;
 * - no context document with text → skipped, `no_context`;
 * - backend `judge` → skipped, `judge_not_configured` (until the judge backend lands).
 */
export function preflight(input: EvaluationInput, backend: Backend): Preflight {
  if (input.answer === null) return skipped("no_answer");
  const documents = input.context.map((d) => d.content).filter((c) => c.trim() !== "");
  if (documents.length === 0) return skipped("no_context");
  if (backend === "judge") return skipped("judge_not_configured");
  return { kind: "go", answer: input.answer, documents };
}

const round = (x: number): number => Math.round(x * 10_000) / 10_000;

/** The claims as they appear in `details.claims`. */
export function claimDetails(claims: readonly ClaimVerdict[]) {
  return claims.map((c) => ({
    text: c.text,
    supported: c.supported,
    score: round(c.score),
    evidence: c.evidence,
    issues: c.issues,
  }));
}

/** "\"claim\" (0.12: the number \"39\" is not in the context)" */
export function describeClaim(c: ClaimVerdict): string {
  const why = c.issues.length > 0 ? `: ${c.issues.slice(0, 2).join("; ")}` : "";
  const text = c.text.length > 160 ? `${c.text.slice(0, 157)}...` : c.text;
  return `"${text}" (${round(c.score).toFixed(2)}${why})`;
}

/** The result for an answer with nothing checkable: a refusal or only filler. */
export function noClaimsResult(analysis: OfflineAnalysis): EvaluationResultInput {
  return {
    score: 1,
    label: analysis.refusal ? "refusal" : "no_claims",
    passed: true,
    explanation: analysis.refusal
      ? "The answer declines to answer; it states nothing to check."
      : "The answer makes no checkable claim.",
    details: { claims: [], backend: "offline" },
  };
}

export { round };
