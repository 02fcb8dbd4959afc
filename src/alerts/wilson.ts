/**
 * The Wilson score interval for a binomial share: how sure `k` failures in `n` events make us of
 * the true failing share. Unlike `k / n ± z·σ`, it stays inside [0, 1] and is honest for small `n`
 * and for shares near 0 or 1, so "2 of 3 failed" is not mistaken for a 67 % failure rate.
 */

/** Lower and upper bound of a share, both in [0, 1]. */
export interface Interval {
  lower: number;
  upper: number;
}

// Acklam's rational approximation of the inverse normal CDF (relative error < 1.2e-9).
const A = [
  -3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2,
  -3.066479806614716e1, 2.506628277459239,
] as const;
const B = [
  -5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1,
  -1.328068155288572e1,
] as const;
const C = [
  -7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734,
  4.374664141464968, 2.938163982698783,
] as const;
const D = [
  7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416,
] as const;
const P_LOW = 0.02425;

/** The standard normal quantile: `x` with P(Z ≤ x) = p, for 0 < p < 1. */
export function inverseNormalCdf(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`probability must be inside (0, 1), got ${p}`);
  if (p < P_LOW) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (
      (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5]) /
      ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1)
    );
  }
  if (p > 1 - P_LOW) return -inverseNormalCdf(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q) /
    (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1)
  );
}

/**
 * The z of a two-sided confidence level: 0.95 → 1.95996, 0.99 → 2.57583, 0.9 → 1.64485.
 * Two-sided because that is what "the 95 % Wilson interval" means everywhere it is tabulated.
 */
export function zForConfidence(confidence: number): number {
  if (!(confidence > 0 && confidence < 1)) {
    throw new RangeError(`confidence must be inside (0, 1), got ${confidence}`);
  }
  return inverseNormalCdf(1 - (1 - confidence) / 2);
}

/**
 * Wilson score interval of `k` successes (here: failing events) out of `n`, at a two-sided
 * `confidence` level (default 0.95). With `n = 0` nothing is known: [0, 1].
 * Examples: 5 of 10 → [0.237, 0.763]; 0 of 20 → [0, 0.161].
 */
export function wilsonInterval(k: number, n: number, confidence = 0.95): Interval {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`n must be a whole number ≥ 0, got ${n}`);
  if (!(k >= 0 && k <= n)) throw new RangeError(`k must be within 0..${n}, got ${k}`);
  if (n === 0) return { lower: 0, upper: 1 };
  const z = zForConfidence(confidence);
  const z2 = z * z;
  const p = k / n;
  const denominator = 1 + z2 / n;
  const center = (p + z2 / (2 * n)) / denominator;
  const half = (z / denominator) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  // Clamp away rounding just outside [0, 1] at k = 0 and k = n.
  return { lower: Math.max(0, center - half), upper: Math.min(1, center + half) };
}

/** The lower bound alone: the failing share we are `confidence` sure is at least this. */
export function wilsonLower(k: number, n: number, confidence = 0.95): number {
  return wilsonInterval(k, n, confidence).lower;
}

/** The upper bound alone: the failing share we are `confidence` sure is at most this. */
export function wilsonUpper(k: number, n: number, confidence = 0.95): number {
  return wilsonInterval(k, n, confidence).upper;
}
