import type { FastifyInstance } from "fastify";
import { Histogram, type Registry } from "prom-client";

/** The `route` label of a request that matched no route (a 404): never the raw URL. */
export const UNMATCHED_ROUTE = "unmatched";

export function createHttpMetrics(registry: Registry) {
  return {
    requestDuration: new Histogram({
      name: "tracejudge_http_request_duration_seconds",
      help: "HTTP requests served by this process, by method, route pattern and status code.",
      labelNames: ["method", "route", "status_code"] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
  };
}

/**
 * Times every response of `app` into `histogram`, labelled with the route's pattern
 * (`/v1/traces/:trace_id/evaluations`), so ids in paths do not make a series each. Install it
 * before the routes; requests refused by auth or answered 404 are counted too.
 */
export function installHttpMetrics(
  app: FastifyInstance,
  histogram: ReturnType<typeof createHttpMetrics>["requestDuration"],
): void {
  app.addHook("onResponse", async (request, reply) => {
    histogram.observe(
      {
        method: request.method,
        route: request.routeOptions.url ?? UNMATCHED_ROUTE,
        status_code: String(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    );
  });
}
