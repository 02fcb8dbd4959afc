import type { AlertRule } from "./rule-schema.ts";
import { conditionOf, noDataAfterMs } from "./rule-schema.ts";

/** Which events `evaluateRule` needs for a scope: those created after `since`, newest `limit` only when set. */
export interface SampleQuery {
  since: Date;
  limit: number | null;
}

/**
 * The events to load for one evaluation: the window or look-back, stretched to `no_data.after`
 * so a quiet scope is told from an empty one; for `k_of_n`, the newest n of them.
 */
export function sampleQuery(rule: AlertRule, now: Date): SampleQuery {
  const condition = conditionOf(rule);
  const after = noDataAfterMs(rule);
  const span =
    condition.kind === "window"
      ? Math.max(condition.window_ms, after)
      : condition.kind === "each"
        ? Math.max(condition.lookback_ms, after)
        : after;
  return {
    since: new Date(now.getTime() - span),
    limit: condition.kind === "k_of_n" ? condition.n : null,
  };
}

/**
 * The release a baseline rule compares with: of the releases seen (with the time each was first
 * seen), the one first seen last before `current`. Null for the first release or an unknown one.
 */
export function previousRelease(
  current: string,
  releases: readonly { version: string; first_seen: string | Date }[],
): string | null {
  const at = (d: string | Date) => (d instanceof Date ? d.getTime() : Date.parse(d));
  const mine = releases.find((r) => r.version === current);
  if (!mine) return null;
  let best: { version: string; t: number } | null = null;
  for (const r of releases) {
    const t = at(r.first_seen);
    if (r.version === current || t >= at(mine.first_seen)) continue;
    if (!best || t > best.t) best = { version: r.version, t };
  }
  return best?.version ?? null;
}
