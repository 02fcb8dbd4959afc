/** An eval event as `GET /v1/traces/{id}/evaluations` answers it: the fields tests read. */
export interface ApiEvalEvent {
  span_id: string;
  evaluator: string;
  status: string;
  reason: string | null;
  explanation: string;
  score: number | null;
  attempts: number;
}

/** A trace's eval events, through the API of the service at `baseUrl`. */
export async function traceEvaluations(baseUrl: string, traceId: string): Promise<ApiEvalEvent[]> {
  const res = await fetch(`${baseUrl}/v1/traces/${traceId}/evaluations`);
  if (!res.ok) throw new Error(`GET /v1/traces/${traceId}/evaluations answered ${res.status}`);
  return ((await res.json()) as { evaluations: ApiEvalEvent[] }).evaluations;
}
