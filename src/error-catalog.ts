/**
 * Every error code tracejudge uses, once: what the engine raises (`TracejudgeError`), what the
 * JSON API answers and what a failed evaluation stores as its reason. Each derived form comes from
 * here: the API's `error` string and a stored reason are the code in lower case (`NOT_FOUND` →
 * `not_found`), the HTTP status is the entry's.
 */
export interface ErrorSpec {
  /** The status the JSON API answers it with (`{"error", "message"}`); absent: no route sends it. */
  readonly http?: HttpErrorStatus;
  /** The status the OTLP routes answer it with, as a `google.rpc.Status` body. */
  readonly otlp?: HttpErrorStatus;
  /** Whether trying the same thing again may help, when whoever raises it does not say. */
  readonly retryable: boolean;
  /** One line: what happened. */
  readonly description: string;
}

/** The statuses an error is answered with. */
export type HttpErrorStatus = 400 | 401 | 403 | 404 | 405 | 409 | 413 | 415 | 500;

export const ERROR_CATALOG = {
  // What the engine raises.
  CONFIG_INVALID: {
    retryable: false,
    description: "the configuration (file or environment) is invalid",
  },
  EVALUATOR_INVALID: { retryable: false, description: "an evaluator's definition is invalid" },
  EVALUATOR_DUPLICATE: {
    retryable: false,
    description: "an evaluator's name@version is registered twice",
  },
  EVALUATOR_MODULE_FAILED: {
    retryable: false,
    description: "an evaluator module could not be loaded",
  },
  REGISTRY_FROZEN: { retryable: false, description: "an evaluator was registered after the start" },
  EVALUATOR_FAILED: { retryable: false, description: "an evaluator threw or could not be reached" },
  EVALUATOR_TIMEOUT: { retryable: true, description: "an evaluator took longer than its timeout" },
  EVALUATOR_RESULT_INVALID: {
    retryable: false,
    description: "an evaluator returned an invalid result",
  },
  EVALUATOR_NOT_REGISTERED: {
    retryable: false,
    description: "no worker that tried has the evaluator",
  },
  OTLP_DECODE_FAILED: {
    otlp: 400,
    retryable: false,
    description: "an OTLP body could not be decoded",
  },
  OTLP_UNSUPPORTED_MEDIA_TYPE: {
    otlp: 415,
    retryable: false,
    description: "an OTLP body's content type or encoding is not supported",
  },
  OTLP_TOO_LARGE: {
    otlp: 413,
    retryable: false,
    description: "an OTLP body is larger than the limit",
  },
  JOB_PAYLOAD_INVALID: {
    retryable: false,
    description: "a dequeued job does not match its schema",
  },
  SPAN_NOT_STORED: {
    retryable: false,
    description: "the span an evaluations job names is not in the spans table",
  },
  JUDGE_UNAVAILABLE: {
    retryable: true,
    description: "the judge endpoint failed, refused or could not be reached",
  },
  JUDGE_MALFORMED: { retryable: false, description: "the judge's answers could not be read" },
  JUDGE_BUDGET: { retryable: false, description: "the judge budget is spent" },
  JUDGE_NOT_CONFIGURED: {
    http: 409,
    retryable: false,
    description: "a judge evaluator needs a judge and none is configured",
  },
  STORE_UNAVAILABLE: { retryable: true, description: "PostgreSQL went away while writing" },
  DATABASE_UNAVAILABLE: {
    retryable: false,
    description: "PostgreSQL cannot be reached at start, or the database cannot be created",
  },
  REDIS_UNAVAILABLE: {
    retryable: false,
    description: "Redis did not answer within the start-up wait",
  },
  URL_REFUSED: { retryable: false, description: "a URL points where the SSRF rule forbids" },
  USAGE_INVALID: {
    retryable: false,
    description: "a command line the CLI cannot run (exits with 2)",
  },
  // What only the JSON API answers.
  INVALID_REQUEST: {
    http: 400,
    retryable: false,
    description: "a parameter or field is invalid; the message names it",
  },
  UNAUTHORIZED: { http: 401, retryable: false, description: "no valid API key was sent" },
  FORBIDDEN: {
    http: 403,
    retryable: false,
    description: "the key may not use this route or project",
  },
  NOT_FOUND: { http: 404, retryable: false, description: "no such route or resource" },
  METHOD_NOT_ALLOWED: {
    http: 405,
    retryable: false,
    description: "the route does not take this method",
  },
  RULE_EXISTS: {
    http: 409,
    retryable: false,
    description: "the alert rule exists: PUT to change it",
  },
  RULE_IN_CONFIG: {
    http: 409,
    retryable: false,
    description: "the alert rule is defined by the configuration",
  },
  WEBHOOK_EXISTS: {
    http: 409,
    retryable: false,
    description: "the webhook exists: PUT to change it",
  },
  WEBHOOK_IN_USE: { http: 409, retryable: false, description: "alert rules notify the webhook" },
  WEBHOOK_IN_CONFIG: {
    http: 409,
    retryable: false,
    description: "the webhook is defined by the configuration",
  },
  EVALUATOR_EXISTS: {
    http: 409,
    retryable: false,
    description: "the evaluator exists with another definition",
  },
  EVALUATOR_IN_CONFIG: {
    http: 409,
    retryable: false,
    description: "the evaluator is defined by the configuration",
  },
  PENDING: { http: 409, retryable: true, description: "the delivery is still being attempted" },
  PAYLOAD_TOO_LARGE: {
    http: 413,
    retryable: false,
    description: "the body is larger than the limit",
  },
  UNSUPPORTED_MEDIA_TYPE: {
    http: 415,
    retryable: false,
    description: "the body's content type is not supported",
  },
  INTERNAL: {
    http: 500,
    retryable: false,
    description: "an unexpected failure; details in the service log",
  },
} as const satisfies Record<string, ErrorSpec>;

/** Stable error codes: users and processors branch on these, never on messages. */
export type ErrorCode = keyof typeof ERROR_CATALOG;

/** The codes the JSON API answers, each with its status. */
export type ApiErrorCode = {
  [K in ErrorCode]: (typeof ERROR_CATALOG)[K] extends { http: number } ? K : never;
}[ErrorCode];

export const ERROR_CODES = Object.keys(ERROR_CATALOG) as ErrorCode[];

export const API_ERROR_CODES = ERROR_CODES.filter(
  (code): code is ApiErrorCode => "http" in ERROR_CATALOG[code],
);

/** The JSON API's `error` string for a code: `NOT_FOUND` → `not_found`. */
export function apiCodeOf(code: ApiErrorCode): Lowercase<ApiErrorCode> {
  return lowerCase(code);
}

/** The status the JSON API answers a code with. */
export function httpStatusOf(code: ApiErrorCode): HttpErrorStatus {
  return ERROR_CATALOG[code].http;
}

/** The `reason` a failed (or skipped) evaluation stores for a code: `JUDGE_BUDGET` → `judge_budget`. */
export function reasonOf(code: ErrorCode): Lowercase<ErrorCode> {
  return lowerCase(code);
}

function lowerCase<C extends string>(code: C): Lowercase<C> {
  return code.toLowerCase() as Lowercase<C>;
}
