import { describe, expect, it } from "vitest";
import { groundednessScore } from "../../evaluators/offline/analyse.ts";
import { OFFLINE_MODEL } from "../../evaluators/offline/model.ts";

describe("groundednessScore (share of supported claims, ties ordered by doubt)", () => {
  it("is the hard share of claims at or above the claim threshold without a doubt term", () => {
    expect(groundednessScore([0.9, 0.6, 0.2], 0.5, 0)).toBeCloseTo(2 / 3, 12);
    expect(groundednessScore([0.5], 0.5, 0)).toBe(1);
    expect(groundednessScore([0.49], 0.5, 0)).toBe(0);
  });

  it("gives the last doubtWeight of the scale to the probability that every claim holds", () => {
    expect(groundednessScore([0.9, 0.8], 0.5, 0.05)).toBeCloseTo(0.95 + 0.05 * 0.72, 12);
    expect(groundednessScore([1, 1], 0.5, 0.05)).toBe(1);
    expect(groundednessScore([0, 0.2], 0.5, 0.05)).toBe(0);
    expect(groundednessScore([], 0.5, 0.05)).toBe(1);
  });

  it("orders answers within a share level by doubt, never across levels (up to four claims)", () => {
    const { claim } = OFFLINE_MODEL.thresholds;
    const d = OFFLINE_MODEL.doubtWeight;
    // An edited summary whose claims all stay above the threshold ranks below its faithful twin.
    const faithful = groundednessScore([0.9, 0.85], claim, d);
    const edited = groundednessScore([0.9, 0.55], claim, d);
    expect(edited).toBeLessThan(faithful);
    // One more supported claim outranks any amount of certainty.
    for (const n of [2, 3, 4]) {
      const allShaky = groundednessScore(new Array(n).fill(claim), claim, d);
      const oneOut = groundednessScore([...new Array(n - 1).fill(1), 0.49], claim, d);
      expect(allShaky).toBeGreaterThan(oneOut);
    }
  });

  it("with the shipped settings, one unsupported claim among three fails the answer", () => {
    const { claim, groundedness } = OFFLINE_MODEL.thresholds;
    const d = OFFLINE_MODEL.doubtWeight;
    expect(groundednessScore([0.95, 0.95, 0.95], claim, d)).toBeGreaterThanOrEqual(groundedness);
    expect(groundednessScore([0.99, 0.99, 0.3], claim, d)).toBeLessThan(groundedness);
  });
});
