import { mergeSpanContent } from "../logs/merge-span-content.ts";
import { type SpanContent, SpanContentSchema } from "../logs/span-content.ts";
import type { RedisConnection } from "../redis/connect-redis.ts";
import { type LlmSpan, LlmSpanSchema } from "../span/llm-span.ts";

/**
 * Redis keys of the trace buffer. Every key starts with the configured hash-tag prefix, so that on
 * Redis Cluster they share one slot with the queues and scripts may touch several of them.
 */
export function bufferKeys(prefix: string) {
  return {
    /** Sorted set: trace id → time (ms) its last span arrived. Due traces are the old ones. */
    pending: `${prefix}:traces:pending`,
    /** List of the trace's spans and log content entries as JSON, in arrival order. */
    spans: (traceId: string) => `${prefix}:trace:${traceId}:spans`,
    /** Set of LLM span ids whose evaluations were already dispatched. */
    dispatched: (traceId: string) => `${prefix}:trace:${traceId}:dispatched`,
    /** The scanner holding the scan, with a time limit: one pass at a time across workers. */
    scanning: `${prefix}:traces:scanning`,
  };
}

/**
 * Removes traces (ARGV: id, score, id, score, …) from the pending set, each only if no span arrived
 * since the caller read it; returns how many it removed.
 */
const RELEASE_SCRIPT = `
local removed = 0
for i = 1, #ARGV, 2 do
  local score = redis.call('ZSCORE', KEYS[1], ARGV[i])
  if score and tonumber(score) == tonumber(ARGV[i + 1]) then
    redis.call('ZREM', KEYS[1], ARGV[i])
    removed = removed + 1
  end
end
return removed`;

