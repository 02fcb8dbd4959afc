import { parseDuration } from "./duration.ts";
import type { Evaluation } from "./rule-evaluation.ts";
import type { AlertRule } from "./rule-schema.ts";
import type { AlertState } from "./verdict.ts";

/** The `type` of a webhook notification. */
export type NotificationType = "alert.firing" | "alert.warning" | "alert.resolved";

/** The last notification sent for the scope's open episode (null when none is open). */
export interface LastNotification {
  type: NotificationType;
  at: Date | string;
}

/** What a new evaluation does to a scope. */
export interface Transition {
  /** The state to store. */
  state: AlertState;
  /** The notification to send, at most one. */
  notify: NotificationType | null;
  /** `open`: an episode starts (warning or firing after ok / no_data); `close`: it ends. */
  episode: "open" | "close" | null;
  /** True when `state` differs from the previous state. */
  changed: boolean;
}

const isActive = (state: AlertState): boolean => state === "warning" || state === "firing";

/**
 * The state machine of a scope. An episode runs from the first warning or firing after `ok` /
 * `no_data` until the scope is `ok` or `no_data` again; it notifies:
 *
 * - `alert.firing` once when it starts firing, or escalates from warning to firing;
 * - `alert.warning` once when it starts at warning;
 * - `alert.resolved` once when it ends (also for an episode that only warned);
 * - `alert.firing` again while still firing, only when `cooldown` (default 1h) has passed since
 *   the last `alert.firing` of the episode. A scope flapping firing → warning → firing inside the
 *   cooldown is not paged twice.
 *
 * Going from firing down to warning is silent: the episode stays open and the resolution comes
 * when it is healthy. A `held` evaluation (too few samples, an undecided confidence interval,
 * `no_data: keep`) changes nothing and re-notifies nothing. A scope never seen (`prev` null) starts
 * as `no_data`.
 */
export function transition(
  prev: AlertState | null,
  evaluation: Pick<Evaluation, "state" | "held">,
  now: Date,
  lastNotified: LastNotification | null,
  rule: Pick<AlertRule, "cooldown">,
): Transition {
  const from = prev ?? "no_data";
  if (evaluation.held) return { state: from, notify: null, episode: null, changed: false };
  const to = evaluation.state;
  const changed = to !== from;
  if (!isActive(from)) {
    if (to === "firing") return { state: to, notify: "alert.firing", episode: "open", changed };
    if (to === "warning") return { state: to, notify: "alert.warning", episode: "open", changed };
    return { state: to, notify: null, episode: null, changed };
  }
  if (!isActive(to)) return { state: to, notify: "alert.resolved", episode: "close", changed };
  if (to === "warning") return { state: to, notify: null, episode: null, changed };
  const lastAt = lastNotified
    ? lastNotified.at instanceof Date
      ? lastNotified.at.getTime()
      : Date.parse(lastNotified.at)
    : null;
  const recentlyPaged =
    lastNotified?.type === "alert.firing" &&
    lastAt !== null &&
    now.getTime() - lastAt < parseDuration(rule.cooldown);
  return { state: to, notify: recentlyPaged ? null : "alert.firing", episode: null, changed };
}
