import type pg from "pg";
import type { AlertSample } from "./rule-scope.ts";

/**
 * The eval events of one evaluator since a time, oldest first, with the span's route and
 * attributes joined in for rules that match on them; only `project`'s when given (a project's
 * rule), every project's otherwise (a global rule). Scope filtering is the rule logic's.
 */
export async function loadSamples(
  pool: pg.Pool,
  evaluator: string,
  since: Date,
  project?: string,
): Promise<AlertSample[]> {
  const { rows } = await pool.query<AlertSample>(
    `SELECT e.trace_id, e.span_id, e.evaluator, e.evaluator_version, e.status, e.score, e.passed,
            e.explanation, e.service_name, e.service_version, e.model, e.span_name, e.span_kind,
            e.created_at, s.span->>'route' AS route,
            COALESCE(s.span->'resource', '{}'::jsonb) || COALESCE(s.span->'attributes', '{}'::jsonb) AS attributes
     FROM eval_events e
     LEFT JOIN spans s ON s.trace_id = e.trace_id AND s.span_id = e.span_id
     WHERE e.evaluator = $1 AND e.created_at >= $2 ${project ? "AND e.project = $3" : ""}
     ORDER BY e.created_at, e.id`,
    project ? [evaluator, since, project] : [evaluator, since],
  );
  return rows;
}

/** When each release of a service was first seen by an evaluator (in `project`, if given). */
export async function releasesSeen(
  pool: pg.Pool,
  evaluator: string,
  project?: string,
): Promise<{ version: string; first_seen: Date }[]> {
  const { rows } = await pool.query<{ version: string; first_seen: Date }>(
    `SELECT service_version AS version, min(created_at) AS first_seen FROM eval_events
     WHERE evaluator = $1 AND service_version IS NOT NULL ${project ? "AND project = $2" : ""}
     GROUP BY service_version`,
    project ? [evaluator, project] : [evaluator],
  );
  return rows;
}
