import type pg from "pg";
import { z } from "zod";
import { evaluatorKey } from "../evaluators/evaluator-key.ts";

/** A verdict as it is written: camelCase in, snake_case columns. */
export interface NewEvalEvent {
  /** The project of the span's sender. */
  project: string;
  traceId: string;
  spanId: string;
  evaluator: string;
  evaluatorVersion: string;
  status: "ok" | "error" | "skipped";
  reason: string | null;
  score: number | null;
  label: string | null;
  passed: boolean | null;
  explanation: string;
  details: Record<string, unknown> | null;
  serviceName: string | null;
  serviceVersion: string | null;
  model: string | null;
  spanName: string | null;
  spanKind: string | null;
  judgeModel: string | null;
  judgeInputTokens: number | null;
  judgeOutputTokens: number | null;
  judgeCostUsd: number | null;
  latencyMs: number | null;
  attempts: number;
  /**
   * The judged span's `gen_ai.response.id`, when it has one. Not stored: carried to the exported
   * evaluation event, which names the answer it judged.
   */
  responseId?: string | null;
}

/** An eval event as the API answers it. */
export const EvalEventSchema = z.object({
  id: z.string(),
  project: z.string(),
  trace_id: z.string(),
  span_id: z.string(),
  evaluator: z.string(),
  evaluator_version: z.string(),
  status: z.enum(["ok", "error", "skipped"]),
  reason: z.string().nullable(),
  score: z.number().nullable(),
  label: z.string().nullable(),
  passed: z.boolean().nullable(),
  explanation: z.string(),
  details: z.record(z.string(), z.unknown()).nullable(),
  service_name: z.string().nullable(),
  service_version: z.string().nullable(),
  model: z.string().nullable(),
  span_name: z.string().nullable(),
  span_kind: z.string().nullable(),
  judge_model: z.string().nullable(),
  judge_input_tokens: z.number().nullable(),
  judge_output_tokens: z.number().nullable(),
  judge_cost_usd: z.number().nullable(),
  latency_ms: z.number().nullable(),
  attempts: z.number(),
  created_at: z.string(),
});
export type EvalEvent = z.infer<typeof EvalEventSchema>;

/** A context document as the API answers it. */
export const JudgedDocumentSchema = z.object({
  content: z.string(),
  id: z.string().optional(),
  score: z.number().optional(),
  origin: z.enum(["retrieval", "tool", "prompt"]).optional(),
  source_span_id: z.string().optional(),
});
export type JudgedDocument = z.infer<typeof JudgedDocumentSchema>;

/**
 * What the evaluator judged, as the span store holds it (redacted). Null when the span's row is
 * gone (the spans table keeps less than the eval events).
 */
export const JudgedInputSchema = z
  .object({
    question: z.string().nullable(),
    answer: z.string().nullable(),
    context: z.array(JudgedDocumentSchema),
  })
  .nullable();
export type JudgedInput = z.infer<typeof JudgedInputSchema>;

/** An eval event with its judged input (`include=input`). */
export const EvalEventWithInputSchema = EvalEventSchema.extend({ input: JudgedInputSchema });
export type EvalEventWithInput = z.infer<typeof EvalEventWithInputSchema>;

export interface EvalEventQuery {
  /** Only this project's events (a project's API key sees nothing else). */
  project?: string;
  traceId?: string;
  spanId?: string;
  evaluator?: string;
  /** Only events created at or after this instant. */
  since?: Date;
  /** Only events created before this instant (exclusive). */
  until?: Date;
  /** Only verdicts of this status. */
  status?: EvalEvent["status"];
  /** Only verdicts that passed (true) or failed (false); skipped and errored ones have neither. */
  passed?: boolean;
  /** Only spans of this service (`service.name`). */
  serviceName?: string;
  /** Only spans of this release (`service.version`). */
  serviceVersion?: string;
  /** Only spans that called this model. */
  model?: string;
  /** `asc` (default): oldest first, for polling; `desc`: newest first, for a person. */
  order?: "asc" | "desc";
  /** 1..1000; default 100. */
  limit?: number;
  /** Opaque: the `next_cursor` of the previous page. */
  cursor?: string;
  /** Also answer each event's judged question, answer and context (`input`). Default false. */
  includeInput?: boolean;
}

