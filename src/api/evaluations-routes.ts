import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { decodeCursor, type EvalEventStore } from "../store/eval-event-store.ts";
import { sendError } from "./error-shape.ts";
import { IsoDateTimeSchema } from "./iso-date-time.ts";
import type { EvaluationsPage } from "./response-schemas.ts";

const TraceId = z
  .string()
  .regex(/^[0-9a-fA-F]{32}$/, "must be 32 hex digits")
  .transform((s) => s.toLowerCase());
const SpanId = z
  .string()
  .regex(/^[0-9a-fA-F]{16}$/, "must be 16 hex digits")
  .transform((s) => s.toLowerCase());

/** What `include` may ask for beside the events themselves. */
export const EVALUATION_INCLUDES = ["input"] as const;

/**
 * `include=input` (comma-separated, or the parameter repeated): the set of extras asked for. An
 * unknown value is an error rather than ignored, so that a typo does not look like missing data.
 */
const Include = z.union([z.string(), z.array(z.string())]).transform((value, ctx) => {
  const asked = (Array.isArray(value) ? value : [value])
    .flatMap((v) => v.split(","))
    .map((v) => v.trim())
    .filter((v) => v !== "");
  const unknown = asked.filter((v) => !(EVALUATION_INCLUDES as readonly string[]).includes(v));
  if (unknown.length > 0) {
    ctx.addIssue({
      code: "custom",
      message: `unknown value(s) ${unknown.map((v) => `"${v}"`).join(", ")}; allowed: ${EVALUATION_INCLUDES.join(", ")}`,
    });
    return z.NEVER;
  }
  return new Set(asked);
});

const Passed = z.enum(["true", "false"]).transform((v) => v === "true");
const Name = z.string().min(1);

export const EvaluationsQuerySchema = z
  .object({
    trace_id: TraceId.optional(),
    span_id: SpanId.optional(),
    evaluator: Name.optional(),
    // A half-open range, [since, until): consecutive windows neither miss nor repeat an event.
    since: IsoDateTimeSchema.optional().meta({
      description:
        "Events created at or after this instant (inclusive): an ISO 8601 date-time (UTC when it has no offset) or date (midnight UTC)",
    }),
    until: IsoDateTimeSchema.optional().meta({
      description:
        "Events created before this instant (exclusive), later than `since`: an ISO 8601 date-time (UTC when it has no offset) or date (midnight UTC)",
    }),
    status: z.enum(["ok", "error", "skipped"]).optional(),
    passed: Passed.optional(),
    service_name: Name.optional().meta({
      description: "The judged span's `service.name`",
    }),
    service_version: Name.optional().meta({
      description: "The judged span's `service.version` (its release)",
    }),
    model: Name.optional().meta({
      description: "The judged span's model: `gen_ai.response.model`, else `gen_ai.request.model`",
    }),
    service: Name.optional().meta({ description: "Alias of `service_name`", deprecated: true }),
    release: Name.optional().meta({ description: "Alias of `service_version`", deprecated: true }),
    order: z.enum(["asc", "desc"]).default("asc"),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    /** For admin keys (and an open API): one project's events only. */
    project: Name.optional(),
    cursor: z
      .string()
      .refine((c) => decodeCursor(c) !== null, "is not a cursor this API returned")
      .optional(),
    include: Include.optional(),
  })
  .strict();
export type EvaluationsQuery = z.infer<typeof EvaluationsQuerySchema>;

/** `service` and `release`, the older names, may be given beside the new ones only if they agree. */
function aliasesAgree(q: EvaluationsQuery, ctx: z.RefinementCtx) {
  for (const [alias, name] of [
    ["service", "service_name"],
    ["release", "service_version"],
  ] as const) {
    if (q[alias] !== undefined && q[name] !== undefined && q[alias] !== q[name]) {
      ctx.addIssue({
        code: "custom",
        path: [alias],
        message: `is an alias of ${name}, which names another value`,
      });
    }
  }
}

