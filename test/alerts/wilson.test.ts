import { describe, expect, it } from "vitest";
import {
  inverseNormalCdf,
  wilsonInterval,
  wilsonLower,
  wilsonUpper,
  zForConfidence,
} from "../../src/alerts/wilson.ts";

describe("the normal quantile", () => {
  it("matches the tabulated z of common confidence levels", () => {
    expect(zForConfidence(0.95)).toBeCloseTo(1.959964, 5);
    expect(zForConfidence(0.99)).toBeCloseTo(2.575829, 5);
    expect(zForConfidence(0.9)).toBeCloseTo(1.644854, 5);
    expect(inverseNormalCdf(0.5)).toBeCloseTo(0, 9);
    expect(inverseNormalCdf(0.001)).toBeCloseTo(-3.090232, 5);
    expect(inverseNormalCdf(0.999)).toBeCloseTo(3.090232, 5);
  });

  it("refuses probabilities outside (0, 1)", () => {
    expect(() => inverseNormalCdf(0)).toThrow(RangeError);
    expect(() => zForConfidence(1)).toThrow(RangeError);
  });
});

describe("wilsonInterval", () => {
  it("gives the known bounds", () => {
    const half = wilsonInterval(5, 10, 0.95);
    expect(half.lower).toBeCloseTo(0.2366, 4);
    expect(half.upper).toBeCloseTo(0.7634, 4);
    expect(wilsonInterval(0, 20).lower).toBe(0);
    expect(wilsonUpper(0, 20)).toBeCloseTo(0.1611, 4);
    expect(wilsonLower(1, 10)).toBeCloseTo(0.0179, 4);
    expect(wilsonUpper(1, 10)).toBeCloseTo(0.4042, 4);
    expect(wilsonLower(10, 10)).toBeCloseTo(0.7225, 4);
    expect(wilsonUpper(10, 10)).toBe(1);
    expect(wilsonInterval(5, 10, 0.9).lower).toBeCloseTo(0.2693, 4);
    expect(wilsonInterval(3, 100, 0.99).upper).toBeCloseTo(0.1109, 4);
  });

  it("is wide for a handful of events and narrows with more", () => {
    expect(wilsonLower(2, 3)).toBeCloseTo(0.2077, 4);
    expect(wilsonLower(20, 30)).toBeCloseTo(0.4878, 4);
    expect(wilsonLower(200, 300)).toBeGreaterThan(0.6);
  });

  it("knows nothing from no events and refuses impossible counts", () => {
    expect(wilsonInterval(0, 0)).toEqual({ lower: 0, upper: 1 });
    expect(() => wilsonInterval(3, 2)).toThrow(RangeError);
    expect(() => wilsonInterval(-1, 2)).toThrow(RangeError);
    expect(() => wilsonInterval(1, 2.5)).toThrow(RangeError);
  });
});
