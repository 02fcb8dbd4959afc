import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineEvaluator } from "../../src/evaluators/define-evaluator.ts";
import { loadEvaluatorModules } from "../../src/evaluators/load-evaluator-modules.ts";
import { appliesTo, EvaluatorRegistry } from "../../src/evaluators/registry.ts";
import { makeSpan } from "../support/llm-spans.ts";

const INDEX = path.resolve(import.meta.dirname, "../../src/index.ts");

const tone = (version: string) =>
  defineEvaluator({
    name: "tone",
    version,
    settings: z.object({ threshold: z.number().min(0).max(1).default(0.5) }),
    evaluate: () => ({ score: 1 }),
  });

describe("defineEvaluator", () => {
  it("refuses a malformed definition, naming the evaluator and the problem", () => {
    expect(() =>
      defineEvaluator({ name: "Bad Name", version: "1", evaluate: () => ({ score: 1 }) }),
    ).toThrow(/Bad Name: name must match/);
    expect(() =>
      defineEvaluator({ name: "ok", version: "", evaluate: () => ({ score: 1 }) }),
    ).toThrow(/ok: version/);
    expect(() => defineEvaluator({ name: "ok", version: "1" } as never)).toThrow(
      /evaluate must be a function/,
    );
    expect(() =>
      defineEvaluator({
        name: "ok",
        version: "1",
        appliesTo: { kind: ["NOPE"] } as never,
        evaluate: () => ({ score: 1 }),
      }),
    ).toThrow(/appliesTo/);
  });
});

describe("EvaluatorRegistry", () => {
  it("refuses a duplicate name@version and any registration after start, with stable codes", () => {
    const registry = new EvaluatorRegistry();
    registry.register(tone("1.0.0"), "a.ts");
    expect(() => registry.register(tone("1.0.0"), "b.ts")).toThrow(
      expect.objectContaining({ code: "EVALUATOR_DUPLICATE" }),
    );
    registry.freeze();
    expect(() => registry.register(tone("2.0.0"), "c.ts")).toThrow(
      expect.objectContaining({ code: "REGISTRY_FROZEN" }),
    );
  });

  it("runs the newest version unless the config pins one or disables it", () => {
    const registry = new EvaluatorRegistry();
    for (const v of ["1.9.0", "1.10.0"]) registry.register(tone(v), "t.ts");
    expect(registry.activate([]).map((a) => a.key)).toEqual(["tone@1.10.0"]);
    expect(
      registry
        .activate([{ name: "tone", version: "1.9.0", enabled: true, settings: {} }])
        .map((a) => a.key),
    ).toEqual(["tone@1.9.0"]);
    expect(registry.activate([{ name: "tone", enabled: false, settings: {} }])).toEqual([]);
  });

  it("parses settings with the evaluator's schema and names the bad field", () => {
    const registry = new EvaluatorRegistry();
    registry.register(tone("1"), "t.ts");
    expect(registry.activate([{ name: "tone", enabled: true, settings: {} }])[0]?.settings).toEqual(
      { threshold: 0.5 },
    );
    expect(() =>
      registry.activate([{ name: "tone", enabled: true, settings: { threshold: 3 } }]),
    ).toThrow(/evaluators\.0\.settings\.threshold/);
    expect(() => registry.activate([{ name: "nope", enabled: true, settings: {} }])).toThrow(
      /evaluators\.0\.name: no evaluator named "nope"/,
    );
  });

  it("applies the evaluator's own filter and the config's narrowing together", () => {
    const registry = new EvaluatorRegistry();
    registry.register(tone("1"), "t.ts");
    const [active] = registry.activate([
      { name: "tone", enabled: true, settings: {}, where: { service: ["checkout-*"] } },
    ]);
    if (!active) throw new Error("not active");
    expect(appliesTo(active, makeSpan({ kind: "LLM", serviceName: "checkout-api" }))).toBe(true);
    expect(appliesTo(active, makeSpan({ kind: "LLM", serviceName: "search" }))).toBe(false);
    expect(appliesTo(active, makeSpan({ kind: "RETRIEVER", serviceName: "checkout-api" }))).toBe(
      false,
    );
  });
});

describe("loadEvaluatorModules", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "tj-evaluators-"));
  const good = path.join(dir, "good.ts");
  writeFileSync(
    good,
    `import { defineEvaluator } from ${JSON.stringify(INDEX)};
export const shout = defineEvaluator({ name: "shout", version: "1", evaluate: ({ answer }) => ({ score: answer === answer?.toUpperCase() ? 1 : 0 }) });\n`,
  );

  it("registers what a TypeScript module exports", async () => {
    const registry = new EvaluatorRegistry();
    await loadEvaluatorModules(registry, [good], []);
    expect(
      registry.list().map((e) => `${e.evaluator.name}@${e.evaluator.version} ${e.source}`),
    ).toEqual([`shout@1 ${good}`]);
  });

  it("loads every module of a folder, skipping tests and declarations", async () => {
    const folder = mkdtempSync(path.join(tmpdir(), "tj-evaluator-dir-"));
    writeFileSync(
      path.join(folder, "one.mjs"),
      `import { defineEvaluator } from ${JSON.stringify(INDEX)};
export default defineEvaluator({ name: "one", version: "1", evaluate: () => ({ score: 1 }) });\n`,
    );
    writeFileSync(
      path.join(folder, "one.test.ts"),
      "throw new Error('a test, not an evaluator');\n",
    );
    writeFileSync(path.join(folder, "types.d.ts"), "export type X = 1;\n");
    writeFileSync(path.join(folder, "notes.txt"), "not a module\n");
    const registry = new EvaluatorRegistry();
    await loadEvaluatorModules(registry, [], [folder]);
    expect(registry.list().map((e) => e.evaluator.name)).toEqual(["one"]);
  });

  it("reports every broken module with its path and the reason", async () => {
    const broken = path.join(dir, "broken.ts");
    writeFileSync(broken, "throw new Error('missing API key in module scope');\n");
    const empty = path.join(dir, "empty.mjs");
    writeFileSync(empty, "export const x = 1;\n");
    const error = await loadEvaluatorModules(
      new EvaluatorRegistry(),
      [broken, empty, path.join(dir, "missing.ts")],
      [],
    ).catch((e: Error) => e);
    expect(error).toMatchObject({ code: "EVALUATOR_MODULE_FAILED" });
    const message = (error as Error).message;
    expect(message).toContain(`${broken}: missing API key in module scope`);
    expect(message).toContain(`${empty}: exports no evaluator made with defineEvaluator`);
    expect(message).toContain("missing.ts");
  });
});
