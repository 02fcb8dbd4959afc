import { describe, expect, it } from "vitest";
import { supportedShare } from "../../evaluators/offline/analyse.ts";
import { OFFLINE_MODEL } from "../../evaluators/offline/model.ts";

describe("supportedShare (groundedness's soft count of supported claims)", () => {
  it("is the plain mean of the probabilities with k 1 at ½", () => {
    expect(supportedShare([0.9, 0.6, 0.2], 0.5, 1)).toBeCloseTo((0.9 + 0.6 + 0.2) / 3, 9);
  });

  it("tends to the hard share as the step steepens", () => {
    expect(supportedShare([0.9, 0.8, 0.2], 0.5, 50)).toBeCloseTo(2 / 3, 6);
  });

  it("counts a claim at the threshold as half, and no claims as all supported", () => {
    expect(supportedShare([0.5], 0.5, 4)).toBeCloseTo(0.5, 9);
    expect(supportedShare([], 0.5, 4)).toBe(1);
  });

  it("with the shipped step, one claim below the threshold among three costs about a third", () => {
    const { claim } = OFFLINE_MODEL.thresholds;
    const k = OFFLINE_MODEL.shareSharpness;
    const faithful = supportedShare([0.85, 0.8, 0.75], claim, k);
    const edited = supportedShare([0.85, 0.8, 0.3], claim, k);
    expect(faithful).toBeGreaterThan(0.95);
    expect(faithful - edited).toBeGreaterThan(0.25);
    // The plain mean moves by 0.15 only.
    expect(faithful).toBeLessThanOrEqual(1);
  });
});
