import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { builtinEvaluators, groundedness, hallucination } from "../../evaluators/index.ts";
import { analyseOffline } from "../../evaluators/offline/analyse.ts";
import {
  ANSWER_FEATURE_NAMES,
  answerFeatureVector,
} from "../../evaluators/offline/answer-features.ts";
import { extractClaims } from "../../evaluators/offline/claims.ts";
import { featurise } from "../../evaluators/offline/featurise.ts";
import { keyWords, verbaliseStructured } from "../../evaluators/offline/structured.ts";
import { parseCases } from "../../evaluators/testing/case-input.ts";
import { atThreshold, auc } from "../../evaluators/testing/metrics.ts";
import { evalCaseToInput } from "../../src/cases/eval-case.ts";
import { EvaluationResultSchema } from "../../src/evaluators/contract.ts";
import type { Evaluator } from "../../src/index.ts";
import { run, scoreCases } from "./helpers.ts";

const evaluators: [string, Evaluator][] = [
  ["groundedness", groundedness as unknown as Evaluator],
  ["hallucination", hallucination as unknown as Evaluator],
];

async function verdict(evaluator: Evaluator, answer: string, context: string, question = "") {
  return EvaluationResultSchema.parse(
    await run(evaluator, evalCaseToInput({ id: answer.slice(0, 40), question, context, answer })),
  );
}

describe("structured documents read as sentences", () => {
  it("splits keys into words, with the joined form prose uses", () => {
    expect(keyWords("RestaurantsTakeOut")).toBe("Restaurants Take Out (takeout)");
    expect(keyWords("review_stars")).toBe("review stars");
    expect(keyWords("WiFi")).toBe("Wi Fi (wifi)");
  });

  it("says booleans, times, dates and state codes as prose does, and nothing for null", () => {
    const text = verbaliseStructured(
      JSON.stringify({
        state: "CA",
        stars: 4,
        hours: { Monday: "11:0-21:30" },
        attributes: { BusinessParking: { garage: false, lot: true }, Music: null, WiFi: "u'free'" },
        review_info: [{ review_date: "2018-12-02 05:42:56", review_text: "Great tacos!" }],
      }),
    );
    expect(text).toContain("state: CA (California).");
    expect(text).toContain("stars: 4 (4.0).");
    expect(text).toContain("hours Monday: 11:00 to 21:30, from 11 am to 9:30 pm.");
    expect(text).toContain("attributes Business Parking garage: no. There is no garage.");
    expect(text).toContain(
      "attributes Business Parking lot: yes. There is lot; it has, offers and provides lot, available.",
    );
    expect(text).toContain("attributes Wi Fi (wifi): free.");
    expect(text).toContain("review info 1 review date: 2018-12-02 05:42:56 (December 2, 2018).");
    expect(text).toContain("review info 1 review text: Great tacos!");
    expect(text).not.toContain("Music");
  });

  it("leaves prose, broken JSON and bare values alone", () => {
    expect(verbaliseStructured("The shop opens at 9.")).toBeNull();
    expect(verbaliseStructured('{"name": "unterminated')).toBeNull();
    expect(verbaliseStructured("42")).toBeNull();
  });

  it("supports prose written from a record, and flags an hour the record lacks", () => {
    const record = JSON.stringify({
      name: "Pizza Mizza",
      city: "Santa Barbara",
      state: "CA",
      hours: { Monday: "11:0-21:0" },
    });
    const right = analyseOffline({
      answer: "Pizza Mizza in Santa Barbara, California, is open on Mondays from 11 am to 9 pm.",
      question: null,
      documents: [record],
    });
    const wrong = analyseOffline({
      answer: "Pizza Mizza in Santa Barbara, California, is open on Mondays from 11 am to 10 pm.",
      question: null,
      documents: [record],
    });
    expect(right.claims.flatMap((c) => c.issues)).toEqual([]);
    expect(wrong.claims.flatMap((c) => c.issues)).toContain(
      'the number "10" is not in the context',
    );
    expect(right.noHallucination).toBeGreaterThan(wrong.noHallucination);
  });

  it("fails an answer that claims an attribute the record says no to, and names it", async () => {
    const record = JSON.stringify({
      name: "Savoy Cafe",
      address: "24 W Figueroa Street",
      city: "Santa Barbara",
      categories: "Cafes, Delis, Sandwiches",
      attributes: {
        BusinessParking: { garage: false, street: true, lot: false },
        OutdoorSeating: true,
        RestaurantsReservations: false,
        WiFi: "u'free'",
      },
      business_stars: 4,
    });
    const sentences = (parking: string, reservations: string) =>
      [
        "Savoy Cafe is a cafe and deli at 24 W Figueroa Street in Santa Barbara.",
        "It serves sandwiches and has outdoor seating and free WiFi.",
        "Reviewers rate it 4 out of 5 stars.",
        parking,
        reservations,
      ].join(" ");
    const right = sentences(
      "Street parking is available, but there is no garage.",
      "It does not take reservations.",
    );
    const wrong = sentences(
      "Guests can park in the garage or on the street.",
      "It takes reservations.",
    );
    for (const [name, e] of evaluators) {
      const ok = await verdict(e, right, record);
      const bad = await verdict(e, wrong, record);
      // Nor is a rating's scale a number the record must hold.
      expect(ok.explanation ?? "", name).not.toMatch(/says no to|"5"/);
      expect(bad.passed, name).toBe(false);
      expect(bad.explanation, name).toMatch(/the record says no to "(garage|reservations)"/);
      expect(bad.score ?? 1, name).toBeLessThan(ok.score ?? 0);
    }
  });
});

