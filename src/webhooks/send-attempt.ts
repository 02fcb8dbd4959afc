import { retryAfterMs } from "../judge/retry-policy.ts";
import type { FetchLike } from "../security/guarded-fetch.ts";
import { UrlRefusedError } from "../security/url-guard.ts";
import { DELIVERY_HEADER, SIGNATURE_HEADER, signPayload } from "./signature.ts";

/** What one attempt needs: the stored delivery and the webhook's current settings. */
export interface AttemptRequest {
  deliveryId: string;
  url: string;
  /** The stored raw body, sent and signed as it is. */
  body: string;
  /** Absent: no signature header (Slack and PagerDuty formats without a secret). */
  secret?: string | undefined;
  headers?: Record<string, string> | undefined;
  timeoutMs: number;
  /** How to send; default the global fetch. API webhooks get one that refuses private addresses. */
  fetch?: FetchLike | undefined;
}

/** How an attempt ended, and what should happen next. */
export type AttemptVerdict =
  | { kind: "delivered" }
  /** Network error, timeout, 408, 429 or 5xx: try again (not before `retryAfterMs` if given). */
  | { kind: "retry"; retryAfterMs: number | undefined }
  /** Any other answer (other 4xx, a redirect): trying again would get the same. */
  | { kind: "final" };

export interface AttemptResult {
  startedAt: Date;
  latencyMs: number;
  statusCode: number | null;
  /** Why it did not succeed: the network error, or the status and the start of the response. */
  error: string | null;
  verdict: AttemptVerdict;
}

const USER_AGENT = "tracejudge-webhooks/1";
const SNIPPET_CHARS = 300;

function describeFetchError(err: unknown, timeoutMs: number): string {
  if (err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError"))
    return `timed out after ${timeoutMs} ms`;
  if (err instanceof Error) {
    // undici reports "fetch failed" and puts the useful part (ECONNREFUSED, ...) in the cause.
    const cause = err.cause as { code?: string; message?: string } | undefined;
    const detail = cause?.code ?? cause?.message;
    return detail ? `${err.message}: ${detail}` : err.message;
  }
  return String(err);
}

/** The start of a response body (a receiver's error message), without reading all of it. */
async function readSnippet(res: Response): Promise<string> {
  if (!res.body) return "";
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let text = "";
  try {
    while (text.length < SNIPPET_CHARS) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  return text.slice(0, SNIPPET_CHARS).replace(/\s+/g, " ").trim();
}

function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/**
 * One POST of a delivery: `Content-Type: application/json`, the delivery id header, a signature
 * with a fresh timestamp (so a retry hours later is still within the receiver's tolerance), and
 * the extra headers. Redirects are not followed: an allowed host could otherwise send the
 * signed body anywhere. Never throws; the result says what happened.
 */
export async function sendAttempt(
  req: AttemptRequest,
  now: () => number = Date.now,
): Promise<AttemptResult> {
  const startedAt = new Date(now());
  const started = performance.now();
  const headers: Record<string, string> = {
    ...req.headers,
    "content-type": "application/json",
    "user-agent": USER_AGENT,
    [DELIVERY_HEADER.toLowerCase()]: req.deliveryId,
  };
  if (req.secret)
    headers[SIGNATURE_HEADER.toLowerCase()] = signPayload(req.secret, req.body, now() / 1000);
  const signal = AbortSignal.timeout(req.timeoutMs);
  const latency = () => performance.now() - started;
  let res: Response;
  try {
    res = req.fetch
      ? await req.fetch(req.url, { method: "POST", headers, body: req.body, signal })
      : await fetch(req.url, {
          method: "POST",
          headers,
          body: req.body,
          redirect: "manual",
          signal,
        });
  } catch (err) {
    // An address the URL may not reach: the same answer every time, so no retry.
    if (err instanceof UrlRefusedError)
      return {
        startedAt,
        latencyMs: latency(),
        statusCode: null,
        error: err.message,
        verdict: { kind: "final" },
      };
    return {
      startedAt,
      latencyMs: latency(),
      statusCode: null,
      error: describeFetchError(err, req.timeoutMs),
      verdict: { kind: "retry", retryAfterMs: undefined },
    };
  }
  // The body is read (or cancelled) in every case so the connection is released; a receiver
  // that stalls while sending it runs into the same timeout.
  let snippet = "";
  try {
    snippet = await readSnippet(res);
  } catch (err) {
    if (res.ok)
      return {
        startedAt,
        latencyMs: latency(),
        statusCode: res.status,
        error: `reading the response: ${describeFetchError(err, req.timeoutMs)}`,
        verdict: { kind: "retry", retryAfterMs: undefined },
      };
  }
  const latencyMs = latency();
  if (res.status >= 200 && res.status < 300)
    return {
      startedAt,
      latencyMs,
      statusCode: res.status,
      error: null,
      verdict: { kind: "delivered" },
    };
  const redirect = res.status >= 300 && res.status < 400 ? " (redirects are not followed)" : "";
  const error = `HTTP ${res.status}${redirect}${snippet ? `: ${snippet}` : ""}`;
  if (isRetryableStatus(res.status))
    return {
      startedAt,
      latencyMs,
      statusCode: res.status,
      error,
      verdict: { kind: "retry", retryAfterMs: retryAfterMs(res.headers, now()) },
    };
  return { startedAt, latencyMs, statusCode: res.status, error, verdict: { kind: "final" } };
}
