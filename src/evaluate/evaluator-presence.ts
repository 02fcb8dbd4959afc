import { errorMessage } from "../errors.ts";
import type { RedisConnection } from "../redis/connect-redis.ts";
import type { Logger } from "../util/logger.ts";

export function presenceKeys(prefix: string) {
  return {
    /** Hash: `name@version` → when (ms) a worker last said it has that evaluator version. */
    advertised: `${prefix}:evaluators:advertised`,
  };
}

/** A version no worker has advertised for this long is dropped from the hash at start. */
const FORGET_AFTER_MS = 24 * 3600_000;

export interface EvaluatorPresenceOptions {
  /** How often a worker says again which versions it has. Default 5 s. */
  intervalMs?: number;
  logger: Logger;
}

/**
 * Which evaluator versions the live workers have, shared in Redis: each worker advertises the
 * versions it knows on a timer, and a worker lacking a job's version reads when one was last
 * advertised, to tell a rolling deploy (another worker has it) from a version no worker has.
 * Times are the advertising worker's clock; the waits that read them are tens of seconds, far
 * more than the skew between hosts.
 */
export class EvaluatorPresence {
  private readonly keys: ReturnType<typeof presenceKeys>;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly redis: RedisConnection,
    prefix: string,
    private readonly options: EvaluatorPresenceOptions,
  ) {
    this.keys = presenceKeys(prefix);
  }

  /** Marks these versions (`name@version`) as present now. */
  async advertise(versions: string[], nowMs = Date.now()): Promise<void> {
    if (versions.length === 0) return;
    const fields = Object.fromEntries(versions.map((v) => [v, String(nowMs)]));
    await this.redis.hset(this.keys.advertised, fields);
  }

  /** When each of these versions was last advertised (ms); absent when never. */
  async lastSeen(versions: string[]): Promise<Map<string, number>> {
    const seen = new Map<string, number>();
    if (versions.length === 0) return seen;
    const values = await this.redis.hmget(this.keys.advertised, ...versions);
    versions.forEach((v, i) => {
      const ms = Number(values[i] ?? Number.NaN);
      if (Number.isFinite(ms)) seen.set(v, ms);
    });
    return seen;
  }

  /**
   * Advertises what `versions()` returns now and then every `intervalMs` (an API-defined
   * evaluator's new version joins at the next tick), after dropping versions long unadvertised.
   */
  async start(versions: () => string[]): Promise<void> {
    await this.forgetStale();
    await this.advertise(versions());
    this.timer = setInterval(() => {
      this.advertise(versions()).catch((err) =>
        this.options.logger.warn({ err: errorMessage(err) }, "cannot advertise evaluators"),
      );
    }, this.options.intervalMs ?? 5000);
    this.timer.unref();
  }

  /**
   * Stops advertising. The versions stay in the hash with their last time: other workers of the
   * same deploy keep them fresh, and a version nobody refreshes reads as gone once it is older
   * than the readers' grace.
   */
  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private async forgetStale(nowMs = Date.now()): Promise<void> {
    const all = await this.redis.hgetall(this.keys.advertised);
    const stale = Object.entries(all)
      .filter(([, ms]) => !(Number(ms) > nowMs - FORGET_AFTER_MS))
      .map(([version]) => version);
    if (stale.length > 0) await this.redis.hdel(this.keys.advertised, ...stale);
  }
}
