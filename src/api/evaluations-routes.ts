import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { TracejudgeError } from "../errors.ts";
import { ConfigJudgeSchema } from "../evaluators/config-judge.ts";
import type { EvaluatorCatalog } from "../evaluators/evaluator-catalog.ts";
import type { ActiveEvaluator } from "../evaluators/registry.ts";
import { decodeCursor, type EvalEventStore } from "../store/eval-event-store.ts";

const TraceId = z
  .string()
  .regex(/^[0-9a-fA-F]{32}$/, "must be 32 hex digits")
  .transform((s) => s.toLowerCase());
const SpanId = z
  .string()
  .regex(/^[0-9a-fA-F]{16}$/, "must be 16 hex digits")
  .transform((s) => s.toLowerCase());

export const EvaluationsQuerySchema = z
  .object({
    trace_id: TraceId.optional(),
    span_id: SpanId.optional(),
    evaluator: z.string().min(1).optional(),
    since: z
      .string()
      .refine((s) => !Number.isNaN(Date.parse(s)), "must be an ISO 8601 date-time")
      .transform((s) => new Date(s))
      .optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    /** For admin keys (and an open API): one project's events only. */
    project: z.string().min(1).optional(),
    cursor: z
      .string()
      .refine((c) => decodeCursor(c) !== null, "is not a cursor this API returned")
      .optional(),
  })
  .strict();

/** 400 with one line per bad parameter, naming it. */
function badRequest(reply: FastifyReply, error: z.ZodError): FastifyReply {
  const problems = error.issues.map((i) =>
    i.code === "unrecognized_keys"
      ? `unknown parameter(s): ${i.keys.join(", ")}`
      : `${i.path.join(".")}: ${i.message}`,
  );
  return reply.code(400).send({ error: "invalid_request", message: problems.join("; ") });
}

export interface EvaluationsRoutesDeps {
  store: EvalEventStore;
  catalog: EvaluatorCatalog;
  /** Whether an LLM judge is configured (judges defined through the API need one). */
  judgeConfigured: boolean;
}

/** The JSON API over eval events and evaluators. */
export async function evaluationsRoutes(
  app: FastifyInstance,
  deps: EvaluationsRoutesDeps,
): Promise<void> {
  const answer = async (
    request: FastifyRequest,
    reply: FastifyReply,
    query: z.infer<typeof EvaluationsQuerySchema>,
  ) => {
    const project =
      request.caller && !request.caller.admin ? request.caller.project : query.project;
    const page = await deps.store.query({
      // A project's key reads its own project; an admin key every one, or the one it names.
      ...(project ? { project } : {}),
      ...(query.trace_id ? { traceId: query.trace_id } : {}),
      ...(query.span_id ? { spanId: query.span_id } : {}),
      ...(query.evaluator ? { evaluator: query.evaluator } : {}),
      ...(query.since ? { since: query.since } : {}),
      ...(query.cursor ? { cursor: query.cursor } : {}),
      limit: query.limit,
    });
    return reply.send({ evaluations: page.events, next_cursor: page.nextCursor });
  };

  app.get("/v1/evaluations", async (request, reply) => {
    const parsed = EvaluationsQuerySchema.safeParse(request.query);
    if (!parsed.success) return badRequest(reply, parsed.error);
    return answer(request, reply, parsed.data);
  });

  app.get("/v1/traces/:trace_id/evaluations", async (request, reply) => {
    const parsed = EvaluationsQuerySchema.omit({ trace_id: true })
      .extend({ trace_id: TraceId })
      .safeParse({ ...(request.query as object), ...(request.params as object) });
    if (!parsed.success) return badRequest(reply, parsed.error);
    return answer(request, reply, parsed.data);
  });

  const describe = (active: ActiveEvaluator) => ({
    name: active.evaluator.name,
    version: active.evaluator.version,
    description: active.evaluator.description ?? null,
    source: deps.catalog.isApiDefined(active.evaluator.name) ? "api" : "config",
    applies_to: active.filters,
  });

  app.get("/v1/evaluators", async (_request, reply) =>
    reply.send({ evaluators: deps.catalog.active().map(describe) }),
  );

  // A judge defined by configuration alone, through the API: stored, and picked up by every
  // replica within the catalog's refresh interval.
  app.post("/v1/evaluators", async (request, reply) => {
    const parsed = ConfigJudgeSchema.safeParse(request.body);
    if (!parsed.success) return badRequest(reply, parsed.error);
    if (!deps.judgeConfigured) {
      return reply.code(409).send({
        error: "judge_not_configured",
        message:
          "a judge defined through the API needs the service's LLM judge (judge.base_url or OPENAI_API_KEY)",
      });
    }
    try {
      const { active, created } = await deps.catalog.define(parsed.data);
      return reply.code(created ? 201 : 200).send(describe(active));
    } catch (err) {
      if (err instanceof TracejudgeError && err.code === "EVALUATOR_DUPLICATE") {
        return reply.code(409).send({ error: "evaluator_exists", message: err.message });
      }
      throw err;
    }
  });

  app.delete("/v1/evaluators/:name", async (request, reply) => {
    const { name } = request.params as { name: string };
    if (!deps.catalog.isApiDefined(name)) {
      return reply.code(409).send({
        error: "evaluator_in_config",
        message: `evaluator "${name}" is defined by the service's configuration`,
      });
    }
    return (await deps.catalog.remove(name))
      ? reply.code(204).send()
      : reply.code(404).send({
          error: "not_found",
          message: `no judge named "${name}" was defined through the API`,
        });
  });
}
