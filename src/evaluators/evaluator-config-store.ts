import type pg from "pg";
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
   * but enabling it. Returns whether it was new.
   */
  async save(api: ApiEvaluator, version: string, project: string | null): Promise<boolean> {
    const result = await this.pool.query(
      `INSERT INTO evaluator_configs (name, version, definition, project, kind) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT ((COALESCE(project, '')), name, version) DO UPDATE SET enabled = true
       RETURNING (xmax = 0) AS inserted`,
      [api.definition.name, version, JSON.stringify(api.definition), project, api.kind],
    );
    return result.rows[0]?.inserted === true;
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
