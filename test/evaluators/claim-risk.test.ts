import { describe, expect, it } from "vitest";
import { analyseOffline } from "../../evaluators/offline/analyse.ts";
import {
  judgedWhole,
  MIN_CONTENT_WORDS_WITH_QUESTION,
} from "../../evaluators/offline/answer-features.ts";
import {
  CLAIM_RISK_FEATURE_NAMES,
  riskLogit,
  softplus,
} from "../../evaluators/offline/claim-risk-features.ts";
import { featurise } from "../../evaluators/offline/featurise.ts";
import { sigmoid } from "../../evaluators/offline/model.ts";
import { calibrate, fitClaimRisk, minimise } from "../../scripts/claim-risk-fit.ts";

/** A small deterministic generator (mulberry32), so that the fits below see the same data. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("the claim-risk fit", () => {
  it("minimises a curved valley to its floor", () => {
    // Rosenbrock's function: its minimum, 0, is at (1, 1), along a narrow bent valley.
    const x = minimise(
      ([a = 0, b = 0]) => ({
        value: (1 - a) ** 2 + 100 * (b - a * a) ** 2,
        grad: [-2 * (1 - a) - 400 * a * (b - a * a), 200 * (b - a * a)],
      }),
      [-1.2, 1],
    );
    expect(x[0]).toBeCloseTo(1, 4);
    expect(x[1]).toBeCloseTo(1, 4);
  });

  it("finds the measure that makes claims unsupported from answers labelled only as a whole", () => {
    // Each claim is unsupported with probability sigmoid(3·novelShare − 4); an answer is
    // hallucinated when any of its claims is. Every other measure is noise.
    const next = random(7);
    const d = CLAIM_RISK_FEATURE_NAMES.length;
    const novel = CLAIM_RISK_FEATURE_NAMES.indexOf("novelShare");
    const bags = Array.from({ length: 400 }, () => {
      const xs = Array.from({ length: 2 + Math.floor(next() * 6) }, () =>
        Array.from({ length: d }, () => next()),
      );
      const hallucinated = xs.some((x) => next() < sigmoid(3 * (x[novel] as number) * 2 - 4));
      return { xs, hallucinated };
    });
    const fit = fitClaimRisk(bags, 1);
    const strongest = fit.weights
      .map((w, j) => ({ w: Math.abs(w), j }))
      .sort((a, b) => b.w - a.w)[0];
    expect(strongest?.j).toBe(novel);
    expect(fit.weights[novel]).toBeGreaterThan(0);
  });

  it("calibrates risk onto a logit with the line that generated the labels", () => {
    const next = random(11);
    const logRisks = Array.from({ length: 4000 }, () => -3 + 5 * next());
    const supported = logRisks.map((r) => next() < sigmoid(0.5 - 1.5 * r));
    const { intercept, slope } = calibrate(logRisks, supported);
    expect(intercept).toBeCloseTo(0.5, 0);
    expect(slope).toBeCloseTo(-1.5, 0);
  });

  it("adds claims' risks: softplus of each logit", () => {
    expect(softplus(0)).toBeCloseTo(Math.log(2), 12);
    expect(softplus(800)).toBe(800);
    expect(softplus(-800)).toBe(0);
    const model = {
      mean: [0],
      std: [1],
      weights: [1],
      bias: 0,
      calibration: { intercept: 1, slope: -2 },
    };
    // Two claims of logits 0 and ln 3: risk ln 2 + ln 4 = ln 8.
    expect(riskLogit(model, [[0], [Math.log(3)]])).toBeCloseTo(1 - 2 * Math.log(Math.log(8)), 12);
  });
});

describe("answers to a question judged by the claim-risk model", () => {
  const passages = [
    "Passage 1: MSM powder is a sulfur compound sold as a dietary supplement.",
    "Some users report that it eases joint pain and reduces inflammation after exercise.",
    "Passage 2: Small studies suggest MSM may improve skin and hair quality.",
    "Passage 3: MSM is generally well tolerated; mild stomach upset is the most common side effect.",
  ].join(" ");
  const question = "what are the benefits of msm powder";
  const oneSentence =
    "Based on the given passages, the benefits of MSM powder include easing joint pain, reducing inflammation after exercise, improving skin and hair quality, and it is generally well tolerated with only mild stomach upset reported by some users.";

  it("judges a one-sentence answer that asserts much as a whole, and a short one claim by claim", () => {
    const long = featurise({ answer: oneSentence, question, documents: [passages] });
    expect(long.claims.length).toBeLessThan(3);
    const words = long.claims.reduce((n, c) => n + c.checks.contentCount, 0);
    expect(words).toBeGreaterThanOrEqual(MIN_CONTENT_WORDS_WITH_QUESTION);
    expect(judgedWhole(long.claims, true, 3)).toBe(true);
    // The same words without a question are a summary of two claims: judged claim by claim.
    expect(judgedWhole(long.claims, false, 3)).toBe(false);
    const short = featurise({
      answer: "MSM powder eases joint pain.",
      question,
      documents: [passages],
    });
    expect(judgedWhole(short.claims, true, 3)).toBe(false);
  });

  it("trusts an answer less for each claim the passages lack, and names the claim", () => {
    const supported = [
      "MSM powder is a sulfur compound sold as a dietary supplement.",
      "Some users report that it eases joint pain and reduces inflammation after exercise.",
      "Small studies suggest it may improve skin and hair quality.",
    ];
    const invented = [
      "Doctors prescribe it to cure arthritis within two weeks.",
      "It was approved by the FDA in 1998 as a treatment for migraines.",
    ];
    const score = (claims: string[]) =>
      analyseOffline({ answer: claims.join(" "), question, documents: [passages] });
    const clean = score(supported);
    const one = score([...supported, invented[0] as string]);
    const two = score([...supported, ...invented]);
    expect(one.noHallucination).toBeLessThan(clean.noHallucination);
    expect(two.noHallucination).toBeLessThan(one.noHallucination);
    expect(clean.noHallucination).toBeGreaterThan(0.5);
    expect(two.noHallucination).toBeLessThan(0.5);
    // The claims named are the ones the score counted: each judged alone, as a one-claim answer.
    const unsupported = (a: typeof one) => a.claims.filter((c) => !c.supported).map((c) => c.text);
    expect(unsupported(clean)).toEqual([]);
    expect(unsupported(one)).toEqual([invented[0]]);
    expect(unsupported(two)).toEqual(invented);
    // The claims' order is the answer model's finding: none is given for an answer to a question.
    expect(two.answerIssues).toEqual([]);
  });
});
