import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { AlertRuleCatalog } from "../alerts/alert-rule-catalog.ts";
import type { UrlGuard } from "../security/url-guard.ts";
import { REDACTED, shownWebhookUrl } from "../webhooks/payload.ts";
import {
  type WebhookConfig,
  WebhookConfigSchema,
  webhookUrlProblem,
} from "../webhooks/webhook-config.ts";
import type { WebhookStore } from "../webhooks/webhook-store.ts";
import { invalid, sendError } from "./error-shape.ts";
import { splitProject } from "./evaluator-routes.ts";
import { isRefusal, namedProject, projectOf, refuse, seesAllProjects } from "./project-scope.ts";
import type { WebhookList, WebhookView } from "./response-schemas.ts";

export interface WebhookRoutesDeps {
  store: WebhookStore;
  rules: AlertRuleCatalog;
  /** The config's webhook names: global, and reserved in every project. */
  configured: readonly string[];
  guard: UrlGuard;
  /** `webhook_delivery.allow_hosts`, checked for API webhooks too. */
  allowHosts?: readonly string[] | undefined;
}

/**
 * A webhook as the API answers it: never its secret, routing key or header values (only whether
 * they are set, and the header names), and a Slack URL (its secret) by origin only.
 */
function describe(project: string, webhook: WebhookConfig): WebhookView {
  return {
    name: webhook.name,
    project,
    url: shownWebhookUrl(webhook.format, webhook.url),
    format: webhook.format,
    secret: webhook.secret ? REDACTED : null,
    routing_key: webhook.routing_key ? REDACTED : null,
    headers: Object.fromEntries(Object.keys(webhook.headers ?? {}).map((h) => [h, REDACTED])),
    timeout_ms: webhook.timeout_ms,
    max_attempts: webhook.max_attempts,
    source: "api",
  };
}

/**
 * `GET/POST /v1/webhooks`, `GET/PUT/DELETE /v1/webhooks/{name}`: a project's own alert
 * receivers, which its rules may notify. Names are unique per project, and the config's webhook
 * names are taken in every project. URLs must pass `webhook_delivery.allow_hosts` and the SSRF
 * rule (`UrlGuard`), now and at every delivery.
 */
export async function webhookRoutes(app: FastifyInstance, deps: WebhookRoutesDeps): Promise<void> {
  /** The project a request's webhook lives in: webhooks made through the API are a project's. */
  const projectFor = (request: FastifyRequest, named: unknown, reply: FastifyReply) => {
    const scope = projectOf(request, named);
    if (isRefusal(scope)) return refuse(reply, scope);
    if (scope.project === null) {
      return sendError(
        reply,
        "INVALID_REQUEST",
        "project: a webhook made through the API belongs to a project; name it with ?project= (the config's webhooks are the global ones)",
      );
    }
    return scope.project;
  };

  /** Validates a webhook body; null when the reply has been sent. */
  const parse = async (reply: FastifyReply, body: unknown) => {
    const parsed = WebhookConfigSchema.safeParse(body);
    if (!parsed.success) {
      invalid(reply, parsed.error);
      return null;
    }
    if (deps.configured.includes(parsed.data.name)) {
      sendError(
        reply,
        "WEBHOOK_IN_CONFIG",
        `webhook "${parsed.data.name}" is defined by the service's configuration`,
      );
      return null;
    }
    const problem =
      webhookUrlProblem(parsed.data.url, deps.allowHosts) ??
      (await deps.guard.check(parsed.data.url));
    if (problem) {
      sendError(reply, "INVALID_REQUEST", `url: ${problem}`);
      return null;
    }
    return parsed.data;
  };

  app.get("/v1/webhooks", async (request, reply) => {
    const named = namedProject(request);
    if (seesAllProjects(request) && named === undefined) {
      const configured = deps.configured.map((name) => ({
        name,
        project: null,
        source: "config" as const,
      }));
      const made = (await deps.store.list()).map((w) => describe(w.project, w.webhook));
      const body: WebhookList = { webhooks: [...configured, ...made] };
      return reply.send(body);
    }
    const project = projectFor(request, named, reply);
    if (typeof project !== "string") return project;
    const made = await deps.store.list(project);
    const body: WebhookList = { webhooks: made.map((w) => describe(w.project, w.webhook)) };
    return reply.send(body);
  });

  app.get("/v1/webhooks/:name", async (request, reply) => {
    const { name } = request.params as { name: string };
    const project = projectFor(request, namedProject(request), reply);
    if (typeof project !== "string") return project;
    const webhook = await deps.store.get(project, name);
    return webhook
      ? reply.send(describe(project, webhook))
      : sendError(reply, "NOT_FOUND", `no webhook "${name}"`);
  });

  app.post("/v1/webhooks", async (request, reply) => {
    const { named, rest } = splitProject(request.body);
    const project = projectFor(request, named ?? namedProject(request), reply);
    if (typeof project !== "string") return project;
    const webhook = await parse(reply, rest);
    if (!webhook) return reply;
    if ((await deps.store.save(project, webhook, false)) === "exists") {
      return sendError(
        reply,
        "WEBHOOK_EXISTS",
        `webhook "${webhook.name}" exists in project "${project}": PUT to change it`,
      );
    }
    return reply.code(201).send(describe(project, webhook));
  });

  app.put("/v1/webhooks/:name", async (request, reply) => {
    const { name } = request.params as { name: string };
    const { named, rest } = splitProject(request.body);
    const project = projectFor(request, named ?? namedProject(request), reply);
    if (typeof project !== "string") return project;
    const webhook = await parse(reply, { ...rest, name });
    if (!webhook) return reply;
    if ((await deps.store.save(project, webhook, true)) === "missing")
      return sendError(reply, "NOT_FOUND", `no webhook "${name}"`);
    return reply.send(describe(project, webhook));
  });

  app.delete("/v1/webhooks/:name", async (request, reply) => {
    const { name } = request.params as { name: string };
    const project = projectFor(request, namedProject(request), reply);
    if (typeof project !== "string") return project;
    const users = deps.rules
      .all()
      .filter((rule) => rule.project === project && rule.notify.includes(name));
    if (users.length > 0) {
      return sendError(
        reply,
        "WEBHOOK_IN_USE",
        `webhook "${name}" is notified by alert rule(s) ${users.map((r) => r.name).join(", ")}`,
      );
    }
    return (await deps.store.remove(project, name))
      ? reply.code(204).send()
      : sendError(reply, "NOT_FOUND", `no webhook "${name}"`);
  });
}
