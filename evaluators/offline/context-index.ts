import { sentencesOf } from "./claims.ts";
import {
  ExtendedPassage,
  PAIR_WINDOW,
  PairPassage,
  type Passage,
  SentencePassage,
} from "./passages.ts";
import { RecentCache } from "./recent-cache.ts";
import { normaliseText, stem, type Token, tokenize, tokenizeNormalised } from "./text.ts";

export { PAIR_WINDOW, type Passage, stemPairs } from "./passages.ts";

/** Membership only: what the checks ask of a set of words. */
export interface WordLookup {
  has(word: string): boolean;
}

/** Everything about the context that alignment and the checks look up, built once per input. */
export interface ContextIndex {
  /** Sentences, then pairs of adjacent sentences of one document. */
  readonly passages: readonly Passage[];
  /** Content stems of the context documents. */
  readonly stems: WordLookup;
  /** Lowercase forms of every context token, stopwords included. */
  readonly lowers: WordLookup;
  /** Whether content stem `b` follows `a` at most three content words later, in any document. */
  hasPair(a: string, b: string): boolean;
  readonly quantities: readonly number[];
  /** Lowercase, whitespace-folded text of the documents, for span checks. */
  readonly flatText: string;
  /** The words of `flatText`. */
  readonly flatWords: WordLookup;
  /** The question's content stems and lowercase forms: extra context, never sole support. */
  readonly questionStems: ReadonlySet<string>;
  readonly questionLowers: ReadonlySet<string>;
  /**
   * The question asks for something (`who`, `how long`, `which year`, `explain …`): an answer may
   * restate its words, which are then neither support nor unsupported claims (see
   * `withoutRestatement`). A yes/no question's words are the claim a "yes" makes, and a previous
   * chat turn is someone's statement: their words are not restated for free.
   */
  readonly questionAsks: boolean;
  /** Inverse document frequency of a stem over the context's sentences. */
  idf(stem: string): number;
  /**
   * For alignment: per sentence, bit i set when it has `stems[i]` (up to 32 stems), or null when
   * the passages must be asked one by one (more stems, or words added to some passages).
   */
  sentenceMasks(stems: readonly string[]): Int32Array | null;
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

/** One document's sentences, and whether their words are the document's (see `flatText`). */
interface IndexedDocument {
  text: string;
  sentences: SentencePassage[];
  sameWords: boolean;
  /** When not: its words, tokenised whole. */
  ownWords?: Token[];
}

/** The part of the index that depends on the documents only: built once, then read-only. */
class DocumentIndex {
  readonly passages: Passage[] = [];
  readonly sentences: SentencePassage[] = [];
  readonly documents: IndexedDocument[] = [];
  /** Content stem → id; also the set of the documents' content stems. */
  readonly stemIds = new Map<string, number>();
  /** By stem id: how many sentences have it, and the last that did. */
  readonly df: number[] = [];
  readonly lastSentence: number[] = [];
  /**
   * The content words of all the sentences in a row: by position, its stem id and sentence, and
   * the next position with the same stem (-1 for none); by stem id, its first position.
   */
  readonly stemAt: number[] = [];
  readonly sentenceAt: number[] = [];
  readonly nextSame: number[] = [];
  readonly firstAt: number[] = [];
  readonly #lastAt: number[] = [];
  readonly maxIdf: number;
  #lowers: Set<string> | undefined;
  #quantities: number[] | undefined;
  #flatText: string | undefined;
  #flatWords: WordLookup | undefined;

  constructor(documents: readonly string[]) {
    for (const doc of documents) {
      const { sentences: texts, glued, ascii } = sentencesOf(doc);
      // The sentences' words are the document's unless a glued stop was split or a sentence
      // normalises differently alone.
      let sameWords = !glued;
      const sentences: SentencePassage[] = [];
      for (const text of texts) {
        const normalised = ascii ? text : normaliseText(text);
        if (normalised !== text) sameWords = false;
        const position = this.sentences.length;
        const s = new SentencePassage(text, tokenizeNormalised(normalised), position);
        sentences.push(s);
        this.sentences.push(s);
        this.passages.push(s);
        for (const t of s.tokens) if (t.content) this.#addContentWord(t.stem, position);
      }
      for (let i = 0; i + 1 < sentences.length; i++) {
        this.passages.push(
          new PairPassage(sentences[i] as SentencePassage, sentences[i + 1] as SentencePassage),
        );
      }
      this.documents.push({ text: doc, sentences, sameWords });
    }
    this.maxIdf = Math.log((Math.max(1, this.sentences.length) + 1) / 0.5);
  }

  #addContentWord(stem: string, sentence: number): void {
    let id = this.stemIds.get(stem);
    const at = this.stemAt.length;
    if (id === undefined) {
      id = this.stemIds.size;
      this.stemIds.set(stem, id);
      this.df.push(1);
      this.lastSentence.push(sentence);
      this.firstAt.push(at);
    } else {
      if (this.lastSentence[id] !== sentence) {
        this.df[id] = (this.df[id] as number) + 1;
        this.lastSentence[id] = sentence;
      }
      this.nextSame[this.#lastAt[id] as number] = at;
    }
    this.#lastAt[id] = at;
    this.stemAt.push(id);
    this.sentenceAt.push(sentence);
    this.nextSame.push(-1);
  }

  get lowers(): ReadonlySet<string> {
    if (this.#lowers === undefined) {
      this.#lowers = new Set();
      for (const s of this.sentences) for (const t of s.tokens) this.#lowers.add(t.lower);
    }
    return this.#lowers;
  }

