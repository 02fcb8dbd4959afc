import type { ContextIndex, Passage } from "./context-index.ts";
import type { Token } from "./text.ts";

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
  const masks = index.sentenceMasks(claimStems);
  let best: Passage | null = null;
  let bestScore = -1;
  let bestLength = Number.POSITIVE_INFINITY;
  for (const p of index.passages) {
    // The weights of the stems it has, added in the claim's order.
    let score = 0;
    if (masks) {
      let bits = (masks[p.first] as number) | (masks[p.last] as number);
      while (bits !== 0) {
        const lowest = bits & -bits;
        score += weights[31 - Math.clz32(lowest)] as number;
        bits ^= lowest;
      }
    } else {
      for (let i = 0; i < claimStems.length; i++) {
        if (p.hasStem(claimStems[i] as string)) score += weights[i] as number;
      }
    }
    // Ties go to the shorter passage: a single sentence is the better evidence.
    if (
      score > bestScore + 1e-9 ||
      (Math.abs(score - bestScore) <= 1e-9 && p.tokenCount < bestLength)
    ) {
      best = p;
      bestScore = score;
      bestLength = p.tokenCount;
    }
  }
  return { passage: best, coverage: total > 0 ? Math.max(0, bestScore) / total : 0 };
}
