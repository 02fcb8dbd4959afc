import type { FastifyReply } from "fastify";
import { z } from "zod";
import { isDuration, parseDuration } from "../alerts/duration.ts";
import { sendError } from "../api/error-shape.ts";

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** The most buckets one time series request may ask for. */
export const MAX_BUCKETS = 1500;
/** The ways a score series can be split. */
export const SPLITS = ["release", "service", "model"] as const;
export type Split = (typeof SPLITS)[number];

const DateTime = z
  .string()
  .refine((s) => !Number.isNaN(Date.parse(s)), "must be an ISO 8601 date-time")
  .transform((s) => new Date(s));

const Bucket = z
  .string()
  .refine(isDuration, "must be a duration such as 10s, 1m, 5m, 1h or 1d")
  .transform(parseDuration)
  .refine((ms) => ms >= 1000 && ms <= 7 * DAY_MS, "must be between 1s and 7d");

const SplitList = z
  .string()
  .transform((s) =>
    s
      .split(",")
      .map((p) => p.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.enum(SPLITS, { message: `must list some of ${SPLITS.join(", ")}` })))
  .transform((list) => [...new Set(list)]);

const Evaluator = z
  .string({ error: (issue) => (issue.input === undefined ? "is required" : "must be a string") })
  .trim()
  .min(1, "is required");
const Limit = (max: number, fallback: number) =>
  z.coerce.number().int().min(1).max(max).default(fallback);

/** `GET /v1/stats/scores`: mean score and count per bucket, one series per split value. */
export const ScoresQuerySchema = z
  .object({
    evaluator: Evaluator,
    bucket: Bucket.default(60_000),
    since: DateTime.optional(),
    until: DateTime.optional(),
    split: SplitList.default([...SPLITS]),
  })
  .strict()
  .transform((q, ctx) => {
    const until = q.until ?? new Date();
    const since = q.since ?? new Date(until.getTime() - 6 * HOUR_MS);
    if (since >= until) {
      ctx.addIssue({ code: "custom", path: ["since"], message: "must be before until" });
      return z.NEVER;
    }
    if ((until.getTime() - since.getTime()) / q.bucket > MAX_BUCKETS) {
      ctx.addIssue({
        code: "custom",
        path: ["bucket"],
        message: `too small for the range: at most ${MAX_BUCKETS} buckets`,
      });
      return z.NEVER;
    }
    return { ...q, since, until };
  });
export type ScoresQuery = z.output<typeof ScoresQuerySchema>;

/** `GET /v1/stats/releases`: each service's newest release against the one before. */
export const ReleasesQuerySchema = z
  .object({
    evaluator: Evaluator,
    service: z.string().trim().min(1).optional(),
    since: DateTime.optional(),
  })
  .strict()
  .transform((q) => ({ ...q, since: q.since ?? new Date(Date.now() - 30 * DAY_MS) }));
export type ReleasesQuery = z.output<typeof ReleasesQuerySchema>;

/** `GET /v1/evaluations/worst`: the lowest scores since `since` (default the last 24 hours). */
export const WorstQuerySchema = z
  .object({
    evaluator: z.string().trim().min(1).optional(),
    since: DateTime.optional(),
    limit: Limit(200, 20),
  })
  .strict()
  .transform((q) => ({ ...q, since: q.since ?? new Date(Date.now() - DAY_MS) }));
export type WorstQuery = z.output<typeof WorstQuerySchema>;

/** `GET /v1/stats/evaluators`: the evaluators with eval events since `since` (default 30 days). */
export const EvaluatorsQuerySchema = z
  .object({ since: DateTime.optional() })
  .strict()
  .transform((q) => ({ since: q.since ?? new Date(Date.now() - 30 * DAY_MS) }));

/** `GET /v1/console/alerts`: rules with states and their latest episodes. */
export const AlertsQuerySchema = z.object({ episodes: Limit(50, 5) }).strict();

/** `GET /v1/console/deliveries`: the latest webhook deliveries with their attempts. */
export const DeliveriesQuerySchema = z
  .object({
    status: z.enum(["pending", "delivered", "dead"]).optional(),
    webhook: z.string().trim().min(1).optional(),
    limit: Limit(200, 20),
  })
  .strict();
export type DeliveriesQuery = z.output<typeof DeliveriesQuerySchema>;

/** 400 with one line per bad parameter, naming it. */
export function badRequest(reply: FastifyReply, error: z.ZodError): FastifyReply {
  const problems = error.issues.map((i) =>
    i.code === "unrecognized_keys"
      ? `unknown parameter(s): ${i.keys.join(", ")}`
      : `${i.path.join(".") || "(query)"}: ${i.message}`,
  );
  return sendError(reply, "INVALID_REQUEST", problems.join("; "));
}
