import type pg from "pg";
import { TracejudgeError } from "../errors.ts";
import { type ApiEvaluator, parseApiEvaluator } from "./api-evaluator.ts";

export interface StoredEvaluator {
  api: ApiEvaluator;
  /** The full version (declared version + definition hash). */
  version: string;
  /** The project it belongs to; null for a global one (every project's spans). */
  project: string | null;
  enabled: boolean;
  createdAt: Date;
}

/** Judges and remote evaluators defined through the API, in PostgreSQL, shared by every replica. */
export class EvaluatorConfigStore {
  constructor(private readonly pool: pg.Pool) {}

  /**
   * Stores a definition for a project (null: global); the same definition again changes nothing
   * but enabling it. Returns whether it was new. A name is global or per-project, never both:
   * `EVALUATOR_DUPLICATE` otherwise, checked here, in the database, for every replica at once.
   */
  async save(api: ApiEvaluator, version: string, project: string | null): Promise<boolean> {
    const { name } = api.definition;
    const client = await this.pool.connect();
    try {
      await client.query("BEGIN");
      // One name at a time across replicas: the check below and the insert must not interleave
      // with another replica's, or a global and a project's definition could both pass.
      await client.query("SELECT pg_advisory_xact_lock(hashtext('evaluator_configs:' || $1))", [
        name,
      ]);
      const clash = await client.query(
        `SELECT 1 FROM evaluator_configs
         WHERE name = $1 AND enabled AND (project IS NULL) <> ($2::text IS NULL) LIMIT 1`,
        [name, project],
      );
      if ((clash.rowCount ?? 0) > 0) {
        throw new TracejudgeError(
          "EVALUATOR_DUPLICATE",
          project === null
            ? `evaluator "${name}" is defined by a project; a global one cannot share its name`
            : `evaluator "${name}" is defined for every project`,
        );
      }
      const result = await client.query(
        `INSERT INTO evaluator_configs (name, version, definition, project, kind) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT ((COALESCE(project, '')), name, version) DO UPDATE SET enabled = true
         RETURNING (xmax = 0) AS inserted`,
        [name, version, JSON.stringify(api.definition), project, api.kind],
      );
      await client.query("COMMIT");
      return result.rows[0]?.inserted === true;
    } catch (err) {
      await client.query("ROLLBACK").catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  }

  /** Every stored definition, oldest first; rows that no longer parse are skipped. */
  async all(): Promise<StoredEvaluator[]> {
    const { rows } = await this.pool.query<{
      definition: Record<string, unknown>;
      kind: string;
      version: string;
      project: string | null;
      enabled: boolean;
      created_at: Date;
    }>(
      `SELECT definition, kind, version, project, enabled, created_at FROM evaluator_configs
       ORDER BY created_at, name, version`,
    );
    const out: StoredEvaluator[] = [];
    for (const row of rows) {
      const parsed = parseApiEvaluator({ ...row.definition, kind: row.kind });
      if (parsed.success)
        out.push({
          api: parsed.data,
          version: row.version,
          project: row.project,
          enabled: row.enabled,
          createdAt: row.created_at,
        });
    }
    return out;
  }

  /** Disables every version of a name in a project (null: the global one); returns how many. */
  async disable(name: string, project: string | null): Promise<number> {
    const result = await this.pool.query(
      `UPDATE evaluator_configs SET enabled = false
       WHERE name = $1 AND project IS NOT DISTINCT FROM $2 AND enabled`,
      [name, project],
    );
    return result.rowCount ?? 0;
  }
}
