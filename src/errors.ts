import { ERROR_CATALOG, type ErrorCode, reasonOf } from "./error-catalog.ts";

export type { ErrorCode } from "./error-catalog.ts";

/**
 * Every error the engine raises on purpose: a stable code (see `ERROR_CATALOG`), whether trying
 * again may help (by default, as the catalog says), and the cause. Queue processors rethrow
 * retryable ones so back-off applies; the rest are final.
 */
export class TracejudgeError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;

  constructor(
    code: ErrorCode,
    message: string,
    options: { retryable?: boolean; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = "TracejudgeError";
    this.code = code;
    this.retryable = options.retryable ?? ERROR_CATALOG[code].retryable;
  }
}

/**
 * The `reason` stored for an evaluation that failed for good: its code in lower case, and
 * `evaluator_failed` for what an evaluator threw that is not a `TracejudgeError`.
 */
export function failureReason(err: unknown): Lowercase<ErrorCode> {
  return reasonOf(err instanceof TracejudgeError ? err.code : "EVALUATOR_FAILED");
}

/**
 * Wraps a failure of PostgreSQL (down, restarting, unreachable). Queue processors hand such jobs
 * back without spending an attempt: the work is fine, the store is not, and an outage must not
 * turn verdicts into failures.
 */
export async function storing<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    // A bad value (invalid data, a violated constraint) is not an outage: it keeps its own error.
    if (!isConnectionError(err)) throw err;
    throw new TracejudgeError(
      "STORE_UNAVAILABLE",
      `cannot write to PostgreSQL: ${errorMessage(err)}`,
      {
        retryable: true,
        cause: err,
      },
    );
  }
}

/** Node socket errors, and SQLSTATE classes 08 (connection), 53 (resources), 57 (operator). */
const CONNECTION_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENOTFOUND",
]);

/** Whether PostgreSQL could not be reached or went away, rather than refusing what was sent. */
export function isConnectionError(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  if (typeof code === "string" && (CONNECTION_CODES.has(code) || /^(08|53|57)/.test(code)))
    return true;
  const message = errorMessage(err);
  return /Connection terminated|connection timeout|Client has encountered a connection error|timeout exceeded when trying to connect/i.test(
    message,
  );
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
