import type { FastifyInstance } from "fastify";
import { TracejudgeError } from "../errors.ts";
import { parseApiEvaluator } from "../evaluators/api-evaluator.ts";
import type { EvaluatorCatalog } from "../evaluators/evaluator-catalog.ts";
import type { ActiveEvaluator } from "../evaluators/registry.ts";
import type { UrlGuard } from "../security/url-guard.ts";
import { webhookUrlProblem } from "../webhooks/webhook-config.ts";
import { sendError } from "./error-shape.ts";
import { badRequest } from "./evaluations-routes.ts";
import { isRefusal, namedProject, projectOf, refuse, seesAllProjects } from "./project-scope.ts";
import type { EvaluatorList, EvaluatorView } from "./response-schemas.ts";

export interface EvaluatorRoutesDeps {
  catalog: EvaluatorCatalog;
  /** Whether an LLM judge is configured (judges defined through the API need one). */
  judgeConfigured: boolean;
  /** The SSRF rule for remote evaluators' URLs. */
  guard: UrlGuard;
}

/** A body's `project` (how an admin key creates for a project), and the rest of it. */
export function splitProject(body: unknown): { named: unknown; rest: Record<string, unknown> } {
  if (!body || typeof body !== "object" || Array.isArray(body))
    return { named: undefined, rest: {} };
  const { project, ...rest } = body as Record<string, unknown>;
  return { named: project, rest };
}

/**
 * `GET/POST /v1/evaluators`, `DELETE /v1/evaluators/{name}`: judges and remote evaluators defined
 * through the API, each a project's (running on its spans only) or, made by an admin key without
 * a project, global. A project's key sees the configured and global evaluators (they run on its
 * spans) and its own, and changes only its own.
 */
export async function evaluatorRoutes(
  app: FastifyInstance,
  deps: EvaluatorRoutesDeps,
): Promise<void> {
  const describe = (active: ActiveEvaluator): EvaluatorView => ({
    name: active.evaluator.name,
    version: active.evaluator.version,
    description: active.evaluator.description ?? null,
    project: active.project ?? null,
    source: deps.catalog.isConfigured(active.evaluator.name) ? "config" : "api",
    applies_to: active.filters,
  });
  const list = (active: ActiveEvaluator[]): EvaluatorList => ({ evaluators: active.map(describe) });

  app.get("/v1/evaluators", async (request, reply) => {
    const named = namedProject(request);
    if (seesAllProjects(request) && named === undefined)
      return reply.send(list(deps.catalog.visibleTo(undefined)));
    const scope = projectOf(request, named);
    if (isRefusal(scope)) return refuse(reply, scope);
    return reply.send(list(deps.catalog.visibleTo(scope.project)));
  });

  // Stored, and picked up by every replica within the catalog's refresh interval.
  app.post("/v1/evaluators", async (request, reply) => {
    const { named, rest } = splitProject(request.body);
    const scope = projectOf(request, named ?? namedProject(request));
    if (isRefusal(scope)) return refuse(reply, scope);
    const parsed = parseApiEvaluator(rest);
    if (!parsed.success) return badRequest(reply, parsed.error);
    const api = parsed.data;
    if (api.kind === "judge" && !deps.judgeConfigured) {
      return sendError(
        reply,
        "JUDGE_NOT_CONFIGURED",
        "a judge defined through the API needs the service's LLM judge (judge.base_url or OPENAI_API_KEY)",
      );
    }
    if (api.kind === "remote") {
      const problem =
        webhookUrlProblem(api.definition.url) ?? (await deps.guard.check(api.definition.url));
      if (problem) return sendError(reply, "INVALID_REQUEST", `url: ${problem}`);
    }
    try {
      const { active, created } = await deps.catalog.define(api, scope.project);
      return reply.code(created ? 201 : 200).send(describe(active));
    } catch (err) {
      if (err instanceof TracejudgeError && err.code === "EVALUATOR_DUPLICATE")
        return sendError(reply, "EVALUATOR_EXISTS", err.message);
      if (err instanceof TracejudgeError && err.code === "EVALUATOR_INVALID")
        return sendError(reply, "INVALID_REQUEST", err.message);
      throw err;
    }
  });

  app.delete("/v1/evaluators/:name", async (request, reply) => {
    const { name } = request.params as { name: string };
    const scope = projectOf(request, namedProject(request));
    if (isRefusal(scope)) return refuse(reply, scope);
    if (deps.catalog.isConfigured(name)) {
      return sendError(
        reply,
        "EVALUATOR_IN_CONFIG",
        `evaluator "${name}" is defined by the service's configuration`,
      );
    }
    return (await deps.catalog.remove(name, scope.project))
      ? reply.code(204).send()
      : sendError(
          reply,
          "NOT_FOUND",
          `no evaluator named "${name}" was defined through the API${scope.project ? ` in project "${scope.project}"` : " for every project"}`,
        );
  });
}
