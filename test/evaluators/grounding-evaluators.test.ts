import { describe, expect, it } from "vitest";
import { builtinEvaluators, groundedness, hallucination } from "../../evaluators/index.ts";
import { EvaluationResultSchema } from "../../src/evaluators/contract.ts";
import type { Evaluator } from "../../src/index.ts";
import { isEvaluator } from "../../src/index.ts";
import { makeInput, run } from "./helpers.ts";

const CONTEXT =
  "Lordstown Motors said Thursday it will suspend production of its Endurance pickup. " +
  "The company will voluntarily recall 19 Endurance pickups to address an electrical connection " +
  "issue that could result in a loss of propulsion while driving. Production began in September 2022 " +
  "at the plant in Ohio, and sales increased slightly in the last quarter.";

const SUPPORTED =
  "Lordstown will recall 19 Endurance pickups to address an electrical connection issue.";

const evaluators: [string, Evaluator][] = [
  ["groundedness", groundedness as unknown as Evaluator],
  ["hallucination", hallucination as unknown as Evaluator],
];

describe("built-in grounding evaluators", () => {
  it("exports exactly groundedness and hallucination as built-ins", () => {
    expect(builtinEvaluators.map((e) => e.name)).toEqual(["groundedness", "hallucination"]);
    for (const e of builtinEvaluators) {
      expect(isEvaluator(e)).toBe(true);
      expect(e.appliesTo).toEqual({ kind: ["LLM"] });
    }
  });

  describe.each(evaluators)("%s", (name, evaluator) => {
    const score = async (answer: string, context = CONTEXT): Promise<number> => {
      const result = EvaluationResultSchema.parse(await run(evaluator, makeInput(answer, context)));
      expect(result.status).toBe("ok");
      return result.score as number;
    };

    const SALES = "Sales increased slightly in the last quarter.";
    const START = "Production began in September 2022 at the plant in Ohio.";
    it.each([
      ["a swapped number", SUPPORTED, SUPPORTED.replace("19", "39")],
      ["a swapped name", SUPPORTED, SUPPORTED.replace("Endurance", "Cybertruck")],
      ["an added negation", SUPPORTED, SUPPORTED.replace("will recall", "will not recall")],
      ["an opposite word", SALES, SALES.replace("increased", "decreased")],
      ["a swapped month", START, START.replace("September", "March")],
      ["a swapped year", START, START.replace("2022", "2021")],
    ])("scores the supported answer above one with %s", async (_what, supported, edited) => {
      expect(await score(supported)).toBeGreaterThan(await score(edited));
    });

    it("passes a copied span and fails an invented statement", async () => {
      const good = EvaluationResultSchema.parse(
        await run(evaluator, makeInput("19 Endurance pickups", CONTEXT)),
      );
      const bad = EvaluationResultSchema.parse(
        await run(
          evaluator,
          makeInput(
            "Tesla recalled 4,000 Model Y cars in Texas because of faulty brakes.",
            CONTEXT,
          ),
        ),
      );
      expect(good.passed).toBe(true);
      expect(bad.passed).toBe(false);
      expect(bad.explanation).toMatch(/Tesla|4,000|Texas/);
    });

    it("skips a span without an answer", async () => {
      expect(await run(evaluator, makeInput(null, CONTEXT))).toEqual({
        status: "skipped",
        reason: "no_answer",
        score: null,
      });
    });

    it("skips a span without context documents", async () => {
      const input = { ...makeInput(SUPPORTED, CONTEXT), context: [] };
      expect(await run(evaluator, input)).toEqual({
        status: "skipped",
        reason: "no_context",
        score: null,
      });
      const blank = { ...makeInput(SUPPORTED, CONTEXT), context: [{ content: "  " }] };
      expect(await run(evaluator, blank)).toMatchObject({
        status: "skipped",
        reason: "no_context",
      });
    });

    it("skips with judge_not_configured on the reserved judge backend", async () => {
      expect(await run(evaluator, makeInput(SUPPORTED, CONTEXT), { backend: "judge" })).toEqual({
        status: "skipped",
        reason: "judge_not_configured",
        score: null,
      });
      expect(() => evaluator.settings.parse({ backend: "gpt" })).toThrow();
    });

    it.each([
      ["I don't know.", "refusal"],
      ["I'm sorry, but the context does not mention that.", "refusal"],
      ["Sure! Hope this helps.", "no_claims"],
    ])("gives %j score 1 with label %s", async (answer, label) => {
      const result = EvaluationResultSchema.parse(await run(evaluator, makeInput(answer, CONTEXT)));
      expect(result).toMatchObject({ status: "ok", score: 1, label, passed: true });
    });

    it("does not let the question alone support a claim", async () => {
      const question = "Did Lordstown open a factory in Brazil in 2019?";
      const answer = "Lordstown opened a factory in Brazil in 2019.";
      const result = EvaluationResultSchema.parse(
        await run(
          evaluator,
          makeInput(answer, "The weather in Paris was mild all week.", question),
        ),
      );
      expect(result.passed).toBe(false);
    });

    it("returns results that pass the result schema, with claims in details", async () => {
      const raw = await run(
        evaluator,
        makeInput(`${SUPPORTED} It was founded on the Moon in 1802.`, CONTEXT),
      );
      const result = EvaluationResultSchema.parse(raw);
      expect(result.score).toBeGreaterThanOrEqual(0);
      expect(result.score).toBeLessThanOrEqual(1);
      expect(result.details?.backend).toBe("offline");
      const claims = result.details?.claims as {
        text: string;
        supported: boolean;
        score: number;
        evidence: string | null;
      }[];
      expect(claims).toHaveLength(2);
      expect(claims[0]?.evidence).toContain("recall 19 Endurance pickups");
      expect(claims[0]?.score).toBeGreaterThan(claims[1]?.score as number);
      expect(claims[1]?.supported).toBe(false);
      expect(result.explanation).toContain("Moon");
    });

    it("is deterministic", async () => {
      const input = makeInput(`${SUPPORTED} Production began in 2022.`, CONTEXT, "What happened?");
      const a = await run(evaluator, input);
      const b = await run(evaluator, input);
      expect(JSON.stringify(a)).toBe(JSON.stringify(b));
      expect((a as { score: number }).score).toBe((b as { score: number }).score);
      expect(name).toBe(evaluator.name);
    });
  });

  // A RAG-style question and a sentence taken from the context: the clear-cut supported case.
  const QUESTION = "Why is Lordstown recalling pickups?";
  const COPIED =
    "The company will voluntarily recall 19 Endurance pickups to address an electrical connection issue.";

  it("labels groundedness grounded, partially_grounded or ungrounded", async () => {
    const g = groundedness as unknown as Evaluator;
    const full = await run(g, makeInput(COPIED, CONTEXT, QUESTION));
    const half = await run(
      g,
      makeInput(
        `${COPIED} The CEO, Maria Gonzales, resigned in 1987 after a scandal in Peru.`,
        CONTEXT,
        QUESTION,
      ),
    );
    const none = await run(
      g,
      makeInput("Maria Gonzales resigned in 1987 after a scandal in Peru.", CONTEXT, QUESTION),
    );
    expect(full).toMatchObject({ label: "grounded", passed: true });
    expect(half).toMatchObject({ label: "partially_grounded", passed: false });
    expect(none).toMatchObject({ label: "ungrounded", passed: false });
  });

  it("labels hallucination and lists the unsupported statements", async () => {
    const h = hallucination as unknown as Evaluator;
    const ok = await run(h, makeInput(COPIED, CONTEXT, QUESTION));
    const bad = EvaluationResultSchema.parse(
      await run(
        h,
        makeInput(`${COPIED} The CEO, Maria Gonzales, resigned in 1987.`, CONTEXT, QUESTION),
      ),
    );
    expect(ok).toMatchObject({ label: "no_hallucination", passed: true });
    expect(bad).toMatchObject({ label: "hallucination", passed: false });
    expect(bad.details?.unsupported).toEqual(["The CEO, Maria Gonzales, resigned in 1987."]);
  });
});
