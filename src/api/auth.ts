import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { OTLP_ROUTES } from "../ingest/ingest-routes.ts";
import { encodingOf, sendOtlpError } from "../ingest/otlp-response.ts";
import type { ApiKey } from "./auth-config.ts";
import { sendError } from "./error-shape.ts";

/** Who made a request. */
export interface Caller {
  key: string;
  project: string;
  admin: boolean;
}

export function hashKey(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

/**
 * The key a bearer token is, compared in constant time against every configured key (all of them,
 * so the time taken does not tell which one came close).
 */
export function authenticate(header: string | undefined, keys: readonly ApiKey[]): ApiKey | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  if (!match) return null;
  const given = createHash("sha256")
    .update(match[1] as string)
    .digest();
  let found: ApiKey | null = null;
  for (const key of keys) {
    if (timingSafeEqual(given, Buffer.from(key.sha256, "hex")) && !found) found = key;
  }
  return found;
}

/**
 * Routes a project's key may use, each scoped to the key's project by its handler: traces and
 * logs in, eval events, and the evaluators, alert rules, webhooks and deliveries the project owns.
 * Everything else (the console, metrics, health details, bull-board) needs an admin key.
 */
export const PROJECT_ROUTES = new Set([
  "POST /v1/traces",
  "POST /tracer/v1/traces",
  "POST /v1/logs",
  "GET /v1/evaluations",
  "GET /v1/traces/:trace_id/evaluations",
  "GET /v1/evaluators",
  "POST /v1/evaluators",
  "DELETE /v1/evaluators/:name",
  "GET /v1/alert-rules",
  "POST /v1/alert-rules",
  "GET /v1/alert-rules/:name",
  "PUT /v1/alert-rules/:name",
  "DELETE /v1/alert-rules/:name",
  "POST /v1/alert-rules/:name/test",
  "GET /v1/alerts",
  "GET /v1/webhooks",
  "POST /v1/webhooks",
  "GET /v1/webhooks/:name",
  "PUT /v1/webhooks/:name",
  "DELETE /v1/webhooks/:name",
  "GET /v1/deliveries",
  "GET /v1/deliveries/:id",
  "POST /v1/deliveries/:id/redeliver",
]);
/**
 * Routes open without a key. The console's page and assets hold no data (what they fetch needs a
 * key like any request), nor does the OpenAPI document, which clients and code generators fetch
 * before they hold a key.
 */
export const OPEN_ROUTES: ReadonlySet<string> = new Set([
  "GET /healthz",
  "GET /openapi.json",
  "GET /",
  "GET /console/*",
  "GET /console/vendor/*",
]);

/** Per-key spans-per-second buckets with a one-second burst. */
class IngestLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  /** 0 when the spans may pass, else the seconds to wait. */
  take(key: ApiKey, spans: number, now = Date.now()): number {
    const rate = key.ingest_spans_per_s;
    if (rate === undefined) return 0;
    const bucket = this.buckets.get(key.name) ?? { tokens: rate, at: now };
    bucket.tokens = Math.min(rate, bucket.tokens + ((now - bucket.at) / 1000) * rate);
    bucket.at = now;
    this.buckets.set(key.name, bucket);
    if (bucket.tokens >= Math.min(spans, rate)) {
      bucket.tokens -= spans;
      return 0;
    }
    return Math.max(1, Math.ceil((Math.min(spans, rate) - bucket.tokens) / rate));
  }
}

declare module "fastify" {
  interface FastifyRequest {
    caller: Caller | null;
  }
}

/**
 * With keys configured, every endpoint but `OPEN_ROUTES` (`/healthz`, `/openapi.json`, the
 * console's page) needs `Authorization: Bearer <key>` (OTLP exporters send it as a header): 401
 * without a valid key, 403 for an endpoint the key's project may not use, 429 with Retry-After
 * past the key's ingest rate. On the OTLP routes the 401 and 403 are OTLP Status bodies.
 */
export function installAuth(
  app: FastifyInstance,
  keys: readonly ApiKey[],
): { admit: (request: FastifyRequest, spans: number) => number } {
  app.decorateRequest("caller", null);
  if (keys.length === 0) return { admit: () => 0 };
  const limiter = new IngestLimiter();
  const byName = new Map(keys.map((k) => [k.name, k]));
  app.addHook("onRequest", async (request: FastifyRequest, reply: FastifyReply) => {
    const route = `${request.method} ${request.routeOptions.url ?? request.url.split("?")[0]}`;
    if (OPEN_ROUTES.has(route)) return;
    const key = authenticate(request.headers.authorization, keys);
    // An OTLP exporter reads failures as an OTLP Status in its own encoding (the spec's rule).
    const otlp = OTLP_ROUTES.has(route);
    const otlpEncoding = () => encodingOf(request.headers["content-type"]) ?? "json";
    if (!key && otlp) {
      reply.header("www-authenticate", 'Bearer realm="tracejudge"');
      return sendOtlpError(reply, otlpEncoding(), 401, "send Authorization: Bearer <API key>");
    }
    if (!key) {
      reply.header("www-authenticate", 'Bearer realm="tracejudge"');
      return sendError(reply, "UNAUTHORIZED", "send Authorization: Bearer <API key>");
    }
    if (!key.admin && !PROJECT_ROUTES.has(route)) {
      if (otlp) {
        const message = `the key "${key.name}" may not use ${route}`;
        return sendOtlpError(reply, otlpEncoding(), 403, message);
      }
      return sendError(reply, "FORBIDDEN", `the key "${key.name}" may not use ${route}`);
    }
    request.caller = { key: key.name, project: key.project, admin: key.admin };
  });
  return {
    // Counted by the ingest route once the spans are known: seconds to wait, 0 to go on.
    admit: (request, spans) => {
      const key = request.caller ? byName.get(request.caller.key) : undefined;
      return key ? limiter.take(key, spans) : 0;
    },
  };
}
