import type pg from "pg";
import { type ConfigJudge, ConfigJudgeSchema } from "./config-judge.ts";

export interface StoredJudge {
  definition: ConfigJudge;
  /** The full version (declared version + definition hash). */
  version: string;
  enabled: boolean;
  createdAt: Date;
}

/** Judges defined through the API, in PostgreSQL, shared by every replica. */
export class EvaluatorConfigStore {
  constructor(private readonly pool: pg.Pool) {}

  /** Stores a definition; the same definition again changes nothing. Returns whether it was new. */
  async save(definition: ConfigJudge, version: string): Promise<boolean> {
    const result = await this.pool.query(
      `INSERT INTO evaluator_configs (name, version, definition) VALUES ($1, $2, $3)
       ON CONFLICT (name, version) DO UPDATE SET enabled = true
       RETURNING (xmax = 0) AS inserted`,
      [definition.name, version, JSON.stringify(definition)],
    );
    return result.rows[0]?.inserted === true;
  }

  /** Every stored definition, oldest first; rows that no longer parse are skipped. */
  async all(): Promise<StoredJudge[]> {
    const { rows } = await this.pool.query<{
      definition: unknown;
      version: string;
      enabled: boolean;
      created_at: Date;
    }>(
      "SELECT definition, version, enabled, created_at FROM evaluator_configs ORDER BY created_at, name, version",
    );
    const out: StoredJudge[] = [];
    for (const row of rows) {
      const parsed = ConfigJudgeSchema.safeParse(row.definition);
      if (parsed.success)
        out.push({
          definition: parsed.data,
          version: row.version,
          enabled: row.enabled,
          createdAt: row.created_at,
        });
    }
    return out;
  }

  /** Disables every version of a name; returns how many rows changed. */
  async disable(name: string): Promise<number> {
    const result = await this.pool.query(
      "UPDATE evaluator_configs SET enabled = false WHERE name = $1 AND enabled",
      [name],
    );
    return result.rowCount ?? 0;
  }
}
