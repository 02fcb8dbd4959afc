import { describe, expect, it } from "vitest";
import { ibanValid, looksLikeToken, luhnValid } from "../../src/redact/checksums.ts";
import { DETECTORS } from "../../src/redact/patterns.ts";
import { RedactionConfigSchema } from "../../src/redact/redaction-config.ts";
import { createRedactor } from "../../src/redact/redactor.ts";
import { FAKE } from "./fixtures.ts";

const redactor = createRedactor(RedactionConfigSchema.parse({}));
const redact = (text: string) => redactor.redactText(text);

describe("detectors", () => {
  it("have no capturing groups, so they can share one alternation", () => {
    for (const d of DETECTORS) {
      const groups = (new RegExp(`${d.pattern.source}|`).exec("")?.length ?? 0) - 1;
      expect(groups, d.kind).toBe(0);
      expect(d.pattern.flags, d.kind).toBe("");
    }
  });

  it.each([
    ["openai_key", `my key is ${FAKE.openai}, please check it`, FAKE.openai],
    ["openai_key", `OPENAI_KEY ${FAKE.openaiLegacy}`, FAKE.openaiLegacy],
    ["anthropic_key", `use ${FAKE.anthropic} for claude`, FAKE.anthropic],
    ["aws_access_key_id", `id ${FAKE.awsKeyId} in us-east-1`, FAKE.awsKeyId],
    ["aws_secret_access_key", `aws_secret_access_key = ${FAKE.awsSecret}`, FAKE.awsSecret],
    ["aws_secret_access_key", `{"SecretAccessKey": "${FAKE.awsSecret}"}`, FAKE.awsSecret],
    ["github_token", `pushed with ${FAKE.github} yesterday`, FAKE.github],
    ["github_token", `GH_TOKEN ${FAKE.githubPat}`, FAKE.githubPat],
    ["slack_token", `slack bot ${FAKE.slack}`, FAKE.slack],
    ["stripe_key", `stripe ${FAKE.stripe}`, FAKE.stripe],
    ["google_api_key", `maps ${FAKE.google}`, FAKE.google],
    ["jwt", `session ${FAKE.jwt} expired`, FAKE.jwt],
    ["bearer_token", `send it with Bearer ${FAKE.jwt}`, FAKE.jwt],
    ["bearer_token", "header bearer 0a1b2c3d4e5f6a7b8c9d", "0a1b2c3d4e5f6a7b8c9d"],
    ["authorization", "Authorization: Basic dXNlcjpwYXNzd29yZA==", "dXNlcjpwYXNzd29yZA=="],
    [
      "private_key",
      `key:\n${FAKE.pem}\nend`,
      "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun",
    ],
    ["secret", "DB_PASSWORD=hunter2 and more", "hunter2"],
    ["secret", '{"api_key": "abc-123-def", "model": "x"}', "abc-123-def"],
    ["secret", "curl 'https://api.example.com/v1?access_token=9f8e7d6c&page=2'", "9f8e7d6c"],
    ["secret", "client_secret: 'Zm9vYmFy'", "Zm9vYmFy"],
    ["secret", String.raw`{\"password\": \"correct horse battery\"}`, "correct horse battery"],
    [
      "email",
      "write to jane.doe+billing@mail.example.co.uk today",
      "jane.doe+billing@mail.example.co.uk",
    ],
    ["card", "Visa 4111 1111 1111 1111 exp 12/28", "4111 1111 1111 1111"],
    ["card", "mc 5555-5555-5555-4444.", "5555-5555-5555-4444"],
    ["card", "amex 3782 822463 10005", "3782 822463 10005"],
    ["card", "raw 4242424242424242", "4242424242424242"],
    ["iban", "IBAN DE89 3704 0044 0532 0130 00, BIC COBADEFFXXX", "DE89 3704 0044 0532 0130 00"],
    ["iban", "pay GB82WEST12345698765432", "GB82WEST12345698765432"],
    ["ssn", "SSN 078-05-1120 on file", "078-05-1120"],
    ["phone", "call +1 (415) 555-2671", "+1 (415) 555-2671"],
    ["phone", "call +44 20 7946 0958", "+44 20 7946 0958"],
    ["phone", "whatsapp +14155552671", "+14155552671"],
    ["phone", "office (415) 555-2671 ext", "(415) 555-2671"],
    ["phone", "cell 415-555-2671", "415-555-2671"],
    ["phone", "Tel. 030 12345678", "030 12345678"],
    ["phone", "portable 06 12 34 56 78", "06 12 34 56 78"],
  ])("%s: masks it in %j", (kind, text, secret) => {
    const out = redact(text);
    expect(out).not.toContain(secret);
    expect(out).toContain(`[REDACTED:${kind}]`);
  });

  it("keeps what frames a secret: labels, schemes, quotes, hosts", () => {
    expect(redact("postgres://app:s3cr3t!@db.internal:5432/orders")).toBe(
      "postgres://app:[REDACTED:password]@db.internal:5432/orders",
    );
    expect(redact(`https://x:${FAKE.github}@github.com/o/r`)).toBe(
      "https://x:[REDACTED:password]@github.com/o/r",
    );
    expect(redact("redis://:hunter2@cache:6379/0")).toBe(
      "redis://:[REDACTED:password]@cache:6379/0",
    );
    expect(redact('"password": "hunter2"')).toBe('"password": "[REDACTED:secret]"');
    expect(redact("Authorization: Bearer 0a1b2c3d4e5f")).toBe(
      "Authorization: Bearer [REDACTED:authorization]",
    );
    expect(redact("Visa 4111 1111 1111 1111 12/28 CVV 123")).toBe(
      "Visa [REDACTED:card] 12/28 CVV 123",
    );
    expect(redact("card 4111-1111-1111-1111 123")).toBe("card [REDACTED:card] 123");
  });

  it.each([
    ["a release", "deployed 2026.08.1 (build 20260801.3) at v1.2.3"],
    ["dates and times", "on 2026-08-01, 01/08/2026 and 2026-08-01T10:30:00.123Z, 10:30:00"],
    ["a day-month-year date then an hour", "meeting 01-02-2026 10 sharp"],
    ["token counts", "input_tokens: 1532, output_tokens=211, max_token: 4096, 1,743 tokens"],
    ["ids", "trace 4bf92f3577b34da6a3ce929d0e0e4736 span 00f067aa0ba902b7"],
    ["a uuid", "request 550e8400-e29b-41d4-a716-446655440000"],
    ["timestamps", "start 1767225600000000000 ms 1767225600000 unix 1767225600"],
    [
      "ordinary numbers",
      "order 12345, pi 3.14159265, total $12,345.67, +5 points, +2026 and +20000000 users",
    ],
    ["a long number failing Luhn", "ref 4111111111111112"],
    ["an address and port", "listen 192.168.100.200:8080 or 10.0.0.1"],
    ["prose about auth", "Bearer authentication is the bearer of good news"],
    ["prose about keys", "use scikit-learn's sk-learn-style-pipeline-builder here"],
    ["non-emails", "user@localhost, pkg@1.2.3, @types/node"],
    ["placeholders", 'password: null, "token": "", token=1234'],
    ["empty and short strings", ""],
  ])("leaves %s alone", (_what, text) => {
    expect(redact(text)).toBe(text);
  });

  it("is idempotent", () => {
    const text = `mail bob@example.com key ${FAKE.openai} password=x1 card 4111111111111111`;
    const once = redact(text);
    expect(redact(once)).toBe(once);
  });

  it("finds a secret right after a rejected candidate", () => {
    expect(redact("bearer authentication sk-ant is fine; bob@example.com")).toBe(
      "bearer authentication sk-ant is fine; [REDACTED:email]",
    );
  });
});

