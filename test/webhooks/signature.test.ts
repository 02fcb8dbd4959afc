import { createHmac, timingSafeEqual } from "node:crypto";
import { describe, expect, it } from "vitest";
import { signPayload, verifySignature } from "../../src/webhooks/signature.ts";

const SECRET = "change-me";
const BODY = '{"type":"alert.firing","rule":"groundedness-release-gate"}';
const T = 1_735_725_600;

describe("webhook signatures", () => {
  it("signs '<t>.<raw body>' with HMAC-SHA256, as t=...,v1=<hex>", () => {
    // Fixed vector: printf '%s' "1735725600.$BODY" | openssl dgst -sha256 -hmac change-me
    const header = signPayload(SECRET, BODY, T);
    expect(header).toBe(
      "t=1735725600,v1=a7a0e68293f92ae0c54cef2535ba1053845cd3418aaa1b4677778c2b672f6282",
    );
    expect(signPayload(SECRET, Buffer.from(BODY), T + 0.9)).toBe(header);
  });

  it("verifies its own signature, on the raw string or bytes", () => {
    const header = signPayload(SECRET, BODY, T);
    expect(verifySignature(SECRET, header, BODY, 300, T + 10)).toBe(true);
    expect(verifySignature(SECRET, header, Buffer.from(BODY), 300, T + 10)).toBe(true);
  });

  it("refuses a tampered body, another secret or a changed timestamp", () => {
    const header = signPayload(SECRET, BODY, T);
    expect(verifySignature(SECRET, header, BODY.replace("firing", "resolved"), 300, T)).toBe(false);
    expect(verifySignature(`${SECRET}!`, header, BODY, 300, T)).toBe(false);
    expect(verifySignature(SECRET, header.replace(`t=${T}`, `t=${T + 1}`), BODY, 300, T)).toBe(
      false,
    );
  });

  it("refuses signatures outside the tolerance, either way", () => {
    const header = signPayload(SECRET, BODY, T);
    expect(verifySignature(SECRET, header, BODY, 300, T + 301)).toBe(false);
    expect(verifySignature(SECRET, header, BODY, 300, T - 301)).toBe(false);
    expect(verifySignature(SECRET, header, BODY, 600, T + 301)).toBe(true);
  });

  it("refuses malformed headers and accepts any of several v1 values", () => {
    const good = signPayload(SECRET, BODY, T);
    const v1 = good.split("v1=")[1];
    for (const bad of [undefined, null, "", "v1=abc", `t=${T}`, `t=x,v1=${v1}`, `t=${T},v1=zz`])
      expect(verifySignature(SECRET, bad, BODY, 300, T)).toBe(false);
    const rotated = `t=${T},v1=${"0".repeat(64)},v1=${v1}`;
    expect(verifySignature(SECRET, rotated, BODY, 300, T)).toBe(true);
  });

  it("verifies with the receiver's few lines the README shows", () => {
    // Kept in step with the README: a receiver needs nothing of tracejudge's to check a delivery.
    function verify(secret: string, header: string, rawBody: string, toleranceSeconds = 300) {
      const parts = Object.fromEntries(header.split(",").map((p) => p.split("=", 2)));
      const t = Number(parts.t);
      if (!parts.v1 || !(Math.abs(Date.now() / 1000 - t) <= toleranceSeconds)) return false;
      const expected = createHmac("sha256", secret).update(`${t}.${rawBody}`).digest();
      const given = Buffer.from(parts.v1, "hex");
      return given.length === expected.length && timingSafeEqual(given, expected);
    }
    const header = signPayload(SECRET, BODY, Date.now() / 1000);
    expect(verify(SECRET, header, BODY)).toBe(true);
    expect(verify(SECRET, header, `${BODY} `)).toBe(false);
    expect(verify(SECRET, signPayload(SECRET, BODY, T), BODY)).toBe(false);
  });
});
