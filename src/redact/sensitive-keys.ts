/**
 * Words that, right after a sensitive key word, make the key a measurement rather than a secret:
 * `llm.token_count.prompt`, `gen_ai.token.type`, `tokenLimit`.
 */
const MEASUREMENT_WORDS = new Set([
  "count",
  "counts",
  "type",
  "types",
  "usage",
  "limit",
  "limits",
  "budget",
  "length",
  "size",
  "cost",
  "estimate",
  "ttl",
  "expiry",
  "expires",
  "expiration",
]);

const ALNUM = /[A-Za-z0-9]/;
const NEXT_WORD = /^[._\-\s]*([A-Z]?[a-z]+|[A-Z]+|\d+)/;
// Attribute keys repeat on every span; a bounded cache keeps the check off the hot path without
// letting user-chosen nested keys grow it forever.
const CACHE_LIMIT = 10_000;

/**
 * Whether `lowerKey` holds `word` where it ends a word of the key (`access_token`, `authToken`,
 * `x-api-key`) and is not followed by a measurement word. So `token` matches `access_token` but
 * not `gen_ai.usage.input_tokens`, `llm.token_count.prompt`, `tokenizer` or `promptTokens`.
 */
function holdsWord(key: string, lowerKey: string, word: string): boolean {
  for (let at = lowerKey.indexOf(word); at >= 0; at = lowerKey.indexOf(word, at + 1)) {
    const end = at + word.length;
    const next = key[end];
    const prev = key[end - 1] ?? "";
    const endsWord =
      next === undefined ||
      !ALNUM.test(next) ||
      // camelCase: `authTokenValue` ends the word at `V`; `SECRETARY` does not at `A`.
      (next >= "A" && next <= "Z" && /[a-z0-9]/.test(prev));
    if (!endsWord) continue;
    const following = NEXT_WORD.exec(key.slice(end))?.[1]?.toLowerCase();
    if (following === undefined || !MEASUREMENT_WORDS.has(following)) return true;
  }
  return false;
}

/**
 * Builds the check for `RedactionConfig.keys`: given an attribute key, returns the configured
 * substring it holds (case-insensitive), or null when the key is not sensitive.
 */
export function createKeyMatcher(substrings: readonly string[]): (key: string) => string | null {
  // Longest first, so the label names the most specific entry (`set-cookie` over `cookie`).
  const words = [...new Set(substrings.map((s) => s.toLowerCase()).filter((s) => s !== ""))].sort(
    (a, b) => b.length - a.length,
  );
  const cache = new Map<string, string | null>();
  return (key) => {
    const cached = cache.get(key);
    if (cached !== undefined) return cached;
    const lowerKey = key.toLowerCase();
    const hit = words.find((word) => holdsWord(key, lowerKey, word)) ?? null;
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(key, hit);
    return hit;
  };
}
