import type { AlertSample } from "./rule-scope.ts";
import type { AlertState } from "./verdict.ts";
import type { Interval } from "./wilson.ts";

/** Why an evaluation came out as it did. */
export type EvaluationReason =
  | "breach"
  | "warn"
  | "healthy"
  | "insufficient_samples"
  | "uncertain"
  | "no_data"
  | "no_baseline";

/** The verdict of one rule on one scope at one moment. */
export interface Evaluation {
  state: AlertState;
  /**
   * True when the data did not decide (fewer than `min_samples`, a confidence interval that
   * straddles the threshold, no baseline yet, `no_data: keep`): `state` is then the previous state
   * carried over, and `transition` neither notifies nor re-notifies.
   */
  held: boolean;
  reason: EvaluationReason;
  /** What `observed` measures: `mean`, `p90`, `fail_rate`, `score` (each: the lowest score in the look-back), `k_of_n` (events below), `baseline_drop`. */
  metric: string;
  /** How `observed` is compared: fires when below, above, or at least `threshold`. */
  comparison: "below" | "above" | "at_least";
  observed: number | null;
  threshold: number;
  warn_threshold: number | null;
  /** The Wilson interval of the failing share, when the rule has `confidence`. */
  bounds: Interval | null;
  /** Events the condition counted. */
  samples: number;
  /**
   * Baseline rules: the previous release's aggregate (`observed`, over `samples` events) and this
   * scope's (`current`); `observed` of the evaluation is then the drop between them.
   */
  baseline: {
    release: string | null;
    observed: number | null;
    samples: number;
    current: number;
  } | null;
  window_start: string;
  window_end: string;
  /** Up to `rule.examples` counted events, worst (lowest score, failing first) first. */
  worst: AlertSample[];
}