/** The columns a verdict is written to, in `toRow` order. */
export const EVAL_EVENT_COLUMNS = [
  "project",
  "trace_id",
  "span_id",
  "evaluator",
  "evaluator_version",
  "status",
  "reason",
  "score",
  "label",
  "passed",
  "explanation",
  "details",
  "service_name",
  "service_version",
  "model",
  "span_name",
  "span_kind",
  "judge_model",
  "judge_input_tokens",
  "judge_output_tokens",
  "judge_cost_usd",
  "latency_ms",
  "attempts",
] as const;

function toRow(e: NewEvalEvent): unknown[] {
  return [
    e.project,
    e.traceId,
    e.spanId,
    e.evaluator,
    e.evaluatorVersion,
    e.status,
    e.reason,
    e.score,
    e.label,
    e.passed,
    e.explanation,
    e.details === null ? null : JSON.stringify(e.details),
    e.serviceName,
    e.serviceVersion,
    e.model,
    e.spanName,
    e.spanKind,
    e.judgeModel,
    e.judgeInputTokens,
    e.judgeOutputTokens,
    e.judgeCostUsd,
    e.latencyMs,
    e.attempts,
  ];
}

/** The identity of a verdict: one per (span, evaluator, version). */
export function eventKey(
  e: Pick<NewEvalEvent, "traceId" | "spanId" | "evaluator" | "evaluatorVersion">,
): string {
  return `${e.traceId}/${e.spanId}/${evaluatorKey(e.evaluator, e.evaluatorVersion)}`;
}

/** A page's continuation: the last id seen, and the order it was read in. */
export function encodeCursor(id: string, order: "asc" | "desc" = "asc"): string {
  return Buffer.from(`${order === "asc" ? "e" : "d"}:${id}`).toString("base64url");
}

/** Returns the id and order a cursor stands for, or null when it is not one of ours. */
export function decodeCursor(cursor: string): { id: string; order: "asc" | "desc" } | null {
  const text = Buffer.from(cursor, "base64url").toString("utf8");
  const match = /^([ed]):(\d{1,19})$/.exec(text);
  if (!match) return null;
  return { id: match[2] as string, order: match[1] === "e" ? "asc" : "desc" };
}

type Row = Omit<EvalEvent, "created_at" | "id"> & { id: string; created_at: Date };
type InputColumns = {
  input_found: boolean | null;
  input_question: string | null;
  input_answer: string | null;
  input_context: unknown;
};

/** A stored context document (camelCase, as trace assembly wrote it) in the API's snake_case. */
function judgedDocument(doc: unknown): JudgedDocument | null {
  if (typeof doc !== "object" || doc === null) return null;
  const d = doc as Record<string, unknown>;
  if (typeof d.content !== "string") return null;
  return JudgedDocumentSchema.parse({
    content: d.content,
    ...(typeof d.id === "string" ? { id: d.id } : {}),
    ...(typeof d.score === "number" ? { score: d.score } : {}),
    ...(d.origin === "retrieval" || d.origin === "tool" || d.origin === "prompt"
      ? { origin: d.origin }
      : {}),
    ...(typeof d.sourceSpanId === "string" ? { source_span_id: d.sourceSpanId } : {}),
  });
}

function judgedInput(row: InputColumns): JudgedInput {
  if (!row.input_found) return null;
  const context = Array.isArray(row.input_context) ? row.input_context : [];
  return {
    question: row.input_question,
    answer: row.input_answer,
    context: context.map(judgedDocument).filter((d): d is JudgedDocument => d !== null),
  };
}

/** Eval events in PostgreSQL. Writes are idempotent per (span, evaluator, version). */
export class EvalEventStore {
  constructor(private readonly pool: pg.Pool) {}

  /**
   * Writes verdicts in one statement; a verdict already stored for the same span, evaluator and
   * version is left as it is. Returns how many rows were new.
   */
  async insertMany(events: NewEvalEvent[]): Promise<number> {
    return (await this.insertNew(events)).size;
  }

