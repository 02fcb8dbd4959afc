import { align, indexContext } from "./align.ts";
import { checkClaim } from "./checks.ts";
import { type Claim, extractClaims, isRefusal } from "./claims.ts";
import { answerFacts, featureVector } from "./features.ts";
import { tokenize } from "./text.ts";

/** What the offline backend checks: the answer against the documents (and the question). */
export interface OfflineInput {
  answer: string;
  question: string | null;
  documents: readonly string[];
}

/** Claims with their feature vectors: what the model scores, and what the fit script learns from. */
export interface FeaturisedClaim {
  claim: Claim;
  features: number[];
  evidence: string | null;
  issues: string[];
  /** No content word of the claim is in the documents: the question alone cannot support it. */
  unsupportedByDocuments: boolean;
}

export function featurise(input: OfflineInput): { refusal: boolean; claims: FeaturisedClaim[] } {
  const refusal = isRefusal(input.answer);
  const claims = refusal ? [] : extractClaims(input.answer);
  if (claims.length === 0) return { refusal, claims: [] };
  const index = indexContext(input.documents, input.question);
  const facts = answerFacts(input.answer, tokenize(input.answer), claims.length, index);
  return {
    refusal,
    claims: claims.map((claim) => {
      const alignment = align(claim.tokens, index);
      const checks = checkClaim(claim.tokens, alignment, index);
      return {
        claim,
        features: featureVector(checks, facts),
        evidence: alignment.passage && alignment.coverage > 0 ? alignment.passage.text : null,
        issues: checks.issues,
        unsupportedByDocuments: checks.contentCount > 0 && checks.coverageDoc === 0,
      };
    }),
  };
}
