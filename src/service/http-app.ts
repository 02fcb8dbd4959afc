import Fastify, { type FastifyInstance, type FastifyRequest } from "fastify";
import type { Logger } from "pino";
import { installAuth } from "../api/auth.ts";
import { installErrorShape } from "../api/error-shape.ts";
import { healthRoutes } from "../api/health-routes.ts";
import type { Config } from "../config/config-schema.ts";
import { installHttpMetrics } from "../metrics/http-metrics.ts";
import type { Metrics } from "../metrics/metrics.ts";
import type { Connections } from "./connections.ts";
import type { EngineQueues } from "./engine-queues.ts";
import type { Stores } from "./stores.ts";

export interface HttpApp {
  app: FastifyInstance;
  /** The caller's ingest rate (API keys): seconds to wait before these items may pass. */
  admit: (request: FastifyRequest, spans: number) => number;
}

/**
 * The HTTP server every role runs, before its routes: request metrics, API keys (with keys
 * configured, every endpoint but /healthz needs one) and the API's error shape for unknown
 * routes and Fastify's own rejections.
 */
export function createHttpApp(config: Config, logger: Logger, metrics: Metrics): HttpApp {
  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
  installHttpMetrics(app, metrics.http.requestDuration);
  // Before any route.
  const { admit } = installAuth(app, config.auth.keys);
  installErrorShape(app, logger);
  return { app, admit };
}

/** `/healthz`, `/readyz` and `/metrics`, which every role serves (a worker only these). */
export async function registerHealthRoutes(
  app: FastifyInstance,
  deps: {
    connections: Pick<Connections, "pool" | "redis">;
    queues: EngineQueues;
    stores: Pick<Stores, "buffer">;
    metrics: Metrics;
  },
): Promise<void> {
  const { queues, metrics } = deps;
  await app.register(healthRoutes, {
    redis: deps.connections.redis,
    pool: deps.connections.pool,
    metrics,
    collect: async () => {
      for (const queue of [queues.ingest, queues.traces, queues.evaluations]) {
        const counts = await queue.getJobCounts("waiting", "active", "delayed", "failed");
        for (const [state, n] of Object.entries(counts))
          metrics.queueDepth.set({ queue: queue.name, state }, n);
      }
      metrics.pendingTraces.set(await deps.stores.buffer.pendingCount());
    },
  });
}