describe("answers that only say what the sources lack", () => {
  const context = "BNP is a hormone made by the heart. High levels can be a sign of heart failure.";

  it.each(evaluators)(
    "%s scores them as a refusal, and still checks a mixed answer",
    async (_, e) => {
      const refusal = await verdict(
        e,
        "The normal B-type natriuretic peptide (BNP) level is not specifically mentioned in the given passages. Therefore, it is unable to answer based on the given passages.",
        context,
        "what is a normal bnp level",
      );
      expect(refusal).toMatchObject({ score: 1, label: "refusal", passed: true });
      const mixed = await verdict(
        e,
        "The passages do not mention a normal level. A normal BNP level is below 100 pg/mL.",
        context,
        "what is a normal bnp level",
      );
      expect(mixed.label).not.toBe("refusal");
      expect(mixed.explanation).toContain('"100"');
    },
  );
});

describe("long answers are judged as a whole", () => {
  const article = [
    "The city council of Riverton voted on Tuesday to build a new public library downtown.",
    "The library will cost 12 million dollars and is expected to open in 2027.",
    "Mayor Alicia Gomez said the old library had become too small for the growing town.",
    "The new building will have a children's wing, a makerspace and a rooftop reading garden.",
    "Construction is set to begin next spring on the site of a former parking garage.",
    "Some residents objected to the cost, but the vote passed seven to two.",
  ].join(" ");
  const faithful = [
    "Riverton's city council voted on Tuesday to build a new public library downtown.",
    "The project will cost 12 million dollars, and the library should open in 2027.",
    "Mayor Alicia Gomez said the old library was too small for the growing town.",
    "The new building will include a children's wing, a makerspace and a rooftop reading garden.",
    "Construction begins next spring where a parking garage once stood.",
    "Some residents objected to the cost, yet the vote passed seven to two.",
  ].join(" ");
  const wrongYear = faithful.replace("open in 2027", "open in 2031");
  const wrongName = faithful.replace("Mayor Alicia Gomez", "Mayor Daniel Ortiz");

  it.each(evaluators)("%s passes a faithful paraphrase of six sentences", async (_, e) => {
    const result = await verdict(e, faithful, article);
    expect(result.passed).toBe(true);
  });

  it.each(evaluators)("%s fails one swapped year or name, and names it", async (_, e) => {
    const year = await verdict(e, wrongYear, article);
    expect(year.passed).toBe(false);
    expect(year.explanation).toContain('"2031"');
    const name = await verdict(e, wrongName, article);
    expect(name.passed).toBe(false);
    expect(name.explanation).toMatch(/"(Daniel|Ortiz)" is not in the context/);
  });
});

