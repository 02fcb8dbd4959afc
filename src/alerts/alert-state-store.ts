import { randomUUID } from "node:crypto";
import type pg from "pg";
import type { LastNotification, NotificationType } from "./rule-transition.ts";
import type { AlertState } from "./verdict.ts";

/** A scope's stored state. */
export interface ScopeState {
  rule: string;
  scopeKey: string;
  scope: Record<string, string>;
  state: AlertState;
  since: Date;
  episodeId: string | null;
  lastNotified: LastNotification | null;
  observed: number | null;
  samples: number | null;
}

interface StateRow {
  rule: string;
  scope_key: string;
  scope: Record<string, string>;
  state: AlertState;
  since: Date;
  episode_id: string | null;
  last_notified_type: NotificationType | null;
  last_notified_at: Date | null;
  observed: number | null;
  samples: number | null;
}

function fromRow(row: StateRow): ScopeState {
  return {
    rule: row.rule,
    scopeKey: row.scope_key,
    scope: row.scope,
    state: row.state,
    since: row.since,
    episodeId: row.episode_id,
    lastNotified:
      row.last_notified_type && row.last_notified_at
        ? { type: row.last_notified_type, at: row.last_notified_at }
        : null,
    observed: row.observed,
    samples: row.samples,
  };
}

const STATE_COLUMNS = `rule, scope_key, scope, state, since, episode_id, last_notified_type, last_notified_at, observed, samples`;

/** What one evaluation changes in a scope, written in the scope's transaction. */
export interface ScopeUpdate {
  state: AlertState;
  observed: number | null;
  samples: number;
  /** `open` starts an episode (a new id), `close` ends the current one. */
  episode: "open" | "close" | null;
  notify: NotificationType | null;
  from: AlertState;
}

/**
 * Alert states, episodes and transitions in PostgreSQL. A scope is changed only inside
 * `withScope`, which holds the scope's row lock for the whole transaction: with many workers
 * judging the same scope at once, each transition (and its notification) happens exactly once.
 */
export class AlertStateStore {
  constructor(private readonly pool: pg.Pool) {}

  /**
   * Runs `fn` in a transaction holding the scope's row lock (the row is created `no_data` on first
   * use). What `fn` writes through the client commits or rolls back with the state change.
   */
  async withScope<T>(
    rule: string,
    scopeKey: string,
    scope: Record<string, string>,
    fn: (client: pg.PoolClient, current: ScopeState) => Promise<T>,
  ): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query("BEGIN");
      await client.query(
        `INSERT INTO alert_states (rule, scope_key, scope, state, since) VALUES ($1, $2, $3, 'no_data', now())
         ON CONFLICT (rule, scope_key) DO NOTHING`,
        [rule, scopeKey, JSON.stringify(scope)],
      );
      const { rows } = await client.query<StateRow>(
        `SELECT ${STATE_COLUMNS} FROM alert_states WHERE rule = $1 AND scope_key = $2 FOR UPDATE`,
        [rule, scopeKey],
      );
      const result = await fn(client, fromRow(rows[0] as StateRow));
      await client.query("COMMIT");
      return result;
    } catch (err) {
      await client.query("ROLLBACK").catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  }

  /**
   * Applies an evaluation to a locked scope: the new state, the episode it opens or closes, the
   * transition row. Returns the episode the notification belongs to and the transition's id.
   */
  async apply(
    client: pg.PoolClient,
    current: ScopeState,
    update: ScopeUpdate,
    now: Date,
  ): Promise<{ episodeId: string | null; transitionId: string | null }> {
    let episodeId = current.episodeId;
    if (update.episode === "open") {
      episodeId = randomUUID();
      await client.query(
        `INSERT INTO alert_episodes (id, rule, scope_key, scope, severity, opened_at) VALUES ($1, $2, $3, $4, $5, $6)`,
        [
          episodeId,
          current.rule,
          current.scopeKey,
          JSON.stringify(current.scope),
          update.state,
          now,
        ],
      );
    } else if (episodeId && (update.state === "firing" || update.state === "warning")) {
      await client.query(
        `UPDATE alert_episodes SET severity = 'firing' WHERE id = $1 AND $2 = 'firing'`,
        [episodeId, update.state],
      );
    }
    if (update.episode === "close" && episodeId) {
      await client.query(
        "UPDATE alert_episodes SET closed_at = $2 WHERE id = $1 AND closed_at IS NULL",
        [episodeId, now],
      );
    }
    const notifiedEpisode = episodeId;
    if (update.episode === "close") episodeId = null;

    const stateChanged = update.state !== current.state;
    await client.query(
      `UPDATE alert_states SET state = $3, since = CASE WHEN $4 THEN $5 ELSE since END, episode_id = $6,
         last_notified_type = CASE WHEN $7::text IS NOT NULL AND $6::text IS NOT NULL THEN $7
                                   WHEN $6::text IS NULL THEN NULL ELSE last_notified_type END,
         last_notified_at = CASE WHEN $7::text IS NOT NULL AND $6::text IS NOT NULL THEN $5
                                 WHEN $6::text IS NULL THEN NULL ELSE last_notified_at END,
         observed = $8, samples = $9, updated_at = $5
       WHERE rule = $1 AND scope_key = $2`,
      [
        current.rule,
        current.scopeKey,
        update.state,
        stateChanged,
        now,
        episodeId,
        update.notify,
        update.observed,
        update.samples,
      ],
    );
    if (!stateChanged && !update.notify) return { episodeId: notifiedEpisode, transitionId: null };
    const { rows } = await client.query<{ id: string }>(
      `INSERT INTO alert_transitions (rule, scope_key, from_state, to_state, episode_id, observed, samples, notification, at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id::text AS id`,
      [
        current.rule,
        current.scopeKey,
        update.from,
        update.state,
        notifiedEpisode,
        update.observed,
        update.samples,
        update.notify,
        now,
      ],
    );
    return { episodeId: notifiedEpisode, transitionId: rows[0]?.id ?? null };
  }

  /** Every scope known for a rule (the clock re-judges them for windows and no-data). */
  async scopes(rule: string): Promise<{ scopeKey: string; scope: Record<string, string> }[]> {
    const { rows } = await this.pool.query<{ scope_key: string; scope: Record<string, string> }>(
      "SELECT scope_key, scope FROM alert_states WHERE rule = $1",
      [rule],
    );
    return rows.map((r) => ({ scopeKey: r.scope_key, scope: r.scope }));
  }

  async states(rule?: string): Promise<ScopeState[]> {
    const { rows } = await this.pool.query<StateRow>(
      `SELECT ${STATE_COLUMNS} FROM alert_states ${rule ? "WHERE rule = $1" : ""} ORDER BY rule, scope_key`,
      rule ? [rule] : [],
    );
    return rows.map(fromRow);
  }

  async episodes(rule: string, limit = 50): Promise<Record<string, unknown>[]> {
    const { rows } = await this.pool.query(
      `SELECT id, scope_key, scope, severity, opened_at, closed_at FROM alert_episodes
       WHERE rule = $1 ORDER BY opened_at DESC LIMIT $2`,
      [rule, limit],
    );
    return rows;
  }

  /** Forgets a deleted rule's states (episodes and transitions stay as history). */
  async forget(rule: string): Promise<void> {
    await this.pool.query("DELETE FROM alert_states WHERE rule = $1", [rule]);
  }
}
