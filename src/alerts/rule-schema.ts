import { z } from "zod";
import { durationField, parseDuration } from "./duration.ts";

/**
 * An alert rule, as written in the config's `alert_rules` and sent to `/v1/alert-rules`:
 *
 * ```yaml
 * - name: groundedness-release-gate
 *   evaluator: groundedness
 *   where: { service.name: checkout-support, service.version: v42 }
 *   window: 5m
 *   aggregate: mean
 *   min_samples: 20
 *   below: 0.85
 *   notify: [oncall]
 * ```
 *
 * The condition is chosen by the fields present, exactly one of:
 * - `each: true`: every eval event scoring below `below` fires; the scope stays firing while an
 *   event below is within the look-back `window` (default 5m), then resolves.
 * - `window` (+ `aggregate`, default `mean`, and `min_samples`, default 10): an aggregate over the
 *   sliding window. `mean`; `p50`/`p90`/`p95`/`p99` or `percentile: N`, meaning the score that N %
 *   of events reach or exceed (the low tail, as latency p99 is the slow tail: `p95 below 0.6` fires
 *   when more than 5 % of events score under 0.6); or `fail_rate`, the share of failing events.
 * - `k_of_n: { k, n }`: at least k of the last n events scored below `below`.
 *
 * Thresholds: score conditions fire when the score is below `below` (or its alias `at_least`, as in
 * "groundedness at least 0.85 for release v42") and warn below `warn_below`. `fail_rate` fires when
 * the failing share is above `above` and warns above `warn_above`; an event fails when `passed` is
 * false or its score is below `fail_below` (events without `passed` fail below 0.5 when
 * `fail_below` is unset). With `confidence` (fail_rate only) the Wilson bounds decide instead of
 * the share itself: fire when the lower bound is above `above`, resolve when the upper bound is
 * not, hold the state in between, so a handful of failures in a quiet window cannot page anyone.
 *
 * Scope: `where` matches eval-event fields (`service.name`, `service.version`,
 * `gen_ai.request.model` or `model`, `span.name`, `span.kind`, `route`, `evaluator.version`) and
 * any other span attribute, exactly or by `*` glob. `release: v42` is sugar for
 * `where: { service.version: v42 }`. `group_by` keys split the rule into one scope, and one state,
 * per combination of values; without it the rule has a single scope.
 */

/** Aggregates of a window condition. */
export const AGGREGATES = ["mean", "p50", "p90", "p95", "p99", "percentile", "fail_rate"] as const;
export type Aggregate = (typeof AGGREGATES)[number];

/** Look-back of an `each` rule without a `window`. */
export const DEFAULT_EACH_WINDOW = "5m";
/** `min_samples` of a window condition that names none: one low score never decides alone. */
export const DEFAULT_MIN_SAMPLES = 10;
/** `no_data.after` of `each` (at least its window) and `k_of_n` rules; window rules default to their window. */
export const DEFAULT_NO_DATA_AFTER = "1h";

const SLUG = /^[a-z0-9][a-z0-9_-]*$/;

/** Strings, or numbers and booleans as YAML reads `service.version: 42`, kept as text. */
const Text = z
  .union([z.string(), z.number(), z.boolean()])
  .transform(String)
  .pipe(z.string().trim().min(1));
const Share = z.number().min(0).max(1);

const KOfNSchema = z
  .object({ k: z.number().int().min(1), n: z.number().int().min(1).max(10_000) })
  .strict()
  .refine((v) => v.k <= v.n, { message: "k must not exceed n", path: ["k"] });

const BaselineSchema = z
  .object({
    /** The only comparison so far: the release first seen before this scope's release. */
    compare_to: z.literal("previous_release").default("previous_release"),
    /** Fires when the aggregate fell by more than this many points (0.05 = five points). */
    max_drop: z.number().gt(0).max(1),
    /** Warns when it fell by more than this; smaller than `max_drop`. */
    warn_drop: z.number().gt(0).max(1).optional(),
  })
  .strict();

const NO_DATA_STATES = ["ok", "keep", "alert"] as const;
/**
 * What a scope without any eval event for `after` becomes: `keep` (default) holds its state,
 * `ok` turns it to `no_data` and resolves an open alert, `alert` fires. `no_data: keep` is short
 * for `{ state: keep }`.
 */
const NoDataSchema = z
  .union([
    z
      .enum(NO_DATA_STATES)
      .transform((state) => ({ state, after: undefined as string | undefined })),
    z
      .object({
        state: z.enum(NO_DATA_STATES).default("keep"),
        after: durationField({ positive: true }).optional(),
      })
      .strict(),
  ])
  .default({ state: "keep" });

