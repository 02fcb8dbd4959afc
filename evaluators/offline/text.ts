import { FRAMING_WORDS, PLACE_NAMES, STOPWORDS } from "./lexicon.ts";

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

const SINGLE_QUOTES = /[\u2018\u2019\u201b\u2032`]/g;
const DOUBLE_QUOTES = /[\u201c\u201d\u201f\u2033]/g;
const DASHES = /[\u2010-\u2015\u2212]/g;
const SPACES = /[\u00a0\u2000-\u200b\u202f]/g;
const BACKTICKS = /`/g;

export function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}

/**
 * `normaliseText` of an ASCII text: ASCII is its own NFKC form, and of the folded characters only
 * the backtick is ASCII. The result is ASCII, and so is every piece of it, each its own normal form.
 */
export function normaliseAscii(text: string): string {
  return text.includes("`") ? text.replace(BACKTICKS, "'") : text;
}

/** Unicode quotes, dashes and spaces folded so that copied text matches its source. */
export function normaliseText(text: string): string {
  if (isAscii(text)) return normaliseAscii(text);
  return text
    .normalize("NFKC")
    .replace(SINGLE_QUOTES, "'")
    .replace(DOUBLE_QUOTES, '"')
    .replace(DASHES, "-")
    .replace(SPACES, " ")
    .replace(DEGREES, (_, unit: string) => ` degrees ${unit === "F" ? "Fahrenheit" : "Celsius"}`);
}

// "98°F" is written "98 degrees Fahrenheit" as often: spelt out, the unit is a word both can share.
const DEGREES = /\s?°\s?([FC])\b/g;

// "non-negative" is one word, and the opposite of "negative".
const NEGATING_HYPHEN = /\b(non|un|anti|dis|mis)-(?=[a-z])/gi;

/** `[A-Za-z\u00c0-\u024f0-9]`: what a word is made of. */
function isWordChar(c: number): boolean {
  return (
    (c >= 97 && c <= 122) ||
    (c >= 65 && c <= 90) ||
    (c >= 48 && c <= 57) ||
    (c >= 0xc0 && c <= 0x24f)
  );
}

