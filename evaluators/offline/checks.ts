import type { Alignment } from "./align.ts";
import type { ContextIndex, Passage } from "./context-index.ts";
import { hoursFindings, type WeekHours } from "./hours.ts";
import { ANTONYMS, CALENDAR_WORDS, NEGATING_PREFIXES, NEGATIONS, NUMBER_WORDS } from "./lexicon.ts";
import { extractQuantities, quantityMatches } from "./numbers.ts";
import { stem, type Token } from "./text.ts";

/**
 * What a small edit of a supported claim would break, measured against the context: words, pairs
 * of words, numbers, names, dates, negation and opposites. Counts, shares and the issues found.
 */
export interface ClaimChecks {
  /** Content words of the claim. */
  contentCount: number;
  /** Share of the claim's content words found anywhere in the documents. */
  coverageDoc: number;
  /** The same, with the question counted as a source. */
  coverageDocQuestion: number;
  /** IDF-weighted share found in the best passage. */
  coverageBest: number;
  /** Unweighted share found in the best passage. */
  coverageBestPlain: number;
  /** Share of the claim's word pairs (in order, close together) found in the best passage. */
  pairCoverageBest: number;
  /** Share of the claim's word pairs found anywhere in the documents. */
  pairCoverageDoc: number;
  /** The claim is copied word for word from the documents. */
  verbatim: boolean;
  /** Longest common word subsequence with the passage, over the claim's length: order and edits. */
  lcsRatio: number;
  /** The same by stem, with the passage's best single sentence (`wordOrder`). */
  sentenceLcsRatio: number;
  /** The same over content stems only, with the whole passage, over the claim's content words. */
  contentLcsRatio: number;
  /** Content words not in the documents (restated question words are not checked at all). */
  novelWords: number;
  /** Numbers that agree with no number of the documents. */
  novelNumbers: number;
  /** Numbers the documents have, but not in the passage the claim aligns to (a swap, often). */
  numbersOutsideBest: number;
  /** Names (capitalised words, codes with digits) not in the documents. */
  novelEntities: number;
  /** Names that the documents have, but not in the passage the claim aligns to. */
  entitiesOutsideBest: number;
  /** Negation in the claim but not in its passage. */
  negationAdded: number;
  /** Negation in the passage but not in the claim. */
  negationDropped: number;
  /**
   * Attributes a record says no to (`"garage": false`) that the claim names without a negation:
   * "offers garage and street parking".
   */
  deniedAttributes: number;
  /** Statements of opening hours that a record's hours contradict (`hoursFindings`). */
  hoursMismatch: number;
  /** Words whose opposite (or un-/in-/dis- form) the passage has instead. */
  antonyms: number;
  /** Months, weekdays and other calendar words the documents lack. */
  calendarMismatch: number;
  /**
   * Content words found in the question but not in the documents, and not dropped as restated
   * (`withoutRestatement`): what a "yes" takes from a yes/no question, names and numbers only
   * the question has.
   */
  questionOnly: number;
  /** Claim words missing from the passage and from the documents, and not opposites. */
  unexplained: number;
  /** Human-readable findings, worst first, for the explanation. */
  issues: string[];
}

// Each word's opposites, with their stems.
const ANTONYM_FORMS: ReadonlyMap<string, readonly (readonly [string, string])[]> = new Map(
  [...ANTONYMS].map(([word, opposites]) => [
    word,
    [...opposites].map((o) => [o, stem(o)] as const),
  ]),
);

/** An opposite of `word` that the passage has, or null. */
function hasAntonymIn(word: string, passage: Passage): string | null {
  const tokens = passage.lowers;
  for (const [opposite, oppositeStem] of ANTONYM_FORMS.get(word) ?? []) {
    if (tokens.has(opposite) || passage.stems.has(oppositeStem)) return opposite;
  }
  const prefixed = passage.prefixedForms.get(word) ?? 0;
  for (const [i, prefix] of NEGATING_PREFIXES.entries()) {
    // "unsurprising" in the claim against "surprising" in the source
    if (word.startsWith(prefix) && word.length - prefix.length >= 4) {
      const base = word.slice(prefix.length);
      if (tokens.has(base)) return base;
    }
    // "controlled" in the claim against "uncontrolled" in the source
    if (prefixed & (1 << i)) return prefix + word;
  }
  return null;
}

