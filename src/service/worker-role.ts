import type { Queue } from "bullmq";
import type { Logger } from "pino";
import { AlertEngine } from "../alerts/alert-engine.ts";
import { AlertScheduler } from "../alerts/alert-scheduler.ts";
import type { Config } from "../config/config-schema.ts";
import { errorMessage } from "../errors.ts";
import { EvaluatorPresence } from "../evaluate/evaluator-presence.ts";
import { createJudge } from "../judge/create-judge.ts";
import type { Judge } from "../judge/judge.ts";
import { SharedRateLimiters } from "../judge/shared-token-bucket.ts";
import type { Metrics } from "../metrics/metrics.ts";
import { normalizeSpan } from "../normalize/normalize-span.ts";
import type { RedisConnection } from "../redis/connect-redis.ts";
import type { LlmSpan } from "../span/llm-span.ts";
import { SpanStore } from "../store/span-store.ts";
import type { WebhookDeliverer } from "../webhooks/webhook-deliverer.ts";
import type { Catalogs } from "./catalogs.ts";
import type { Connections } from "./connections.ts";
import type { EngineQueues } from "./engine-queues.ts";
import { EVALUATOR_WAIT_DEFAULTS, EvaluatorWait, type EvaluatorWaitOptions } from "./hand-back.ts";
import type { Closers } from "./shutdown-sequence.ts";
import { startWorkers } from "./start-workers.ts";
import type { Stores } from "./stores.ts";

export interface WorkerRoleDeps {
  config: Config;
  logger: Logger;
  connections: Pick<Connections, "pool" | "redis">;
  queues: EngineQueues;
  stores: Stores;
  catalogs: Catalogs;
  deliverer: WebhookDeliverer;
  metrics: Metrics;
  redact: (span: LlmSpan) => LlmSpan;
  evaluatorWait?: Partial<EvaluatorWaitOptions>;
}

/**
 * The worker role: the evaluator machinery (the judge, the evaluator versions advertised to other
 * replicas, the alert engine and its clock) and the workers that run on it. An API-only process
 * builds none of it.
 */
export async function startWorkerRole(deps: WorkerRoleDeps, closers: Closers): Promise<void> {
  const { config, logger, connections, queues, stores, catalogs, deliverer, metrics } = deps;
  const { pool, redis } = connections;
  const alertScheduler = new AlertScheduler(queues.alerts, catalogs.alertRules, {
    debounceMs: config.alerts.debounce_ms,
    tickMs: config.alerts.tick_ms,
  });
  const alertEngine = new AlertEngine({
    pool,
    states: stores.alertStates,
    rules: catalogs.alertRules,
    deliverer,
    logger,
  });
  const judge = startJudge(redis, queues.evaluations, config, logger, metrics, closers);
  const waitOptions = { ...EVALUATOR_WAIT_DEFAULTS, ...deps.evaluatorWait };
  // Advertised several times per grace, so a live worker's versions never read as gone.
  const presence = new EvaluatorPresence(redis, config.redis_prefix, {
    intervalMs: Math.min(5000, waitOptions.graceMs / 6),
    logger,
  });
  await presence.start(() => catalogs.evaluators.knownKeys());
  closers.push(() => presence.close());
  await startWorkers({
    config,
    logger,
    closers,
    metrics,
    spool: stores.spool,
    normalize: normalizeSpan,
    redact: deps.redact,
    buffer: stores.buffer,
    spanStore: new SpanStore(pool),
    evalStore: stores.evalStore,
    tracesQueue: queues.traces,
    evaluationsQueue: queues.evaluations,
    catalog: catalogs.evaluators,
    evaluatorWait: new EvaluatorWait({ evaluators: catalogs.evaluators, presence }, waitOptions),
    judge,
    alertScheduler,
    alertEngine,
    deliverer,
  });
}

/**
 * One judge per process, shared by every evaluator; `null` without `judge` in the config. While
 * the provider is down the circuit opens and the evaluations queue is paused (for every replica)
 * instead of burning attempts. Its rate limits are kept in Redis: every process under the prefix
 * shares them.
 */
function startJudge(
  redis: RedisConnection,
  evaluationsQueue: Queue,
  config: Config,
  logger: Logger,
  metrics: Metrics,
  closers: Closers,
): Judge | null {
  if (!config.judge) return null;
  const limiters = new SharedRateLimiters({ redis, prefix: config.redis_prefix });
  closers.push(() => limiters.close());
  const judge = createJudge(config.judge, {
    redis,
    prefix: config.redis_prefix,
    logger,
    limiters,
    observer: metrics.judge.observer,
    hooks: {
      onOpen: () => {
        logger.warn("judge unavailable: pausing the evaluations queue");
        evaluationsQueue
          .pause()
          .catch((err) => logger.warn({ err: errorMessage(err) }, "cannot pause"));
      },
      onClose: () => {
        logger.info("judge available again: resuming the evaluations queue");
        evaluationsQueue
          .resume()
          .catch((err) => logger.warn({ err: errorMessage(err) }, "cannot resume"));
      },
    },
  });
  closers.push(() => judge.close());
  return judge;
}
