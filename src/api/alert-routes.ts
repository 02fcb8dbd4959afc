import { randomUUID } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { z } from "zod";
import {
  type AlertRuleCatalog,
  parseRuleKey,
  ruleKey,
  type ScopedRule,
} from "../alerts/alert-rule-catalog.ts";
import type { AlertStateStore } from "../alerts/alert-state-store.ts";
import { type AlertRule, AlertRuleSchema } from "../alerts/rule-schema.ts";
import type { UrlGuard } from "../security/url-guard.ts";
import { deliveryIdFor } from "../webhooks/delivery-store.ts";
import type { AlertNotification } from "../webhooks/payload.ts";
import type { WebhookDeliverer } from "../webhooks/webhook-deliverer.ts";
import type { WebhookStore } from "../webhooks/webhook-store.ts";
import { deliveryRoutes } from "./delivery-routes.ts";
import { invalid, sendError } from "./error-shape.ts";
import { splitProject } from "./evaluator-routes.ts";
import { isRefusal, namedProject, projectOf, refuse, seesAllProjects } from "./project-scope.ts";
import type { AlertRuleList, AlertRuleView, TestDeliveries } from "./response-schemas.ts";
import { webhookRoutes } from "./webhook-routes.ts";

export interface AlertRoutesDeps {
  rules: AlertRuleCatalog;
  states: AlertStateStore;
  deliverer: WebhookDeliverer;
  /** Names of the configured webhooks a rule may notify (rules written with an admin key only). */
  webhooks: readonly string[];
  /** Projects' own webhooks, created through `/v1/webhooks`. */
  apiWebhooks: WebhookStore;
  /** The SSRF rule for webhook URLs set through the API. */
  guard: UrlGuard;
  /** The allow-list of webhook hosts (`webhook_delivery.allow_hosts`), if any. */
  allowHosts?: readonly string[] | undefined;
}

const notFound = (reply: FastifyReply, name: string) =>
  sendError(reply, "NOT_FOUND", `no alert rule "${name}"`);

const inConfig = (reply: FastifyReply, name: string) =>
  sendError(
    reply,
    "RULE_IN_CONFIG",
    `alert rule "${name}" is defined by the service's configuration`,
  );

/**
 * `GET/POST/PUT/DELETE /v1/alert-rules`, rule tests and alert states; with them, `/v1/webhooks`
 * and `/v1/deliveries` (see their modules). A project's key sees and changes its project's rules
 * only; the config's rules and global ones (made by an admin key without a project) are the
 * admins'. A project's rule notifies its project's webhooks; an admin may also pick the config's.
 */