function rangeIsOrdered(q: EvaluationsQuery, ctx: z.RefinementCtx) {
  if (q.since && q.until && q.until.getTime() <= q.since.getTime()) {
    ctx.addIssue({ code: "custom", path: ["until"], message: "must be later than since" });
  }
}

/** A cursor continues the order it was made in: asking for the other is an error, not a skip. */
function cursorMatchesOrder(q: EvaluationsQuery, ctx: z.RefinementCtx) {
  const cursor = q.cursor === undefined ? null : decodeCursor(q.cursor);
  if (cursor && cursor.order !== q.order) {
    ctx.addIssue({
      code: "custom",
      path: ["cursor"],
      message: `was returned for order=${cursor.order}; ask with order=${cursor.order}, or start again without a cursor`,
    });
  }
}

/** What every query is checked for beyond each parameter alone. */
function checkTogether(q: EvaluationsQuery, ctx: z.RefinementCtx) {
  aliasesAgree(q, ctx);
  rangeIsOrdered(q, ctx);
  cursorMatchesOrder(q, ctx);
}

// Built once: each route's query, its parameters checked against each other. One trace's events
// take the same filters: they narrow a trace of many spans and evaluators as they narrow the list.
const ListQuerySchema = EvaluationsQuerySchema.superRefine(checkTogether);
export const TraceEvaluationsQuerySchema = EvaluationsQuerySchema.omit({ trace_id: true }).extend({
  trace_id: TraceId,
});
const TraceQuerySchema = TraceEvaluationsQuerySchema.superRefine(checkTogether);

/** 400 with one line per bad parameter, naming it. */
export function badRequest(reply: FastifyReply, error: z.ZodError): FastifyReply {
  const problems = error.issues.map((i) =>
    i.code === "unrecognized_keys"
      ? `unknown parameter(s): ${i.keys.join(", ")}`
      : `${i.path.join(".")}: ${i.message}`,
  );
  return sendError(reply, "INVALID_REQUEST", problems.join("; "));
}

export interface EvaluationsRoutesDeps {
  store: EvalEventStore;
}

/** The JSON API over eval events. */
export async function evaluationsRoutes(
  app: FastifyInstance,
  deps: EvaluationsRoutesDeps,
): Promise<void> {
  const answer = async (request: FastifyRequest, reply: FastifyReply, query: EvaluationsQuery) => {
    const serviceName = query.service_name ?? query.service;
    const serviceVersion = query.service_version ?? query.release;
    const project =
      request.caller && !request.caller.admin ? request.caller.project : query.project;
    const page = await deps.store.query({
      // A project's key reads its own project; an admin key every one, or the one it names.
      ...(project ? { project } : {}),
      ...(query.trace_id ? { traceId: query.trace_id } : {}),
      ...(query.span_id ? { spanId: query.span_id } : {}),
      ...(query.evaluator ? { evaluator: query.evaluator } : {}),
      ...(query.since ? { since: query.since } : {}),
      ...(query.until ? { until: query.until } : {}),
      ...(query.status ? { status: query.status } : {}),
      ...(query.passed !== undefined ? { passed: query.passed } : {}),
      ...(serviceName ? { serviceName } : {}),
      ...(serviceVersion ? { serviceVersion } : {}),
      ...(query.model ? { model: query.model } : {}),
      order: query.order,
      ...(query.cursor ? { cursor: query.cursor } : {}),
      limit: query.limit,
      includeInput: query.include?.has("input") ?? false,
    });
    const body: EvaluationsPage = { evaluations: page.events, next_cursor: page.nextCursor };
    return reply.send(body);
  };

  app.get("/v1/evaluations", async (request, reply) => {
    const parsed = ListQuerySchema.safeParse(request.query);
    if (!parsed.success) return badRequest(reply, parsed.error);
    return answer(request, reply, parsed.data);
  });

  app.get("/v1/traces/:trace_id/evaluations", async (request, reply) => {
    const parsed = TraceQuerySchema.safeParse({
      ...(request.query as object),
      ...(request.params as object),
    });
    if (!parsed.success) return badRequest(reply, parsed.error);
    return answer(request, reply, parsed.data);
  });
}
