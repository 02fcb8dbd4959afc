import { createHmac, timingSafeEqual } from "node:crypto";

/** The request header carrying the signature. */
export const SIGNATURE_HEADER = "X-Tracejudge-Signature";
/** The request header carrying the delivery id, the same on every attempt of one delivery. */
export const DELIVERY_HEADER = "X-Tracejudge-Delivery";

function hmacHex(secret: string, timestampSeconds: number, body: string | Buffer): string {
  return createHmac("sha256", secret).update(`${timestampSeconds}.`).update(body).digest("hex");
}

/**
 * `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`. The timestamp is inside the MAC so
 * a captured request cannot be replayed outside the receiver's tolerance window.
 */
export function signPayload(
  secret: string,
  body: string | Buffer,
  timestampSeconds: number,
): string {
  const t = Math.floor(timestampSeconds);
  return `t=${t},v1=${hmacHex(secret, t, body)}`;
}

/**
 * Whether `header` is a valid signature of the raw `body` (the bytes as received, before any JSON
 * parsing) made within `toleranceSeconds` (default 300) of `nowSeconds` (default: now). Several
 * `v1=` entries are accepted, any one matching. Comparison is constant-time.
 */
export function verifySignature(
  secret: string,
  header: string | null | undefined,
  body: string | Buffer,
  toleranceSeconds = 300,
  nowSeconds: number = Date.now() / 1000,
): boolean {
  if (!header) return false;
  let timestamp: number | undefined;
  const candidates: string[] = [];
  for (const part of header.split(",")) {
    const [key, value] = part.trim().split("=", 2);
    if (key === "t" && value && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    else if (key === "v1" && value && /^[0-9a-f]{64}$/.test(value)) candidates.push(value);
  }
  if (timestamp === undefined || candidates.length === 0) return false;
  if (Math.abs(nowSeconds - timestamp) > toleranceSeconds) return false;
  const expected = Buffer.from(hmacHex(secret, timestamp, body), "hex");
  // Every candidate is compared, so timing says nothing about which one (if any) matched.
  let ok = false;
  for (const candidate of candidates) {
    if (timingSafeEqual(expected, Buffer.from(candidate, "hex"))) ok = true;
  }
  return ok;
}