/** Deletes KEYS[1] only if it still holds ARGV[1]: a lease is ended only by its holder. */
const END_LEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`;

/** Whether a buffered entry is log content rather than a span (spans have no `entry` field). */
function isContentEntry(value: unknown): boolean {
  return typeof value === "object" && value !== null && "entry" in value;
}

/**
 * A trace as buffered: its spans, once per id, with the content of their log records merged in,
 * and the span ids already dispatched.
 */
export interface BufferedTrace {
  spans: LlmSpan[];
  dispatched: Set<string>;
}

/** JSON.parse, or null for text that is not JSON: one bad entry must not sink its batch. */
function parseOrNull(json: string): unknown {
  try {
    return JSON.parse(json);
  } catch {
    return null;
  }
}

export interface DueTrace {
  traceId: string;
  /** When its last span arrived (ms); identifies this "generation" of the trace. */
  lastSeenMs: number;
}

/**
 * The short-lived home of spans between ingest and assembly. Ingest appends; the scanner finds
 * traces that have been quiet for the trace wait; the assembler reads them and marks what it
 * dispatched. Nothing here is the system of record: entries expire after the TTL.
 */
export class TraceBuffer {
  private readonly keys: ReturnType<typeof bufferKeys>;

  constructor(
    private readonly redis: RedisConnection,
    prefix: string,
    private readonly ttlSeconds: number,
  ) {
    this.keys = bufferKeys(prefix);
  }

  /** Appends spans (grouped by trace) and marks each trace as seen now, in one round trip. */
  async append(spans: LlmSpan[], nowMs = Date.now()): Promise<void> {
    await this.appendEntries(spans, nowMs);
  }

  /**
   * Appends GenAI content read from log records beside their trace's spans, and marks each trace
   * as seen now: a record extends its trace's wait as a span does, whichever arrives first.
   */
  async appendContent(contents: SpanContent[], nowMs = Date.now()): Promise<void> {
    await this.appendEntries(contents, nowMs);
  }

  private async appendEntries(
    entries: readonly { traceId: string }[],
    nowMs: number,
  ): Promise<void> {
    if (entries.length === 0) return;
    const byTrace = new Map<string, string[]>();
    for (const entry of entries) {
      const list = byTrace.get(entry.traceId) ?? [];
      list.push(JSON.stringify(entry));
      byTrace.set(entry.traceId, list);
    }
    const pipeline = this.redis.multi();
    for (const [traceId, json] of byTrace) {
      const key = this.keys.spans(traceId);
      pipeline.rpush(key, ...json);
      pipeline.expire(key, this.ttlSeconds);
      pipeline.zadd(this.keys.pending, nowMs, traceId);
    }
    const results = await pipeline.exec();
    const failed = results?.find(([err]) => err);
    if (failed) throw failed[0];
  }

  /** Traces whose last span arrived at or before `quietSinceMs`, oldest first. */
  async due(quietSinceMs: number, limit: number): Promise<DueTrace[]> {
    const flat = await this.redis.zrangebyscore(
      this.keys.pending,
      "-inf",
      quietSinceMs,
      "WITHSCORES",
      "LIMIT",
      0,
      limit,
    );
    const out: DueTrace[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) {
      out.push({ traceId: flat[i] as string, lastSeenMs: Number(flat[i + 1]) });
    }
    return out;
  }

  /**
   * Takes the scan lease for `owner` unless another scanner holds it; it lapses after `ttlMs`, so
   * a scanner that died holding it delays the next pass by that much at most.
   */
  async claimScan(owner: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(this.keys.scanning, owner, "PX", ttlMs, "NX")) === "OK";
  }

  /** Gives the scan lease back, if `owner` still holds it. */
  async endScan(owner: string): Promise<void> {
    await this.redis.eval(END_LEASE_SCRIPT, 1, this.keys.scanning, owner);
  }

  /**
   * Drops traces from the pending set, each unless newer spans arrived since it was read, in one
   * round trip; returns how many were dropped.
   */
  async release(traces: DueTrace[]): Promise<number> {
    if (traces.length === 0) return 0;
    const args = traces.flatMap((t) => [t.traceId, String(t.lastSeenMs)]);
    return Number(await this.redis.eval(RELEASE_SCRIPT, 1, this.keys.pending, ...args));
  }

  /**
   * Every buffered span of the trace, once per span id (a redone ingest job, or an exporter's
   * retry, appends a span again: the last copy wins), with its log records' GenAI content merged
   * in; entries that do not parse (an older build's) are skipped.
   */
  async read(traceId: string): Promise<LlmSpan[]> {
    return (await this.readTraces([traceId]))[0]?.spans ?? [];
  }

  /**
   * Each trace's spans (as `read`) and the span ids already dispatched, for many traces in one
   * round trip, in the order asked.
   */
  async readTraces(traceIds: string[]): Promise<BufferedTrace[]> {
    if (traceIds.length === 0) return [];
    const multi = this.redis.multi();
    for (const traceId of traceIds) {
      multi.lrange(this.keys.spans(traceId), 0, -1).smembers(this.keys.dispatched(traceId));
    }
    const results = await multi.exec();
    const failed = results?.find(([err]) => err);
    if (failed) throw failed[0];
    return traceIds.map((_, i) => {
      const raw = (results?.[2 * i]?.[1] ?? []) as string[];
      const spans = new Map<string, LlmSpan>();
      const contents: SpanContent[] = [];
      for (const json of raw) {
        const value = parseOrNull(json);
        if (isContentEntry(value)) {
          const parsed = SpanContentSchema.safeParse(value);
          if (parsed.success) contents.push(parsed.data);
          continue;
        }
        const parsed = LlmSpanSchema.safeParse(value);
        if (parsed.success) spans.set(parsed.data.spanId, parsed.data);
      }
      return {
        spans: mergeSpanContent([...spans.values()], contents),
        dispatched: new Set((results?.[2 * i + 1]?.[1] ?? []) as string[]),
      };
    });
  }

  /** Records which span ids of each trace had their evaluations dispatched, in one round trip. */
  async markDispatched(entries: { traceId: string; spanIds: string[] }[]): Promise<void> {
    const marked = entries.filter((e) => e.spanIds.length > 0);
    if (marked.length === 0) return;
    const multi = this.redis.multi();
    for (const { traceId, spanIds } of marked) {
      const key = this.keys.dispatched(traceId);
      multi.sadd(key, ...spanIds).expire(key, this.ttlSeconds);
    }
    const results = await multi.exec();
    const failed = results?.find(([err]) => err);
    if (failed) throw failed[0];
  }

  /** How many traces wait for assembly (for back-pressure and metrics). */
  async pendingCount(): Promise<number> {
    return this.redis.zcard(this.keys.pending);
  }
}
