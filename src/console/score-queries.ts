import type pg from "pg";
import type { ReleasesQuery, ScoresQuery, Split } from "./console-params.ts";

/** The eval_events column each split reads. */
const SPLIT_COLUMN: Record<Split, string> = {
  release: "service_version",
  service: "service_name",
  model: "model",
};
/** Series beyond this many (by sample count) are left out of a chart, and `truncated` says so. */
export const MAX_SERIES = 16;

export interface ScorePoint {
  t: string;
  mean: number;
  count: number;
}

export interface ScoreSeries {
  release?: string | null;
  service?: string | null;
  model?: string | null;
  count: number;
  points: ScorePoint[];
}

interface BucketRow {
  t: Date;
  release: string | null;
  service: string | null;
  model: string | null;
  mean: number;
  count: number;
}

/** Release statistics of one evaluator. */
export interface ReleaseStats {
  release: string;
  first_seen: string;
  last_seen: string;
  mean: number;
  count: number;
  /** Share of events with `passed = true` among those with a `passed`; null when none has one. */
  pass_rate: number | null;
}

interface ReleaseRow {
  service: string | null;
  release: string;
  first_seen: Date;
  last_seen: Date;
  mean: number;
  count: number;
  passed: number;
  judged: number;
}

/** Scored eval events only: skipped and errored ones have no score to average. */
const SCORED = "status = 'ok' AND score IS NOT NULL";

/**
 * Mean score and count per time bucket (`date_bin`, aligned on the epoch), one series per value of
 * the chosen splits; the busiest `MAX_SERIES` series are kept.
 */
export async function scoreSeries(
  pool: pg.Pool,
  q: ScoresQuery,
): Promise<{ series: ScoreSeries[]; truncated: boolean }> {
  const dims = (Object.keys(SPLIT_COLUMN) as Split[]).map(
    (split) => `${q.split.includes(split) ? SPLIT_COLUMN[split] : "NULL::text"} AS ${split}`,
  );
  const { rows } = await pool.query<BucketRow>(
    `SELECT date_bin(make_interval(secs => $2), created_at, timestamptz '1970-01-01 00:00:00+00') AS t,
            ${dims.join(", ")}, avg(score)::float8 AS mean, count(*)::int AS count
     FROM eval_events
     WHERE evaluator = $1 AND ${SCORED} AND created_at >= $3 AND created_at < $4
     GROUP BY 1, 2, 3, 4 ORDER BY 1`,
    [q.evaluator, q.bucket / 1000, q.since, q.until],
  );
  const byKey = new Map<string, ScoreSeries>();
  for (const row of rows) {
    const key = JSON.stringify([row.release, row.service, row.model]);
    let series = byKey.get(key);
    if (!series) {
      series = { count: 0, points: [] };
      for (const split of q.split) series[split] = row[split];
      byKey.set(key, series);
    }
    series.count += row.count;
    series.points.push({ t: row.t.toISOString(), mean: row.mean, count: row.count });
  }
  const all = [...byKey.values()].sort((a, b) => b.count - a.count);
  return { series: all.slice(0, MAX_SERIES), truncated: all.length > MAX_SERIES };
}

const toStats = (r: ReleaseRow): ReleaseStats => ({
  release: r.release,
  first_seen: r.first_seen.toISOString(),
  last_seen: r.last_seen.toISOString(),
  mean: r.mean,
  count: r.count,
  pass_rate: r.judged > 0 ? r.passed / r.judged : null,
});

export interface ReleaseComparison {
  service: string | null;
  current: ReleaseStats;
  previous: ReleaseStats | null;
  /** current − previous; null without a previous release. */
  delta: { mean: number; pass_rate: number | null } | null;
  /** The service's releases, newest first (at most 10). */
  releases: ReleaseStats[];
}

/**
 * Per service: its newest release (by first eval event, as the alert baselines order releases)
 * against the release first seen before it.
 */
export async function releaseComparison(
  pool: pg.Pool,
  q: ReleasesQuery,
): Promise<ReleaseComparison[]> {
  const params: unknown[] = [q.evaluator, q.since];
  if (q.service) params.push(q.service);
  const { rows } = await pool.query<ReleaseRow>(
    `SELECT service_name AS service, service_version AS release,
            min(created_at) AS first_seen, max(created_at) AS last_seen,
            avg(score)::float8 AS mean, count(*)::int AS count,
            (count(*) FILTER (WHERE passed))::int AS passed,
            (count(*) FILTER (WHERE passed IS NOT NULL))::int AS judged
     FROM eval_events
     WHERE evaluator = $1 AND ${SCORED} AND service_version IS NOT NULL AND created_at >= $2
       ${q.service ? "AND service_name = $3" : ""}
     GROUP BY 1, 2
     ORDER BY 1, first_seen DESC`,
    params,
  );
  const byService = new Map<string | null, ReleaseRow[]>();
  for (const row of rows) {
    const list = byService.get(row.service) ?? [];
    list.push(row);
    byService.set(row.service, list);
  }
  return [...byService.entries()].map(([service, list]) => {
    const [current, previous] = list.map(toStats) as [ReleaseStats, ReleaseStats | undefined];
    const passDelta =
      previous && current.pass_rate !== null && previous.pass_rate !== null
        ? current.pass_rate - previous.pass_rate
        : null;
    return {
      service,
      current,
      previous: previous ?? null,
      delta: previous ? { mean: current.mean - previous.mean, pass_rate: passDelta } : null,
      releases: list.slice(0, 10).map(toStats),
    };
  });
}

/**
 * The evaluators with an eval event since `since`, by name. A skip scan of the
 * (evaluator, created_at) index: one short descent per evaluator, however many events there are.
 */
export async function evaluatorsSeen(
  pool: pg.Pool,
  since: Date,
): Promise<{ name: string; last_at: string }[]> {
  const { rows } = await pool.query<{ name: string; last_at: Date }>(
    `WITH RECURSIVE names(name) AS (
       (SELECT evaluator FROM eval_events ORDER BY evaluator LIMIT 1)
       UNION ALL
       SELECT (SELECT evaluator FROM eval_events WHERE evaluator > n.name ORDER BY evaluator LIMIT 1)
       FROM names n WHERE n.name IS NOT NULL
     )
     SELECT name, (SELECT max(created_at) FROM eval_events e WHERE e.evaluator = names.name) AS last_at
     FROM names WHERE name IS NOT NULL`,
  );
  return rows
    .filter((r) => r.last_at >= since)
    .map((r) => ({ name: r.name, last_at: r.last_at.toISOString() }));
}
