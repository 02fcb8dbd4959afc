import { TracejudgeError } from "../errors.ts";
import { CircuitOpenError, type CircuitState } from "./circuit-breaker.ts";
import { JudgeMalformedError } from "./judge.ts";
import type { JudgeUsage } from "./judge-usage.ts";

/**
 * How one `complete()` call of the guarded judge ended:
 * - `ok`: a valid answer;
 * - `malformed`: answers that missed the schema twice (`JUDGE_MALFORMED`);
 * - `unavailable`: the endpoint stayed down through the retries (retryable `JUDGE_UNAVAILABLE`);
 * - `refused`: the endpoint refused the request for good (a 4xx other than 408/409/429);
 * - `circuit_open`: failed fast, nothing sent, while the circuit is open;
 * - `budget`: not sent, the spend limit is reached (`JUDGE_BUDGET`);
 * - `aborted`: the caller's signal stopped it (a timeout, a shutdown);
 * - `error`: anything else.
 */
export type JudgeOutcome =
  | "ok"
  | "malformed"
  | "unavailable"
  | "refused"
  | "circuit_open"
  | "budget"
  | "aborted"
  | "error";

/** One finished `complete()` call, as the guarded judge reports it. */
export interface JudgeCallReport {
  /** The model asked (the request's, else the judge's default): a bounded label. */
  model: string;
  outcome: JudgeOutcome;
  /** What the answers cost (tokens, USD when priced); null when none came back. */
  usage: JudgeUsage | null;
  /**
   * From the call to its end, rate-limit waits and retries included; null when no request left
   * the process (`circuit_open`, `budget`).
   */
  seconds: number | null;
}

/**
 * Told about the guarded judge's calls and handed a way to read its circuit, for metrics. Its
 * methods must not throw; the judge ignores it if they do.
 */
export interface JudgeObserver {
  call(report: JudgeCallReport): void;
  /** Called once, when the judge is built; `read` is cheap and read at scrape time. */
  circuit(read: () => CircuitState): void;
}

/** The outcome of a call that threw. */
export function outcomeOf(err: unknown, signal?: AbortSignal): JudgeOutcome {
  if (signal?.aborted) return "aborted";
  if (err instanceof JudgeMalformedError) return "malformed";
  if (err instanceof CircuitOpenError) return "circuit_open";
  if (!(err instanceof TracejudgeError)) return "error";
  if (err.code === "JUDGE_BUDGET") return "budget";
  if (err.code !== "JUDGE_UNAVAILABLE") return "error";
  return err.retryable ? "unavailable" : "refused";
}
