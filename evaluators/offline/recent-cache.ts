interface Entry<V> {
  texts: readonly (string | null)[];
  value: V;
}

/**
 * A small memo of what was computed from a list of texts (an answer, a question, documents),
 * keeping the most recently used `capacity` of them. Texts are compared with `===`: the same
 * string object, as two evaluators of one span are handed, costs one lookup of the first text's
 * hash, which the engine caches in the string. The values are shared by every caller, so they must
 * not be modified.
 */
export class RecentCache<V> {
  // By first text; the few entries that share it are told apart by the rest.
  readonly #byFirst = new Map<string | null, Entry<V>[]>();

  /** @param capacity How many distinct first texts are kept (default 16). */
  constructor(readonly capacity = 16) {}

  /** The value computed for `texts`, by `make` if it is not kept. */
  get(texts: readonly (string | null)[], make: () => V): V {
    const first = texts[0] ?? null;
    const entries = this.#byFirst.get(first);
    if (entries !== undefined) {
      const hit = entries.find((e) => sameTexts(e.texts, texts));
      // Most recently used last: delete and set again.
      this.#byFirst.delete(first);
      this.#byFirst.set(first, entries);
      if (hit !== undefined) return hit.value;
    }
    const value = make();
    const list = entries ?? [];
    if (list.length >= MAX_PER_FIRST_TEXT) list.shift();
    list.push({ texts: [...texts], value });
    this.#byFirst.set(first, list);
    if (this.#byFirst.size > this.capacity) {
      const oldest = this.#byFirst.keys().next().value as string | null;
      this.#byFirst.delete(oldest);
    }
    return value;
  }
}

// A short answer ("Yes.") can come with many contexts: a few per first text, the latest.
const MAX_PER_FIRST_TEXT = 4;

function sameTexts(a: readonly (string | null)[], b: readonly (string | null)[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