  get quantities(): readonly number[] {
    if (this.#quantities === undefined) {
      this.#quantities = [];
      for (const s of this.sentences) for (const q of s.quantities) this.#quantities.push(q);
    }
    return this.#quantities;
  }

  get flatText(): string {
    if (this.#flatText === undefined) {
      const texts: string[] = [];
      for (const d of this.documents) {
        const lowers: string[] = [];
        if (d.sameWords)
          for (const s of d.sentences) for (const t of s.tokens) lowers.push(t.lower);
        else for (const t of this.#ownWords(d)) lowers.push(t.lower);
        texts.push(lowers.join(" "));
      }
      this.#flatText = ` ${texts.join(" ")} `;
    }
    return this.#flatText;
  }

  /**
   * The words of `flatText`, known without making it: the sentences' words, and those of any
   * document whose words are not its sentences'.
   */
  get flatWords(): WordLookup {
    if (this.#flatWords === undefined) {
      const lowers = this.lowers;
      let others: Set<string> | undefined;
      for (const d of this.documents) {
        if (d.sameWords) continue;
        others ??= new Set();
        for (const t of this.#ownWords(d)) others.add(t.lower);
      }
      const glued = others;
      this.#flatWords =
        glued === undefined ? lowers : { has: (word) => lowers.has(word) || glued.has(word) };
    }
    return this.#flatWords;
  }

  /** The words of a document tokenised whole (kept: needed for both flat forms). */
  #ownWords(d: IndexedDocument): readonly Token[] {
    d.ownWords ??= tokenize(d.text);
    return d.ownWords;
  }

  /** Whether `b` follows `a` within `PAIR_WINDOW` content words of one sentence. */
  hasPair(a: string, b: string): boolean {
    const ia = this.stemIds.get(a);
    const ib = this.stemIds.get(b);
    if (ia === undefined || ib === undefined) return false;
    const n = this.stemAt.length;
    for (let at = this.firstAt[ia] as number; at !== -1; at = this.nextSame[at] as number) {
      const sentence = this.sentenceAt[at];
      for (let next = at + 1; next <= at + PAIR_WINDOW && next < n; next++) {
        if (this.sentenceAt[next] !== sentence) break;
        if (this.stemAt[next] === ib) return true;
      }
    }
    return false;
  }

  idf(stem: string): number {
    const id = this.stemIds.get(stem);
    const n = Math.max(1, this.sentences.length);
    return id === undefined ? this.maxIdf : Math.log((n + 1) / ((this.df[id] as number) + 0.5));
  }

  sentenceMasks(stems: readonly string[]): Int32Array | null {
    if (stems.length > 32) return null;
    const masks = new Int32Array(this.sentences.length);
    for (let i = 0; i < stems.length; i++) {
      const id = this.stemIds.get(stems[i] as string);
      if (id === undefined) continue;
      for (let at = this.firstAt[id] as number; at !== -1; at = this.nextSame[at] as number) {
        const s = this.sentenceAt[at] as number;
        masks[s] = (masks[s] as number) | (1 << i);
      }
    }
    return masks;
  }
}

// Both grounding evaluators index the same documents of a span, and answers often share a
// retrieved context: recent indexes are kept (read-only, and so shared).
const DOCUMENT_INDEXES = new RecentCache<DocumentIndex>(16);

/** Indexes the context documents (and the question as a weaker source). */
export function indexContext(documents: readonly string[], question: string | null): ContextIndex {
  const docs = DOCUMENT_INDEXES.get(documents, () => new DocumentIndex(documents));
  const questionTokens = tokenize(question ?? "");
  return {
    passages: docs.passages,
    stems: docs.stemIds,
    get lowers() {
      return docs.lowers;
    },
    hasPair: (a, b) => docs.hasPair(a, b),
    get quantities() {
      return docs.quantities;
    },
    get flatText() {
      return docs.flatText;
    },
    get flatWords() {
      return docs.flatWords;
    },
    questionStems: new Set(questionTokens.filter((t) => t.content).map((t) => t.stem)),
    questionLowers: new Set(questionTokens.map((t) => t.lower)),
    questionAsks: asksForSomething(questionTokens),
    idf: (stem) => docs.idf(stem),
    sentenceMasks: (stems) => docs.sentenceMasks(stems),
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
  const addedStems = new Set<string>();
  const addedLowers = new Set<string>();
  const passages = index.passages.map((p, position) => {
    const acronyms = found.get(position);
    if (acronyms === undefined) return p;
    const stems = acronyms.map((a) => stem(a));
    const lowers = acronyms.flatMap((a) => [a, `${a}s`]);
    for (const s of stems) addedStems.add(s);
    for (const l of lowers) addedLowers.add(l);
    return new ExtendedPassage(p, stems, lowers);
  });
  const base = index;
  return {
    passages,
    stems: { has: (s) => base.stems.has(s) || addedStems.has(s) },
    lowers: { has: (l) => base.lowers.has(l) || addedLowers.has(l) },
    hasPair: (a, b) => base.hasPair(a, b),
    get quantities() {
      return base.quantities;
    },
    get flatText() {
      return base.flatText;
    },
    get flatWords() {
      return base.flatWords;
    },
    questionStems: base.questionStems,
    questionLowers: base.questionLowers,
    questionAsks: base.questionAsks,
    idf: (s) => base.idf(s),
    // Some passages have more words than their sentences: ask each passage.
    sentenceMasks: () => null,
  };
}