describe("what a long answer states, read as a reader reads it", () => {
  const article = [
    "Venezuela's government announced on April 14 that it would raise the minimum wage.",
    "The capital recorded 98°F on Monday, the hottest day of the year.",
    "Officials from the U.S. said they would watch the economy closely.",
    "Unions welcomed the raise, and shops expect more customers next month.",
  ].join(" ");

  it("does not check the line that announces a summary, nor its word count", () => {
    for (const preamble of [
      "Sure, here is a summary of the article in 108 words or less:",
      "Here is the article summarized in 200 words:",
      "Based on the provided structured data, here is an objective overview of Sushi Ai:",
    ]) {
      const analysis = analyseOffline({
        answer: `${preamble}\nThe Venezuelan government will raise the minimum wage. Unions welcomed it. Shops expect more customers.`,
        question: "",
        documents: [article],
      });
      expect(analysis.claims.map((c) => c.text)).not.toContainEqual(
        expect.stringMatching(/^(Sure|Here|Based)/),
      );
      expect(analysis.claims.flatMap((c) => c.issues).join(" ")).not.toMatch(/"(108|200)"/);
    }
  });

  it("finds a people's name in its country's, a spelt-out unit in its symbol, an ordinal in its date", () => {
    const analysis = analyseOffline({
      answer:
        "The Venezuelan government announced the raise on April 14th. The capital reached 98 degrees Fahrenheit on Monday. American officials will watch the economy closely.",
      question: "",
      documents: [article],
    });
    const issues = analysis.claims.flatMap((c) => c.issues).join(" ");
    expect(issues).not.toMatch(/Venezuelan|Fahrenheit|14th|American/);
    // And a country the article never names is still found out.
    const wrong = analyseOffline({
      answer:
        "The Colombian government announced the raise on April 14th. The capital reached 98 degrees Fahrenheit on Monday. American officials will watch the economy closely.",
      question: "",
      documents: [article],
    });
    expect(wrong.claims.flatMap((c) => c.issues).join(" ")).toMatch(
      /"Colombian" is not in the context/,
    );
  });
});

describe("citations of the context", () => {
  it("are no claims when they stand alone, and stay part of the claim they end", () => {
    const texts = (answer: string) => extractClaims(answer).map((c) => c.text);
    expect(texts("Burn the flag in a ceremony. (Passage 1)")).toEqual([
      "Burn the flag in a ceremony.",
    ]);
    expect(texts("It rains in April. [2]")).toEqual(["It rains in April."]);
    expect(texts("Source: passages 1 and 3.")).toEqual([]);
    expect(texts("(Passage 1, 3)")).toEqual([]);
    expect(texts("See document 4.")).toEqual([]);
    expect(texts("Twins are rare (passage 2).")).toEqual(["Twins are rare (passage 2)."]);
    // A bare number answers a question: it is a claim.
    expect(texts("42.")).toEqual(["42."]);
  });
});

