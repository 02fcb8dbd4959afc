import { MULTIPLIERS, NUMBER_WORDS } from "./lexicon.ts";
import type { Token } from "./text.ts";

/** A quantity stated in a text: `4,000`, `1.2 million`, `nine`, `43%`. */
export interface Quantity {
  value: number;
  /** As written, for explanations. */
  text: string;
  /**
   * The scale of a rating or share just stated ("5" in "3.5 out of 5 stars"): a convention of
   * how the number before it reads, not a fact of its own.
   */
  scale: boolean;
}

/** Whether tokens `i-3 … i-1` read "<number> out of". */
function followsOutOf(tokens: readonly Token[], i: number): boolean {
  return (
    tokens[i - 1]?.lower === "of" &&
    tokens[i - 2]?.lower === "out" &&
    (tokens[i - 3]?.hasDigit === true || NUMBER_WORDS.has(tokens[i - 3]?.lower ?? ""))
  );
}

// Too common as pronoun or ordinal ("one of", "at first") to count as a stated number.
const AMBIGUOUS_WORDS = new Set(["one", "first", "once", "second", "half", "double"]);

const NUMERAL = /^\d[\d,]*(\.\d+)?$/;
const ORDINAL = /^\d+(st|nd|rd|th|s)$/;
const COMMAS = /,/g;

/** Numbers and number words of a token list, with `million`/`billion` multipliers applied. */
export function extractQuantities(tokens: readonly Token[]): Quantity[] {
  const out: Quantity[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as Token;
    let value: number | undefined;
    let text = token.raw;
    const scale = followsOutOf(tokens, i);
    // Numerals hold a digit and number words none: most tokens are neither.
    if (token.hasDigit) {
      if (NUMERAL.test(token.lower)) value = Number(token.lower.replace(COMMAS, ""));
      else if (ORDINAL.test(token.lower)) value = Number.parseInt(token.lower, 10);
    } else if (NUMBER_WORDS.has(token.lower) && !AMBIGUOUS_WORDS.has(token.lower)) {
      value = NUMBER_WORDS.get(token.lower);
      // "twenty five"
      const next = tokens[i + 1];
      const unit = next ? NUMBER_WORDS.get(next.lower) : undefined;
      if (value !== undefined && value >= 20 && value < 100 && unit !== undefined && unit < 10) {
        value += unit;
        text = `${text} ${next?.raw}`;
        i++;
      }
    }
    if (value === undefined || !Number.isFinite(value)) continue;
    const next = tokens[i + 1];
    const multiplier = next ? MULTIPLIERS.get(next.lower) : undefined;
    if (multiplier !== undefined && !(next?.lower === "hundred" && value >= 100)) {
      value *= multiplier;
      text = `${text} ${next?.raw}`;
      i++;
    }
    out.push({ value, text, scale });
  }
  return out;
}

function significantDigits(value: number): number {
  const digits = String(Math.abs(value)).replace(".", "").replace(/^0+/, "").replace(/0+$/, "");
  return Math.max(1, digits.length);
}

/**
 * Whether a stated quantity agrees with one of the source's: equal, or a rounding of it
 * ("1.2 million" for 1,213,000; "about 40%" for 41.3%).
 */
export function quantityMatches(claim: number, source: readonly number[]): boolean {
  for (const s of source) {
    if (claim === s) return true;
    const scale = Math.max(Math.abs(claim), Math.abs(s));
    if (scale === 0) continue;
    const diff = Math.abs(claim - s) / scale;
    if (diff < 1e-6) return true;
    if (significantDigits(claim) <= 2 && diff < 0.05) return true;
  }
  return false;
}
