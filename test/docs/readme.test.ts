import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
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
