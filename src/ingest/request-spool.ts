import { randomUUID } from "node:crypto";
import type { Queue } from "bullmq";
import { z } from "zod";
import type { OtlpEncoding } from "../otlp/decode-traces.ts";
import type { RedisConnection } from "../redis/connect-redis.ts";
import type { ContentCoding } from "./decompress.ts";

/** Queue of "this acknowledged export request waits to be read" jobs. */
export const INGEST_QUEUE = "ingest";

/** Payload of an `ingest` job: where the request's body waits, and how to read it. */
export const IngestJobSchema = z.object({
  bodyKey: z.string(),
  /** Which export request the body is; absent in jobs of builds that took traces only. */
  signal: z.enum(["traces", "logs"]).default("traces"),
  encoding: z.enum(["protobuf", "json"]),
  /** The body is spooled as it came; absent in jobs of builds that spooled it inflated. */
  coding: z.enum(["identity", "gzip", "deflate"]).default("identity"),
  /** Its size once inflated, as ingest checked it (the limit when a worker inflates it again). */
  bodyBytes: z.number().int().nonnegative().optional(),
  /** The project of the key that sent it; its spans belong to that project. */
  project: z.string(),
  /** Spans (log records joined to spans, for logs) the request was acknowledged with (for progress and metrics). */
  spans: z.number().int().nonnegative(),
  receivedAtMs: z.number(),
});
export type IngestJob = z.infer<typeof IngestJobSchema>;
export type IngestSignal = IngestJob["signal"];
/** A job as written (defaults not yet applied). */
export type IngestJobInput = z.input<typeof IngestJobSchema>;

/**
 * Where acknowledged export requests wait for a worker: the body as it came (compressed or not) under
 * a key of its own, and an `ingest` job pointing at it. Ingest only checks a request and spools
 * it, so its cost stays close to the parse alone; reading, normalising and redacting the spans
 * happen on the workers, which scale out. Bodies carry a TTL as a safety net only: a worker
 * deletes a body once its spans are in the trace buffer.
 */
export class RequestSpool {
  constructor(
    private readonly redis: RedisConnection,
    private readonly queue: Queue,
    private readonly prefix: string,
    /** How long a body waits for a worker before Redis drops it. */
    readonly ttlSeconds: number,
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
    await this.redis.set(bodyKey, body, "EX", this.ttlSeconds);
    // Sub-millisecond: records of one span sent in separate requests in the same millisecond
    // keep the order they arrived in (see merge-span-content).
    const receivedAtMs = performance.timeOrigin + performance.now();
    const job: IngestJobInput = { bodyKey, ...meta, receivedAtMs };
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
