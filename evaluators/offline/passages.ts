import { NEGATING_PREFIXES, NEGATIONS } from "./lexicon.ts";
import { extractQuantities } from "./numbers.ts";
import type { Token } from "./text.ts";

/**
 * A stretch of the context a claim can be checked against: one sentence or two adjacent ones.
 * Only alignment looks at every passage, and only at their stems; what the checks of the passage a
 * claim aligns to need is computed on first use, and kept.
 */
export interface Passage {
  readonly text: string;
  readonly tokens: readonly Token[];
  /** The tokens of each of its sentences (one or two), in order. */
  readonly sentences: readonly (readonly Token[])[];
  /** `tokens.length`, without joining a pair's tokens. */
  readonly tokenCount: number;
  /** Position of its (first) sentence, then of its last, among all the documents' sentences. */
  readonly first: number;
  readonly last: number;
  /** Content stems. */
  readonly stems: ReadonlySet<string>;
  /** Lowercase forms of every token, stopwords included. */
  readonly lowers: ReadonlySet<string>;
  /** `stems.has(stem)`, without joining a pair's sets. */
  hasStem(stem: string): boolean;
  /** Whether content stem `b` follows `a` within `PAIR_WINDOW` content words (`stemPairs`). */
  hasPair(a: string, b: string): boolean;
  /**
   * Its lowercase forms that are a negating prefix and a word (`uncontrolled`), by the word:
   * bit i set for `NEGATING_PREFIXES[i]`.
   */
  readonly prefixedForms: ReadonlyMap<string, number>;
  /** Values of the quantities it states. */
  readonly quantities: readonly number[];
  /** How many negation words it has. */
  readonly negations: number;
}

/** How far apart (in content words) two words of a pair may be. */
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

/** What every passage computes from its tokens on first use. */
abstract class LazyPassage implements Passage {
  abstract readonly text: string;
  abstract readonly tokens: readonly Token[];
  abstract readonly sentences: readonly (readonly Token[])[];
  abstract readonly tokenCount: number;
  abstract readonly first: number;
  abstract readonly last: number;
  abstract hasStem(stem: string): boolean;
  #stems: ReadonlySet<string> | undefined;
  #lowers: ReadonlySet<string> | undefined;
  #contentStems: string[] | undefined;
  #prefixedForms: Map<string, number> | undefined;
  #quantities: number[] | undefined;
  #negations: number | undefined;

  get stems(): ReadonlySet<string> {
    this.#stems ??= new Set(this.tokens.filter((t) => t.content).map((t) => t.stem));
    return this.#stems;
  }

  get lowers(): ReadonlySet<string> {
    this.#lowers ??= new Set(this.tokens.map((t) => t.lower));
    return this.#lowers;
  }

  hasPair(a: string, b: string): boolean {
    this.#contentStems ??= this.tokens.filter((t) => t.content).map((t) => t.stem);
    const stems = this.#contentStems;
    for (let i = 0; i < stems.length; i++) {
      if (stems[i] !== a) continue;
      for (let j = i + 1; j <= i + PAIR_WINDOW && j < stems.length; j++) {
        if (stems[j] === b) return true;
      }
    }
    return false;
  }

  get prefixedForms(): ReadonlyMap<string, number> {
    if (this.#prefixedForms === undefined) {
      const forms = new Map<string, number>();
      for (const lower of this.lowers) {
        // Every prefix starts with one of d, i, m, n, u.
        const c = lower.charCodeAt(0);
        if (c !== 100 && c !== 105 && c !== 109 && c !== 110 && c !== 117) continue;
        for (let i = 0; i < NEGATING_PREFIXES.length; i++) {
          const prefix = NEGATING_PREFIXES[i] as string;
          if (!lower.startsWith(prefix)) continue;
          const word = lower.slice(prefix.length);
          forms.set(word, (forms.get(word) ?? 0) | (1 << i));
        }
      }
      this.#prefixedForms = forms;
    }
    return this.#prefixedForms;
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

/** One sentence of a document. */
export class SentencePassage extends LazyPassage {
  readonly tokenCount: number;
  readonly last: number;
  readonly sentences: readonly (readonly Token[])[];

  constructor(
    readonly text: string,
    readonly tokens: readonly Token[],
    readonly first: number,
  ) {
    super();
    this.tokenCount = tokens.length;
    this.last = first;
    this.sentences = [tokens];
  }

  hasStem(stem: string): boolean {
    return this.stems.has(stem);
  }
}

/**
 * Two adjacent sentences. Their joined text, tokens and sets are made only for the few pairs a
 * claim aligns to.
 */
export class PairPassage extends LazyPassage {
  readonly tokenCount: number;
  readonly first: number;
  readonly last: number;
  #text: string | undefined;
  #tokens: Token[] | undefined;

  constructor(
    readonly firstSentence: SentencePassage,
    readonly secondSentence: SentencePassage,
  ) {
    super();
    this.tokenCount = firstSentence.tokenCount + secondSentence.tokenCount;
    this.first = firstSentence.first;
    this.last = secondSentence.first;
  }

  get sentences(): readonly (readonly Token[])[] {
    return [this.firstSentence.tokens, this.secondSentence.tokens];
  }

  get text(): string {
    this.#text ??= `${this.firstSentence.text} ${this.secondSentence.text}`;
    return this.#text;
  }

  get tokens(): readonly Token[] {
    this.#tokens ??= [...this.firstSentence.tokens, ...this.secondSentence.tokens];
    return this.#tokens;
  }

  hasStem(stem: string): boolean {
    return this.firstSentence.hasStem(stem) || this.secondSentence.hasStem(stem);
  }
}

/** A passage with words added to its sets (acronyms the answer uses, see `withAcronyms`). */
export class ExtendedPassage extends LazyPassage {
  readonly text: string;
  readonly tokens: readonly Token[];
  readonly sentences: readonly (readonly Token[])[];
  readonly tokenCount: number;
  readonly first: number;
  readonly last: number;
  readonly #stems: ReadonlySet<string>;
  readonly #lowers: ReadonlySet<string>;

  constructor(base: Passage, stems: Iterable<string>, lowers: Iterable<string>) {
    super();
    this.text = base.text;
    this.tokens = base.tokens;
    this.sentences = base.sentences;
    this.tokenCount = base.tokenCount;
    this.first = base.first;
    this.last = base.last;
    this.#stems = new Set([...base.stems, ...stems]);
    this.#lowers = new Set([...base.lowers, ...lowers]);
  }

  override get stems(): ReadonlySet<string> {
    return this.#stems;
  }

  override get lowers(): ReadonlySet<string> {
    return this.#lowers;
  }

  hasStem(stem: string): boolean {
    return this.#stems.has(stem);
  }
}
