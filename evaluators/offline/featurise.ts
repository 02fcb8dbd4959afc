import { align } from "./align.ts";
import { type ClaimChecks, checkClaim, type RecordFacts, withoutRestatement } from "./checks.ts";
import { answerClaims, type Claim } from "./claims.ts";
import { indexContext, withAcronyms } from "./context-index.ts";
import { answerFacts, featureVector } from "./features.ts";
import { readRecord } from "./structured.ts";
import { stem, tokenize } from "./text.ts";

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
  /** The checks the features were made from: the answer-level model sums them over claims. */
  checks: ClaimChecks;
  evidence: string | null;
  /**
   * Where the passage the claim aligns to starts, in sentences from the context's first, or null
   * when no passage holds any of its words: the answer model reads the claims' order from it.
   */
  position: number | null;
  issues: string[];
  /** No content word of the claim is in the documents: the question alone cannot support it. */
  unsupportedByDocuments: boolean;
}

/** The answer's claims with their features, and facts about the whole input. */
export interface FeaturisedAnswer {
  refusal: boolean;
  claims: FeaturisedClaim[];
  /** Some document is a JSON record (see `verbaliseStructured`). */
  structured: boolean;
  hasQuestion: boolean;
  /** How many sentences the context documents hold (0 without claims). */
  contextSentences: number;
}

export function featurise(input: OfflineInput): FeaturisedAnswer {
  const { refusal, claims } = answerClaims(input.answer);
  const hasQuestion = (input.question ?? "").trim() !== "";
  if (claims.length === 0) {
    return { refusal, claims: [], structured: false, hasQuestion, contextSentences: 0 };
  }
  const answerTokens = tokenize(input.answer);
  // Structured documents (JSON records) are read as the sentences prose makes of them.
  let structured = false;
  const facts: RecordFacts = { deniedStems: new Set(), hours: null };
  const documents = input.documents.map((d) => {
    const record = readRecord(d);
    if (record === null) return d;
    structured = true;
    for (const word of record.denied) facts.deniedStems.add(stem(word));
    facts.hours ??= record.hours;
    return record.prose;
  });
  const index = withAcronyms(indexContext(documents, input.question), answerTokens);
  const answerShape = answerFacts(answerTokens, input.question);
  return {
    refusal,
    structured,
    hasQuestion,
    contextSentences: index.passages.reduce((n, p) => Math.max(n, p.last + 1), 0),
    claims: claims.map((claim) => {
      // Checked without the words that restate the question; the cap below sees them all.
      const tokens = withoutRestatement(claim.tokens, index);
      const alignment = align(tokens, index);
      const checks = checkClaim(tokens, alignment, index, facts, claim.text);
      const content = claim.tokens.filter((t) => t.content);
      return {
        claim,
        features: featureVector(checks, answerShape),
        checks,
        evidence: alignment.passage && alignment.coverage > 0 ? alignment.passage.text : null,
        position: alignment.passage && alignment.coverage > 0 ? alignment.passage.first : null,
        issues: checks.issues,
        unsupportedByDocuments:
          content.length > 0 && content.every((t) => !index.stems.has(t.stem)),
      };
    }),
  };
}
