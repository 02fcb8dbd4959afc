import type { ClaimChecks } from "./checks.ts";
import type { Token } from "./text.ts";

/** Facts about the whole answer, shared by its claims' feature vectors. */
export interface AnswerFacts {
  hasQuestion: boolean;
  firstPerson: boolean;
}

const FIRST_PERSON = new Set(["i", "me", "my", "mine", "myself"]);

/**
 * What the model may know about the answer as a whole. Deliberately nothing about its length or
 * shape (span or sentence), nor how much of it restates the question: in the labelled data those
 * separate the labels only because HaluEval's right answers are copied spans and its hallucinated
 * ones full sentences (see shared/data/README.md, "Known artefact"), and on real traffic, where
 * every answer is a full sentence, they failed every answer.
 */
export function answerFacts(tokens: readonly Token[], question: string | null): AnswerFacts {
  return {
    hasQuestion: (question ?? "").trim() !== "",
    firstPerson: tokens.some((t) => FIRST_PERSON.has(t.lower)),
  };
}

/** The claim-level checks, each also crossed with "there is a question" (see `featureVector`). */
const BASE_NAMES = [
  "coverageDoc",
  "coverageBest",
  "coverageBestPlain",
  "pairCoverageBest",
  "pairCoverageDoc",
  "verbatim",
  "logNovelWords",
  "anyNovelWords",
  "novelNumbers",
  "numbersOutsideBest",
  "novelEntities",
  "entitiesOutsideBest",
  "negationAdded",
  "negationDropped",
  "antonyms",
  "calendarMismatch",
  "logQuestionOnly",
  "hasQuestion",
  "firstPerson",
  "logUnexplained",
  "unexplainedShare",
] as const;

/**
 * Names of the model's inputs, in vector order; the fitted weights file repeats them. Each base
 * feature appears twice: as is, and multiplied by "the input has a question". Answers to a
 * question (QA, chat) and answers without one (summaries) fail in different ways, and the crossed
 * copy lets one linear model weigh the checks differently for each.
 */
export const FEATURE_NAMES = [
  ...BASE_NAMES,
  ...BASE_NAMES.map((n) => `${n}*question`),
  "lcsRatio*noQuestion",
] as const;

const cap = (n: number, max = 3): number => Math.min(n, max);

/** The feature vector of one claim in its answer. */
export function featureVector(c: ClaimChecks, a: AnswerFacts): number[] {
  const base: number[] = [
    c.coverageDoc,
    c.coverageBest,
    c.coverageBestPlain,
    c.pairCoverageBest,
    c.pairCoverageDoc,
    c.verbatim ? 1 : 0,
    Math.log1p(c.novelWords),
    c.novelWords > 0 ? 1 : 0,
    cap(c.novelNumbers),
    cap(c.numbersOutsideBest),
    cap(c.novelEntities),
    cap(c.entitiesOutsideBest),
    c.negationAdded,
    c.negationDropped,
    cap(c.antonyms),
    cap(c.calendarMismatch),
    Math.log1p(c.questionOnly),
    a.hasQuestion ? 1 : 0,
    a.firstPerson ? 1 : 0,
    Math.log1p(c.unexplained),
    c.contentCount === 0 ? 0 : c.unexplained / c.contentCount,
  ];
  const q = a.hasQuestion ? 1 : 0;
  const nq = 1 - q;
  const vector = base.slice();
  for (const x of base) vector.push(x * q);
  vector.push(nq * c.lcsRatio);
  return vector;
}
