import type pg from "pg";
import type { Logger } from "../util/logger.ts";
import { deliveryIdFor } from "../webhooks/delivery-store.ts";
import type { AlertNotification } from "../webhooks/payload.ts";
import type { WebhookDeliverer } from "../webhooks/webhook-deliverer.ts";
import { type AlertRuleCatalog, ruleKey, type ScopedRule } from "./alert-rule-catalog.ts";
import { loadSamples, releasesSeen } from "./alert-samples.ts";
import type { AlertStateStore } from "./alert-state-store.ts";
import { parseDuration } from "./duration.ts";
import {
  type AlertSample,
  type BaselineInput,
  type Evaluation,
  evaluateRule,
  previousRelease,
  type Scope,
  sampleQuery,
  scopeOf,
  scopeRelease,
  transition,
} from "./rule-logic.ts";
import type { AlertRule } from "./rule-schema.ts";
import type { NotificationType } from "./rule-transition.ts";

export interface AlertEngineDeps {
  pool: pg.Pool;
  states: AlertStateStore;
  rules: AlertRuleCatalog;
  deliverer: WebhookDeliverer;
  logger: Logger;
}

/** What one judging of a rule did, for logs and tests. */
export interface RuleOutcome {
  scopes: number;
  notifications: { scope: string; type: NotificationType }[];
}

/** The scope a rule without `group_by` has when no event has been seen: its exact `where` values. */
function ruleScope(rule: AlertRule): Scope {
  const values: Record<string, string> = {};
  for (const [key, value] of Object.entries(rule.where ?? {})) {
    if (typeof value === "string" && !value.includes("*")) values[key] = value;
  }
  return { key: "*", values };
}

const BASELINE_LOOKBACK_MS = 7 * 86_400_000;

/**
 * Judges alert rules: loads a rule's eval events, splits them by scope, evaluates each scope and
 * applies the transition under the scope's row lock, recording the webhook deliveries in the
 * same transaction. Deliveries are dispatched after the commit; one lost between commit and
 * dispatch is picked up by the deliverer's recovery. So each transition notifies exactly once,
 * however many workers judge the rule at the same time.
 */
export class AlertEngine {
  constructor(private readonly deps: AlertEngineDeps) {}

  /** Judges a rule by key (`ruleKey`: its name, or `project/name` for a project's rule). */
  async judgeRule(key: string, now = new Date()): Promise<RuleOutcome> {
    const rule = this.deps.rules.get(key);
    const outcome: RuleOutcome = { scopes: 0, notifications: [] };
    if (!rule || rule.enabled === false) return outcome;
    const query = sampleQuery(rule, now);
    const samples = await loadSamples(this.deps.pool, rule.evaluator, query.since, rule.project);
    const groups = new Map<string, { scope: Scope; samples: AlertSample[] }>();
    for (const sample of samples) {
      const scope = scopeOf(rule, sample);
      if (!scope) continue;
      const group = groups.get(scope.key) ?? { scope, samples: [] };
      group.samples.push(sample);
      groups.set(scope.key, group);
    }
    // Scopes already known but silent now still need judging: windows empty out, data stops.
    for (const known of await this.deps.states.scopes(ruleKey(rule))) {
      if (!groups.has(known.scopeKey)) {
        groups.set(known.scopeKey, {
          scope: { key: known.scopeKey, values: known.scope },
          samples: [],
        });
      }
    }
    if (groups.size === 0 && !rule.group_by?.length)
      groups.set("*", { scope: ruleScope(rule), samples: [] });

    for (const { scope, samples: scoped } of groups.values()) {
      outcome.scopes += 1;
      const baseline = rule.baseline ? await this.baselineFor(rule, scope, now) : null;
      const type = await this.judgeScope(rule, scope, scoped, baseline, now);
      if (type) outcome.notifications.push({ scope: scope.key, type });
    }
    return outcome;
  }

  private async judgeScope(
    rule: ScopedRule,
    scope: Scope,
    samples: AlertSample[],
    baseline: BaselineInput | null,
    now: Date,
  ): Promise<NotificationType | null> {
    const pending: string[] = [];
    const notified = await this.deps.states.withScope(
      ruleKey(rule),
      scope.key,
      scope.values,
      async (client, current) => {
        const evaluation = evaluateRule(rule, samples, now, current.state, baseline);
        const next = transition(current.state, evaluation, now, current.lastNotified, rule);
        if (evaluation.held && !next.notify) return null;
        const { episodeId, transitionId } = await this.deps.states.apply(
          client,
          current,
          {
            ...next,
            from: current.state,
            observed: evaluation.observed,
            samples: evaluation.samples,
          },
          now,
        );
        if (!next.notify || !episodeId) return null;
        const notification = this.notification(
          rule,
          scope,
          evaluation,
          next.notify,
          episodeId,
          now,
        );
        for (const webhook of rule.notify) {
          const id = deliveryIdFor(
            ruleKey(rule),
            scope.key,
            transitionId ?? now.toISOString(),
            webhook,
          );
          const project = rule.project ?? null;
          await this.deps.deliverer.record({ id, webhook, project, notification }, client);
          pending.push(id);
        }
        return next.notify;
      },
    );
    for (const id of pending) {
      await this.deps.deliverer.dispatch(id).catch((err: Error) => {
        // Recorded already: the deliverer's recovery sends it if this dispatch was lost.
        this.deps.logger.warn({ delivery: id, err: err.message }, "cannot dispatch delivery now");
      });
    }
    return notified;
  }

  private async baselineFor(
    rule: ScopedRule,
    scope: Scope,
    now: Date,
  ): Promise<BaselineInput | null> {
    const current = scopeRelease(scope) ?? rule.release ?? null;
    if (!current) return null;
    const releases = await releasesSeen(this.deps.pool, rule.evaluator, rule.project);
    const release = previousRelease(current, releases);
    if (!release) return { release: null, samples: [] };
    const all = await loadSamples(
      this.deps.pool,
      rule.evaluator,
      new Date(now.getTime() - BASELINE_LOOKBACK_MS),
      rule.project,
    );
    const theirs = all.filter((s) => s.service_version === release);
    // The previous release's last window: what it looked like when it was replaced.
    const last =
      theirs.length > 0
        ? new Date(theirs[theirs.length - 1]?.created_at as string | Date).getTime()
        : 0;
    const windowMs = rule.window ? parseDuration(rule.window) : 0;
    return {
      release,
      samples:
        windowMs > 0
          ? theirs.filter((s) => new Date(s.created_at).getTime() > last - windowMs)
          : theirs,
    };
  }

  notification(
    rule: AlertRule,
    scope: Scope,
    evaluation: Evaluation,
    type: AlertNotification["type"],
    episodeId: string,
    now: Date,
  ): AlertNotification {
    return {
      type,
      rule: rule.name,
      evaluator: rule.evaluator,
      scope: scope.values,
      observed: evaluation.observed,
      threshold: evaluation.threshold,
      samples: evaluation.samples,
      window_start: evaluation.window_start,
      window_end: evaluation.window_end,
      release: scopeRelease(scope) ?? rule.release ?? null,
      examples: evaluation.worst.map((s) => ({
        trace_id: s.trace_id,
        span_id: s.span_id,
        score: s.score,
        explanation: s.explanation,
      })),
      episode_id: episodeId,
      occurred_at: now.toISOString(),
    };
  }
}
