import { type Logger, pino } from "pino";
import { type Config, type ConfigInput, ConfigSchema } from "../../src/config/config-schema.ts";
import { prepareEvaluators } from "../../src/evaluators/prepare-evaluators.ts";
import { createRedactor } from "../../src/redact/redactor.ts";
import type { EvaluatorWaitOptions } from "../../src/service/hand-back.ts";
import { type RunningService, type ServiceRoles, startService } from "../../src/service/service.ts";
import { deleteRedisPrefix, REDIS_URL, testDatabaseUrl, testRedisPrefix } from "./services.ts";

export interface TestService {
  service: RunningService;
  url: string;
  config: Config;
  /** Stops the service and removes its database and Redis keys. */
  stop: () => Promise<void>;
}

/**
 * The whole service in this process, on a free loopback port, with a database and a Redis prefix
 * of its own and a short trace wait.
 */
export async function startTestService(
  overrides: Partial<ConfigInput> = {},
  options: {
    roles?: ServiceRoles;
    shareWith?: TestService;
    logger?: Logger;
    /** Shorter waits for a worker with a job's evaluator versions. */
    evaluatorWait?: Partial<EvaluatorWaitOptions>;
  } = {},
): Promise<TestService> {
  // A replica of another test service shares its database and Redis prefix, and leaves their
  // removal to it.
  const db = options.shareWith ? null : testDatabaseUrl();
  const prefix = options.shareWith?.config.redis_prefix ?? testRedisPrefix();
  const config = ConfigSchema.parse({
    database_url: options.shareWith?.config.database_url ?? db?.url,
    redis_url: REDIS_URL,
    redis_prefix: prefix,
    trace_wait_ms: 300,
    log_level: "silent",
    ...overrides,
    server: { host: "127.0.0.1", port: 0, ...overrides.server },
    workers: { scan_interval_ms: 50, backoff_ms: 50, ...overrides.workers },
  });
  const { active } = await prepareEvaluators(config);
  const service = await startService(
    {
      config,
      logger: options.logger ?? pino({ level: "silent" }),
      evaluators: active,
      redact: createRedactor(config.redaction).redactSpan,
      ...(options.evaluatorWait ? { evaluatorWait: options.evaluatorWait } : {}),
    },
    options.roles ?? { api: true, workers: true },
  );
  let stopped = false;
  return {
    service,
    url: service.url,
    config,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await service.close();
      if (db) {
        await db.drop();
        await deleteRedisPrefix(prefix);
      }
    },
  };
}