describe("checksums", () => {
  it("Luhn accepts test card numbers and rejects a changed digit", () => {
    expect(luhnValid("4111111111111111")).toBe(true);
    expect(luhnValid("378282246310005")).toBe(true);
    expect(luhnValid("4111111111111112")).toBe(false);
    expect(luhnValid("")).toBe(false);
  });

  it("IBAN mod-97 accepts real examples and rejects a typo", () => {
    expect(ibanValid("DE89370400440532013000")).toBe(true);
    expect(ibanValid("GB82WEST12345698765432")).toBe(true);
    expect(ibanValid("DE89370400440532013001")).toBe(false);
  });

  it("tells tokens from words", () => {
    expect(looksLikeToken("dXNlcjpwYXNz")).toBe(true);
    expect(looksLikeToken("abc123")).toBe(true);
    expect(looksLikeToken("Authentication")).toBe(false);
  });
});

describe("linear time", () => {
  const MB = 1_000_000;
  const fill = (unit: string) => unit.repeat(Math.ceil(MB / unit.length)).slice(0, MB);
  // Inputs built to make a backtracking regex explode: long runs a pattern almost matches.
  const adversarial: Record<string, string> = {
    letters: fill("a"),
    digits: fill("1"),
    "spaced digits": fill("1 "),
    "dashed digits": fill("1-"),
    "dotted labels": fill("a."),
    "at signs": fill("a@"),
    "domain without tld": `x@${fill("1.")}`,
    "local part without at": fill("a.b_c%"),
    "key prefix": fill("sk-"),
    "key body": `sk-${fill("A")}`,
    "pem without end": `-----BEGIN PRIVATE KEY-----${fill("-a")}`,
    "pem headers": fill("-----BEGIN RSA PRIVATE KEY-----"),
    "url userinfo": fill("postgres://a:"),
    "open quotes": fill('"password": "a'),
    "bearer words": fill("Bearer aaaaaaaa "),
    "jwt-ish": fill("eyJa.eyJa."),
    "phone groups": fill("+1 (1) "),
    "card groups": fill("4111 "),
    "iban groups": fill("DE89 "),
    "escaped quotes": fill('\\"'),
  };

  // Linear time takes a few hundred milliseconds for 1 MB; backtracking that explodes takes
  // minutes. The bound sits far from both, so a busy machine does not fail it.
  it.each(Object.entries(adversarial))("%s: 1 MB in linear time", (_name, input) => {
    const started = performance.now();
    redact(input);
    expect(performance.now() - started).toBeLessThan(10_000);
  });
});
