import { type ContextIndex, flatten } from "./align.ts";
import type { ClaimChecks } from "./checks.ts";
import type { Token } from "./text.ts";

/** Facts about the whole answer, shared by its claims' feature vectors. */
export interface AnswerFacts {
  contentCount: number;
  claimCount: number;
  /** The answer is a span copied from the context ("6.213 km long"). */
  isSpan: boolean;
  /** Share of the answer's content words that restate the question. */
  questionOverlap: number;
  hasQuestion: boolean;
  firstPerson: boolean;
}

const FIRST_PERSON = new Set(["i", "me", "my", "mine", "myself", "we", "us", "our"]);

export function answerFacts(
  answer: string,
  tokens: readonly Token[],
  claimCount: number,
  index: ContextIndex,
): AnswerFacts {
  const content = tokens.filter((t) => t.content);
  const flat = flatten(answer);
  const stems = new Set(content.map((t) => t.stem));
  let inQuestion = 0;
  for (const s of stems) if (index.questionStems.has(s)) inQuestion++;
  return {
    contentCount: content.length,
    claimCount,
    isSpan: flat.length > 0 && index.flatText.includes(` ${flat} `),
    questionOverlap: stems.size === 0 ? 0 : inQuestion / stems.size,
    hasQuestion: index.questionStems.size > 0,
    firstPerson: tokens.some((t) => FIRST_PERSON.has(t.lower)),
  };
}

/** The claim-level checks, each also crossed with "there is a question" (see `featureVector`). */
const BASE_NAMES = [
  "coverageDoc",
  "coverageDocQuestion",
  "coverageBest",
  "coverageBestPlain",
  "pairCoverageBest",
  "pairCoverageDoc",
  "verbatim",
  "lcsRatio",
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
  "logClaimContent",
  "logAnswerContent",
  "logClaimCount",
  "answerIsSpan",
  "questionOverlap",
  "hasQuestion",
  "firstPerson",
  "shortAnswer",
  "shortAnswerCoverage",
  "questionAnswerLength",
  "logUnexplained",
  "unexplainedShare",
] as const;

/**
 * Names of the model's inputs, in vector order; the fitted weights file repeats them. Each base
 * feature appears twice: as is, and multiplied by "the input has a question". Answers to a
 * question (QA, chat) and answers without one (summaries) fail in different ways, and the crossed
 * copy lets one linear model weigh the checks differently for each.
 */
export const FEATURE_NAMES = [...BASE_NAMES, ...BASE_NAMES.map((n) => `${n}*question`)] as const;

const cap = (n: number, max = 3): number => Math.min(n, max);

/** The feature vector of one claim in its answer. */
export function featureVector(c: ClaimChecks, a: AnswerFacts): number[] {
  const short = a.contentCount <= 5 ? 1 : 0;
  const base: number[] = [
    c.coverageDoc,
    c.coverageDocQuestion,
    c.coverageBest,
    c.coverageBestPlain,
    c.pairCoverageBest,
    c.pairCoverageDoc,
    c.verbatim ? 1 : 0,
    c.lcsRatio,
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
    Math.log1p(c.contentCount),
    Math.log1p(a.contentCount),
    Math.log1p(a.claimCount),
    a.isSpan ? 1 : 0,
    a.questionOverlap,
    a.hasQuestion ? 1 : 0,
    a.firstPerson ? 1 : 0,
    short,
    short * c.coverageDoc,
    (a.hasQuestion ? 1 : 0) * Math.log1p(a.contentCount),
    Math.log1p(c.unexplained),
    c.contentCount === 0 ? 0 : c.unexplained / c.contentCount,
  ];
  const q = a.hasQuestion ? 1 : 0;
  return [...base, ...base.map((x) => x * q)];
}