const RuleFieldsSchema = z
  .object({
    name: z
      .string()
      .max(100)
      .regex(SLUG, "must be a slug: lower-case letters, digits, - and _ (like latency-gate)"),
    description: z.string().optional(),
    /** Disabled rules are kept but not evaluated. Default true. */
    enabled: z.boolean().default(true),
    evaluator: z.string().min(1),
    where: z.record(z.string().min(1), Text).default({}),
    release: Text.optional(),
    each: z.boolean().optional(),
    window: durationField({ positive: true }).optional(),
    aggregate: z.enum(AGGREGATES).optional(),
    percentile: z.number().gt(0).lt(100).optional(),
    min_samples: z.number().int().min(1).optional(),
    k_of_n: KOfNSchema.optional(),
    below: Share.optional(),
    warn_below: Share.optional(),
    at_least: Share.optional(),
    above: Share.optional(),
    warn_above: Share.optional(),
    fail_below: Share.optional(),
    confidence: z.number().min(0.5).max(0.9999).optional(),
    baseline: BaselineSchema.optional(),
    /** While firing, notify again after this long. Default 1h. */
    cooldown: durationField({ positive: false }).default("1h"),
    no_data: NoDataSchema,
    /** Names of webhooks from the config's `webhooks`. */
    notify: z.array(z.string().min(1)).min(1),
    group_by: z.array(z.string().min(1)).default([]),
    /** How many of the worst events a notification carries as `examples`. Default 5. */
    examples: z.number().int().min(0).max(50).default(5),
  })
  .strict();
type RuleFields = z.output<typeof RuleFieldsSchema>;

/** Fields that only make sense with a window condition. */
const WINDOW_ONLY = ["aggregate", "min_samples", "percentile", "baseline"] as const;
const FAIL_RATE_ONLY = ["above", "warn_above", "fail_below", "confidence"] as const;
const SCORE_ONLY = ["below", "warn_below", "at_least"] as const;

function checkRule(r: RuleFields, ctx: z.RefinementCtx): void {
  const issue = (path: (string | number)[], message: string) =>
    ctx.addIssue({ code: "custom", path, message });
  const each = r.each === true;
  if (each && r.k_of_n) issue(["k_of_n"], "choose one condition: each, window or k_of_n");
  if (r.k_of_n && r.window) issue(["window"], "k_of_n counts the last n events; drop window");
  if (!each && !r.k_of_n && !r.window) {
    issue(["window"], "a condition is needed: each: true, a window with an aggregate, or k_of_n");
  }
  const windowed = r.window !== undefined && !each && !r.k_of_n;
  if (!windowed) {
    for (const f of WINDOW_ONLY) {
      if (r[f] !== undefined) issue([f], "only applies to a window condition (window + aggregate)");
    }
  }
  const aggregate = r.aggregate ?? "mean";
  if (aggregate === "percentile" && r.percentile === undefined) {
    issue(["percentile"], "required with aggregate: percentile (such as percentile: 90)");
  }
  if (r.percentile !== undefined && aggregate !== "percentile") {
    issue(["percentile"], "only with aggregate: percentile");
  }
  if (windowed && aggregate === "fail_rate") {
    if (r.above === undefined) {
      issue(
        ["above"],
        "required with aggregate: fail_rate: the failing share above which it fires",
      );
    }
    for (const f of SCORE_ONLY) {
      if (r[f] !== undefined) {
        issue([f], "aggregate: fail_rate takes `above` (a failing share), not a score threshold");
      }
    }
    if (r.warn_above !== undefined && r.above !== undefined && r.warn_above >= r.above) {
      issue(["warn_above"], "must be below `above`: the warning comes at a smaller failing share");
    }
    if (r.baseline) issue(["baseline"], "compares mean or percentile scores, not fail_rate");
  } else {
    for (const f of FAIL_RATE_ONLY) {
      if (r[f] !== undefined) issue([f], "only with aggregate: fail_rate");
    }
    if (r.below !== undefined && r.at_least !== undefined) {
      issue(["at_least"], "at_least is another name for below; keep one");
    }
    const threshold = r.below ?? r.at_least;
    if (r.baseline) {
      for (const f of SCORE_ONLY) {
        if (r[f] !== undefined) {
          issue(
            [f],
            "a baseline rule fires on baseline.max_drop; put absolute thresholds in a rule of their own",
          );
        }
      }
      const version = r.where["service.version"];
      const oneRelease =
        r.release !== undefined ||
        (version !== undefined && !version.includes("*")) ||
        r.group_by.includes("service.version");
      if (!oneRelease) {
        issue(
          ["baseline"],
          "needs one release per scope: set release, where.service.version or group_by: [service.version]",
        );
      }
      if (r.baseline.warn_drop !== undefined && r.baseline.warn_drop >= r.baseline.max_drop) {
        issue(["baseline", "warn_drop"], "must be smaller than max_drop");
      }
    } else if (threshold === undefined) {
      issue(["below"], "required: the score below which the rule fires (or at_least)");
    }
    if (r.warn_below !== undefined && threshold !== undefined && r.warn_below <= threshold) {
      issue(["warn_below"], "must be above `below`: the warning comes before the alert");
    }
  }
  const version = r.where["service.version"];
  if (r.release !== undefined && version !== undefined && version !== r.release) {
    issue(["release"], `conflicts with where.service.version (${version})`);
  }
  const lookback = each ? (r.window ?? DEFAULT_EACH_WINDOW) : r.window;
  const after = r.no_data.after;
  if (
    after !== undefined &&
    lookback !== undefined &&
    parseDuration(after) < parseDuration(lookback)
  ) {
    issue(["no_data", "after"], `must be at least the window (${lookback})`);
  }
  const seen = new Set<string>();
  for (const [i, key] of r.group_by.entries()) {
    if (seen.has(key)) issue(["group_by", i], `lists ${key} twice`);
    seen.add(key);
  }
}

