import type pg from "pg";
import { errorMessage, TracejudgeError } from "../errors.ts";
import type { Logger } from "../util/logger.ts";
import { type AlertRule, AlertRuleSchema } from "./rule-schema.ts";

/**
 * A rule as the engine applies it: a project's rule aggregates that project's eval events only;
 * one without a project (the config's, or an admin's made without one) is global.
 */
export type ScopedRule = AlertRule & { project?: string };

/**
 * A rule's identity in states, episodes, deliveries and queue jobs: its name for a global rule,
 * `project/name` for a project's. Names and projects are slugs (no `/`), so neither collides.
 */
export function ruleKey(rule: { name: string; project?: string | null | undefined }): string {
  return rule.project ? `${rule.project}/${rule.name}` : rule.name;
}

/** The project (null: global) and name a rule key stands for. */
export function parseRuleKey(key: string): { project: string | null; name: string } {
  const slash = key.indexOf("/");
  return slash === -1
    ? { project: null, name: key }
    : { project: key.slice(0, slash), name: key.slice(slash + 1) };
}

/**
 * The alert rules a process applies: those of the config file (global, read-only through the
 * API) and those defined through the API, global or a project's, kept in PostgreSQL and re-read
 * on a timer so that every replica applies the same rules. Names are unique per project, and
 * global rules are a namespace of their own; `get` takes a rule key (`ruleKey`).
 */
export class AlertRuleCatalog {
  private dynamic = new Map<string, ScopedRule>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly fixed: readonly AlertRule[],
    private readonly pool: pg.Pool,
    private readonly options: { logger: Logger; refreshMs?: number },
  ) {}

  list(): ScopedRule[] {
    return this.all().filter((rule) => rule.enabled !== false);
  }

  all(): ScopedRule[] {
    return [...this.fixed, ...this.dynamic.values()];
  }

  /** A rule by key (`ruleKey`): a global rule's name, or `project/name`. */
  get(key: string): ScopedRule | undefined {
    return this.fixed.find((r) => r.name === key) ?? this.dynamic.get(key);
  }

  /** A project's rule (null: a global one) by name. */
  find(name: string, project: string | null): ScopedRule | undefined {
    return this.get(ruleKey({ name, project }));
  }

  isConfigured(name: string): boolean {
    return this.fixed.some((r) => r.name === name);
  }

  async refresh(): Promise<void> {
    const { rows } = await this.pool.query<{
      name: string;
      project: string | null;
      definition: unknown;
    }>("SELECT name, project, definition FROM alert_rules ORDER BY project NULLS FIRST, name");
    const next = new Map<string, ScopedRule>();
    for (const row of rows) {
      const parsed = AlertRuleSchema.safeParse(row.definition);
      const rule: ScopedRule | null = parsed.success
        ? { ...parsed.data, ...(row.project ? { project: row.project } : {}) }
        : null;
      if (rule) next.set(ruleKey(rule), rule);
      else
        this.options.logger.warn(
          { rule: ruleKey(row) },
          "stored alert rule no longer parses; skipped",
        );
    }
    this.dynamic = next;
  }

  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => {
      this.refresh().catch((err) =>
        this.options.logger.warn({ err: errorMessage(err) }, "cannot refresh alert rules"),
      );
    }, this.options.refreshMs ?? 5000);
    this.timer.unref();
  }

  /**
   * Creates (`replace: false`) or replaces an API rule of a project (null: global); a global
   * rule may not take a config rule's name.
   */
  async save(
    rule: AlertRule,
    project: string | null,
    replace: boolean,
  ): Promise<"created" | "replaced" | "exists" | "missing"> {
    if (project === null && this.isConfigured(rule.name)) {
      throw new TracejudgeError(
        "CONFIG_INVALID",
        `alert rule "${rule.name}" is defined by the service's configuration`,
      );
    }
    const sql = replace
      ? `UPDATE alert_rules SET definition = $2, updated_at = now()
         WHERE name = $1 AND project IS NOT DISTINCT FROM $3`
      : `INSERT INTO alert_rules (name, definition, project) VALUES ($1, $2, $3)
         ON CONFLICT ((COALESCE(project, '')), name) DO NOTHING`;
    const result = await this.pool.query(sql, [rule.name, JSON.stringify(rule), project]);
    await this.refresh();
    if ((result.rowCount ?? 0) === 0) return replace ? "missing" : "exists";
    return replace ? "replaced" : "created";
  }

  async remove(name: string, project: string | null): Promise<boolean> {
    const result = await this.pool.query(
      "DELETE FROM alert_rules WHERE name = $1 AND project IS NOT DISTINCT FROM $2",
      [name, project],
    );
    await this.refresh();
    return (result.rowCount ?? 0) > 0;
  }

  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
