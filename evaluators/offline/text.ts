import { STOPWORDS } from "./lexicon.ts";

/** One word of a text, with what the checks need to know about it. */
export interface Token {
  /** As written (quotes and dashes normalised). */
  raw: string;
  /** Lowercase. */
  lower: string;
  /** Lowercase and lightly stemmed: `carved` and `carves` → `carv`. */
  stem: string;
  /** Not a stopword, not punctuation. */
  content: boolean;
  /** Starts with a capital letter (or is an all-caps acronym), and is not the first word. */
  capitalised: boolean;
  /** Holds a digit: `2020`, `Q3`, `6.213`. */
  hasDigit: boolean;
}

/** Unicode quotes, dashes and spaces folded so that copied text matches its source. */
export function normaliseText(text: string): string {
  return text
    .normalize("NFKC")
    .replace(/[\u2018\u2019\u201b\u2032`]/g, "'")
    .replace(/[\u201c\u201d\u201f\u2033]/g, '"')
    .replace(/[\u2010-\u2015\u2212]/g, "-")
    .replace(/[\u00a0\u2000-\u200b\u202f]/g, " ");
}

const WORD = /[A-Za-z\u00c0-\u024f0-9]+(?:[.,'][A-Za-z\u00c0-\u024f0-9]+)*/g;

/**
 * Splits a text into word tokens. `don't` becomes `do` + `not`; numbers keep their decimal point
 * and thousands separators (`6.213`, `4,000`); possessive `'s` is dropped.
 */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  // "non-negative" is one word, and the opposite of "negative".
  const norm = normaliseText(text).replace(/\b(non|un|anti|dis|mis)-(?=[a-z])/gi, "$1");
  let index = 0;
  for (const match of norm.matchAll(WORD)) {
    let word = match[0];
    const start = match.index ?? 0;
    const sentenceStart =
      index === 0 || /[.!?:"\n]\s*$/.test(norm.slice(Math.max(0, start - 3), start));
    const parts: string[] = [];
    const lowerWord = word.toLowerCase();
    if (/n't$/.test(lowerWord)) {
      const base = word.slice(0, -3);
      parts.push(lowerWord === "can't" ? "can" : lowerWord === "won't" ? "will" : base, "not");
    } else {
      if (/'s$/i.test(word)) word = word.slice(0, -2);
      else if (/'(re|ve|ll|d|m)$/i.test(word)) word = word.slice(0, word.lastIndexOf("'"));
      // "4,000" keeps its comma; "Paris,France" never occurs after the regex, but strip stray ones.
      if (!/\d/.test(word)) word = word.replace(/[.,']/g, "");
      parts.push(word);
    }
    for (const [i, part] of parts.entries()) {
      if (part === "") continue;
      const lower = part.toLowerCase();
      const hasDigit = /\d/.test(part);
      const upperInitial = /^[A-Z\u00c0-\u00de]/.test(part);
      tokens.push({
        raw: part,
        lower,
        stem: hasDigit ? lower.replace(/,/g, "") : stem(lower),
        content: hasDigit || (!STOPWORDS.has(lower) && lower.length > 1),
        capitalised: upperInitial && (!(sentenceStart && i === 0) || /^[A-Z0-9]{2,}$/.test(part)),
        hasDigit,
      });
      index++;
    }
  }
  return tokens;
}

/**
 * A light English stemmer: enough to match `reveals`/`revealed`/`revealing` and `studies`/`study`,
 * cheap, and predictable. It does not try to be Porter.
 */
export function stem(word: string): string {
  let w = word;
  if (w.length <= 3) return w;
  if (w.endsWith("ies") && w.length > 4) w = `${w.slice(0, -3)}y`;
  else if (w.endsWith("sses")) w = w.slice(0, -2);
  else if (w.endsWith("es") && /(ch|sh|x|z|ss)es$/.test(w)) w = w.slice(0, -2);
  else if (w.endsWith("s") && !w.endsWith("ss") && !w.endsWith("us") && !w.endsWith("is")) {
    w = w.slice(0, -1);
  }
  if (w.endsWith("ing") && w.length > 5) w = w.slice(0, -3);
  else if (w.endsWith("ed") && w.length > 4) w = w.slice(0, -2);
  else if (w.endsWith("ly") && w.length > 5) w = w.slice(0, -2);
  // Undouble and drop a final e so that `stopped`/`stop` and `carve`/`carved` meet.
  if (/([bdfgmnprt])\1$/.test(w)) w = w.slice(0, -1);
  if (w.endsWith("e") && w.length > 3) w = w.slice(0, -1);
  if (w.endsWith("y") && w.length > 3) w = `${w.slice(0, -1)}i`;
  return w;
}

/** Content tokens only. */
export function contentTokens(tokens: readonly Token[]): Token[] {
  return tokens.filter((t) => t.content);
}
