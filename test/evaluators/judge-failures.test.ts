import { describe, expect, it } from "vitest";
import { JudgeMalformedError } from "../../src/judge/judge.ts";
import {
  DOCS,
  G,
  groundingJudge,
  H,
  JUDGE,
  runJudged,
  useFakeJudge,
} from "./fake-grounding-judge.ts";
import { makeInput } from "./helpers.ts";

const fake = useFakeJudge();

// Counted tokens of a scripted answer, so a test can tell a sum of two calls from one.
const USAGE = { prompt_tokens: 1200, completion_tokens: 300 };

describe.each([
  ["groundedness", G],
  ["hallucination", H],
])("%s, judge backend: failures and edge cases", (_name, evaluator) => {
  it("throws JUDGE_MALFORMED, with the usage of both calls, after a malformed answer twice", async () => {
    fake.server.enqueue(
      { content: "Sure! Everything is supported." },
      { content: { verdict: "ok" } },
    );
    const err = await runJudged(
      evaluator,
      makeInput("Sales doubled.", DOCS),
      JUDGE,
      fake.judge,
    ).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(JudgeMalformedError);
    expect(err).toMatchObject({ code: "JUDGE_MALFORMED", retryable: false });
    expect((err as JudgeMalformedError).usage.inputTokens).toBeGreaterThan(0);
    expect(fake.server.callCount).toBe(2);
  });

  it("uses the judge's second answer when the first was malformed, and counts both", async () => {
    fake.server.enqueue({ content: "not json", usage: USAGE });
    fake.server.setHandler(groundingJudge);
    const result = await runJudged(evaluator, makeInput("Sales doubled.", DOCS), JUDGE, fake.judge);
    expect(result).toMatchObject({ status: "ok", score: 0, passed: false });
    expect(result.usage?.inputTokens).toBeGreaterThan(1200);
    expect(fake.server.callCount).toBe(2);
  });

  it.each([
    ["no answer", makeInput(null, DOCS), "no_answer"],
    ["no context", makeInput("Sales doubled.", []), "no_context"],
    ["only blank documents", makeInput("Sales doubled.", [" ", "\n"]), "no_context"],
  ])("skips %s without a judge call", async (_what, input, reason) => {
    const result = await runJudged(evaluator, input, JUDGE, fake.judge);
    expect(result).toMatchObject({ status: "skipped", reason, score: null });
    expect(fake.server.callCount).toBe(0);
  });

  it("skips as judge_not_configured when the service has no judge", async () => {
    const result = await runJudged(evaluator, makeInput("Sales doubled.", DOCS), JUDGE, null);
    expect(result).toMatchObject({ status: "skipped", reason: "judge_not_configured" });
  });

  it.each([
    ["refusal", "I don't know, the documents do not say."],
    ["no_claims", "Hello!"],
  ])("scores an answer the judge finds no claim in 1, label %s", async (label, answer) => {
    fake.server.setHandler((request) => {
      const reply = groundingJudge(request);
      // "Hello!" is a sentence to the crude fake; a real judge finds no claim in it.
      const content = reply.content as Record<string, unknown>;
      return {
        content: { ...content, claims: [], claims_checked: 0, hallucinations: [] },
      };
    });
    const result = await runJudged(evaluator, makeInput(answer, DOCS), JUDGE, fake.judge);
    expect(result).toMatchObject({ status: "ok", score: 1, label, passed: true });
    expect(result.usage?.inputTokens).toBeGreaterThan(0);
  });

  it("asks the evaluator's own model when the settings name one", async () => {
    fake.server.setHandler(groundingJudge);
    await runJudged(
      evaluator,
      makeInput("A.", DOCS),
      { ...JUDGE, model: "gpt-4.1-mini" },
      fake.judge,
    );
    await runJudged(evaluator, makeInput("A.", DOCS), JUDGE, fake.judge);
    expect(fake.server.requests.map((r) => r.model)).toEqual(["gpt-4.1-mini", "gpt-4o-mini"]);
  });

  it("says it uses the judge only on the judge backend, and sets thresholds per backend", () => {
    const parse = (raw: object) => evaluator.settings.parse(raw) as { threshold: number };
    const judged = parse(JUDGE);
    const offline = parse({});
    expect(evaluator.usesJudge?.(judged)).toBe(true);
    expect(evaluator.usesJudge?.(offline)).toBe(false);
    expect(judged.threshold).toBe(evaluator.name === "groundedness" ? 0.8 : 1);
    expect(offline.threshold).toBeLessThan(1);
    expect(parse({ ...JUDGE, threshold: 0.3 }).threshold).toBe(0.3);
    expect(() => evaluator.settings.parse({ backend: "gpt" })).toThrow();
  });
});
