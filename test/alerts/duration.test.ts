import { describe, expect, it } from "vitest";
import { isDuration, parseDuration } from "../../src/alerts/duration.ts";

describe("parseDuration", () => {
  it("reads the units rules are written in", () => {
    expect(parseDuration("30s")).toBe(30_000);
    expect(parseDuration("5m")).toBe(300_000);
    expect(parseDuration("1h")).toBe(3_600_000);
    expect(parseDuration("1d")).toBe(86_400_000);
    expect(parseDuration("500ms")).toBe(500);
    expect(parseDuration("1h30m")).toBe(5_400_000);
    expect(parseDuration("1.5h")).toBe(5_400_000);
    expect(parseDuration("0s")).toBe(0);
  });

  it("refuses bare numbers, spaces, signs and unknown units", () => {
    for (const bad of ["5", "5 m", "", "m", "-5m", "5y", "5mins", "1h 30m"]) {
      expect(isDuration(bad)).toBe(false);
      expect(() => parseDuration(bad)).toThrow(/not a duration/);
    }
  });
});