  /**
   * Writes verdicts in one statement and returns the keys (`eventKey`) of those that were new;
   * a verdict already stored (or twice in the batch) is left as it is.
   */
  async insertNew(events: NewEvalEvent[]): Promise<Set<string>> {
    if (events.length === 0) return new Set();
    const values: unknown[] = [];
    const tuples = events.map((event, i) => {
      values.push(...toRow(event));
      const base = i * EVAL_EVENT_COLUMNS.length;
      return `(${EVAL_EVENT_COLUMNS.map((_, j) => `$${base + j + 1}`).join(", ")})`;
    });
    const { rows } = await this.pool.query<{
      trace_id: string;
      span_id: string;
      evaluator: string;
      evaluator_version: string;
    }>(
      `INSERT INTO eval_events (${EVAL_EVENT_COLUMNS.join(", ")}) VALUES ${tuples.join(", ")}
       ON CONFLICT (trace_id, span_id, evaluator, evaluator_version) DO NOTHING
       RETURNING trace_id, span_id, evaluator, evaluator_version`,
      values,
    );
    return new Set(
      rows.map((r) =>
        eventKey({
          traceId: r.trace_id,
          spanId: r.span_id,
          evaluator: r.evaluator,
          evaluatorVersion: r.evaluator_version,
        }),
      ),
    );
  }

  /**
   * Oldest first by default, so that a client polling with the cursor sees every event once;
   * newest first with `order: "desc"`. A cursor continues in the order it was made in. With
   * `includeInput`, each event also carries `input`: the question, answer and context its span
   * was judged on, from the span store.
   */
  async query(
    q: EvalEventQuery & { includeInput: true },
  ): Promise<{ events: EvalEventWithInput[]; nextCursor: string | null }>;
  async query(q: EvalEventQuery): Promise<{ events: EvalEvent[]; nextCursor: string | null }>;
  async query(
    q: EvalEventQuery,
  ): Promise<{ events: EvalEvent[] | EvalEventWithInput[]; nextCursor: string | null }> {
    const where: string[] = [];
    const values: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      values.push(value);
      where.push(sql.replace("?", `$${values.length}`));
    };
    // Qualified: the spans table joined for the input has columns of the same names.
    if (q.project) add("e.project = ?", q.project);
    if (q.traceId) add("e.trace_id = ?", q.traceId);
    if (q.spanId) add("e.span_id = ?", q.spanId);
    if (q.evaluator) add("e.evaluator = ?", q.evaluator);
    if (q.since) add("e.created_at >= ?", q.since);
    if (q.until) add("e.created_at < ?", q.until);
    if (q.status) add("e.status = ?", q.status);
    if (q.passed !== undefined) add("e.passed = ?", q.passed);
    if (q.serviceName) add("e.service_name = ?", q.serviceName);
    if (q.serviceVersion) add("e.service_version = ?", q.serviceVersion);
    if (q.model) add("e.model = ?", q.model);
    const order = q.order ?? "asc";
    if (q.cursor) {
      const after = decodeCursor(q.cursor);
      if (after !== null) add(order === "asc" ? "e.id > ?" : "e.id < ?", after.id);
    }
    const limit = Math.min(Math.max(q.limit ?? 100, 1), 1000);
    values.push(limit + 1);
    const input = q.includeInput
      ? `, s.span_id IS NOT NULL AS input_found, s.question AS input_question,
         s.answer AS input_answer, s.context AS input_context`
      : "";
    const join = q.includeInput
      ? "LEFT JOIN spans s ON s.trace_id = e.trace_id AND s.span_id = e.span_id"
      : "";
    const { rows } = await this.pool.query<Row & Partial<InputColumns>>(
      `SELECT e.id::text AS id, ${EVAL_EVENT_COLUMNS.map((c) => `e.${c}`).join(", ")},
              e.created_at${input}
       FROM eval_events e ${join}
       ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
       ORDER BY e.id ${order === "asc" ? "ASC" : "DESC"} LIMIT $${values.length}`,
      values,
    );
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    const nextCursor = rows.length > limit && last ? encodeCursor(last.id, order) : null;
    if (!q.includeInput) {
      return {
        events: page.map((r) => ({ ...r, created_at: r.created_at.toISOString() })),
        nextCursor,
      };
    }
    const events = page.map(
      ({ input_found, input_question, input_answer, input_context, ...r }) => ({
        ...r,
        created_at: r.created_at.toISOString(),
        input: judgedInput({
          input_found: input_found ?? null,
          input_question: input_question ?? null,
          input_answer: input_answer ?? null,
          input_context,
        }),
      }),
    );
    return { events, nextCursor };
  }
}
