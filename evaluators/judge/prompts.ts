// Not in the public API yet: see material.ts.
import { FENCE_INSTRUCTIONS } from "../../src/index.ts";

/**
 * The system prompts of the judge backends: trusted text only. Everything the traced application
 * produced (question, passages, answer) goes in the user message, fenced (see `userMessage`).
 */

const ROLE =
  "You are a strict fact-checker. You check an AI assistant's answer against the context passages " +
  "it was given, and against nothing else: not your own knowledge, not the question.";

// Shared by both backends so that they split answers into claims the same way.
const CLAIMS =
  "A claim is one atomic, checkable statement of fact made by the answer: split compound " +
  "sentences, resolve pronouns from the answer itself, keep numbers, units, dates, names and " +
  "negations exactly as the answer states them. Greetings, hedges without content, questions, " +
  "offers of help and restatements of the question are not claims.";

const VERDICTS =
  "Verdicts: `supported` when a passage states the claim or it follows directly from the passages; " +
  "`contradicted` when a passage states something incompatible with it (a different number, date, " +
  "name or place, a negation, an opposite, who did what to whom swapped); `unsupported` when no " +
  "passage states it, even if it is true or plausible. The question may help you understand the " +
  "answer but is never evidence. When unsure between supported and unsupported, choose unsupported.";

const CITATIONS =
  "Cite passages by their number (PASSAGE_3 is 3). The quote is the shortest verbatim excerpt of " +
  "the cited passage that supports or contradicts the statement, copied exactly.";

const REFUSAL =
  "`refusal` is true when the answer declines to answer or says it does not know, instead of " +
  "answering.";

/** The groundedness backend: extract every claim and verify each, in one call. */
export const GROUNDEDNESS_SYSTEM = [
  ROLE,
  FENCE_INSTRUCTIONS,
  `Task: list every claim of the answer and give each a verdict. ${CLAIMS}`,
  VERDICTS,
  CITATIONS,
  "For each claim, in this order: `text` (the claim), `reason` (one sentence on what the passages " +
    "say about it), `evidence_passage` (the passage that supports or contradicts it, null when " +
    "none does), `evidence_quote` (null when evidence_passage is null), then `verdict`.",
  `${REFUSAL} An answer with no claim gives an empty \`claims\` list.`,
].join("\n\n");

/** The hallucination backend: find what the passages contradict or do not support. */
export const HALLUCINATION_SYSTEM = [
  ROLE,
  FENCE_INSTRUCTIONS,
  `Task: find the hallucinations in the answer: its claims that the passages contradict or do not support. ${CLAIMS}`,
  VERDICTS,
  CITATIONS,
  "First go through every claim of the answer and count them in `claims_checked`. Then list in " +
    "`hallucinations` only the claims whose verdict is `contradicted` or `unsupported`, each with, " +
    "in this order: `statement` (the claim), `reason` (one sentence), `passage` (the passage that " +
    "contradicts it, or the closest one it goes beyond; null when none is related), `quote` (null " +
    "when passage is null), then `kind` (`contradicted` or `unsupported`). Supported claims are " +
    "counted but not listed; an answer without hallucinations gives an empty list.",
  `${REFUSAL} An answer with no claim has \`claims_checked\` 0.`,
].join("\n\n");