/** Length of the longest common subsequence of two word lists. */
function lcsLength(a: readonly string[], b: readonly string[]): number {
  // The words as small integers: the first list's numbered, the second's looked up (-1: none).
  const ids = new Map<string, number>();
  const aIds = new Int32Array(a.length);
  for (let i = 0; i < a.length; i++) {
    const word = a[i] as string;
    let id = ids.get(word);
    if (id === undefined) {
      id = ids.size;
      ids.set(word, id);
    }
    aIds[i] = id;
  }
  const bIds = new Int32Array(b.length);
  for (let j = 0; j < b.length; j++) bIds[j] = ids.get(b[j] as string) ?? -1;
  // Two rows of the table, reused.
  let previous = new Int32Array(b.length + 1);
  let current = new Int32Array(b.length + 1);
  for (let i = 0; i < a.length; i++) {
    const x = aIds[i] as number;
    for (let j = 1; j <= b.length; j++) {
      current[j] =
        x === bIds[j - 1]
          ? (previous[j - 1] as number) + 1
          : Math.max(previous[j] as number, current[j - 1] as number);
    }
    [previous, current] = [current, previous];
  }
  return previous[b.length] as number;
}

const lowers = (tokens: readonly Token[]) => tokens.map((t) => t.lower);
const stemsOf = (tokens: readonly Token[]) => tokens.map((t) => t.stem);
const contentStemsOf = (tokens: readonly Token[]) =>
  tokens.filter((t) => t.content).map((t) => t.stem);

/**
 * How closely the claim keeps the wording and order of its passage, three ways (each a longest
 * common subsequence over the claim's length): every word as written, against the whole passage;
 * every stem, against the passage's best single sentence, so that a claim that splices two
 * sentences ("the second robot … completed two-thirds of the route", when two-thirds was the
 * first robot's) matches less than one that follows either; and only content stems, so that
 * reordered facts count and rephrased function words do not.
 */
function wordOrder(
  tokens: readonly Token[],
  passage: Passage | null,
): Pick<ClaimChecks, "lcsRatio" | "sentenceLcsRatio" | "contentLcsRatio"> {
  if (passage === null) return { lcsRatio: 0, sentenceLcsRatio: 0, contentLcsRatio: 0 };
  const claimStems = stemsOf(tokens);
  const claimContent = contentStemsOf(tokens);
  let sentence = 0;
  for (const s of passage.sentences)
    sentence = Math.max(sentence, lcsLength(claimStems, stemsOf(s)));
  // A claim with no words left to place (all restating the question) misplaces none.
  return {
    lcsRatio: lcsLength(lowers(tokens), lowers(passage.tokens)) / Math.max(1, tokens.length),
    sentenceLcsRatio: tokens.length === 0 ? 1 : sentence / tokens.length,
    contentLcsRatio:
      claimContent.length === 0
        ? 1
        : lcsLength(claimContent, contentStemsOf(passage.tokens)) / claimContent.length,
  };
}

function negationCount(tokens: readonly Token[]): number {
  let n = 0;
  for (const t of tokens) if (NEGATIONS.has(t.lower)) n++;
  return n;
}

/** A calendar word, singular or plural: `Monday`, `Mondays`. */
function isCalendarWord(t: Token): boolean {
  const lower = t.lower;
  return (
    CALENDAR_WORDS.has(lower) || (lower.endsWith("s") && CALENDAR_WORDS.has(lower.slice(0, -1)))
  );
}

/** A word that states a fact of its own: a number, a name, a date word, a negation. */
function isFactWord(t: Token): boolean {
  return (
    t.hasDigit ||
    t.capitalised ||
    isCalendarWord(t) ||
    NUMBER_WORDS.has(t.lower) ||
    NEGATIONS.has(t.lower)
  );
}

/**
 * The claim without the words that only restate the question: "You can *request* a refund within
 * 30 days" to "How long do I have to request a refund?" claims no more than the context says, and
 * repeating what was asked is how full-sentence answers are written. A restated word is a content
 * word of the question that the documents lack, and not a fact word (number, name, date,
 * negation): those stay, and count as unsupported, because a fact found only in the question
 * supports nothing. Only when the question asks for something (`ContextIndex.questionAsks`): the
 * words of a yes/no question are what a "yes" claims. Whatever the question, an opening greeting
 * (`withoutGreeting`) and identifiers the question gives (`isEchoedIdentifier`) go too.
 */
export function withoutRestatement(tokens: readonly Token[], index: ContextIndex): Token[] {
  return withoutGreeting(tokens, index).filter(
    (t) =>
      !isEchoedIdentifier(t, index) &&
      !(
        index.questionAsks &&
        t.content &&
        index.questionStems.has(t.stem) &&
        !index.stems.has(t.stem) &&
        !isFactWord(t)
      ),
  );
}

/** Words that open a greeting: "Hi Maria, …", "Thanks, Maria: …". */
const GREETINGS = new Set(["hi", "hello", "hey", "dear", "thanks", "thank"]);

