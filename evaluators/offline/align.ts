import { splitSentences } from "./claims.ts";
import { extractQuantities } from "./numbers.ts";
import { stem, type Token, tokenize } from "./text.ts";

/** A stretch of the context a claim can be checked against: one sentence or two adjacent ones. */
export interface Passage {
  text: string;
  tokens: Token[];
  stems: Set<string>;
  lowers: Set<string>;
}

/** Everything about the context that alignment and the checks look up, built once per input. */
export interface ContextIndex {
  /** Sentences, then pairs of adjacent sentences of one document. */
  passages: Passage[];
  /** Content stems of the context documents. */
  stems: Set<string>;
  /** Lowercase forms of every context token, stopwords included. */
  lowers: Set<string>;
  /** Ordered pairs of content stems at most three content words apart, in any document. */
  pairs: Set<string>;
  quantities: number[];
  /** Lowercase, whitespace-folded text of the documents, for span checks. */
  flatText: string;
  /** The question's content stems and lowercase forms: extra context, never sole support. */
  questionStems: Set<string>;
  questionLowers: Set<string>;
  /**
   * The question asks for something (`who`, `how long`, `which year`, `explain …`): an answer may
   * restate its words, which are then neither support nor unsupported claims (see
   * `withoutRestatement`). A yes/no question's words are the claim a "yes" makes, and a previous
   * chat turn is someone's statement: their words are not restated for free.
   */
  questionAsks: boolean;
  /** Inverse document frequency of a stem over the context's sentences. */
  idf(stem: string): number;
}

const PAIR_WINDOW = 3;

/** Ordered content-stem pairs within `PAIR_WINDOW` content words: `a b` keys. */
export function stemPairs(tokens: readonly Token[], window = PAIR_WINDOW): Set<string> {
  const stems = tokens.filter((t) => t.content).map((t) => t.stem);
  const out = new Set<string>();
  for (let i = 0; i < stems.length; i++) {
    for (let j = i + 1; j <= i + window && j < stems.length; j++)
      out.add(`${stems[i]} ${stems[j]}`);
  }
  return out;
}

function passage(text: string, tokens: Token[]): Passage {
  return {
    text,
    tokens,
    stems: new Set(tokens.filter((t) => t.content).map((t) => t.stem)),
    lowers: new Set(tokens.map((t) => t.lower)),
  };
}

export function flatten(text: string): string {
  return tokenize(text)
    .map((t) => t.lower)
    .join(" ");
}

const WH_WORDS = new Set(["what", "which", "who", "whom", "whose", "when", "where", "why", "how"]);
const REQUEST_VERBS = new Set([
  "describe",
  "explain",
  "list",
  "name",
  "summarise",
  "summarize",
  "tell",
  "give",
  "define",
  "outline",
]);

/** A question with a wh-word anywhere ("born in which year?"), or a request ("Explain …"). */
export function asksForSomething(tokens: readonly Token[]): boolean {
  return (
    tokens.some((t) => WH_WORDS.has(t.lower)) ||
    (tokens[0] !== undefined && REQUEST_VERBS.has(tokens[0].lower))
  );
}

