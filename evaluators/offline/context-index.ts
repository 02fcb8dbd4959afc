import { sentencesOf } from "./claims.ts";
import { NEGATIONS } from "./lexicon.ts";
import { extractQuantities } from "./numbers.ts";
import { RecentCache } from "./recent-cache.ts";
import { normaliseText, stem, type Token, tokenize, tokenizeNormalised } from "./text.ts";

/**
 * A stretch of the context a claim can be checked against: one sentence or two adjacent ones.
 * What only the checks of the passage a claim aligns to need is computed on first use, and kept.
 */
export interface Passage {
  readonly text: string;
  readonly tokens: readonly Token[];
  /** `tokens.length`, without joining a pair's tokens. */
  readonly tokenCount: number;
  /** Content stems. */
  readonly stems: ReadonlySet<string>;
  /** Lowercase forms of every token, stopwords included. */
  readonly lowers: ReadonlySet<string>;
  /** `stems.has(stem)`, without joining a pair's sets. */
  hasStem(stem: string): boolean;
  /** Ordered content-stem pairs within `PAIR_WINDOW` content words (`stemPairs`). */
  readonly pairs: ReadonlySet<string>;
  /** Values of the quantities it states. */
  readonly quantities: readonly number[];
  /** How many negation words it has. */
  readonly negations: number;
}

/** Everything about the context that alignment and the checks look up, built once per input. */
export interface ContextIndex {
  /** Sentences, then pairs of adjacent sentences of one document. */
  passages: readonly Passage[];
  /** Content stems of the context documents. */
  stems: ReadonlySet<string>;
  /** Lowercase forms of every context token, stopwords included. */
  lowers: ReadonlySet<string>;
  /** Whether content stem `b` follows `a` at most three content words later, in any document. */
  hasPair(a: string, b: string): boolean;
  quantities: readonly number[];
  /** Lowercase, whitespace-folded text of the documents, for span checks. */
  flatText: string;
  /** The question's content stems and lowercase forms: extra context, never sole support. */
  questionStems: ReadonlySet<string>;
  questionLowers: ReadonlySet<string>;
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

export const PAIR_WINDOW = 3;

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

/** What every passage computes lazily from its tokens. */
abstract class BasePassage implements Passage {
  abstract readonly text: string;
  abstract readonly tokens: readonly Token[];
  abstract readonly tokenCount: number;
  abstract readonly stems: ReadonlySet<string>;
  abstract readonly lowers: ReadonlySet<string>;
  abstract hasStem(stem: string): boolean;
  #pairs: Set<string> | undefined;
  #quantities: number[] | undefined;
  #negations: number | undefined;

  get pairs(): ReadonlySet<string> {
    this.#pairs ??= stemPairs(this.tokens);
    return this.#pairs;
  }

  get quantities(): readonly number[] {
    this.#quantities ??= extractQuantities(this.tokens).map((q) => q.value);
    return this.#quantities;
  }

  get negations(): number {
    if (this.#negations === undefined) {
      let n = 0;
      for (const t of this.tokens) if (NEGATIONS.has(t.lower)) n++;
      this.#negations = n;
    }
    return this.#negations;
  }
}

/** A passage whose sets are its own: a sentence, or a passage an acronym was added to. */
class OwnPassage extends BasePassage {
  readonly tokenCount: number;
  constructor(
    readonly text: string,
    readonly tokens: readonly Token[],
    readonly stems: ReadonlySet<string>,
    readonly lowers: ReadonlySet<string>,
  ) {
    super();
    this.tokenCount = tokens.length;
  }

  hasStem(stem: string): boolean {
    return this.stems.has(stem);
  }
}

function sentencePassage(text: string, tokens: readonly Token[]): OwnPassage {
  const stems = new Set<string>();
  const lowers = new Set<string>();
  for (const t of tokens) {
    if (t.content) stems.add(t.stem);
    lowers.add(t.lower);
  }
  return new OwnPassage(text, tokens, stems, lowers);
}

/**
 * Two adjacent sentences. Alignment scores every pair but only looks up stems, which the two
 * sentences' sets answer; the joined text, tokens and sets are made for the few pairs a claim
 * aligns to.
 */
class PairPassage extends BasePassage {
  readonly tokenCount: number;
  #text: string | undefined;
  #tokens: Token[] | undefined;
  #stems: Set<string> | undefined;
  #lowers: Set<string> | undefined;

  constructor(
    readonly first: OwnPassage,
    readonly second: OwnPassage,
  ) {
    super();
    this.tokenCount = first.tokenCount + second.tokenCount;
  }

  get text(): string {
    this.#text ??= `${this.first.text} ${this.second.text}`;
    return this.#text;
  }

  get tokens(): readonly Token[] {
    this.#tokens ??= [...this.first.tokens, ...this.second.tokens];
    return this.#tokens;
  }

  get stems(): ReadonlySet<string> {
    this.#stems ??= new Set([...this.first.stems, ...this.second.stems]);
    return this.#stems;
  }

  get lowers(): ReadonlySet<string> {
    this.#lowers ??= new Set([...this.first.lowers, ...this.second.lowers]);
    return this.#lowers;
  }

