import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { decodeCursor, type EvalEventStore } from "../store/eval-event-store.ts";

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

// RFC 3339 / ISO 8601: a date, or a date-time with an optional fraction and zone. Date.parse alone
// takes "1" (the year 2001) and "May 3", which the error message promised not to.
const ISO_DATE_TIME =
  /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i;

const Passed = z.enum(["true", "false"]).transform((v) => v === "true");

export const EvaluationsQuerySchema = z
  .object({
    trace_id: TraceId.optional(),
    span_id: SpanId.optional(),
    evaluator: z.string().min(1).optional(),
    since: z
      .string()
      .refine(
        (s) => ISO_DATE_TIME.test(s) && !Number.isNaN(Date.parse(s)),
        "must be an ISO 8601 date-time, such as 2026-12-03T10:00:00Z",
      )
      .transform((s) => new Date(s))
      .optional(),
    status: z.enum(["ok", "error", "skipped"]).optional(),
    passed: Passed.optional(),
    service: z.string().min(1).optional(),
    release: z.string().min(1).optional(),
    order: z.enum(["asc", "desc"]).default("asc"),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    /** For admin keys (and an open API): one project's events only. */
    project: z.string().min(1).optional(),
    cursor: z
      .string()
      .refine((c) => decodeCursor(c) !== null, "is not a cursor this API returned")
      .optional(),
    include: Include.optional(),
  })
  .strict();

/** A cursor continues the order it was made in: asking for the other is an error, not a skip. */
function cursorMatchesOrder(
  q: { cursor?: string | undefined; order: "asc" | "desc" },
  ctx: z.RefinementCtx,
) {
  const cursor = q.cursor === undefined ? null : decodeCursor(q.cursor);
  if (cursor && cursor.order !== q.order) {
    ctx.addIssue({
      code: "custom",
      path: ["cursor"],
      message: `was returned for order=${cursor.order}; ask with order=${cursor.order}, or start again without a cursor`,
    });
  }
}

// Built once: each route's query, with the cursor's order checked against the one asked for.
const ListQuerySchema = EvaluationsQuerySchema.superRefine(cursorMatchesOrder);
const TraceQuerySchema = EvaluationsQuerySchema.omit({ trace_id: true })
  .extend({ trace_id: TraceId })
  .superRefine(cursorMatchesOrder);

/** 400 with one line per bad parameter, naming it. */
export function badRequest(reply: FastifyReply, error: z.ZodError): FastifyReply {
  const problems = error.issues.map((i) =>
    i.code === "unrecognized_keys"
      ? `unknown parameter(s): ${i.keys.join(", ")}`
      : `${i.path.join(".")}: ${i.message}`,
  );
  return reply.code(400).send({ error: "invalid_request", message: problems.join("; ") });
}

export interface EvaluationsRoutesDeps {
  store: EvalEventStore;
}

/** The JSON API over eval events. */
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
      ...(query.status ? { status: query.status } : {}),
      ...(query.passed !== undefined ? { passed: query.passed } : {}),
      ...(query.service ? { service: query.service } : {}),
      ...(query.release ? { release: query.release } : {}),
      order: query.order,
      ...(query.cursor ? { cursor: query.cursor } : {}),
      limit: query.limit,
      includeInput: query.include?.has("input") ?? false,
    });
    return reply.send({ evaluations: page.events, next_cursor: page.nextCursor });
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