/** Indexes the context documents (and the question as a weaker source). */
export function indexContext(documents: readonly string[], question: string | null): ContextIndex {
  const passages: Passage[] = [];
  const stems = new Set<string>();
  const lowers = new Set<string>();
  const pairs = new Set<string>();
  const quantities: number[] = [];
  const df = new Map<string, number>();
  let sentenceCount = 0;
  for (const doc of documents) {
    const sentences = splitSentences(doc).map((s) => passage(s, tokenize(s)));
    for (const s of sentences) {
      passages.push(s);
      sentenceCount++;
      for (const stem of s.stems) df.set(stem, (df.get(stem) ?? 0) + 1);
      for (const t of s.tokens) {
        lowers.add(t.lower);
        if (t.content) stems.add(t.stem);
      }
      for (const p of stemPairs(s.tokens)) pairs.add(p);
      for (const q of extractQuantities(s.tokens)) quantities.push(q.value);
    }
    for (let i = 0; i + 1 < sentences.length; i++) {
      const a = sentences[i] as Passage;
      const b = sentences[i + 1] as Passage;
      passages.push(passage(`${a.text} ${b.text}`, [...a.tokens, ...b.tokens]));
    }
  }
  const questionTokens = tokenize(question ?? "");
  const n = Math.max(1, sentenceCount);
  const maxIdf = Math.log((n + 1) / 0.5);
  return {
    passages,
    stems,
    lowers,
    pairs,
    quantities,
    flatText: ` ${documents.map(flatten).join(" ")} `,
    questionStems: new Set(questionTokens.filter((t) => t.content).map((t) => t.stem)),
    questionLowers: new Set(questionTokens.map((t) => t.lower)),
    questionAsks: asksForSomething(questionTokens),
    idf: (stem) => {
      const count = df.get(stem);
      return count === undefined ? maxIdf : Math.log((n + 1) / (count + 0.5));
    },
  };
}

/**
 * Lets an acronym of the answer (`CEO`, `NASA`) match the words it abbreviates in the context
 * (`chief executive officer`): the acronym is added to the index, and to the passages, wherever
 * consecutive words (`of`/`and`/`the` may be skipped) have its letters as initials. Only acronyms
 * the answer writes in capitals are looked for, so that ordinary words never match by accident.
 */
export function addAcronyms(index: ContextIndex, answerTokens: readonly Token[]): void {
  const wanted = new Set(
    answerTokens
      .filter((t) => /^[A-Z]{2,6}s?$/.test(t.raw) && !index.lowers.has(t.lower))
      .map((t) => t.lower.replace(/s$/, "")),
  );
  if (wanted.size === 0) return;
  for (const p of index.passages) {
    const words = p.tokens.filter((t) => !/^(of|and|the|for|&)$/.test(t.lower) && !t.hasDigit);
    for (const acronym of wanted) {
      const n = acronym.length;
      for (let i = 0; i + n <= words.length; i++) {
        let match = true;
        for (let k = 0; k < n && match; k++) match = words[i + k]?.lower[0] === acronym[k];
        if (!match) continue;
        for (const form of [acronym, `${acronym}s`]) {
          p.lowers.add(form);
          index.lowers.add(form);
        }
        p.stems.add(stem(acronym));
        index.stems.add(stem(acronym));
        break;
      }
    }
  }
}

/** The passage that best supports a claim, and how much of the claim it covers. */
export interface Alignment {
  passage: Passage | null;
  /** IDF-weighted share of the claim's content stems found in the passage, in [0, 1]. */
  coverage: number;
}

/** Finds the passage covering the most (IDF-weighted) of the claim's content words. */
export function align(claimTokens: readonly Token[], index: ContextIndex): Alignment {
  const claimStems = [...new Set(claimTokens.filter((t) => t.content).map((t) => t.stem))];
  if (claimStems.length === 0 || index.passages.length === 0) {
    return { passage: index.passages[0] ?? null, coverage: 0 };
  }
  const weights = claimStems.map((s) => index.idf(s));
  const total = weights.reduce((a, b) => a + b, 0);
  let best: Passage | null = null;
  let bestScore = -1;
  let bestLength = Number.POSITIVE_INFINITY;
  for (const p of index.passages) {
    let score = 0;
    for (let i = 0; i < claimStems.length; i++) {
      if (p.stems.has(claimStems[i] as string)) score += weights[i] as number;
    }
    // Ties go to the shorter passage: a single sentence is the better evidence.
    if (
      score > bestScore + 1e-9 ||
      (Math.abs(score - bestScore) <= 1e-9 && p.tokens.length < bestLength)
    ) {
      best = p;
      bestScore = score;
      bestLength = p.tokens.length;
    }
  }
  return { passage: best, coverage: total > 0 ? Math.max(0, bestScore) / total : 0 };
}
