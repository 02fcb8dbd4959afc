import { eventually } from "./services.ts";

/** An eval event as `GET /v1/traces/{id}/evaluations` answers it: the fields tests read. */
export interface ApiEvalEvent {
  span_id: string;
  evaluator: string;
  status: string;
  reason: string | null;
  explanation: string;
  score: number | null;
  attempts: number;
  model: string | null;
  /** The other columns, for tests that read more. */
  [column: string]: unknown;
}

/** A trace's eval events, through the API of the service at `baseUrl`. */
export async function traceEvaluations(baseUrl: string, traceId: string): Promise<ApiEvalEvent[]> {
  const res = await fetch(`${baseUrl}/v1/traces/${traceId}/evaluations`);
  if (!res.ok) throw new Error(`GET /v1/traces/${traceId}/evaluations answered ${res.status}`);
  return ((await res.json()) as { evaluations: ApiEvalEvent[] }).evaluations;
}

/** Waits until the trace has at least `count` eval events, and resolves them. */
export function awaitTraceEvaluations(
  baseUrl: string,
  traceId: string,
  count: number,
  timeoutMs = 20_000,
): Promise<ApiEvalEvent[]> {
  return eventually(
    async () => {
      const events = await traceEvaluations(baseUrl, traceId);
      return events.length >= count ? events : undefined;
    },
    timeoutMs,
    `${count} eval event(s) of trace ${traceId}`,
  );
}
