import { randomUUID } from "node:crypto";
import type { FastifyInstance, FastifyReply } from "fastify";
import type { z } from "zod";
import type { AlertRuleCatalog } from "../alerts/alert-rule-catalog.ts";
import type { AlertStateStore } from "../alerts/alert-state-store.ts";
import { type AlertRule, AlertRuleSchema } from "../alerts/rule-schema.ts";
import { deliveryIdFor } from "../webhooks/delivery-store.ts";
import type { AlertNotification } from "../webhooks/payload.ts";
import type { WebhookDeliverer } from "../webhooks/webhook-deliverer.ts";

export interface AlertRoutesDeps {
  rules: AlertRuleCatalog;
  states: AlertStateStore;
  deliverer: WebhookDeliverer;
  /** Names of the configured webhooks a rule may notify. */
  webhooks: readonly string[];
}

function invalid(reply: FastifyReply, error: z.ZodError): FastifyReply {
  const message = error.issues
    .map((i) => `${i.path.join(".") || "(body)"}: ${i.message}`)
    .join("; ");
  return reply.code(400).send({ error: "invalid_request", message });
}

/** `GET/POST/PUT/DELETE /v1/alert-rules`, rule tests, alert states, and webhook deliveries. */
export async function alertRoutes(app: FastifyInstance, deps: AlertRoutesDeps): Promise<void> {
  const describe = (rule: AlertRule) => ({
    ...rule,
    source: deps.rules.isConfigured(rule.name) ? "config" : "api",
  });

  /** Parses a rule from a request body; unknown webhooks are named like any other bad field. */
  const parseRule = (body: unknown): z.ZodSafeParseResult<AlertRule> => {
    const parsed = AlertRuleSchema.safeParse(body);
    if (!parsed.success) return parsed;
    const unknown = parsed.data.notify.findIndex((name) => !deps.webhooks.includes(name));
    if (unknown === -1) return parsed;
    return AlertRuleSchema.refine(() => false, {
      path: ["notify", unknown],
      message: `no webhook named "${parsed.data.notify[unknown]}" (configured: ${deps.webhooks.join(", ") || "none"})`,
    }).safeParse(body);
  };

  app.get("/v1/alert-rules", async (_request, reply) =>
    reply.send({ alert_rules: deps.rules.all().map(describe) }),
  );

  app.get("/v1/alert-rules/:name", async (request, reply) => {
    const rule = deps.rules.get((request.params as { name: string }).name);
    if (!rule) return reply.code(404).send({ error: "not_found", message: "no such alert rule" });
    const [states, episodes] = await Promise.all([
      deps.states.states(rule.name),
      deps.states.episodes(rule.name),
    ]);
    return reply.send({ ...describe(rule), states, episodes });
  });

  app.post("/v1/alert-rules", async (request, reply) => {
    const parsed = parseRule(request.body);
    if (!parsed.success) return invalid(reply, parsed.error);
    if (deps.rules.isConfigured(parsed.data.name)) {
      return reply.code(409).send({
        error: "rule_in_config",
        message: `alert rule "${parsed.data.name}" is defined by the service's configuration`,
      });
    }
    const result = await deps.rules.save(parsed.data, false);
    if (result === "exists") {
      return reply.code(409).send({
        error: "rule_exists",
        message: `alert rule "${parsed.data.name}" exists: PUT to change it`,
      });
    }
    return reply.code(201).send(describe(parsed.data));
  });

  app.put("/v1/alert-rules/:name", async (request, reply) => {
    const { name } = request.params as { name: string };
    const body = { ...(request.body as object), name };
    const parsed = parseRule(body);
    if (!parsed.success) return invalid(reply, parsed.error);
    if (deps.rules.isConfigured(name)) {
      return reply.code(409).send({
        error: "rule_in_config",
        message: `alert rule "${name}" is defined by the service's configuration`,
      });
    }
    const result = await deps.rules.save(parsed.data, true);
    if (result === "missing")
      return reply.code(404).send({ error: "not_found", message: `no alert rule "${name}"` });
    return reply.send(describe(parsed.data));
  });

  app.delete("/v1/alert-rules/:name", async (request, reply) => {
    const { name } = request.params as { name: string };
    if (deps.rules.isConfigured(name)) {
      return reply.code(409).send({
        error: "rule_in_config",
        message: `alert rule "${name}" is defined by the service's configuration`,
      });
    }
    if (!(await deps.rules.remove(name)))
      return reply.code(404).send({ error: "not_found", message: `no alert rule "${name}"` });
    await deps.states.forget(name);
    return reply.code(204).send();
  });

  // A test notification to each of the rule's webhooks, so users can check their receiver.
  app.post("/v1/alert-rules/:name/test", async (request, reply) => {
    const rule = deps.rules.get((request.params as { name: string }).name);
    if (!rule) return reply.code(404).send({ error: "not_found", message: "no such alert rule" });
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
      const id = deliveryIdFor("test", rule.name, notification.episode_id, webhook);
      await deps.deliverer.enqueue({ id, webhook, notification });
      deliveries.push(id);
    }
    return reply.code(202).send({ deliveries });
  });

  app.get("/v1/alerts", async (_request, reply) =>
    reply.send({ alerts: await deps.states.states() }),
  );

  app.get("/v1/deliveries", async (request, reply) => {
    const { status } = request.query as { status?: string };
    if (status !== "dead") {
      return reply.code(400).send({
        error: "invalid_request",
        message: "status: only status=dead is listed; GET /v1/deliveries/{id} for one",
      });
    }
    return reply.send({ deliveries: await deps.deliverer.store.listDead() });
  });

  app.get("/v1/deliveries/:id", async (request, reply) => {
    const delivery = await deps.deliverer.store.get((request.params as { id: string }).id);
    return delivery
      ? reply.send(delivery)
      : reply.code(404).send({ error: "not_found", message: "no such delivery" });
  });

  app.post("/v1/deliveries/:id/redeliver", async (request, reply) => {
    const result = await deps.deliverer.redeliver((request.params as { id: string }).id);
    if (result === "not_found")
      return reply.code(404).send({ error: "not_found", message: "no such delivery" });
    if (result === "pending")
      return reply
        .code(409)
        .send({ error: "pending", message: "the delivery is still being attempted" });
    return reply.code(202).send({ status: "enqueued" });
  });
}
