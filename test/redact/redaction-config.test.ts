import { describe, expect, it } from "vitest";
import {
  DEFAULT_REDACTED_KEYS,
  DEFAULT_REPLACEMENT,
  RedactionConfigSchema,
} from "../../src/redact/redaction-config.ts";

describe("RedactionConfigSchema", () => {
  it("redacts everything by default", () => {
    expect(RedactionConfigSchema.parse({})).toEqual({
      enabled: true,
      secrets: true,
      pii: true,
      keys: [...DEFAULT_REDACTED_KEYS],
      extra_patterns: [],
      replacement: DEFAULT_REPLACEMENT,
      before_queue: false,
    });
    expect(DEFAULT_REPLACEMENT).toBe("[REDACTED:<kind>]");
  });

  it("fills in extra pattern flags", () => {
    const config = RedactionConfigSchema.parse({
      extra_patterns: [{ name: "employee_id", pattern: "EMP-\\d{6}" }],
    });
    expect(config.extra_patterns).toEqual([
      { name: "employee_id", pattern: "EMP-\\d{6}", flags: "" },
    ]);
  });

  it("rejects an invalid regex with an error naming the entry and the field", () => {
    const result = RedactionConfigSchema.safeParse({
      extra_patterns: [
        { name: "ok", pattern: "ORD-\\d+" },
        { name: "broken", pattern: "(unclosed" },
      ],
    });
    expect(result.success).toBe(false);
    const issue = result.error?.issues[0];
    expect(issue?.path).toEqual(["extra_patterns", 1, "pattern"]);
    expect(issue?.message).toContain('extra_patterns[1] "broken": invalid regular expression');
  });

  it("rejects a pattern that matches the empty string", () => {
    const result = RedactionConfigSchema.safeParse({
      extra_patterns: [{ name: "anything", pattern: "x*" }],
    });
    expect(result.error?.issues[0]?.path).toEqual(["extra_patterns", 0, "pattern"]);
    expect(result.error?.issues[0]?.message).toContain("empty string");
  });

  it.each([
    [{ enabled: "yes" }, ["enabled"]],
    [{ keys: ["authorization", ""] }, ["keys", 1]],
    [{ extra_patterns: [{ name: "x", pattern: "a", flags: "g" }] }, ["extra_patterns", 0, "flags"]],
    [{ extra_patterns: [{ pattern: "a" }] }, ["extra_patterns", 0, "name"]],
    [{ replacement: "" }, ["replacement"]],
  ])("names the field of a bad value: %j", (input, path) => {
    const result = RedactionConfigSchema.safeParse(input);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(path);
  });

  it("rejects unknown fields, so a typo is not silently ignored", () => {
    const result = RedactionConfigSchema.safeParse({ pii_enabled: false });
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).toContain("pii_enabled");
  });
});
