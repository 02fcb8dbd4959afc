import { describe, expect, it } from "vitest";
import {
  DOCS,
  G,
  groundingJudge,
  H,
  JUDGE,
  runJudged,
  schemaName,
  useFakeJudge,
} from "./fake-grounding-judge.ts";
import { makeInput } from "./helpers.ts";

const fake = useFakeJudge();

const USAGE = { prompt_tokens: 1200, completion_tokens: 300 };
const COST = (1200 * 0.15 + 300 * 0.6) / 1e6; // gpt-4o-mini list price per million tokens

describe("groundedness, judge backend", () => {
  it("scores supported claims / claims, with each claim's verdict, reason and evidence", async () => {
    fake.server.enqueue({
      model: "gpt-4o-mini-2024-07-18",
      usage: USAGE,
      content: {
        refusal: false,
        claims: [
          {
            text: "Lordstown will recall 19 Endurance pickups.",
            reason: "Passage 1 says so.",
            evidence_passage: 1,
            evidence_quote: "will recall 19  Endurance pickups",
            verdict: "supported",
          },
          {
            text: "Production began in 2022.",
            reason: "Passage 2 gives September 2022.",
            evidence_passage: 2,
            evidence_quote: "Production started in 2022",
            verdict: "supported",
          },
          {
            text: "The plant is in Texas.",
            reason: "Passage 2 puts it in Ohio.",
            evidence_passage: 2,
            evidence_quote: "at the plant in Ohio",
            verdict: "contradicted",
          },
          {
            text: "Sales doubled.",
            reason: "Nothing about sales.",
            evidence_passage: 7,
            evidence_quote: "sales",
            verdict: "unsupported",
          },
        ],
      },
    });
    const result = await runJudged(G, makeInput("(answer)", DOCS), JUDGE, fake.judge);
    expect(result).toMatchObject({
      status: "ok",
      score: 0.5,
      label: "partially_grounded",
      passed: false,
    });
    expect(result.details).toEqual({
      backend: "judge",
      claims: [
        {
          text: "Lordstown will recall 19 Endurance pickups.",
          verdict: "supported",
          supported: true,
          reason: "Passage 1 says so.",
          passage: 1,
          // The quote is in the passage (spacing aside): it is the evidence.
          evidence: "will recall 19  Endurance pickups",
        },
        {
          text: "Production began in 2022.",
          verdict: "supported",
          supported: true,
          reason: "Passage 2 gives September 2022.",
          passage: 2,
          // A quote the passage does not hold is not shown as evidence: the passage is.
          evidence: DOCS[1],
        },
        {
          text: "The plant is in Texas.",
          verdict: "contradicted",
          supported: false,
          reason: "Passage 2 puts it in Ohio.",
          passage: 2,
          evidence: "at the plant in Ohio",
        },
        {
          text: "Sales doubled.",
          verdict: "unsupported",
          supported: false,
          reason: "Nothing about sales.",
          // There is no passage 7.
          passage: null,
          evidence: null,
        },
      ],
    });
    expect(result.explanation).toMatch(/^2 of 4 claims supported/);
    expect(result.explanation).toContain('"The plant is in Texas." (contradicted: Passage 2');
    expect(result.usage).toMatchObject({
      model: "gpt-4o-mini-2024-07-18",
      inputTokens: 1200,
      outputTokens: 300,
    });
    expect(result.usage?.costUsd).toBeCloseTo(COST, 12);
    expect(result.usage?.latencyMs).toBeGreaterThan(0);

    // One call: extraction and verification together, as strict structured output.
    expect(fake.server.callCount).toBe(1);
    expect(fake.server.requests[0]?.responseFormat).toMatchObject({
      type: "json_schema",
      json_schema: { name: "groundedness_claims", strict: true },
    });
  });

  it("labels all claims supported grounded, none supported ungrounded", async () => {
    fake.server.setHandler(groundingJudge);
    const good = await runJudged(
      G,
      makeInput("Production began in September 2022 at the plant in Ohio.", DOCS),
      JUDGE,
      fake.judge,
    );
    expect(good).toMatchObject({ score: 1, label: "grounded", passed: true });
    const bad = await runJudged(
      G,
      makeInput("Tesla recalled 4,000 cars.", DOCS),
      JUDGE,
      fake.judge,
    );
    expect(bad).toMatchObject({ score: 0, label: "ungrounded", passed: false });
  });

  it("passes a partly supported answer at a threshold the settings lower", async () => {
    fake.server.setHandler(groundingJudge);
    const answer = "Lordstown Motors will recall 19 Endurance pickups. Sales doubled.";
    const strict = await runJudged(G, makeInput(answer, DOCS), JUDGE, fake.judge);
    expect(strict).toMatchObject({ score: 0.5, passed: false });
    const lenient = await runJudged(
      G,
      makeInput(answer, DOCS),
      { ...JUDGE, threshold: 0.5 },
      fake.judge,
    );
    expect(lenient).toMatchObject({ score: 0.5, label: "grounded", passed: true });
  });
});

describe("hallucination, judge backend", () => {
  it("scores 1 − hallucinations / claims checked and lists the statements", async () => {
    fake.server.enqueue({
      usage: USAGE,
      content: {
        refusal: false,
        claims_checked: 4,
        hallucinations: [
          {
            statement: "The plant is in Texas.",
            reason: "Passage 2 puts it in Ohio.",
            passage: 2,
            quote: "the plant in Ohio",
            kind: "contradicted",
          },
        ],
      },
    });
    const result = await runJudged(H, makeInput("(answer)", DOCS), JUDGE, fake.judge);
    expect(result).toMatchObject({ score: 0.75, label: "hallucination", passed: false });
    expect(result.details).toEqual({
      backend: "judge",
      claims_checked: 4,
      unsupported: ["The plant is in Texas."],
      hallucinations: [
        {
          statement: "The plant is in Texas.",
          kind: "contradicted",
          reason: "Passage 2 puts it in Ohio.",
          passage: 2,
          evidence: "the plant in Ohio",
        },
      ],
    });
    expect(result.explanation).toMatch(/^1 of 4 claims contradicted or unsupported: "The plant/);
    expect(result.usage).toMatchObject({ model: "gpt-4o-mini", inputTokens: 1200 });
    expect(result.usage?.costUsd).toBeCloseTo(COST, 12);
    expect(schemaName(fake.server.requests[0] as never)).toBe("hallucination_findings");
  });

  it("scores 1 and passes when nothing is found", async () => {
    fake.server.setHandler(groundingJudge);
    const result = await runJudged(
      H,
      makeInput("Lordstown Motors will recall 19 Endurance pickups.", DOCS),
      JUDGE,
      fake.judge,
    );
    expect(result).toMatchObject({ score: 1, label: "no_hallucination", passed: true });
    expect(result.details).toMatchObject({ claims_checked: 1, hallucinations: [] });
  });

  it("never scores below 0 when the judge lists more statements than it counted", async () => {
    const finding = { reason: "r", passage: null, quote: null, kind: "unsupported" };
    fake.server.enqueue({
      content: {
        refusal: false,
        claims_checked: 0,
        hallucinations: [
          { statement: "A.", ...finding },
          { statement: "B.", ...finding },
        ],
      },
    });
    const result = await runJudged(H, makeInput("A. B.", DOCS), JUDGE, fake.judge);
    expect(result).toMatchObject({ score: 0, label: "hallucination", passed: false });
    expect(result.details).toMatchObject({ claims_checked: 2 });
  });
});