export async function alertRoutes(app: FastifyInstance, deps: AlertRoutesDeps): Promise<void> {
  const describe = (rule: ScopedRule): AlertRuleView => ({
    ...rule,
    project: rule.project ?? null,
    source: !rule.project && deps.rules.isConfigured(rule.name) ? "config" : "api",
  });
  const list = (rules: ScopedRule[]): AlertRuleList => ({ alert_rules: rules.map(describe) });

  /** A stored state or episode row, its rule key told apart into name and project. */
  const withRuleName = <T extends { rule: string }>(row: T) => {
    const { project, name } = parseRuleKey(row.rule);
    return { ...row, rule: name, project };
  };

  /** Parses a rule; a webhook the caller may not notify is named like any other bad field. */
  const parseRule = async (
    request: FastifyRequest,
    body: unknown,
    project: string | null,
  ): Promise<z.ZodSafeParseResult<AlertRule>> => {
    const parsed = AlertRuleSchema.safeParse(body);
    if (!parsed.success) return parsed;
    const own = project ? (await deps.apiWebhooks.list(project)).map((w) => w.webhook.name) : [];
    const allowed = seesAllProjects(request) ? [...deps.webhooks, ...own] : own;
    const unknown = parsed.data.notify.findIndex((name) => !allowed.includes(name));
    if (unknown === -1) return parsed;
    return AlertRuleSchema.refine(() => false, {
      path: ["notify", unknown],
      message: `no webhook named "${parsed.data.notify[unknown]}" (configured: ${allowed.join(", ") || "none"})`,
    }).safeParse(body);
  };

  /** The rule a `/v1/alert-rules/{name}` request is about, in the caller's project. */
  const target = (request: FastifyRequest) => {
    const { name } = request.params as { name: string };
    const scope = projectOf(request, namedProject(request));
    return isRefusal(scope) ? scope : { name, project: scope.project };
  };

  app.get("/v1/alert-rules", async (request, reply) => {
    const named = namedProject(request);
    if (seesAllProjects(request) && named === undefined) return reply.send(list(deps.rules.all()));
    const scope = projectOf(request, named);
    if (isRefusal(scope)) return refuse(reply, scope);
    const rules = deps.rules.all().filter((r) => (r.project ?? null) === scope.project);
    return reply.send(list(rules));
  });

  app.get("/v1/alert-rules/:name", async (request, reply) => {
    const t = target(request);
    if (isRefusal(t)) return refuse(reply, t);
    const rule = deps.rules.find(t.name, t.project);
    if (!rule) return notFound(reply, t.name);
    const [states, episodes] = await Promise.all([
      deps.states.states(ruleKey(rule)),
      deps.states.episodes(ruleKey(rule)),
    ]);
    return reply.send({ ...describe(rule), states: states.map(withRuleName), episodes });
  });

  app.post("/v1/alert-rules", async (request, reply) => {
    const { named, rest } = splitProject(request.body);
    const scope = projectOf(request, named ?? namedProject(request));
    if (isRefusal(scope)) return refuse(reply, scope);
    const parsed = await parseRule(request, rest, scope.project);
    if (!parsed.success) return invalid(reply, parsed.error);
    if (scope.project === null && deps.rules.isConfigured(parsed.data.name))
      return inConfig(reply, parsed.data.name);
    const result = await deps.rules.save(parsed.data, scope.project, false);
    if (result === "exists") {
      return sendError(
        reply,
        "RULE_EXISTS",
        `alert rule "${parsed.data.name}" exists${scope.project ? ` in project "${scope.project}"` : ""}: PUT to change it`,
      );
    }
    return reply
      .code(201)
      .send(describe(deps.rules.find(parsed.data.name, scope.project) ?? parsed.data));
  });

  app.put("/v1/alert-rules/:name", async (request, reply) => {
    const { name } = request.params as { name: string };
    const { named, rest } = splitProject(request.body);
    const scope = projectOf(request, named ?? namedProject(request));
    if (isRefusal(scope)) return refuse(reply, scope);
    if (scope.project === null && deps.rules.isConfigured(name)) return inConfig(reply, name);
    const parsed = await parseRule(request, { ...rest, name }, scope.project);
    if (!parsed.success) return invalid(reply, parsed.error);
    const result = await deps.rules.save(parsed.data, scope.project, true);
    if (result === "missing") return notFound(reply, name);
    return reply.send(describe(deps.rules.find(name, scope.project) ?? parsed.data));
  });

  app.delete("/v1/alert-rules/:name", async (request, reply) => {
    const t = target(request);
    if (isRefusal(t)) return refuse(reply, t);
    if (t.project === null && deps.rules.isConfigured(t.name)) return inConfig(reply, t.name);
    if (!(await deps.rules.remove(t.name, t.project))) return notFound(reply, t.name);
    await deps.states.forget(ruleKey(t));
    return reply.code(204).send();
  });

  // A test notification to each of the rule's webhooks, so users can check their receiver.
  app.post("/v1/alert-rules/:name/test", async (request, reply) => {
    const t = target(request);
    if (isRefusal(t)) return refuse(reply, t);
    const rule = deps.rules.find(t.name, t.project);
    if (!rule) return notFound(reply, t.name);
    const now = new Date().toISOString();
    const notification: AlertNotification = {
      type: "alert.test",
      rule: rule.name,
      evaluator: rule.evaluator,
      scope: {},
      observed: null,
      threshold: rule.below ?? null,
      samples: 0,
      window_start: null,
      window_end: null,
      release: rule.release ?? null,
      examples: [],
      episode_id: `test-${randomUUID()}`,
      occurred_at: now,
    };
    const deliveries: string[] = [];
    for (const webhook of rule.notify) {
      const id = deliveryIdFor("test", ruleKey(rule), notification.episode_id, webhook);
      await deps.deliverer.enqueue({ id, webhook, project: rule.project ?? null, notification });
      deliveries.push(id);
    }
    const body: TestDeliveries = { deliveries };
    return reply.code(202).send(body);
  });

  app.get("/v1/alerts", async (request, reply) => {
    const named = namedProject(request);
    const all = (await deps.states.states()).map(withRuleName);
    if (seesAllProjects(request) && named === undefined) return reply.send({ alerts: all });
    const scope = projectOf(request, named);
    if (isRefusal(scope)) return refuse(reply, scope);
    return reply.send({ alerts: all.filter((s) => s.project === scope.project) });
  });

  await deliveryRoutes(app, { deliverer: deps.deliverer });
  await webhookRoutes(app, {
    store: deps.apiWebhooks,
    rules: deps.rules,
    configured: deps.webhooks,
    guard: deps.guard,
    allowHosts: deps.allowHosts,
  });
}
