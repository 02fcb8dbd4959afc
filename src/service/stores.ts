import type { Logger } from "pino";
import { AlertStateStore } from "../alerts/alert-state-store.ts";
import { TraceBuffer } from "../buffer/trace-buffer.ts";
import type { Config } from "../config/config-schema.ts";
import { RequestSpool } from "../ingest/request-spool.ts";
import { EvalEventStore } from "../store/eval-event-store.ts";
import { WebhookStore } from "../webhooks/webhook-store.ts";
import type { Connections } from "./connections.ts";
import type { EngineQueues } from "./engine-queues.ts";

/** What both roles read and write, over Redis and Postgres; none holds a resource of its own. */
export interface Stores {
  /** Where acknowledged requests wait: written by the API, read back by the workers. */
  spool: RequestSpool;
  /** Spans waiting for their trace to go quiet. */
  buffer: TraceBuffer;
  evalStore: EvalEventStore;
  alertStates: AlertStateStore;
  /** Webhooks defined through the API. */
  apiWebhooks: WebhookStore;
}

export function createStores(
  { pool, redis, ingestRedis }: Connections,
  queues: Pick<EngineQueues, "ingest">,
  config: Config,
  logger: Logger,
): Stores {
  return {
    spool: new RequestSpool(
      redis,
      queues.ingest,
      config.redis_prefix,
      config.trace_buffer_ttl_s,
      ingestRedis ?? redis,
    ),
    buffer: new TraceBuffer(redis, config.redis_prefix, config.trace_buffer_ttl_s),
    evalStore: new EvalEventStore(pool),
    alertStates: new AlertStateStore(pool),
    apiWebhooks: new WebhookStore(pool, logger),
  };
}
