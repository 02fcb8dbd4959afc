import { describe, expect, it } from "vitest";
import { TracejudgeError } from "../../src/errors.ts";
import { apiEvaluatorVersion, parseApiEvaluator } from "../../src/evaluators/api-evaluator.ts";
import { EvaluatorConfigStore } from "../../src/evaluators/evaluator-config-store.ts";
import { migratedTestDatabase } from "../support/migrated-database.ts";

const db = migratedTestDatabase({ max: 8 });

function judge(name: string) {
  const parsed = parseApiEvaluator({
    name,
    version: "1",
    prompt: "Is this reply polite? {{answer}}",
    output: { type: "boolean" },
  });
  if (!parsed.success) throw parsed.error;
  return parsed.data;
}

describe("EvaluatorConfigStore.save", () => {
  it("lets only one of a global and a project's definition of a name in, however they race", async () => {
    // Two replicas at once, the way their in-memory checks could both pass.
    for (let round = 0; round < 5; round++) {
      const name = `politeness-${round}`;
      const api = judge(name);
      const version = apiEvaluatorVersion(api);
      const outcomes = await Promise.allSettled([
        new EvaluatorConfigStore(db.pool).save(api, version, null),
        new EvaluatorConfigStore(db.pool).save(api, version, "checkout"),
      ]);
      expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(1);
      const refused = outcomes.find((o) => o.status === "rejected") as PromiseRejectedResult;
      expect(refused.reason).toBeInstanceOf(TracejudgeError);
      expect((refused.reason as TracejudgeError).code).toBe("EVALUATOR_DUPLICATE");
      const { rows } = await db.pool.query(
        "SELECT project FROM evaluator_configs WHERE name = $1",
        [name],
      );
      expect(rows).toHaveLength(1);
    }
  });

  it("lets two projects define the same name, and the same definition again is not new", async () => {
    const api = judge("tone");
    const version = apiEvaluatorVersion(api);
    const store = new EvaluatorConfigStore(db.pool);
    expect(await store.save(api, version, "checkout")).toBe(true);
    expect(await store.save(api, version, "search")).toBe(true);
    expect(await store.save(api, version, "search")).toBe(false);
    // Disabled, a project's name no longer stands in the way of a global one.
    await store.disable("tone", "checkout");
    await store.disable("tone", "search");
    expect(await store.save(api, version, null)).toBe(true);
  });
});