  hasStem(stem: string): boolean {
    return this.first.stems.has(stem) || this.second.stems.has(stem);
  }
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

/** The part of the index that depends on the documents only. */
type DocumentIndex = Omit<ContextIndex, "questionStems" | "questionLowers" | "questionAsks">;

// Pair keys are numbers: `a * PAIR_BASE + b` for the stems' ids in this index.
const PAIR_BASE = 1 << 20;

function indexDocuments(documents: readonly string[]): DocumentIndex {
  const passages: Passage[] = [];
  const stems = new Set<string>();
  const lowers = new Set<string>();
  const stemIds = new Map<string, number>();
  const pairKeys = new Set<number>();
  const quantities: number[] = [];
  const df = new Map<string, number>();
  const flat: string[] = [];
  let sentenceCount = 0;
  const ids: number[] = [];
  for (const doc of documents) {
    const { sentences: texts, glued } = sentencesOf(doc);
    // The sentences' words are the document's unless a glued stop was split or a sentence
    // normalises differently alone: then the flat text is the document's own words.
    let sameWords = !glued;
    const sentences: OwnPassage[] = [];
    const docLowers: string[] = [];
    for (const text of texts) {
      const normalised = normaliseText(text);
      if (normalised !== text) sameWords = false;
      const s = sentencePassage(text, tokenizeNormalised(normalised));
      sentences.push(s);
      passages.push(s);
      sentenceCount++;
      for (const stem of s.stems) df.set(stem, (df.get(stem) ?? 0) + 1);
      ids.length = 0;
      for (const t of s.tokens) {
        lowers.add(t.lower);
        docLowers.push(t.lower);
        if (!t.content) continue;
        stems.add(t.stem);
        let id = stemIds.get(t.stem);
        if (id === undefined) {
          id = stemIds.size;
          stemIds.set(t.stem, id);
        }
        ids.push(id);
      }
      for (let i = 0; i < ids.length; i++) {
        for (let j = i + 1; j <= i + PAIR_WINDOW && j < ids.length; j++) {
          pairKeys.add((ids[i] as number) * PAIR_BASE + (ids[j] as number));
        }
      }
      for (const q of extractQuantities(s.tokens)) quantities.push(q.value);
    }
    for (let i = 0; i + 1 < sentences.length; i++) {
      passages.push(new PairPassage(sentences[i] as OwnPassage, sentences[i + 1] as OwnPassage));
    }
    flat.push(sameWords ? docLowers.join(" ") : flatten(doc));
  }
  const n = Math.max(1, sentenceCount);
  const maxIdf = Math.log((n + 1) / 0.5);
  return {
    passages,
    stems,
    lowers,
    hasPair: (a, b) => {
      const ia = stemIds.get(a);
      const ib = stemIds.get(b);
      return ia !== undefined && ib !== undefined && pairKeys.has(ia * PAIR_BASE + ib);
    },
    quantities,
    flatText: ` ${flat.join(" ")} `,
    idf: (stem) => {
      const count = df.get(stem);
      return count === undefined ? maxIdf : Math.log((n + 1) / (count + 0.5));
    },
  };
}

// Both grounding evaluators index the same documents of a span, and answers often share a
// retrieved context: recent indexes are kept (read-only, and so shared).
const DOCUMENT_INDEXES = new RecentCache<DocumentIndex>(16);

/** Indexes the context documents (and the question as a weaker source). */
export function indexContext(documents: readonly string[], question: string | null): ContextIndex {
  const index = DOCUMENT_INDEXES.get(documents, () => indexDocuments(documents));
  const questionTokens = tokenize(question ?? "");
  return {
    ...index,
    questionStems: new Set(questionTokens.filter((t) => t.content).map((t) => t.stem)),
    questionLowers: new Set(questionTokens.map((t) => t.lower)),
    questionAsks: asksForSomething(questionTokens),
  };
}

const ACRONYM = /^[A-Z]{2,6}s?$/;
const ACRONYM_FILLER = /^(of|and|the|for|&)$/;

/**
 * Lets an acronym of the answer (`CEO`, `NASA`) match the words it abbreviates in the context
 * (`chief executive officer`): the acronym is added to the index, and to the passages, wherever
 * consecutive words (`of`/`and`/`the` may be skipped) have its letters as initials. Only acronyms
 * the answer writes in capitals are looked for, so that ordinary words never match by accident.
 * Returns the index itself when nothing is added, else a copy: the index may be shared.
 */
export function withAcronyms(index: ContextIndex, answerTokens: readonly Token[]): ContextIndex {
  const wanted = new Set(
    answerTokens
      .filter((t) => ACRONYM.test(t.raw) && !index.lowers.has(t.lower))
      .map((t) => t.lower.replace(/s$/, "")),
  );
  if (wanted.size === 0) return index;
  // Passage position → the acronyms found in it.
  const found = new Map<number, string[]>();
  for (const [position, p] of index.passages.entries()) {
    const words = p.tokens.filter((t) => !ACRONYM_FILLER.test(t.lower) && !t.hasDigit);
    for (const acronym of wanted) {
      const n = acronym.length;
      for (let i = 0; i + n <= words.length; i++) {
        let match = true;
        for (let k = 0; k < n && match; k++) match = words[i + k]?.lower[0] === acronym[k];
        if (!match) continue;
        const list = found.get(position) ?? [];
        list.push(acronym);
        found.set(position, list);
        break;
      }
    }
  }
  if (found.size === 0) return index;
  const stems = new Set(index.stems);
  const lowers = new Set(index.lowers);
  const passages = index.passages.map((p, position) => {
    const acronyms = found.get(position);
    if (acronyms === undefined) return p;
    const pStems = new Set(p.stems);
    const pLowers = new Set(p.lowers);
    for (const acronym of acronyms) {
      for (const form of [acronym, `${acronym}s`]) {
        pLowers.add(form);
        lowers.add(form);
      }
      pStems.add(stem(acronym));
      stems.add(stem(acronym));
    }
    return new OwnPassage(p.text, p.tokens, pStems, pLowers);
  });
  return { ...index, passages, stems, lowers };
}
