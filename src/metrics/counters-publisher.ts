import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { Logger } from "pino";
import { errorMessage } from "../errors.ts";
import type { RedisConnection } from "../redis/connect-redis.ts";
import { withTimeout } from "../redis/with-timeout.ts";
import {
  type MetricsSource,
  type ProcessSnapshot,
  processKeys,
  readCounters,
} from "./process-snapshot.ts";

/** An index entry silent this many TTLs is pruned by any publisher (clocks of hosts differ). */
const PRUNE_AFTER_TTLS = 20;
/** The index itself goes once no process has published for this long. */
const INDEX_TTL_MS = 24 * 3600_000;

export interface CountersPublisherOptions {
  /** `api`, `worker` or `api+worker`: shown beside the process in the console. */
  role: string;
  /** How often the snapshot is published. Default 5 s. */
  intervalMs?: number;
  /** How long a snapshot outlives its publish: a dead process drops out after it. Default 3 × `intervalMs`. */
  ttlMs?: number;
  /** The longest a publish (and so `close()`) waits for Redis. Default 2 s. */
  timeoutMs?: number;
  /** Default `Date.now`. */
  now?: () => number;
  /** Default `os.hostname()` and `process.pid`. */
  host?: string;
  pid?: number;
  logger?: Pick<Logger, "warn" | "info">;
}

/**
 * Publishes this process's pipeline counters to Redis every `intervalMs` and once when it stops,
 * one key per process with a TTL, so that any process (the API serving the console) can sum them
 * over the live processes of the deployment. A publish that fails is logged once and tried again
 * at the next tick; it never blocks the process.
 */
export class CountersPublisher {
  /** Random, fixed for the life of this publisher (of the process). */
  readonly id = randomUUID();
  readonly intervalMs: number;
  readonly ttlMs: number;
  private readonly keys: ReturnType<typeof processKeys>;
  private readonly now: () => number;
  private readonly startedAt: string;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private failing = false;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly redis: RedisConnection,
    prefix: string,
    private readonly metrics: MetricsSource,
    private readonly options: CountersPublisherOptions,
  ) {
    this.keys = processKeys(prefix);
    this.intervalMs = options.intervalMs ?? 5000;
    this.ttlMs = options.ttlMs ?? 3 * this.intervalMs;
    this.now = options.now ?? Date.now;
    this.startedAt = new Date(this.now()).toISOString();
  }

  /** This process's snapshot as of now, without publishing it. */
  async snapshot(): Promise<ProcessSnapshot> {
    return {
      id: this.id,
      role: this.options.role,
      host: this.options.host ?? hostname(),
      pid: this.options.pid ?? process.pid,
      started_at: this.startedAt,
      published_at: new Date(this.now()).toISOString(),
      counters: await readCounters(this.metrics),
    };
  }

  /** Publishes now and then every `intervalMs` (the timer does not keep the process alive). */
  start(): void {
    if (this.timer || this.closing) return;
    this.tick();
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    this.timer.unref();
  }

  /** One publish; a tick while the previous one still waits on Redis is skipped, not queued. */
  private tick(): void {
    if (this.inFlight) return;
    this.inFlight = this.publish()
      .then(
        () => {
          if (this.failing) this.options.logger?.info("publishing the counters again");
          this.failing = false;
        },
        (err) => {
          if (!this.failing)
            this.options.logger?.warn(
              { err: errorMessage(err) },
              "cannot publish the counters for the console",
            );
          this.failing = true;
        },
      )
      .finally(() => {
        this.inFlight = undefined;
      });
  }

  /** Writes the snapshot and marks this process seen, in one transaction. */
  async publish(): Promise<void> {
    const snapshot = await this.snapshot();
    const at = this.now();
    const results = await withTimeout(
      this.redis
        .multi()
        .set(this.keys.snapshot(this.id), JSON.stringify(snapshot), "PX", this.ttlMs)
        .zadd(this.keys.index, at, this.id)
        .zremrangebyscore(this.keys.index, "-inf", at - PRUNE_AFTER_TTLS * this.ttlMs)
        .pexpire(this.keys.index, INDEX_TTL_MS)
        .exec(),
      this.options.timeoutMs ?? 2000,
    );
    const failed = results?.find(([err]) => err)?.[0];
    if (failed) throw failed;
  }

  /**
   * Stops the timer and publishes a last time (the final counts stay visible for the TTL, then
   * the process drops out). Idempotent; never waits on Redis longer than `timeoutMs`.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      clearInterval(this.timer);
      this.timer = undefined;
      await this.inFlight;
      await this.publish().catch((err) =>
        this.options.logger?.warn({ err: errorMessage(err) }, "cannot publish the last counters"),
      );
    })();
    return this.closing;
  }
}
