import type pg from "pg";
import type { WorstQuery } from "./console-params.ts";
import { traceLink } from "./trace-link.ts";

/** Documents and their text are capped: the console shows what was judged, not whole corpora. */
const MAX_DOCUMENTS = 12;
const MAX_DOCUMENT_CHARS = 4000;

/** One claim of an answer with the evaluator's verdict on it (offline and judge backends alike). */
export interface ClaimView {
  text: string;
  /** `supported`, `unsupported` or `contradicted` (the judge says which; offline: supported or not). */
  verdict: string;
  score: number | null;
  /** Why: the judge's reason, or the offline checks that failed. */
  note: string | null;
  evidence: string | null;
}

export interface ContextView {
  id: string | null;
  origin: string | null;
  content: string;
  truncated: boolean;
}

interface WorstRow {
  id: string;
  trace_id: string;
  span_id: string;
  evaluator: string;
  evaluator_version: string;
  score: number;
  label: string | null;
  passed: boolean | null;
  explanation: string;
  details: Record<string, unknown> | null;
  service_name: string | null;
  service_version: string | null;
  model: string | null;
  span_name: string | null;
  judge_model: string | null;
  created_at: Date;
  question: string | null;
  answer: string | null;
  context: unknown;
}

const text = (v: unknown): string | null => (typeof v === "string" && v !== "" ? v : null);

/** `details.claims` as both backends write it, in one shape. */
export function claimsOf(details: Record<string, unknown> | null): ClaimView[] {
  const claims = details?.claims;
  if (!Array.isArray(claims)) return [];
  return claims.flatMap((raw): ClaimView[] => {
    if (typeof raw !== "object" || raw === null) return [];
    const c = raw as Record<string, unknown>;
    const claimText = text(c.text);
    if (!claimText) return [];
    const issues = Array.isArray(c.issues) ? c.issues.filter((i) => typeof i === "string") : [];
    return [
      {
        text: claimText,
        verdict: text(c.verdict) ?? (c.supported === true ? "supported" : "unsupported"),
        score: typeof c.score === "number" ? c.score : null,
        note: text(c.reason) ?? (issues.length > 0 ? issues.join("; ") : null),
        evidence: text(c.evidence),
      },
    ];
  });
}

/** The stored context (already redacted at ingest), capped. */
export function contextOf(stored: unknown): ContextView[] {
  if (!Array.isArray(stored)) return [];
  return stored.slice(0, MAX_DOCUMENTS).flatMap((raw): ContextView[] => {
    if (typeof raw !== "object" || raw === null) return [];
    const d = raw as Record<string, unknown>;
    if (typeof d.content !== "string") return [];
    return [
      {
        id: text(d.id),
        origin: text(d.origin),
        content: d.content.slice(0, MAX_DOCUMENT_CHARS),
        truncated: d.content.length > MAX_DOCUMENT_CHARS,
      },
    ];
  });
}

/**
 * The lowest-scoring eval events since `q.since`, lowest first (the newest first among equals),
 * each with what was judged: the span's question, answer and context, and a link to its trace.
 */
export async function worstEvents(pool: pg.Pool, q: WorstQuery, traceUrlTemplate: string | null) {
  const params: unknown[] = [q.since, q.limit];
  if (q.evaluator) params.push(q.evaluator);
  const { rows } = await pool.query<WorstRow>(
    `SELECT e.id::text AS id, e.trace_id, e.span_id, e.evaluator, e.evaluator_version, e.score,
            e.label, e.passed, e.explanation, e.details, e.service_name, e.service_version, e.model,
            e.span_name, e.judge_model, e.created_at, s.question, s.answer, s.context
     FROM eval_events e
     LEFT JOIN spans s ON s.trace_id = e.trace_id AND s.span_id = e.span_id
     WHERE e.status = 'ok' AND e.score IS NOT NULL AND e.created_at >= $1
       ${q.evaluator ? "AND e.evaluator = $3" : ""}
     ORDER BY e.score ASC, e.created_at DESC, e.id DESC
     LIMIT $2`,
    params,
  );
  return rows.map((r) => ({
    id: r.id,
    trace_id: r.trace_id,
    span_id: r.span_id,
    evaluator: r.evaluator,
    evaluator_version: r.evaluator_version,
    score: r.score,
    label: r.label,
    passed: r.passed,
    explanation: r.explanation,
    claims: claimsOf(r.details),
    backend: text(r.details?.backend),
    service_name: r.service_name,
    service_version: r.service_version,
    model: r.model,
    span_name: r.span_name,
    judge_model: r.judge_model,
    created_at: r.created_at.toISOString(),
    question: r.question,
    answer: r.answer,
    context: contextOf(r.context),
    trace_url: traceLink(traceUrlTemplate, r.trace_id, r.span_id),
  }));
}

export type WorstEvent = Awaited<ReturnType<typeof worstEvents>>[number];
