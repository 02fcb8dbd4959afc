import { ABSENCE_PATTERNS, FILLER_PATTERNS, REFUSAL_PATTERNS } from "./lexicon.ts";
import {
  contentTokens,
  isAscii,
  normaliseAscii,
  normaliseText,
  type Token,
  tokenize,
} from "./text.ts";

/** One checkable statement of the answer. */
export interface Claim {
  text: string;
  tokens: Token[];
  /** Index of the answer sentence the clause comes from: groundedness counts whole sentences. */
  sentence: number;
}

const ABBREVIATIONS =
  /\b(mr|mrs|ms|dr|prof|sr|jr|st|mt|vs|etc|inc|ltd|co|corp|no|fig|approx|dept|est|gen|gov|sen|rep|u\.s|u\.k|e\.g|i\.e|a\.m|p\.m|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)\.$/i;

const GLUED_STOP = /([a-z)\]]{2}[.!?])(?=[A-Z][a-z])/g;
const LINES = /\n+/;
const SENTENCE_END = /[.!?]+["')\]]*\s+(?=["'([]?[A-Z0-9])/g;
const CLOSING_MARKS = /["')\]]+$/;
const INITIAL = /\b[A-Z]\.$/;
const LIST_MARKER = /^\s*(?:[-*\u2022]|\d{1,2}[.)])\s+/;
// What makes a claimless answer a refusal: declining, or saying what the sources lack.
const NON_ANSWER_PATTERNS = [...REFUSAL_PATTERNS, ...ABSENCE_PATTERNS];

/**
 * Splits a text into sentences: at `.`, `!`, `?` before a capital or a digit, at newlines, and at a
 * full stop glued to the next sentence (`12 Hour.Mount Panorama`, common in scraped passages).
 * Abbreviations (`Mr.`, `U.S.`) and decimals do not split.
 */
export function splitSentences(text: string): string[] {
  return sentencesOf(text).sentences;
}

/**
 * `splitSentences`, whether a glued full stop was split (`glued`: then the sentences' words
 * differ from the text's, where `Hour.Mount` is one word), and whether the text is ASCII (then
 * each sentence is its own normal form).
 */
export function sentencesOf(text: string): { sentences: string[]; glued: boolean; ascii: boolean } {
  const ascii = isAscii(text);
  const normalised = ascii ? normaliseAscii(text) : normaliseText(text);
  const norm = normalised.replace(GLUED_STOP, "$1 ");
  const out: string[] = [];
  for (const rawLine of norm.split(LINES)) {
    // A list item's number or bullet ("5. Set up the grill") orders the list and states nothing:
    // kept, it became a sentence of its own, the number "5" that no context holds.
    const line = rawLine.replace(LIST_MARKER, "");
    let start = 0;
    for (const match of line.matchAll(SENTENCE_END)) {
      const end = (match.index ?? 0) + match[0].length;
      const candidate = line.slice(start, end).trim();
      if (ABBREVIATIONS.test(candidate.replace(CLOSING_MARKS, "")) || INITIAL.test(candidate)) {
        continue;
      }
      if (candidate) out.push(candidate);
      start = end;
    }
    const rest = line.slice(start).trim();
    if (rest) out.push(rest);
  }
  return { sentences: out, glued: norm !== normalised, ascii };
}

const CLAUSE_SPLIT = /;\s+|,\s+(?=(?:but|while|whereas|although|though|and|yet)\s)|\s+(?=but\s)/gi;
const MIN_CLAUSE_CONTENT = 3;

/**
 * Splits a sentence into clauses at `;` and before `, but` / `, while` / `, and` …, but only when
 * each side keeps at least three content words (or the left side has none, as in "I don't know,
 * but …"), so that short coordinations stay whole.
 */
export function splitClauses(sentence: string): string[] {
  const pieces: string[] = [];
  let start = 0;
  for (const match of sentence.matchAll(CLAUSE_SPLIT)) {
    const end = match.index ?? 0;
    const left = sentence.slice(start, end);
    const right = sentence.slice(end + match[0].length);
    const leftContent = contentTokens(tokenize(left)).length;
    // An empty left side ("I don't know, but …") splits too: it is dropped as filler later.
    const rightContent = contentTokens(tokenize(right)).length;
    if (
      (leftContent >= MIN_CLAUSE_CONTENT && rightContent >= MIN_CLAUSE_CONTENT) ||
      (leftContent === 0 && rightContent > 0)
    ) {
      pieces.push(left.trim());
      start = end + match[0].length;
    }
  }
  pieces.push(sentence.slice(start).trim());
  return pieces.filter((p) => p.length > 0);
}

/** Whether a whole answer is a refusal or a non-answer ("I don't know", "not in the context"). */
export function isRefusal(answer: string): boolean {
  return answerClaims(answer).refusal;
}

/**
 * The answer's claims (`extractClaims`), and whether it is a refusal (`isRefusal`): a refusal has
 * no claims, so both come from one split.
 */
export function answerClaims(answer: string): { refusal: boolean; claims: Claim[] } {
  const text = normaliseText(answer).trim();
  if (text === "") return { refusal: true, claims: [] };
  // The same claims as `extractClaims(text)`: sentences are split from the normalised text and
  // trimmed, so normalising and trimming the answer first changes none.
  const claims = extractClaims(answer);
  // Only statements of what the sources lack: a refusal that names its topic. Mixed with other
  // claims they stay claims: an answer that says the passages lack what they hold is wrong, and
  // RAGTruth's annotators mark it so.
  if (claims.length > 0 && claims.every((c) => ABSENCE_PATTERNS.some((p) => p.test(c.text)))) {
    return { refusal: true, claims: [] };
  }
  if (claims.length > 0) return { refusal: false, claims };
  // A refusal with facts after it ("I'm not sure, but Paris is …") still has claims to check.
  const refusal = splitSentences(text).some((s) =>
    splitClauses(s).some((c) => NON_ANSWER_PATTERNS.some((p) => p.test(c))),
  );
  return { refusal, claims: [] };
}

// A refusal clause may name its topic ("I'm not sure what the sweater is made of"): up to this
// many content words it still carries no claim.
const MAX_REFUSAL_CONTENT = 4;

/**
 * Whether a clause carries no checkable fact: no content word, a greeting or other filler, or a
 * refusal. Questions stay claims: "Did you know he won three Oscars?" presupposes facts.
 */
function isFiller(clause: string, tokens: readonly Token[]): boolean {
  const content = contentTokens(tokens).length;
  if (content === 0) return true;
  const trimmed = clause.trim();
  if (FILLER_PATTERNS.some((p) => p.test(trimmed))) return true;
  return content <= MAX_REFUSAL_CONTENT && REFUSAL_PATTERNS.some((p) => p.test(trimmed));
}

const ANSWER_PARTICLE = /^\s*(?:yes|no|yeah|yep|nope)\s*[,.!:;-]\s*/i;

/**
 * The answer's checkable claims: its sentences, split into clauses, without filler ("Sure!",
 * "Hope this helps") or refusal sentences. An empty list means nothing checkable.
 */
export function extractClaims(answer: string): Claim[] {
  const claims: Claim[] = [];
  for (const [index, sentence] of splitSentences(answer).entries()) {
    for (const clause of splitClauses(sentence)) {
      // "Yes, …" / "No, …" answer the question: the particle is no negation of what follows.
      const tokens = tokenize(clause.replace(ANSWER_PARTICLE, ""));
      if (isFiller(clause, tokens)) continue;
      claims.push({ text: clause, tokens, sentence: index });
    }
  }
  return claims;
}
