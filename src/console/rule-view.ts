import type { AlertRule } from "../alerts/rule-schema.ts";

/** The alert rules the console reads: the service's `AlertRuleCatalog` fits. */
export interface RuleSource {
  all(): AlertRule[];
}

/** A score threshold drawn on an evaluator's chart. */
export interface ChartThreshold {
  rule: string;
  /** `fire` for `below` / `at_least`, `warn` for `warn_below`. */
  level: "fire" | "warn";
  value: number;
  /** The scope the rule watches (`where`, with `release` folded in); empty: every event. */
  scope: Record<string, string>;
  enabled: boolean;
}

/** The score thresholds of the rules watching `evaluator` (fail_rate and baseline rules have none). */
export function chartThresholds(rules: readonly AlertRule[], evaluator: string): ChartThreshold[] {
  return rules
    .filter((r) => r.evaluator === evaluator && r.aggregate !== "fail_rate")
    .flatMap((r) => {
      const out: ChartThreshold[] = [];
      const base = { rule: r.name, scope: r.where, enabled: r.enabled !== false };
      if (r.below !== undefined) out.push({ ...base, level: "fire", value: r.below });
      if (r.warn_below !== undefined) out.push({ ...base, level: "warn", value: r.warn_below });
      return out;
    });
}

const share = (x: number) => `${Math.round(x * 1000) / 10}%`;

/** A rule's condition in a line: `mean over 5m below 0.85 (min 20 samples)`. */
export function describeCondition(r: AlertRule): string {
  const warn = (w: number | undefined, word: string) =>
    w === undefined ? "" : `, warn ${word} ${w}`;
  if (r.each)
    return `each event below ${r.below} (look-back ${r.window})${warn(r.warn_below, "below")}`;
  if (r.k_of_n) {
    return `${r.k_of_n.k} of the last ${r.k_of_n.n} events below ${r.below}${warn(r.warn_below, "below")}`;
  }
  const samples = r.min_samples ? ` (min ${r.min_samples} samples)` : "";
  if (r.aggregate === "fail_rate") {
    const how = r.confidence ? ` at ${share(r.confidence)} confidence` : "";
    const warnAbove = r.warn_above === undefined ? "" : `, warn above ${share(r.warn_above)}`;
    return `fail rate over ${r.window} above ${share(r.above ?? 0)}${how}${warnAbove}${samples}`;
  }
  const aggregate = r.aggregate === "percentile" ? `p${r.percentile}` : (r.aggregate ?? "mean");
  if (r.baseline) {
    const warnDrop = r.baseline.warn_drop ? `, warn past ${r.baseline.warn_drop}` : "";
    return `${aggregate} over ${r.window} drops more than ${r.baseline.max_drop} against the previous release${warnDrop}${samples}`;
  }
  return `${aggregate} over ${r.window} below ${r.below}${warn(r.warn_below, "below")}${samples}`;
}
