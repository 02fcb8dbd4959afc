import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import type { Config } from "../config/config-schema.ts";
import type { ActiveEvaluator } from "../evaluators/registry.ts";
import type { LlmSpan } from "../span/llm-span.ts";
import { registerApiRole } from "./api-role.ts";
import { startCatalogs } from "./catalogs.ts";
import { openIngestRedis, openPostgres, openRedis } from "./connections.ts";
import { createEngineQueues, type EngineQueues } from "./engine-queues.ts";
import type { EvaluatorWaitOptions } from "./hand-back.ts";
import { createHttpApp, registerHealthRoutes } from "./http-app.ts";
import { startServiceMetrics } from "./service-metrics.ts";
import type { ServiceRoles } from "./service-roles.ts";
import { ShutdownSequence } from "./shutdown-sequence.ts";
import { createStores } from "./stores.ts";
import { startWebhookDelivery } from "./webhook-delivery.ts";
import { startWorkerRole } from "./worker-role.ts";

export type { EngineQueues } from "./engine-queues.ts";
export type { ServiceRoles } from "./service-roles.ts";

export interface ServiceDeps {
  config: Config;
  logger: Logger;
  evaluators: ActiveEvaluator[];
  redact: (span: LlmSpan) => LlmSpan;
  /** How long a job waits for a worker with its evaluator versions (tests shorten it). */
  evaluatorWait?: Partial<EvaluatorWaitOptions>;
}

export interface RunningService {
  /** `http://host:port`: the API, or only health and metrics for a worker. */
  url: string;
  app: FastifyInstance;
  /** For adding jobs as the service does (`tracejudge reevaluate`); open until `close()`. */
  queues: EngineQueues;
  close(): Promise<void>;
}

/**
 * The composition root: builds what the roles need from the config, one factory per part, in
 * start order. Each factory registers what it starts with the shutdown sequence, which closes
 * them in reverse (stop accepting, drain workers, close queues, then Redis and Postgres).
 * `close()` is idempotent. An API-only process builds no workers and no evaluator machinery; a
 * worker-only one serves only /healthz, /readyz and /metrics.
 */
export async function startService(
  deps: ServiceDeps,
  roles: ServiceRoles,
): Promise<RunningService> {
  const { config, logger } = deps;
  const shutdown = new ShutdownSequence(logger);
  try {
    const pool = await openPostgres(config, logger, shutdown);
    const redis = await openRedis(config, logger, shutdown);
    const { metrics, counters } = startServiceMetrics(redis, config, logger, roles, shutdown);
    const ingestRedis = roles.api ? await openIngestRedis(config, shutdown) : null;
    const connections = { pool, redis, ingestRedis };
    const queues = createEngineQueues(connections, config, logger, shutdown);
    const stores = createStores(connections, queues, config, logger);
    const catalogs = await startCatalogs(pool, config, logger, deps.evaluators, shutdown);
    const deliverer = await startWebhookDelivery(
      { connections, queues, stores, catalogs, metrics, config, logger, worker: roles.workers },
      shutdown,
    );
    const parts = { config, logger, connections, queues, stores, catalogs, deliverer, metrics };
    if (roles.workers) {
      await startWorkerRole(
        {
          ...parts,
          redact: deps.redact,
          ...(deps.evaluatorWait ? { evaluatorWait: deps.evaluatorWait } : {}),
        },
        shutdown,
      );
    }
    const http = createHttpApp(config, logger, metrics);
    if (roles.api && ingestRedis) {
      await registerApiRole(
        http,
        { ...parts, ingestRedis, counters, redact: deps.redact },
        shutdown,
      );
    }
    await registerHealthRoutes(http.app, { connections, queues, stores, metrics });
    // Registered last so it closes first: stop accepting before anything else goes away.
    shutdown.push(() => http.app.close());
    const address = await http.app.listen({ host: config.server.host, port: config.server.port });
    logger.info({ address, roles }, "tracejudge listening");
    return { url: address, app: http.app, queues, close: () => shutdown.close() };
  } catch (err) {
    await shutdown.close();
    throw err;
  }
}
