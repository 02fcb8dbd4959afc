import type { EvalEvent } from "../store/eval-event-store.ts";
import { globMatch } from "../util/glob-match.ts";
import type { AlertRule } from "./rule-schema.ts";

/**
 * What rule logic reads of an eval event. A stored `EvalEvent` fits as it is; the store may join
 * the span's `route` and `attributes` in, for rules that match on them.
 */
export type AlertSample = Pick<
  EvalEvent,
  | "trace_id"
  | "span_id"
  | "evaluator"
  | "status"
  | "score"
  | "passed"
  | "explanation"
  | "service_name"
  | "service_version"
  | "model"
  | "span_name"
> & {
  /** ISO time the verdict was written; windows are measured on it. */
  created_at: string | Date;
  evaluator_version?: string;
  span_kind?: string | null;
  route?: string | null;
  /** The span's attributes (then its resource's), for `where` keys that are no known field. */
  attributes?: Record<string, unknown> | null;
};

/** A rule's scope for one event: `key` is stable and unique within the rule. */
export interface Scope {
  /** `*` for a rule without `group_by`, else `service.version=v42&model=gpt-4o`, values URI-encoded. */
  key: string;
  /** The `group_by` values ("" when the event has none) and the exact (non-glob) `where` values. */
  values: Record<string, string>;
}

type Reader = (s: AlertSample) => unknown;

const attribute =
  (name: string): Reader =>
  (s) =>
    s.attributes?.[name];

/** Eval-event fields a `where` or `group_by` key may name; other keys are span attributes. */
export const SCOPE_FIELDS: Readonly<Record<string, Reader>> = {
  "service.name": (s) => s.service_name,
  "service.version": (s) => s.service_version,
  release: (s) => s.service_version,
  "gen_ai.request.model": (s) => s.model,
  "gen_ai.response.model": (s) => s.model,
  model: (s) => s.model,
  "span.name": (s) => s.span_name,
  "span.kind": (s) => s.span_kind,
  route: (s) => s.route ?? attribute("http.route")(s),
  "evaluator.version": (s) => s.evaluator_version,
};

/** The text of a field or span attribute of an event; null when absent or not a scalar. */
export function fieldValue(sample: AlertSample, key: string): string | null {
  const value = (SCOPE_FIELDS[key] ?? attribute(key))(sample);
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return null;
}

/** True when the event is the rule's evaluator and every `where` entry matches (exact or glob). */
export function matchesRule(rule: AlertRule, sample: AlertSample): boolean {
  if (sample.evaluator !== rule.evaluator) return false;
  for (const [key, pattern] of Object.entries(rule.where)) {
    const value = fieldValue(sample, key);
    if (value === null || !globMatch(pattern, value)) return false;
  }
  return true;
}

/**
 * The scope an event belongs to under a rule, or null when the rule does not apply to it (another
 * evaluator, or a `where` entry that does not match; an event lacking a matched field does not
 * match). The status is not looked at: error and skipped events still belong to a scope (they
 * can trigger an evaluation), but conditions only count `ok` ones.
 */
export function scopeOf(rule: AlertRule, sample: AlertSample): Scope | null {
  if (!matchesRule(rule, sample)) return null;
  const values: Record<string, string> = {};
  for (const [key, pattern] of Object.entries(rule.where)) {
    if (!pattern.includes("*")) values[key] = pattern;
  }
  if (rule.group_by.length === 0) return { key: "*", values };
  const parts: string[] = [];
  for (const key of rule.group_by) {
    const value = fieldValue(sample, key) ?? "";
    values[key] = value;
    parts.push(`${key}=${encodeURIComponent(value)}`);
  }
  return { key: parts.join("&"), values };
}

/** The release a scope is about (`service.version`), for the notification's `release`. */
export function scopeRelease(scope: Scope): string | null {
  return scope.values["service.version"] || null;
}