/** `\s` of a regular expression. */
function isSpace(c: number): boolean {
  return (
    c === 32 ||
    (c >= 9 && c <= 13) ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

/** Whether `[.!?:"\n]\s*$` matches the (up to) three characters before `start`. */
function afterSentenceEnd(text: string, start: number): boolean {
  for (let k = start - 1; k >= Math.max(0, start - 3); k--) {
    const c = text.charCodeAt(k);
    // . ! ? : " and newline
    if (c === 46 || c === 33 || c === 63 || c === 58 || c === 34 || c === 10) return true;
    if (!isSpace(c)) return false;
  }
  return false;
}

/**
 * The tokens one written word gives: as the first word of a sentence (`start`), and elsewhere
 * (`inside`); they differ only in `capitalised`. Shared by every occurrence of the word, so never
 * modified.
 */
interface WordTokens {
  start: readonly Token[];
  inside: readonly Token[];
}

function wordTokens(written: string): WordTokens {
  let word = written;
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
  const start: Token[] = [];
  const inside: Token[] = [];
  for (const [i, part] of parts.entries()) {
    if (part === "") continue;
    const lower = part.toLowerCase();
    const hasDigit = /\d/.test(part);
    const upperInitial = /^[A-Z\u00c0-\u00de]/.test(part);
    const token: Token = {
      raw: part,
      lower,
      stem: hasDigit ? lower.replace(/,/g, "") : stem(lower),
      content: hasDigit || (!STOPWORDS.has(lower) && !FRAMING_WORDS.has(lower) && lower.length > 1),
      capitalised: upperInitial,
      hasDigit,
    };
    inside.push(token);
    start.push(
      i === 0 && upperInitial && !/^[A-Z0-9]{2,}$/.test(part)
        ? { ...token, capitalised: false }
        : token,
    );
  }
  return { start, inside };
}

/** A word's tokens: most words give one, and it is kept as is. */
type Tokens = Token | readonly Token[];

/**
 * Words seen before, with their tokens: a text's vocabulary repeats, within it and across texts.
 * Looked up by the characters of the text, so that a word seen before costs no string: an open
 * addressing table of FNV-1a hashes, each slot's word, hash and tokens side by side in one array
 * (one cache line, not four). Bounded: emptied when half full, which costs only the recomputation.
 */
class WordTable {
  readonly #mask: number;
  readonly #limit: number;
  // Slot i: [4i] the word, [4i + 1] its hash (31 bits, a small integer), [4i + 2] its tokens
  // elsewhere, [4i + 3] its tokens as the first word of a sentence.
  readonly #slots: (string | number | Tokens | undefined)[];
  #size = 0;

  constructor(bits: number) {
    this.#mask = (1 << bits) - 1;
    this.#limit = 1 << (bits - 1);
    this.#slots = new Array(4 << bits).fill(undefined);
  }

  /**
   * The slot of `text.slice(start, end)`, whose hash is `hash` (31 bits), filled on first sight:
   * its tokens are at `slots[slot + 2]` (elsewhere) and `slots[slot + 3]` (first in a sentence).
   */
  find(text: string, start: number, end: number, hash: number): number {
    const slots = this.#slots;
    const length = end - start;
    let slot = hash & this.#mask;
    for (;;) {
      const key = slots[4 * slot] as string | undefined;
      if (key === undefined) break;
      if (slots[4 * slot + 1] === hash && key.length === length && sameChars(key, text, start)) {
        return 4 * slot;
      }
      slot = (slot + 1) & this.#mask;
    }
    if (this.#size >= this.#limit) {
      slots.fill(undefined);
      this.#size = 0;
      slot = hash & this.#mask;
    }
    const word = text.slice(start, end);
    const { start: first, inside } = wordTokens(word);
    slots[4 * slot] = word;
    slots[4 * slot + 1] = hash;
    slots[4 * slot + 2] = inside.length === 1 ? inside[0] : inside;
    slots[4 * slot + 3] = first.length === 1 ? first[0] : first;
    this.#size++;
    return 4 * slot;
  }

  get slots(): readonly (string | number | Tokens | undefined)[] {
    return this.#slots;
  }
}

function sameChars(key: string, text: string, start: number): boolean {
  for (let i = 0; i < key.length; i++) {
    if (key.charCodeAt(i) !== text.charCodeAt(start + i)) return false;
  }
  return true;
}

// 2^17 slots: up to 65,536 distinct words before it is emptied.
const WORDS = new WordTable(17);

/**
 * Splits a text into word tokens. `don't` becomes `do` + `not`; numbers keep their decimal point
 * and thousands separators (`6.213`, `4,000`); possessive `'s` is dropped.
 */
export function tokenize(text: string): Token[] {
  return tokenizeNormalised(normaliseText(text));
}

/** `tokenize` of a text that `normaliseText` leaves as it is. */
export function tokenizeNormalised(normalised: string): Token[] {
  const tokens: Token[] = [];
  const norm = normalised.includes("-") ? normalised.replace(NEGATING_HYPHEN, "$1") : normalised;
  const n = norm.length;
  const slots = WORDS.slots;
  let pos = 0;
  while (pos < n) {
    if (!isWordChar(norm.charCodeAt(pos))) {
      pos++;
      continue;
    }
    // The word: `[A-Za-z…0-9]+(?:[.,'][A-Za-z…0-9]+)*`, hashed as it is read.
    let end = pos;
    let hash = FNV_OFFSET;
    for (;;) {
      let c = norm.charCodeAt(end);
      while (end < n && isWordChar(c)) {
        hash = Math.imul(hash ^ c, FNV_PRIME);
        c = norm.charCodeAt(++end);
      }
      // A separator . , ' continues the word only when a word character follows it.
      if ((c === 46 || c === 44 || c === 39) && isWordChar(norm.charCodeAt(end + 1))) {
        hash = Math.imul(hash ^ c, FNV_PRIME);
        end++;
      } else break;
    }
    const slot = WORDS.find(norm, pos, end, hash & 0x3fffffff);
    const sentenceStart = tokens.length === 0 || afterSentenceEnd(norm, pos);
    const word = slots[sentenceStart ? slot + 3 : slot + 2] as Tokens;
    if (Array.isArray(word)) for (const t of word) tokens.push(t);
    else tokens.push(word as Token);
    pos = end;
  }
  return tokens;
}

const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 0x01000193;

/**
 * A light English stemmer: enough to match `reveals`/`revealed`/`revealing` and `studies`/`study`,
 * cheap, and predictable. It does not try to be Porter.
 */
export function stem(word: string): string {
  const place = PLACE_STEMS.get(word);
  if (place !== undefined) return place;
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

/**
 * A country's name, its people's and its abbreviation share one stem ("Venezuelan" and
 * "Venezuela", "British" and "Britain", "U.S." and "America"): a summary says "the Venezuelan
 * government" where its article says "Venezuela's", and neither adds a fact.
 */
const PLACE_STEMS: ReadonlyMap<string, string> = new Map(
  [...PLACE_NAMES].flatMap(([form, place]) => [
    [form, place],
    [`${form}s`, place],
    [place, place],
  ]),
);

/** Content tokens only. */
export function contentTokens(tokens: readonly Token[]): Token[] {
  return tokens.filter((t) => t.content);
}