/** Folds the sugar into the plain fields, so the rest of the engine reads one shape. */
function normalize(r: RuleFields) {
  const { at_least, ...rule } = r;
  const each = rule.each === true;
  const windowed = rule.window !== undefined && !each && !rule.k_of_n;
  return {
    ...rule,
    where: rule.release ? { ...rule.where, "service.version": rule.release } : rule.where,
    below: rule.below ?? at_least,
    window: each ? (rule.window ?? DEFAULT_EACH_WINDOW) : rule.window,
    aggregate: windowed ? (rule.aggregate ?? "mean") : undefined,
    min_samples: windowed ? (rule.min_samples ?? DEFAULT_MIN_SAMPLES) : undefined,
  };
}

/**
 * Validates a rule and folds its sugar: `release` joins `where` as `service.version`, `at_least`
 * becomes `below`, `each` gets its default window, window conditions get `aggregate: mean` and
 * `min_samples: 10` when unset. Errors name the field (`min_samples: only applies to a window
 * condition …`). A parsed rule parses again to itself, so it can be stored and read back.
 */
export const AlertRuleSchema = RuleFieldsSchema.superRefine(checkRule).transform(normalize);
export type AlertRule = z.output<typeof AlertRuleSchema>;
export type AlertRuleInput = z.input<typeof AlertRuleSchema>;

/**
 * The fields of a parsed rule, as the API answers it: `normalize` folds `at_least` into `below`
 * and keeps every other field. For describing rules (the OpenAPI document), not for parsing them.
 */
export const ParsedAlertRuleSchema = RuleFieldsSchema.omit({ at_least: true });

/** The condition of a parsed rule, with durations in milliseconds. */
export type Condition =
  | { kind: "each"; lookback_ms: number }
  | {
      kind: "window";
      window_ms: number;
      /** `percentile` covers p50…p99 too; `percentile` is then N of "pN". */
      aggregate: "mean" | "percentile" | "fail_rate";
      percentile: number | null;
      min_samples: number;
    }
  | { kind: "k_of_n"; k: number; n: number };

/** Which condition a parsed rule has. */
export function conditionOf(rule: AlertRule): Condition {
  if (rule.k_of_n) return { kind: "k_of_n", k: rule.k_of_n.k, n: rule.k_of_n.n };
  const windowMs = parseDuration(rule.window ?? DEFAULT_EACH_WINDOW);
  if (rule.each === true) return { kind: "each", lookback_ms: windowMs };
  const aggregate = rule.aggregate ?? "mean";
  const named = /^p(\d+)$/.exec(aggregate);
  return {
    kind: "window",
    window_ms: windowMs,
    aggregate: aggregate === "mean" || aggregate === "fail_rate" ? aggregate : "percentile",
    percentile: named ? Number(named[1]) : (rule.percentile ?? null),
    min_samples: rule.min_samples ?? DEFAULT_MIN_SAMPLES,
  };
}

/** How long a scope may go without eval events before `no_data` applies, in ms. */
export function noDataAfterMs(rule: AlertRule): number {
  if (rule.no_data.after) return parseDuration(rule.no_data.after);
  const condition = conditionOf(rule);
  if (condition.kind === "window") return condition.window_ms;
  const fallback = parseDuration(DEFAULT_NO_DATA_AFTER);
  return condition.kind === "each" ? Math.max(condition.lookback_ms, fallback) : fallback;
}
