import { isFailing, mean, scorePercentile, tidy } from "./aggregates.ts";
import type { Evaluation, EvaluationReason } from "./rule-evaluation.ts";
import type { AlertRule } from "./rule-schema.ts";
import { conditionOf, noDataAfterMs } from "./rule-schema.ts";
import type { AlertSample } from "./rule-scope.ts";
import { matchesRule } from "./rule-scope.ts";
import type { AlertState, Verdict } from "./verdict.ts";
import { classify, sampleTime, worstOf } from "./verdict.ts";
import { wilsonInterval } from "./wilson.ts";

export type { Evaluation, EvaluationReason } from "./rule-evaluation.ts";
export { previousRelease, type SampleQuery, sampleQuery } from "./rule-queries.ts";
export type { AlertSample, Scope } from "./rule-scope.ts";
export { fieldValue, matchesRule, scopeOf, scopeRelease } from "./rule-scope.ts";
export type { LastNotification, NotificationType, Transition } from "./rule-transition.ts";
export { transition } from "./rule-transition.ts";
export { ALERT_STATES, type AlertState } from "./verdict.ts";

/** The previous release's events of a baseline rule (its own window, chosen by the caller). */
export interface BaselineInput {
  release: string | null;
  samples: readonly AlertSample[];
}

const REASONS: Record<Exclude<Verdict, "hold">, EvaluationReason> = {
  firing: "breach",
  warning: "warn",
  ok: "healthy",
};

/**
 * Judges one scope of a rule at `now` from its eval events (see `sampleQuery` for which to pass;
 * events of other evaluators, not matching `where`, or with a status other than `ok` are ignored).
 *
 * - No counted event since `no_data.after` → the `no_data` behaviour: `keep` holds the previous
 *   state (`no_data` if none), `ok` gives `no_data` (an open alert resolves), `alert` fires.
 * - `each`: firing while an event in the look-back scored below `below`, warning while one scored
 *   below `warn_below`, else ok. `observed` is the lowest score.
 * - `window`: `mean`, a score percentile or `fail_rate` over the events of (now − window, …];
 *   fewer than `min_samples` holds the previous state (not ok, not firing). With `confidence`,
 *   the failing share's Wilson bounds decide (fire on lower > above, resolve on upper ≤ above).
 *   A `baseline` rule compares the aggregate with the previous release's (`baseline` argument):
 *   `observed` is the drop (baseline − current), firing above `max_drop`; without a baseline of
 *   `min_samples` events the state holds.
 * - `k_of_n`: among the newest n events, firing when at least k scored below `below`, warning when
 *   at least k scored below `warn_below`.
 */
