import { randomUUID } from "node:crypto";
import type { Queue } from "bullmq";
import type { OtlpEncoding } from "../otlp/decode-traces.ts";
import type { IngestJob, IngestJobInput, IngestSignal } from "../queues/payloads.ts";
import type { RedisConnection } from "../redis/connect-redis.ts";
import type { ContentCoding } from "./decompress.ts";

/**
 * When a request arrived, in ms, to a fraction of one: records of one span sent in separate
 * requests in the same millisecond keep the order they arrived in (see merge-span-content).
 */
export function receivedNowMs(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * Where acknowledged export requests wait for a worker: the body as it came (compressed or not) under
 * a key of its own, and an `ingest` job pointing at it. Ingest only checks a request and spools
 * it, so its cost stays close to the parse alone; reading, normalising and redacting the spans
 * happen on the workers, which scale out. Bodies carry a TTL as a safety net only: a worker
 * deletes a body once its spans are in the trace buffer. One per process, with a connection for
 * each side: ingest writes over one that fails fast, workers read over one that waits out an
 * outage (so a read spends no attempt).
 */
export class RequestSpool {
  constructor(
    /** Where workers read bodies back and drop them. */
    private readonly redis: RedisConnection,
    /** The ingest queue, on `writes`. */
    private readonly queue: Queue<IngestJobInput>,
    private readonly prefix: string,
    /** How long a body waits for a worker before Redis drops it. */
    readonly ttlSeconds: number,
    /** Where ingest writes bodies (default `redis`). */
    private readonly writes: RedisConnection = redis,
  ) {}

  /** Stores the body, then queues its job; resolves once both are in Redis. */
  async put(
    body: Buffer,
    meta: {
      signal?: IngestSignal;
      encoding: OtlpEncoding;
      coding: ContentCoding;
      bodyBytes: number;
      project: string;
      spans: number;
    },
  ): Promise<void> {
    // The key carries the prefix's hash tag, so on Redis Cluster it shares the queue's slot.
    const bodyKey = `${this.prefix}:ingest:body:${randomUUID()}`;
    await this.writes.set(bodyKey, body, "EX", this.ttlSeconds);
    const job: IngestJobInput = { bodyKey, ...meta, receivedAtMs: receivedNowMs() };
    await this.queue.add("request", job);
  }

  /** The spooled body, or null once it was read and dropped (a redone job has nothing to do). */
  async body(job: IngestJob): Promise<Buffer | null> {
    return this.redis.getBuffer(job.bodyKey);
  }

  async drop(job: IngestJob): Promise<void> {
    await this.redis.del(job.bodyKey);
  }
}
