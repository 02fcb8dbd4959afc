import { z } from "zod";

const UNIT_MS = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
} as const;

const WHOLE = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d|w))+$/;
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g;

/**
 * Milliseconds in a duration written like Prometheus and Go do: a number and a unit (`ms`, `s`,
 * `m`, `h`, `d`, `w`), possibly several in a row: `30s`, `5m`, `1h30m`, `1d`, `1.5h`.
 * Throws a `RangeError` on anything else (a bare number is refused: its unit would be a guess).
 */
export function parseDuration(text: string): number {
  const trimmed = text.trim();
  if (!WHOLE.test(trimmed)) {
    throw new RangeError(`"${text}" is not a duration such as 30s, 5m, 1h or 1d`);
  }
  let total = 0;
  for (const [, amount, unit] of trimmed.matchAll(PART)) {
    total += Number(amount) * UNIT_MS[unit as keyof typeof UNIT_MS];
  }
  return Math.round(total);
}

/** True when `parseDuration` accepts the text. */
export function isDuration(text: string): boolean {
  return WHOLE.test(text.trim());
}

/**
 * A duration field: kept as written (`"5m"`), so a rule read back from the API or the database
 * parses again unchanged; `parseDuration` turns it into milliseconds where it is used.
 * `positive` refuses zero (a window of no time); cooldowns may be `0s`.
 */
export function durationField(options: { positive: boolean }) {
  return z
    .string()
    .trim()
    .refine(isDuration, { message: "must be a duration such as 30s, 5m, 1h or 1d" })
    .refine((text) => !options.positive || !isDuration(text) || parseDuration(text) > 0, {
      message: "must be longer than zero",
    });
}
