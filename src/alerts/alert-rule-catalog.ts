import type pg from "pg";
import { errorMessage, TracejudgeError } from "../errors.ts";
import type { EvaluatorLogger } from "../evaluators/contract.ts";
import { type AlertRule, AlertRuleSchema } from "./rule-schema.ts";

/**
 * The alert rules a process applies: those of the config file (read-only through the API) and
 * those defined through the API, kept in PostgreSQL and re-read on a timer so that every replica
 * applies the same rules.
 */
export class AlertRuleCatalog {
  private dynamic = new Map<string, AlertRule>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly fixed: readonly AlertRule[],
    private readonly pool: pg.Pool,
    private readonly options: { logger: EvaluatorLogger; refreshMs?: number },
  ) {}

  list(): AlertRule[] {
    return [...this.fixed, ...this.dynamic.values()].filter((rule) => rule.enabled !== false);
  }

  all(): AlertRule[] {
    return [...this.fixed, ...this.dynamic.values()];
  }

  get(name: string): AlertRule | undefined {
    return this.fixed.find((r) => r.name === name) ?? this.dynamic.get(name);
  }

  isConfigured(name: string): boolean {
    return this.fixed.some((r) => r.name === name);
  }

  async refresh(): Promise<void> {
    const { rows } = await this.pool.query<{ name: string; definition: unknown }>(
      "SELECT name, definition FROM alert_rules ORDER BY name",
    );
    const next = new Map<string, AlertRule>();
    for (const row of rows) {
      const parsed = AlertRuleSchema.safeParse(row.definition);
      if (parsed.success) next.set(row.name, parsed.data);
      else
        this.options.logger.warn({ rule: row.name }, "stored alert rule no longer parses; skipped");
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

  /** Creates (`replace: false`) or replaces an API rule; a config rule's name is refused. */
  async save(
    rule: AlertRule,
    replace: boolean,
  ): Promise<"created" | "replaced" | "exists" | "missing"> {
    if (this.isConfigured(rule.name)) {
      throw new TracejudgeError(
        "CONFIG_INVALID",
        `alert rule "${rule.name}" is defined by the service's configuration`,
      );
    }
    const sql = replace
      ? `UPDATE alert_rules SET definition = $2, updated_at = now() WHERE name = $1`
      : `INSERT INTO alert_rules (name, definition) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`;
    const result = await this.pool.query(sql, [rule.name, JSON.stringify(rule)]);
    await this.refresh();
    if ((result.rowCount ?? 0) === 0) return replace ? "missing" : "exists";
    return replace ? "replaced" : "created";
  }

  async remove(name: string): Promise<boolean> {
    const result = await this.pool.query("DELETE FROM alert_rules WHERE name = $1", [name]);
    await this.refresh();
    return (result.rowCount ?? 0) > 0;
  }

  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
