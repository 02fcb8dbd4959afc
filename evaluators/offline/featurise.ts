import { align } from "./align.ts";
import { checkClaim, withoutRestatement } from "./checks.ts";
import { answerClaims, type Claim } from "./claims.ts";
import { indexContext, withAcronyms } from "./context-index.ts";
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
  const { refusal, claims } = answerClaims(input.answer);
  if (claims.length === 0) return { refusal, claims: [] };
  const answerTokens = tokenize(input.answer);
  const index = withAcronyms(indexContext(input.documents, input.question), answerTokens);
  const facts = answerFacts(answerTokens, input.question);
  return {
    refusal,
    claims: claims.map((claim) => {
      // Checked without the words that restate the question; the cap below sees them all.
      const tokens = withoutRestatement(claim.tokens, index);
      const alignment = align(tokens, index);
      const checks = checkClaim(tokens, alignment, index);
      const content = claim.tokens.filter((t) => t.content);
      return {
        claim,
        features: featureVector(checks, facts),
        evidence: alignment.passage && alignment.coverage > 0 ? alignment.passage.text : null,
        issues: checks.issues,
        unsupportedByDocuments:
          content.length > 0 && content.every((t) => !index.stems.has(t.stem)),
      };
    }),
  };
}
