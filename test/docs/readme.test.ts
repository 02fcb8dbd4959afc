import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { EvaluationsQuerySchema } from "../../src/api/evaluations-routes.ts";
import { ConfigSchema } from "../../src/config/config-schema.ts";

const README = readFileSync(path.resolve(import.meta.dirname, "../../README.md"), "utf8");

/** The README's YAML examples: users copy them, so each must be a valid configuration. */
const yamlBlocks = [...README.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] as string);

describe("the README's configuration examples", () => {
  it("are there", () => {
    expect(yamlBlocks.length).toBeGreaterThanOrEqual(4);
  });

  for (const [i, block] of yamlBlocks.entries()) {
    it(`example ${i + 1} (${block.split("\n")[0]}) is a valid configuration`, () => {
      const parsed = ConfigSchema.safeParse(parseYaml(block) ?? {});
      const problems = parsed.success
        ? []
        : parsed.error.issues.map((x) => `${x.path.join(".")}: ${x.message}`);
      expect(problems).toEqual([]);
    });
  }
});

describe("the README's HTTP API section", () => {
  const row = README.split("\n").find((line) => line.startsWith("| `GET /v1/evaluations` |")) ?? "";

  it("lists every parameter GET /v1/evaluations takes", () => {
    const unlisted = Object.keys(EvaluationsQuerySchema.shape).filter(
      (name) => !row.includes(`\`${name}\``),
    );
    expect(row).not.toBe("");
    expect(unlisted).toEqual([]);
  });

  it("says /openapi.json carries request and response schemas", () => {
    expect(README).toMatch(
      /`GET \/openapi.json` describes[\s\S]*?with request and response schemas/,
    );
  });
});