/**
 * The claim without an opening greeting and the names of the user it greets that the question
 * gives ("Hi Maria, you can change the address …" to "I'm Maria Lopez. Can I …?"): saying hello
 * claims nothing the documents should hold. A name the question lacks stays, and is checked.
 */
function withoutGreeting(tokens: readonly Token[], index: ContextIndex): readonly Token[] {
  if (!GREETINGS.has(tokens[0]?.lower ?? "")) return tokens;
  let start = 1;
  if (tokens[0]?.lower === "thank" && tokens[1]?.lower === "you") start = 2;
  while (start < tokens.length) {
    const t = tokens[start] as Token;
    if (!(t.capitalised && index.questionLowers.has(t.lower) && !index.lowers.has(t.lower))) break;
    start++;
  }
  return tokens.slice(start);
}

/** Five digits or more in a row, and nothing else: an order, ticket or account number. */
const LONG_NUMBER = /^\d{5,}$/;
/** Letters and digits mixed, four characters or more: a reference code (`AB1234`, `inv2041`). */
const CODE = /^(?=.*\d)(?=.*[a-z])[a-z\d]{4,}$/;

/**
 * An identifier the user gave in the question, said back: "Your order #48213 ships in 2 days" to
 * "When will order #48213 arrive?". It names what the user asked about, as a pronoun would, and
 * claims nothing the documents should hold, so a support answer that repeats the order number is
 * not ungrounded for it. Quantities (`30 days`), dates and names stay facts, whoever said them
 * first: "Yes, within 30 days" to "Can I return it within 30 days?" is still checked.
 */
function isEchoedIdentifier(t: Token, index: ContextIndex): boolean {
  return (
    t.hasDigit &&
    (LONG_NUMBER.test(t.lower) || CODE.test(t.lower)) &&
    index.questionLowers.has(t.lower) &&
    !index.lowers.has(t.lower)
  );
}

/**
 * An ordinal or a time ("14th", "30am" of "10:30am"), not a code: the number is what it states,
 * and the quantity check reads it ("14th" agrees with "April 14").
 */
const NUMBER_WITH_SUFFIX = /^\d+(st|nd|rd|th|s|am|pm)$/;

/** Whether the claim's words appear in the documents in a row, as they are. */
function isVerbatim(tokens: readonly Token[], index: ContextIndex): boolean {
  // Each word is one of the flat text's, or the text cannot hold them in a row.
  for (const t of tokens) if (!index.flatWords.has(t.lower)) return false;
  return index.flatText.includes(` ${tokens.map((t) => t.lower).join(" ")} `);
}

/** What a structured document states beyond its prose, for the checks that read it. */
export interface RecordFacts {
  /** Stems of the attributes it says no to. */
  deniedStems: Set<string>;
  hours: WeekHours | null;
}

const NO_RECORD: RecordFacts = { deniedStems: new Set(), hours: null };

/**
 * Runs every check of one claim against the context, given its alignment, and against what a
 * structured document states beyond its prose (`record`), which reads the claim's `text`.
 */
