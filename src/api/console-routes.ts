import type { Queue } from "bullmq";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type pg from "pg";
import type { z } from "zod";
import { ruleKey } from "../alerts/alert-rule-catalog.ts";
import { alertOverview, recentDeliveries } from "../console/alert-queries.ts";
import { registerConsoleAssets } from "../console/console-assets.ts";
import {
  AlertsQuerySchema,
  badRequest,
  DeliveriesQuerySchema,
  EvaluatorsQuerySchema,
  ReleasesQuerySchema,
  ScoresQuerySchema,
  WorstQuerySchema,
} from "../console/console-params.ts";
import type { DeploymentSource } from "../console/deployment-counters.ts";
import { type MetricsSource, pipelineHealth } from "../console/pipeline-health.ts";
import { type QueueBoardOptions, registerQueueBoard } from "../console/queue-board.ts";
import { chartThresholds, type RuleSource } from "../console/rule-view.ts";
import { evaluatorsSeen, releaseComparison, scoreSeries } from "../console/score-queries.ts";
import { worstEvents } from "../console/worst-events.ts";

export interface ConsoleRoutesDeps {
  pool: pg.Pool;
  /** The BullMQ queues: depths in the pipeline health, and bull-board under `/admin/queues`. */
  queues: readonly Queue[];
  /** This process's Prometheus registry (`metrics.registry`): spans received, sampled, skipped. */
  metrics: MetricsSource;
  /** Where every process's counters are published (see `CountersPublisher`): the headline figures. */
  deployment: DeploymentSource;
  /** The alert rules (the service's `AlertRuleCatalog`); without it only stored states show. */
  rules?: RuleSource;
  /** `console.trace_url_template`: `{trace_id}` and `{span_id}` are filled in; null: no links. */
  traceUrlTemplate: string | null;
  /** bull-board: options, or false to leave it out. Default: mounted at `/admin/queues`. */
  queueBoard?: QueueBoardOptions | false;
}

/** Parses the query string or answers 400 naming the parameter. */
function parse<S extends z.ZodType>(
  schema: S,
  request: FastifyRequest,
  reply: FastifyReply,
): z.output<S> | null {
  const parsed = schema.safeParse(request.query ?? {});
  if (parsed.success) return parsed.data;
  badRequest(reply, parsed.error);
  return null;
}

/**
 * The web console: the page at `/` and the JSON it reads (score time series, release comparison,
 * worst eval events, alerts, deliveries, pipeline health), and bull-board at `/admin/queues`.
 */
export async function consoleRoutes(app: FastifyInstance, deps: ConsoleRoutesDeps): Promise<void> {
  // A project's rule shows (and its states are stored) under its key, `project/name`.
  const rules = () => (deps.rules?.all() ?? []).map((rule) => ({ ...rule, name: ruleKey(rule) }));

  app.get("/v1/stats/evaluators", async (request, reply) => {
    const q = parse(EvaluatorsQuerySchema, request, reply);
    if (!q) return reply;
    return reply.send({ evaluators: await evaluatorsSeen(deps.pool, q.since) });
  });

  app.get("/v1/stats/scores", async (request, reply) => {
    const q = parse(ScoresQuerySchema, request, reply);
    if (!q) return reply;
    const { series, truncated } = await scoreSeries(deps.pool, q);
    return reply.send({
      evaluator: q.evaluator,
      bucket_s: q.bucket / 1000,
      since: q.since.toISOString(),
      until: q.until.toISOString(),
      split: q.split,
      series,
      truncated,
      thresholds: chartThresholds(rules(), q.evaluator),
    });
  });

  app.get("/v1/stats/releases", async (request, reply) => {
    const q = parse(ReleasesQuerySchema, request, reply);
    if (!q) return reply;
    return reply.send({
      evaluator: q.evaluator,
      since: q.since.toISOString(),
      services: await releaseComparison(deps.pool, q),
    });
  });

  app.get("/v1/evaluations/worst", async (request, reply) => {
    const q = parse(WorstQuerySchema, request, reply);
    if (!q) return reply;
    return reply.send({
      since: q.since.toISOString(),
      evaluations: await worstEvents(deps.pool, q, deps.traceUrlTemplate),
    });
  });

  app.get("/v1/console/alerts", async (request, reply) => {
    const q = parse(AlertsQuerySchema, request, reply);
    if (!q) return reply;
    return reply.send({ rules: await alertOverview(deps.pool, rules(), q.episodes) });
  });

  app.get("/v1/console/deliveries", async (request, reply) => {
    const q = parse(DeliveriesQuerySchema, request, reply);
    if (!q) return reply;
    return reply.send({ deliveries: await recentDeliveries(deps.pool, q) });
  });

  app.get("/v1/console/health", async (_request, reply) =>
    reply.send(
      await pipelineHealth({
        pool: deps.pool,
        metrics: deps.metrics,
        queues: deps.queues,
        deployment: deps.deployment,
      }),
    ),
  );

  app.get("/v1/console/settings", async (_request, reply) =>
    reply.send({
      trace_url_template: deps.traceUrlTemplate,
      queue_board:
        deps.queueBoard === false ? null : (deps.queueBoard?.basePath ?? "/admin/queues"),
    }),
  );

  await registerConsoleAssets(app);
  if (deps.queueBoard !== false) await registerQueueBoard(app, deps.queues, deps.queueBoard);
}