describe("the order of a long answer's claims", () => {
  const article = [
    "The city council met on Monday to discuss the new bridge over the river.",
    "Engineers presented three designs for the crossing, each with a cycle lane.",
    "The mayor said the cheapest design would cost 40 million dollars.",
    "Residents of the east bank asked for the work to start before winter.",
    "A vote on the final design is planned for the spring.",
    "The old bridge, built in 1931, will close once the new one opens.",
  ].join(" ");
  const claims = [
    "The city council met on Monday to discuss a new bridge over the river.",
    "Engineers presented three designs, each with a cycle lane.",
    "The mayor said the cheapest design would cost 40 million dollars.",
    "A vote on the final design is planned for the spring.",
    "The old bridge, built in 1931, will close once the new one opens.",
  ];

  it("reads where each claim's passage starts, and how far the answer steps back", () => {
    const inOrder = featurise({ answer: claims.join(" "), question: null, documents: [article] });
    expect(inOrder.contextSentences).toBe(6);
    expect(inOrder.claims.map((c) => c.position)).toEqual([0, 1, 2, 4, 5]);
    const back = ANSWER_FEATURE_NAMES.indexOf("backwardJumps");
    const vector = (f: typeof inOrder) =>
      answerFeatureVector(
        f.claims.map((c) => ({ checks: c.checks, p: 0.9, position: c.position })),
        { hasQuestion: false, structured: false, contextSentences: f.contextSentences },
      );
    expect(vector(inOrder)[back]).toBe(0);
    const shuffled = [claims[4], claims[0], claims[3], claims[1], claims[2]].join(" ");
    const jumping = featurise({ answer: shuffled, question: null, documents: [article] });
    // Steps 5→0, 0→4, 4→1, 1→2: back by 5 and 3 over four steps, of six sentences.
    expect(vector(jumping)[back]).toBeCloseTo(8 / 4 / 6, 12);
  });

  it("names the jumps in the explanation of an answer that fails, and in details whenever they weigh", async () => {
    const longer = [
      ...article.split(/(?<=\.) /).slice(0, 4),
      "Shop owners on the west bank worried about months of closed roads.",
      "A local historian described the ferry that served the town until 1890.",
      "The regional government promised to pay half of the final bill.",
      "Construction firms from three countries are expected to bid for the contract.",
    ].join(" ");
    const context = `${longer} ${article
      .split(/(?<=\.) /)
      .slice(4)
      .join(" ")}`;
    const jumping = (extra: [string, string]) =>
      [
        `The old bridge, built in 1931, will close once the new one opens${extra[0]}.`,
        "The city council met on Monday to discuss the new bridge.",
        "A vote on the final design is planned for the spring.",
        `Engineers presented three designs, each with a cycle lane${extra[1]}.`,
        "Construction firms from three countries are expected to bid for the contract.",
        "The mayor said the cheapest design would cost 40 million dollars.",
      ].join(" ");
    const passing = analyseOffline({
      answer: jumping(["", ""]),
      question: null,
      documents: [context],
    });
    expect(passing.noHallucination).toBeGreaterThan(0.5);
    expect(passing.answerIssues).toEqual([
      "the claims jump back through the context 3 times (from its sentence 10 back to 1, from its sentence 9 back to 2); answers that do often join facts the context keeps apart",
    ]);
    const answer = jumping([" next March after a ceremony", " and a tram line"]);
    for (const [, evaluator] of evaluators) {
      const result = await verdict(evaluator, answer, context);
      expect(result.passed).toBe(false);
      expect(result.explanation).toContain(
        "Taken together: the claims jump back through the context 3 times",
      );
      expect(result.details?.answerIssues).toEqual(passing.answerIssues);
    }
    // A short answer is judged claim by claim: no answer-level findings.
    const short = analyseOffline({
      answer: "The vote is in the spring.",
      question: null,
      documents: [context],
    });
    expect(short.answerIssues).toEqual([]);
  });

  it("trusts a summary that jumps back and forth through its article less than one that follows it", () => {
    const score = (answer: string) =>
      analyseOffline({ answer, question: null, documents: [article] }).noHallucination;
    const shuffled = [claims[4], claims[0], claims[3], claims[1], claims[2]].join(" ");
    expect(score(shuffled)).toBeLessThan(score(claims.join(" ")));
  });
});