export function checkClaim(
  tokens: readonly Token[],
  alignment: Alignment,
  index: ContextIndex,
  record: RecordFacts = NO_RECORD,
  text = "",
): ClaimChecks {
  const { deniedStems } = record;
  const content = tokens.filter((t) => t.content);
  const stems = [...new Set(content.map((t) => t.stem))];
  const passage = alignment.passage;
  const issues: string[] = [];
  const share = (n: number, d: number): number => (d === 0 ? 1 : n / d);

  let inDoc = 0;
  let inDocQ = 0;
  let inBest = 0;
  let questionOnly = 0;
  const novel: string[] = [];
  for (const s of stems) {
    const doc = index.stems.has(s);
    const q = index.questionStems.has(s);
    if (doc) inDoc++;
    if (doc || q) inDocQ++;
    // Restated question words are gone already (`withoutRestatement`); what is left of the
    // question is no support.
    if (!doc) novel.push(s);
    if (!doc && q) questionOnly++;
    if (passage?.stems.has(s)) inBest++;
  }

  // The claim's adjacent content-stem pairs, each once.
  const claimPairs = new Set<string>();
  let pairsBest = 0;
  let pairsDoc = 0;
  let previous: string | undefined;
  for (const t of tokens) {
    if (!t.content) continue;
    if (previous !== undefined) {
      const key = `${previous} ${t.stem}`;
      if (!claimPairs.has(key)) {
        claimPairs.add(key);
        if (passage?.hasPair(previous, t.stem)) pairsBest++;
        if (index.hasPair(previous, t.stem)) pairsDoc++;
      }
    }
    previous = t.stem;
  }

  let novelNumbers = 0;
  let numbersOutsideBest = 0;
  const passageQuantities = passage ? passage.quantities : [];
  for (const q of extractQuantities(tokens)) {
    if (q.scale) continue;
    if (!quantityMatches(q.value, index.quantities)) {
      novelNumbers++;
      issues.push(`the number "${q.text}" is not in the context`);
    } else if (!quantityMatches(q.value, passageQuantities)) {
      numbersOutsideBest++;
      issues.push(`the number "${q.text}" is not in the matching passage`);
    }
  }

  let novelEntities = 0;
  let entitiesOutsideBest = 0;
  const seenEntities = new Set<string>();
  for (const t of content) {
    const isCode = t.hasDigit && /[a-z]/.test(t.lower) && !NUMBER_WITH_SUFFIX.test(t.lower);
    if (!(t.capitalised || isCode) || seenEntities.has(t.lower)) continue;
    seenEntities.add(t.lower);
    // A name found only in the question is no support: "Yes, it opens on Mondays".
    if (!index.lowers.has(t.lower) && !index.stems.has(t.stem)) {
      novelEntities++;
      issues.push(`"${t.raw}" is not in the context`);
    } else if (passage && !passage.lowers.has(t.lower) && index.lowers.has(t.lower)) {
      entitiesOutsideBest++;
    }
  }

  let calendarMismatch = 0;
  for (const t of content) {
    // "Mondays" is found as "Monday" too.
    const singular = t.lower.endsWith("s") ? t.lower.slice(0, -1) : t.lower;
    if (
      isCalendarWord(t) &&
      t.capitalised &&
      !index.lowers.has(t.lower) &&
      !index.lowers.has(singular)
    ) {
      calendarMismatch++;
      issues.push(`the date "${t.raw}" is not in the context`);
    }
  }

  const claimNeg = negationCount(tokens);
  const passageNeg = passage ? passage.negations : 0;
  const negationAdded = claimNeg > passageNeg ? 1 : 0;
  const negationDropped = passageNeg > claimNeg ? 1 : 0;
  if (negationAdded) issues.push("it negates what the source states");
  let deniedAttributes = 0;
  if (claimNeg === 0 && deniedStems.size > 0) {
    for (const [i, t] of tokens.entries()) {
      if (!t.content || !deniedStems.has(t.stem)) continue;
      // Part of a name ("Anacapa Street"), or what a passage without a "no" says (a review's
      // "live music"): not the attribute.
      if (t.capitalised && i > 0) continue;
      if (passage?.stems.has(t.stem) && passage.negations === 0) continue;
      deniedAttributes++;
      issues.push(`the record says no to "${t.raw}"`);
    }
  }

  // Opening hours, day by day, against the record's: its numbers and day names are all there.
  const hoursMismatch = record.hours === null ? [] : hoursFindings(text, record.hours);
  issues.push(...hoursMismatch);

  let antonyms = 0;
  let unexplained = 0;
  if (passage) {
    for (const t of content) {
      if (passage.lowers.has(t.lower) || passage.stems.has(t.stem) || t.hasDigit) continue;
      const opposite = hasAntonymIn(t.lower, passage);
      if (opposite && !tokens.some((u) => u.lower === opposite)) {
        antonyms++;
        issues.push(`"${t.raw}" contradicts "${opposite}" in the source`);
      } else if (!index.stems.has(t.stem)) unexplained++;
    }
  }

  if (
    novelEntities === 0 &&
    novelNumbers === 0 &&
    novel.length > 0 &&
    share(inDoc, stems.length) < 0.75
  ) {
    // Name the words as written; negation words are reported by their own check.
    const missing = new Set(novel);
    const words = [
      ...new Set(
        content.filter((t) => missing.has(t.stem) && !NEGATIONS.has(t.lower)).map((t) => t.raw),
      ),
    ];
    if (words.length > 0) issues.push(`words not in the context: ${words.slice(0, 4).join(", ")}`);
  }

  return {
    contentCount: stems.length,
    coverageDoc: share(inDoc, stems.length),
    coverageDocQuestion: share(inDocQ, stems.length),
    coverageBest: stems.length === 0 ? 1 : alignment.coverage,
    coverageBestPlain: share(inBest, stems.length),
    pairCoverageBest: share(pairsBest, claimPairs.size),
    pairCoverageDoc: share(pairsDoc, claimPairs.size),
    verbatim: content.length >= 3 && isVerbatim(tokens, index),
    ...wordOrder(tokens, passage),
    novelWords: novel.length,
    novelNumbers,
    numbersOutsideBest,
    novelEntities,
    entitiesOutsideBest,
    negationAdded,
    negationDropped,
    deniedAttributes,
    hoursMismatch: hoursMismatch.length,
    antonyms,
    calendarMismatch,
    questionOnly,
    unexplained,
    issues,
  };
}
