/**
 * Fitting the claim-risk model (`evaluators/offline/claim-risk-model.ts`) for
 * `scripts/fit-answer-model.ts`: a multiple-instance logistic model, where each answer is a bag
 * of claims, labelled as a whole, hallucinated when any claim is unsupported (noisy-OR).
 */
import { CLAIM_RISK_FEATURE_NAMES, softplus } from "../evaluators/offline/claim-risk-features.ts";
import { sigmoid } from "../evaluators/offline/model.ts";

/** One answer as the fit reads it: its claims' risk vectors and its label. */
export interface Bag {
  xs: readonly (readonly number[])[];
  hallucinated: boolean;
}

export interface RiskFit {
  mean: number[];
  std: number[];
  weights: number[];
  bias: number;
}

const dot = (a: readonly number[], b: readonly number[]) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
  return s;
};

/**
 * Minimises a smooth function by BFGS with a backtracking (Armijo) line search, from `start`.
 * Small problems only: it keeps the whole inverse Hessian.
 */
export function minimise(
  f: (x: readonly number[]) => { value: number; grad: number[] },
  start: readonly number[],
  maxIterations = 1000,
): number[] {
  const n = start.length;
  const identity = (): number[][] =>
    Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
  let x = [...start];
  let current = f(x);
  let h = identity();
  for (let iter = 0; iter < maxIterations; iter++) {
    if (Math.sqrt(dot(current.grad, current.grad)) < 1e-8) break;
    let direction = h.map((row) => -dot(row, current.grad));
    let slope = dot(current.grad, direction);
    if (slope >= 0) {
      // Not a descent direction (the curvature estimate went astray): start again from steepest.
      h = identity();
      direction = current.grad.map((g) => -g);
      slope = -dot(current.grad, current.grad);
    }
    let step = 1;
    let next = f(x.map((v, i) => v + step * (direction[i] as number)));
    while (next.value > current.value + 1e-4 * step * slope && step > 1e-12) {
      step /= 2;
      next = f(x.map((v, i) => v + step * (direction[i] as number)));
    }
    const s = direction.map((d) => step * d);
    const y = next.grad.map((g, i) => g - (current.grad[i] as number));
    const sy = dot(s, y);
    const done = Math.abs(current.value - next.value) <= 1e-12 * (1 + Math.abs(current.value));
    x = x.map((v, i) => v + (s[i] as number));
    current = next;
    if (done) break;
    if (sy <= 1e-12) continue;
    // H ← (I − ρ s yᵀ) H (I − ρ y sᵀ) + ρ s sᵀ, written out for a symmetric H.
    const rho = 1 / sy;
    const hy = h.map((row) => dot(row, y));
    const yhy = dot(y, hy);
    h = h.map((row, i) =>
      row.map(
        (v, j) =>
          v -
          rho * ((hy[i] as number) * (s[j] as number) + (s[i] as number) * (hy[j] as number)) +
          (rho * rho * yhy + rho) * (s[i] as number) * (s[j] as number),
      ),
    );
  }
  return x;
}

/**
 * Each input's mean and standard deviation over `xs` (vectors of length `d`), a constant input's
 * taken as 1: the standardisation both answer-level fits read their inputs through.
 */
export function standardisation(
  xs: readonly (readonly number[])[],
  d: number,
): { mean: number[]; std: number[] } {
  const mean = new Array<number>(d).fill(0);
  const std = new Array<number>(d).fill(0);
  for (const x of xs) for (let j = 0; j < d; j++) mean[j] = (mean[j] as number) + (x[j] as number);
  for (let j = 0; j < d; j++) mean[j] = (mean[j] as number) / xs.length;
  for (const x of xs) {
    for (let j = 0; j < d; j++)
      std[j] = (std[j] as number) + ((x[j] as number) - (mean[j] as number)) ** 2;
  }
  for (let j = 0; j < d; j++) std[j] = Math.sqrt((std[j] as number) / xs.length) || 1;
  return { mean, std };
}

/** Fits the claim-risk model on `bags`, with L2 strength `lambda` on the standardised weights. */
export function fitClaimRisk(bags: readonly Bag[], lambda: number): RiskFit {
  const d = CLAIM_RISK_FEATURE_NAMES.length;
  const { mean, std } = standardisation(
    bags.flatMap((b) => b.xs),
    d,
  );
  // Each claim standardised, with a 1 for the bias.
  const zs = bags.map((b) => ({
    zs: b.xs.map((x) => [...x.map((v, j) => (v - (mean[j] as number)) / (std[j] as number)), 1]),
    hallucinated: b.hallucinated,
  }));
  const loss = (theta: readonly number[]) => {
    let value = 0;
    const grad = new Array<number>(d + 1).fill(0);
    for (let j = 0; j < d; j++) {
      value += (lambda / 2) * (theta[j] as number) ** 2;
      grad[j] = lambda * (theta[j] as number);
    }
    for (const bag of zs) {
      // The bag's risk S = Σ softplus(z): −ln P(supported) under the noisy-OR.
      let risk = 0;
      const dRisk = new Array<number>(d + 1).fill(0);
      for (const z of bag.zs) {
        const logit = dot(theta, z);
        risk += softplus(logit);
        const s = sigmoid(logit);
        for (let j = 0; j <= d; j++) dRisk[j] = (dRisk[j] as number) + s * (z[j] as number);
      }
      // A supported answer costs S; a hallucinated one −ln(1 − e^−S), whose slope is −1/(e^S − 1).
      risk = Math.max(risk, 1e-12);
      const coef = bag.hallucinated ? -1 / Math.expm1(risk) : 1;
      value += bag.hallucinated ? -Math.log(-Math.expm1(-risk)) : risk;
      for (let j = 0; j <= d; j++) grad[j] = (grad[j] as number) + coef * (dRisk[j] as number);
    }
    return { value, grad };
  };
  const theta = minimise(loss, new Array<number>(d + 1).fill(0));
  return { mean, std, weights: theta.slice(0, d), bias: theta[d] as number };
}

/**
 * The line that maps an answer's ln(risk) to its logit of "supported": a one-input logistic
 * regression on held-out risks, so that answers judged by risk sit on the answer model's scale.
 */
export function calibrate(
  logRisks: readonly number[],
  supported: readonly boolean[],
): { intercept: number; slope: number } {
  const theta = minimise(
    (t) => {
      let value = 0;
      const grad = [0, 0];
      logRisks.forEach((r, i) => {
        const z = (t[0] as number) + (t[1] as number) * r;
        const y = supported[i] ? 1 : 0;
        value += softplus(z) - y * z;
        const e = sigmoid(z) - y;
        grad[0] = (grad[0] as number) + e;
        grad[1] = (grad[1] as number) + e * r;
      });
      return { value, grad };
    },
    [0, 0],
  );
  return { intercept: theta[0] as number, slope: theta[1] as number };
}
