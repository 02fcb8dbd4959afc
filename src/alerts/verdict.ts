import type { AlertSample } from "./rule-scope.ts";
import type { Interval } from "./wilson.ts";

/** A scope's state. `no_data`: nothing to judge yet, or no events for `no_data.after`. */
export type AlertState = "ok" | "warning" | "firing" | "no_data";
export const ALERT_STATES = ["ok", "warning", "firing", "no_data"] as const;

/** What the data says before the previous state fills in a `hold`. */
export type Verdict = "firing" | "warning" | "ok" | "hold";

/** When an event was written, in epoch ms (`created_at` as stored text or as a Date). */
export const sampleTime = (s: AlertSample): number =>
  s.created_at instanceof Date ? s.created_at.getTime() : Date.parse(s.created_at);

/** The `count` worst events: failing ones first (when `failing` is given), then by lowest score. */
export function worstOf(
  samples: readonly AlertSample[],
  count: number,
  failing?: (s: AlertSample) => boolean,
): AlertSample[] {
  const rank = (s: AlertSample) => (failing === undefined || failing(s) ? 0 : 1);
  return [...samples]
    .sort((a, b) => rank(a) - rank(b) || (a.score ?? 2) - (b.score ?? 2))
    .slice(0, count);
}

/**
 * Compares an interval (a point when lower = upper) with the thresholds, "higher is worse"
 * (`above`) or "lower is worse" (`below`). Fires when the whole interval is past `fire`; from
 * firing, resolves only when the whole interval is back; an interval across a threshold holds.
 */
export function classify(
  bounds: Interval,
  comparison: "below" | "above",
  fire: number,
  warn: number | null,
  previous: AlertState | null,
): Verdict {
  // "below" is "above" on negated values: lower bound and upper bound swap.
  const flip = comparison === "below" ? -1 : 1;
  const lo = Math.min(bounds.lower * flip, bounds.upper * flip);
  const hi = Math.max(bounds.lower * flip, bounds.upper * flip);
  const breach = (t: number) => lo > t * flip;
  const clear = (t: number) => hi <= t * flip;
  if (breach(fire)) return "firing";
  if (previous === "firing" && !clear(fire)) return "hold";
  if (warn !== null) {
    if (breach(warn)) return "warning";
    if (clear(warn)) return "ok";
    return previous === "firing" || previous === "warning" ? "warning" : "hold";
  }
  return clear(fire) ? "ok" : "hold";
}
