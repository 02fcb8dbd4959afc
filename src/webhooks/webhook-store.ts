import type pg from "pg";
import type { Logger } from "../util/logger.ts";
import { type WebhookConfig, WebhookConfigSchema } from "./webhook-config.ts";

/** A webhook created through the API: always a project's. */
export interface ProjectWebhook {
  project: string;
  webhook: WebhookConfig;
}

/**
 * Webhooks created through the API, in PostgreSQL, unique per project. Read at every delivery
 * attempt, so a change applies to the next attempt on every replica. Rows that no longer parse
 * (a schema change) are skipped with a warning naming the webhook, never its secret.
 */
export class WebhookStore {
  constructor(
    private readonly pool: pg.Pool,
    private readonly logger?: Logger,
  ) {}

  async get(project: string, name: string): Promise<WebhookConfig | null> {
    const { rows } = await this.pool.query<{ definition: unknown }>(
      "SELECT definition FROM api_webhooks WHERE project = $1 AND name = $2",
      [project, name],
    );
    return rows[0] ? this.parse(project, name, rows[0].definition) : null;
  }

  /** Every API webhook, or one project's, by project and name. */
  async list(project?: string): Promise<ProjectWebhook[]> {
    const { rows } = await this.pool.query<{ project: string; name: string; definition: unknown }>(
      `SELECT project, name, definition FROM api_webhooks ${project ? "WHERE project = $1" : ""}
       ORDER BY project, name`,
      project ? [project] : [],
    );
    const out: ProjectWebhook[] = [];
    for (const row of rows) {
      const webhook = this.parse(row.project, row.name, row.definition);
      if (webhook) out.push({ project: row.project, webhook });
    }
    return out;
  }

  /** Creates (`replace: false`) or replaces a project's webhook. */
  async save(
    project: string,
    webhook: WebhookConfig,
    replace: boolean,
  ): Promise<"created" | "replaced" | "exists" | "missing"> {
    const sql = replace
      ? `UPDATE api_webhooks SET definition = $3, updated_at = now() WHERE project = $1 AND name = $2`
      : `INSERT INTO api_webhooks (project, name, definition) VALUES ($1, $2, $3)
         ON CONFLICT (project, name) DO NOTHING`;
    const result = await this.pool.query(sql, [project, webhook.name, JSON.stringify(webhook)]);
    if ((result.rowCount ?? 0) === 0) return replace ? "missing" : "exists";
    return replace ? "replaced" : "created";
  }

  async remove(project: string, name: string): Promise<boolean> {
    const result = await this.pool.query(
      "DELETE FROM api_webhooks WHERE project = $1 AND name = $2",
      [project, name],
    );
    return (result.rowCount ?? 0) > 0;
  }

  private parse(project: string, name: string, definition: unknown): WebhookConfig | null {
    const parsed = WebhookConfigSchema.safeParse(definition);
    if (parsed.success) return parsed.data;
    this.logger?.warn({ project, webhook: name }, "stored webhook no longer parses; skipped");
    return null;
  }
}
