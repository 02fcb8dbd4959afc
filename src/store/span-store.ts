import type pg from "pg";
import { type EvaluationTarget, EvaluationTargetSchema } from "../span/evaluation-target.ts";
import { WriteBatcher } from "./write-batcher.ts";

const COLUMNS = [
  "project",
  "trace_id",
  "span_id",
  "parent_span_id",
  "name",
  "kind",
  "convention",
  "service_name",
  "service_version",
  "model",
  "provider",
  "is_error",
  "input_tokens",
  "output_tokens",
  "start_time",
  "end_time",
  "question",
  "answer",
  "context",
  "span",
] as const;

/** Nanoseconds since the epoch as an ISO timestamp (microsecond precision is what Postgres keeps). */
function nanosToIso(nanos: string): string | null {
  if (nanos === "0") return null;
  const ms = Number(BigInt(nanos) / 1_000_000n);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : null;
}

/** Token counts are integers in the table; a sender's float or absurd value is not worth a failed write. */
function int32(n: number | null): number | null {
  return n !== null && Number.isFinite(n) && Math.abs(n) < 2 ** 31 ? Math.round(n) : null;
}

/** What assembly needs of the span store. */
export interface SpanWriter {
  upsertMany(items: EvaluationTarget[]): Promise<void>;
}

/**
 * Span upserts of concurrent trace jobs in one statement each few milliseconds. A span twice in a
 * batch (two generations of its trace at once) is written once, as its last copy: one INSERT
 * cannot update the same row twice.
 */
export function batchedSpanWriter(store: SpanStore): SpanWriter & { drain(): Promise<void> } {
  const batcher = new WriteBatcher<EvaluationTarget, undefined>(async (items) => {
    const byKey = new Map(items.map((item) => [`${item.span.traceId}/${item.span.spanId}`, item]));
    await store.upsertMany([...byKey.values()]);
    return items.map(() => undefined);
  });
  return {
    upsertMany: async (items) => {
      await Promise.all(items.map((item) => batcher.add(item)));
    },
    drain: () => batcher.drain(),
  };
}

/** Sampled, redacted spans in PostgreSQL: what a verdict was given on. */
export class SpanStore implements SpanWriter {
  constructor(private readonly pool: pg.Pool) {}

  /** Upserts: a late span can change what assembly found (more context), never the identity. */
  async upsertMany(items: EvaluationTarget[]): Promise<void> {
    if (items.length === 0) return;
    const values: unknown[] = [];
    const tuples = items.map(({ span, question, answer, context }, i) => {
      values.push(
        span.project,
        span.traceId,
        span.spanId,
        span.parentSpanId,
        span.name,
        span.kind,
        span.convention,
        span.serviceName,
        span.serviceVersion,
        span.model,
        span.provider,
        span.isError,
        int32(span.usage.inputTokens),
        int32(span.usage.outputTokens),
        nanosToIso(span.startTimeUnixNano),
        nanosToIso(span.endTimeUnixNano),
        question,
        answer,
        JSON.stringify(context),
        JSON.stringify(span),
      );
      const base = i * COLUMNS.length;
      return `(${COLUMNS.map((_, j) => `$${base + j + 1}`).join(", ")})`;
    });
    await this.pool.query(
      `INSERT INTO spans (${COLUMNS.join(", ")}) VALUES ${tuples.join(", ")}
       ON CONFLICT (trace_id, span_id) DO UPDATE SET
         question = EXCLUDED.question, answer = EXCLUDED.answer, context = EXCLUDED.context,
         span = EXCLUDED.span`,
      values,
    );
  }

  /**
   * A stored span with what assembly found for it, or null when there is no such row or the row
   * does not read as one (an evaluations job then stores an error verdict rather than fail).
   */
  async target(traceId: string, spanId: string): Promise<EvaluationTarget | null> {
    const { rows } = await this.pool.query(
      "SELECT span, question, answer, context FROM spans WHERE trace_id = $1 AND span_id = $2",
      [traceId, spanId],
    );
    const parsed = EvaluationTargetSchema.safeParse(rows[0]);
    return parsed.success ? parsed.data : null;
  }

  /** Stored spans without a verdict of one evaluator version, a page at a time (for re-evaluation). */
  async pendingFor(q: PendingPageQuery): Promise<EvaluationTarget[]> {
    const { rows } = await this.pool.query<EvaluationTarget>(
      `SELECT s.span, s.question, s.answer, s.context FROM spans s
       WHERE ($3::timestamptz IS NULL OR s.created_at >= $3)
         AND ($4::text IS NULL OR (s.trace_id, s.span_id) > ($4, $5))
         AND NOT EXISTS (SELECT 1 FROM eval_events e
                         WHERE e.trace_id = s.trace_id AND e.span_id = s.span_id
                           AND e.evaluator = $1 AND e.evaluator_version = $2)
       ORDER BY s.trace_id, s.span_id LIMIT $6`,
      [q.evaluator, q.version, q.since, q.after?.[0] ?? null, q.after?.[1] ?? null, q.limit],
    );
    return rows;
  }
}

/** A page of stored spans without a verdict of one evaluator version. */
export interface PendingPageQuery {
  evaluator: string;
  version: string;
  since: Date | null;
  /** Keyset: the last (trace_id, span_id) of the previous page. */
  after: [string, string] | null;
  limit: number;
}