describe("how closely a claim keeps its passage's wording", () => {
  const article = [
    "Engineers sent a robot into the damaged reactor last week.",
    "The first robot stalled after moving ten meters and completed two thirds of the planned route.",
    "The second robot collected data from all eleven points as scheduled.",
    "The company said the site is still too dangerous for workers.",
  ].join(" ");
  const checksOf = (claim: string) => {
    const f = featurise({ answer: claim, question: null, documents: [article] });
    expect(f.claims).toHaveLength(1);
    return (f.claims[0] as (typeof f.claims)[number]).checks;
  };

  it("matches a claim that follows one sentence in full", () => {
    const checks = checksOf("The second robot collected data from all eleven points as scheduled.");
    expect([checks.lcsRatio, checks.sentenceLcsRatio, checks.contentLcsRatio]).toEqual([1, 1, 1]);
  });

  it("sees a claim that splices two sentences, even in their order, by its best single sentence", () => {
    // The second robot's data given to the first: in the two sentences' own order, so the
    // whole passage holds every word in sequence; either sentence alone holds 9 of its 15 words.
    const checks = checksOf(
      "The first robot stalled after moving ten meters and collected data from all eleven points.",
    );
    expect(checks.lcsRatio).toBe(1);
    expect(checks.contentLcsRatio).toBe(1);
    expect(checks.sentenceLcsRatio).toBeCloseTo(9 / 15, 12);
  });

  it("reads content words in order, so that facts swapped around a verb count", () => {
    // "robot" and "route" swap places: of its 8 content words, 6 keep the passage's order (first,
    // stalled, moving, ten, meters, planned).
    const checks = checksOf(
      "The first route stalled after moving ten meters with the planned robot.",
    );
    expect(checks.contentLcsRatio).toBeCloseTo(6 / 8, 12);
  });

  it("gives the answer model each answer's weakest claim by both", () => {
    const answer = [
      "Engineers sent a robot into the damaged reactor last week.",
      "The first robot stalled after moving ten meters and collected data from all eleven points.",
      "The company said the site is still too dangerous for workers.",
    ].join(" ");
    const f = featurise({ answer, question: null, documents: [article] });
    const x = answerFeatureVector(
      f.claims.map((c) => ({ checks: c.checks, p: 0.9, position: c.position })),
      { hasQuestion: false, structured: false, contextSentences: f.contextSentences },
    );
    expect(x[ANSWER_FEATURE_NAMES.indexOf("minSentenceLcsRatio")]).toBeCloseTo(9 / 15, 12);
    expect(x[ANSWER_FEATURE_NAMES.indexOf("minContentLcsRatio")]).toBe(1);
  });

  it("gives it the lower quartile of the claims' content order too, which one odd claim moves less than the minimum", () => {
    const swapped = "The first route stalled after moving ten meters with the planned robot.";
    const faithful = [
      "Engineers sent a robot into the damaged reactor last week.",
      "The second robot collected data from all eleven points as scheduled.",
      "The company said the site is still too dangerous for workers.",
    ];
    const vectorOf = (claims: readonly string[]) => {
      const f = featurise({ answer: claims.join(" "), question: null, documents: [article] });
      expect(f.claims).toHaveLength(claims.length);
      return answerFeatureVector(
        f.claims.map((c) => ({ checks: c.checks, p: 0.9, position: c.position })),
        { hasQuestion: false, structured: false, contextSentences: f.contextSentences },
      );
    };
    const minimum = ANSWER_FEATURE_NAMES.indexOf("minContentLcsRatio");
    const quartile = ANSWER_FEATURE_NAMES.indexOf("lowerQuartileContentLcsRatio");
    // Four claims, one of them at 6/8: the quartile sits three quarters of the way from it to 1.
    const four = vectorOf([swapped, ...faithful]);
    expect(four[minimum]).toBeCloseTo(6 / 8, 12);
    expect(four[quartile]).toBeCloseTo(6 / 8 + 0.75 * (2 / 8), 12);
    // Alone, the claim is its own quartile.
    expect(vectorOf([swapped])[quartile]).toBeCloseTo(6 / 8, 12);
  });
});

// The labelled data lives in the shared folder beside the repository (CI gets a copy there).
const RAGTRUTH = resolve(
  dirname(fileURLToPath(import.meta.url)),
  "../../../shared/data/ragtruth-dev.jsonl",
);

describe.skipIf(!existsSync(RAGTRUTH))("quality smoke test on RAGTruth dev", () => {
  const cases = existsSync(RAGTRUTH) ? parseCases(readFileSync(RAGTRUTH, "utf8")) : [];

  // Floors well under the measured figures (README): they catch a broken model or a stale
  // weights file, not a point or two (the bench reports those).
  it.each(builtinEvaluators.map((e) => [e.name, e] as const))(
    "%s ranks real answers and flags hallucinated ones at its default threshold",
    async (_name, evaluator) => {
      const scores = await scoreCases(evaluator, cases);
      const supported = cases.map((c) => c.label === "supported");
      expect(auc(scores, supported)).toBeGreaterThan(0.75);
      const m = atThreshold(scores, supported, 0.5);
      expect(m.f1Hallucinated).toBeGreaterThan(0.6);
      expect(m.precisionHallucinated).toBeGreaterThan(0.45);
    },
  );
});
