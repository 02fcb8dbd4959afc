import type pg from "pg";
import type { Logger } from "pino";
import { AlertRuleCatalog } from "../alerts/alert-rule-catalog.ts";
import type { Config } from "../config/config-schema.ts";
import { EvaluatorCatalog } from "../evaluators/evaluator-catalog.ts";
import { EvaluatorConfigStore } from "../evaluators/evaluator-config-store.ts";
import type { ActiveEvaluator } from "../evaluators/registry.ts";
import { createGuardedFetch } from "../security/guarded-fetch.ts";
import { UrlGuard } from "../security/url-guard.ts";
import type { Closers } from "./shutdown-sequence.ts";

export interface Catalogs {
  /** Checks the URLs set through the API (webhooks, remote evaluators). */
  guard: UrlGuard;
  /** `fetch` for those URLs: every connection is checked. */
  apiFetch: ReturnType<typeof createGuardedFetch>;
  /** The evaluators: the config's and those defined through the API. */
  evaluators: EvaluatorCatalog;
  /** The alert rules: the config's and those defined through the API. */
  alertRules: AlertRuleCatalog;
}

/**
 * What both roles look up and the API edits: evaluators and alert rules, each kept in step with
 * Postgres. URLs set through the API may not reach private addresses; the config's own URLs are
 * trusted as written.
 */
export async function startCatalogs(
  pool: pg.Pool,
  config: Config,
  logger: Logger,
  evaluators: ActiveEvaluator[],
  closers: Closers,
): Promise<Catalogs> {
  const guard = new UrlGuard(config.security);
  const apiFetch = createGuardedFetch(guard);
  const catalog = new EvaluatorCatalog(evaluators, new EvaluatorConfigStore(pool), {
    logger,
    remoteFetch: apiFetch,
  });
  await catalog.start();
  closers.push(() => catalog.close());
  const alertRules = new AlertRuleCatalog(config.alert_rules, pool, { logger });
  await alertRules.start();
  closers.push(() => alertRules.close());
  return { guard, apiFetch, evaluators: catalog, alertRules };
}
