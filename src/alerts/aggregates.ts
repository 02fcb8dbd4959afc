import type { AlertSample } from "./rule-scope.ts";

/**
 * Rounds away floating-point dust (to 12 decimals), so twenty scores of 0.85 average to 0.85, not
 * 0.8499999999999999, and a rule "at least 0.85" does not fire on them.
 */
export function tidy(value: number): number {
  return Math.round(value * 1e12) / 1e12;
}

/** Arithmetic mean, tidied; null for no values. */
export function mean(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  let sum = 0;
  for (const v of values) sum += v;
  return tidy(sum / values.length);
}

/**
 * The score that `n` % of the values reach or exceed: the (100 − n)th percentile, linearly
 * interpolated between neighbours (numpy's default). `scorePercentile(scores, 90)` is the score
 * 90 % of events get at least; 50 is the median. Null for no values.
 */
export function scorePercentile(values: readonly number[], n: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const position = ((100 - n) / 100) * (sorted.length - 1);
  const low = Math.floor(position);
  const high = Math.ceil(position);
  const a = sorted[low] as number;
  const b = sorted[high] as number;
  return tidy(a + (b - a) * (position - low));
}

/** Score under which an event without a `passed` verdict counts as failed, absent `fail_below`. */
export const DEFAULT_FAIL_BELOW = 0.5;

/**
 * Whether an event failed, for `fail_rate`: its `passed` is false, or its score is below
 * `failBelow`. Without `failBelow` the evaluator's own `passed` decides, and only events without
 * one fall back to a score below 0.5. Null when the event has neither a verdict nor a score.
 */
export function isFailing(sample: AlertSample, failBelow: number | undefined): boolean | null {
  if (sample.passed === false) return true;
  if (failBelow !== undefined && sample.score !== null) return sample.score < failBelow;
  if (sample.passed === true) return false;
  return sample.score === null ? null : sample.score < DEFAULT_FAIL_BELOW;
}