export function evaluateRule(
  rule: AlertRule,
  samples: readonly AlertSample[],
  now: Date,
  previous: AlertState | null,
  baseline: BaselineInput | null = null,
): Evaluation {
  const nowMs = now.getTime();
  const condition = conditionOf(rule);
  const usable = samples.filter((s) => s.status === "ok" && matchesRule(rule, s));
  const afterMs = noDataAfterMs(rule);
  const below = rule.below ?? 0;
  const warnBelow = rule.warn_below ?? null;

  let out: Evaluation = {
    state: previous ?? "no_data",
    held: true,
    reason: "no_data",
    metric: "score",
    comparison: "below",
    observed: null,
    threshold: below,
    warn_threshold: warnBelow,
    bounds: null,
    samples: 0,
    baseline: null,
    window_start: new Date(nowMs - afterMs).toISOString(),
    window_end: now.toISOString(),
    worst: [],
  };
  const decide = (verdict: Verdict, holdReason: EvaluationReason): Evaluation => {
    if (verdict === "hold")
      return { ...out, state: previous ?? "no_data", held: true, reason: holdReason };
    return { ...out, state: verdict, held: false, reason: REASONS[verdict] };
  };

  if (condition.kind === "k_of_n") {
    out = {
      ...out,
      metric: "k_of_n",
      comparison: "at_least",
      threshold: condition.k,
      warn_threshold: null,
    };
  } else if (condition.kind === "window") {
    const metric =
      condition.aggregate === "percentile" ? `p${condition.percentile}` : condition.aggregate;
    if (rule.baseline) {
      out = {
        ...out,
        metric: "baseline_drop",
        comparison: "above",
        threshold: rule.baseline.max_drop,
        warn_threshold: rule.baseline.warn_drop ?? null,
      };
    } else if (condition.aggregate === "fail_rate") {
      out = {
        ...out,
        metric,
        comparison: "above",
        threshold: rule.above ?? 1,
        warn_threshold: rule.warn_above ?? null,
      };
    } else {
      out = { ...out, metric };
    }
  }

  if (!usable.some((s) => sampleTime(s) > nowMs - afterMs)) {
    if (rule.no_data.state === "ok") return { ...out, state: "no_data", held: false };
    if (rule.no_data.state === "alert") return { ...out, state: "firing", held: false };
    return out;
  }

  if (condition.kind === "each") {
    const start = nowMs - condition.lookback_ms;
    const counted = usable.filter((s) => sampleTime(s) > start && s.score !== null);
    const scores = counted.map((s) => s.score as number);
    const lowest = scores.length === 0 ? null : Math.min(...scores);
    out = {
      ...out,
      observed: lowest,
      samples: counted.length,
      window_start: new Date(start).toISOString(),
      worst: worstOf(counted, rule.examples),
    };
    if (lowest === null) return decide("ok", "healthy");
    return decide(
      lowest < below ? "firing" : warnBelow !== null && lowest < warnBelow ? "warning" : "ok",
      "healthy",
    );
  }

  if (condition.kind === "k_of_n") {
    const counted = usable
      .filter((s) => s.score !== null)
      .sort((a, b) => sampleTime(b) - sampleTime(a))
      .slice(0, condition.n);
    const countBelow = (t: number) => counted.filter((s) => (s.score as number) < t).length;
    const oldest = counted.at(-1);
    out = {
      ...out,
      observed: countBelow(below),
      samples: counted.length,
      worst: worstOf(counted, rule.examples),
    };
    if (oldest) out.window_start = new Date(sampleTime(oldest)).toISOString();
    if (countBelow(below) >= condition.k) return decide("firing", "breach");
    return decide(
      warnBelow !== null && countBelow(warnBelow) >= condition.k ? "warning" : "ok",
      "healthy",
    );
  }

  const start = nowMs - condition.window_ms;
  const inWindow = usable.filter((s) => sampleTime(s) > start);
  out.window_start = new Date(start).toISOString();

  if (condition.aggregate === "fail_rate") {
    const judged = inWindow.filter((s) => isFailing(s, rule.fail_below) !== null);
    const failures = judged.filter((s) => isFailing(s, rule.fail_below)).length;
    const share = judged.length === 0 ? null : tidy(failures / judged.length);
    const bounds =
      rule.confidence && judged.length > 0
        ? wilsonInterval(failures, judged.length, rule.confidence)
        : null;
    out = {
      ...out,
      observed: share,
      bounds,
      samples: judged.length,
      worst: worstOf(judged, rule.examples, (s) => isFailing(s, rule.fail_below) === true),
    };
    if (share === null || judged.length < condition.min_samples)
      return decide("hold", "insufficient_samples");
    return decide(
      classify(
        bounds ?? { lower: share, upper: share },
        "above",
        out.threshold,
        out.warn_threshold,
        previous,
      ),
      "uncertain",
    );
  }

  const scored = inWindow.filter((s) => s.score !== null);
  const scores = scored.map((s) => s.score as number);
  const aggregate = (values: number[]) =>
    condition.aggregate === "mean"
      ? mean(values)
      : scorePercentile(values, condition.percentile ?? 50);
  const current = aggregate(scores);
  out = {
    ...out,
    observed: current,
    samples: scored.length,
    worst: worstOf(scored, rule.examples),
  };
  if (current === null || scored.length < condition.min_samples)
    return decide("hold", "insufficient_samples");
  if (!rule.baseline) {
    return decide(
      classify({ lower: current, upper: current }, "below", below, warnBelow, previous),
      "uncertain",
    );
  }
  const baseScores = (baseline?.samples ?? [])
    .filter((s) => s.status === "ok" && s.evaluator === rule.evaluator && s.score !== null)
    .map((s) => s.score as number);
  const baseValue = aggregate(baseScores);
  out.baseline = {
    release: baseline?.release ?? null,
    observed: baseValue,
    samples: baseScores.length,
    current,
  };
  if (baseValue === null || baseScores.length < condition.min_samples)
    return decide("hold", "no_baseline");
  const drop = tidy(baseValue - current);
  out.observed = drop;
  return decide(
    classify({ lower: drop, upper: drop }, "above", out.threshold, out.warn_threshold, previous),
    "uncertain",
  );
}
