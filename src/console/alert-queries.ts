import type pg from "pg";
import type { AlertRule } from "../alerts/rule-schema.ts";
import type { DeliveriesQuery } from "./console-params.ts";
import { describeCondition } from "./rule-view.ts";

const iso = (d: Date | null) => (d ? d.toISOString() : null);

interface StateRow {
  rule: string;
  scope_key: string;
  scope: Record<string, string>;
  state: string;
  since: Date;
  episode_id: string | null;
  last_notified_type: string | null;
  last_notified_at: Date | null;
  observed: number | null;
  samples: number | null;
  updated_at: Date;
}

interface EpisodeRow {
  id: string;
  rule: string;
  scope_key: string;
  scope: Record<string, string>;
  severity: string;
  opened_at: Date;
  closed_at: Date | null;
  transitions: number;
}

/** Worst first: the state a rule shows when its scopes differ. */
const SEVERITY = ["firing", "warning", "no_data", "ok"];

/**
 * Every rule (from the catalog, plus rules that only have stored states left, such as deleted API
 * rules) with its condition in words, its state per scope and its latest episodes.
 */
export async function alertOverview(pool: pg.Pool, rules: readonly AlertRule[], episodes: number) {
  const [states, recent] = await Promise.all([
    pool.query<StateRow>(
      `SELECT rule, scope_key, scope, state, since, episode_id, last_notified_type,
              last_notified_at, observed, samples, updated_at
       FROM alert_states ORDER BY rule, scope_key`,
    ),
    pool.query<EpisodeRow>(
      `SELECT e.id, e.rule, e.scope_key, e.scope, e.severity, e.opened_at, e.closed_at,
              (SELECT count(*)::int FROM alert_transitions t WHERE t.episode_id = e.id) AS transitions
       FROM (SELECT *, row_number() OVER (PARTITION BY rule ORDER BY opened_at DESC) AS n
             FROM alert_episodes) e
       WHERE e.n <= $1 ORDER BY e.rule, e.opened_at DESC`,
      [episodes],
    ),
  ]);
  const names = [...new Set([...rules.map((r) => r.name), ...states.rows.map((s) => s.rule)])];
  return names.map((name) => {
    const rule = rules.find((r) => r.name === name) ?? null;
    const scopes = states.rows
      .filter((s) => s.rule === name)
      .map((s) => ({
        scope_key: s.scope_key,
        scope: s.scope,
        state: s.state,
        since: iso(s.since),
        episode_id: s.episode_id,
        last_notified: s.last_notified_type
          ? { type: s.last_notified_type, at: iso(s.last_notified_at) }
          : null,
        observed: s.observed,
        samples: s.samples,
        updated_at: iso(s.updated_at),
      }));
    const state =
      SEVERITY.find((level) => scopes.some((s) => s.state === level)) ??
      (rule?.enabled === false ? "disabled" : "no_data");
    return {
      name,
      defined: rule !== null,
      evaluator: rule?.evaluator ?? null,
      enabled: rule ? rule.enabled !== false : false,
      description: rule?.description ?? null,
      condition: rule ? describeCondition(rule) : null,
      where: rule?.where ?? {},
      group_by: rule?.group_by ?? [],
      notify: rule?.notify ?? [],
      state,
      states: scopes,
      episodes: recent.rows
        .filter((e) => e.rule === name)
        .map((e) => ({
          id: e.id,
          scope_key: e.scope_key,
          scope: e.scope,
          severity: e.severity,
          opened_at: iso(e.opened_at),
          closed_at: iso(e.closed_at),
          transitions: e.transitions,
        })),
    };
  });
}

interface DeliveryRow {
  id: string;
  webhook: string;
  url: string;
  format: string;
  event_type: string;
  body: string;
  status: string;
  attempts: number;
  redeliveries: number;
  last_status_code: number | null;
  last_error: string | null;
  created_at: Date;
  delivered_at: Date | null;
  dead_at: Date | null;
  attempt_log: {
    attempt: number;
    started_at: string;
    url: string;
    status_code: number | null;
    error: string | null;
    latency_ms: number;
    outcome: string;
  }[];
}

/** The rule a tracejudge-format body names (other formats carry it elsewhere, or not at all). */
function ruleOf(body: string): string | null {
  try {
    const parsed = JSON.parse(body) as { rule?: unknown };
    return typeof parsed?.rule === "string" ? parsed.rule : null;
  } catch {
    return null;
  }
}

/** The latest webhook deliveries, newest first, each with every attempt (`attempt_log`). */
export async function recentDeliveries(pool: pg.Pool, q: DeliveriesQuery) {
  const where: string[] = [];
  const params: unknown[] = [q.limit];
  if (q.status) where.push(`d.status = $${params.push(q.status)}`);
  if (q.webhook) where.push(`d.webhook = $${params.push(q.webhook)}`);
  const { rows } = await pool.query<DeliveryRow>(
    `SELECT d.id, d.webhook, d.url, d.format, d.event_type, d.body, d.status, d.attempts,
            d.redeliveries, d.last_status_code, d.last_error, d.created_at, d.delivered_at, d.dead_at,
            COALESCE((
              SELECT json_agg(json_build_object(
                       'attempt', a.attempt, 'started_at', a.started_at, 'url', a.url,
                       'status_code', a.status_code, 'error', a.error, 'latency_ms', a.latency_ms,
                       'outcome', a.outcome) ORDER BY a.attempt)
              FROM webhook_attempts a WHERE a.delivery_id = d.id), '[]'::json) AS attempt_log
     FROM webhook_deliveries d
     ${where.length > 0 ? `WHERE ${where.join(" AND ")}` : ""}
     ORDER BY d.created_at DESC, d.id LIMIT $1`,
    params,
  );
  return rows.map(({ body, ...d }) => ({
    ...d,
    rule: ruleOf(body),
    created_at: iso(d.created_at),
    delivered_at: iso(d.delivered_at),
    dead_at: iso(d.dead_at),
    attempt_log: d.attempt_log.map((a) => ({
      ...a,
      started_at: new Date(a.started_at).toISOString(),
    })),
  }));
}
