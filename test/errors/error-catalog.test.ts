import { readdirSync, readFileSync } from "node:fs";
import Fastify from "fastify";
import { describe, expect, it } from "vitest";
import { errorBody, sendError } from "../../src/api/error-shape.ts";
import {
  API_ERROR_CODES,
  apiCodeOf,
  ERROR_CATALOG,
  ERROR_CODES,
  type ErrorCode,
  type ErrorSpec,
  httpStatusOf,
  reasonOf,
} from "../../src/error-catalog.ts";
import { failureReason, TracejudgeError } from "../../src/errors.ts";

const spec = (code: ErrorCode): ErrorSpec => ERROR_CATALOG[code];

describe("the error catalog", () => {
  it("names every code once, in UPPER_SNAKE_CASE, with a one-line description", () => {
    for (const code of ERROR_CODES) {
      expect(code).toMatch(/^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/);
      expect(spec(code).description).toMatch(/^\S[^\n]*\S$/);
      expect(typeof spec(code).retryable).toBe("boolean");
    }
  });

  it("derives a snake_case API code and stored reason, unique across the catalog", () => {
    const api = API_ERROR_CODES.map(apiCodeOf);
    for (const wire of api) expect(wire).toMatch(/^[a-z][a-z0-9]*(_[a-z0-9]+)*$/);
    expect(new Set(api).size).toBe(api.length);
    const reasons = ERROR_CODES.map(reasonOf);
    expect(new Set(reasons).size).toBe(ERROR_CODES.length);
  });

  it("gives statuses that are HTTP error statuses, and one to every JSON API code", () => {
    for (const code of ERROR_CODES) {
      for (const status of [spec(code).http, spec(code).otlp]) {
        if (status === undefined) continue;
        expect(Number.isInteger(status)).toBe(true);
        expect(status).toBeGreaterThanOrEqual(400);
        expect(status).toBeLessThanOrEqual(599);
      }
    }
    expect(API_ERROR_CODES.length).toBeGreaterThan(0);
    for (const code of API_ERROR_CODES) expect(httpStatusOf(code)).toBe(spec(code).http);
  });

  it("keeps the JSON API's wire codes and statuses as they were", () => {
    const wire = Object.fromEntries(
      API_ERROR_CODES.map((code) => [apiCodeOf(code), httpStatusOf(code)]),
    );
    expect(wire).toEqual({
      invalid_request: 400,
      unauthorized: 401,
      forbidden: 403,
      not_found: 404,
      method_not_allowed: 405,
      rule_exists: 409,
      rule_in_config: 409,
      webhook_exists: 409,
      webhook_in_use: 409,
      webhook_in_config: 409,
      evaluator_exists: 409,
      evaluator_in_config: 409,
      judge_not_configured: 409,
      pending: 409,
      payload_too_large: 413,
      unsupported_media_type: 415,
      internal: 500,
    });
  });

  it("answers the OTLP codes with the statuses the OTLP routes use", () => {
    expect(ERROR_CATALOG.OTLP_DECODE_FAILED.otlp).toBe(400);
    expect(ERROR_CATALOG.OTLP_TOO_LARGE.otlp).toBe(413);
    expect(ERROR_CATALOG.OTLP_UNSUPPORTED_MEDIA_TYPE.otlp).toBe(415);
  });
});

describe("a TracejudgeError against the catalog", () => {
  it("stores the catalog's reason for every code", () => {
    for (const code of ERROR_CODES) {
      const err = new TracejudgeError(code, "x");
      expect(failureReason(err)).toBe(reasonOf(code));
      expect(failureReason(err)).toBe(code.toLowerCase());
    }
    expect(failureReason(new Error("thrown by an evaluator"))).toBe("evaluator_failed");
    expect(failureReason("a string")).toBe(reasonOf("EVALUATOR_FAILED"));
  });

  it("is retryable as the catalog says unless told otherwise", () => {
    for (const code of ERROR_CODES) {
      expect(new TracejudgeError(code, "x").retryable).toBe(spec(code).retryable);
      expect(new TracejudgeError(code, "x", { retryable: true }).retryable).toBe(true);
      expect(new TracejudgeError(code, "x", { retryable: false }).retryable).toBe(false);
    }
    expect(ERROR_CATALOG.STORE_UNAVAILABLE.retryable).toBe(true);
    expect(ERROR_CATALOG.JUDGE_BUDGET.retryable).toBe(false);
  });
});

describe("sendError", () => {
  it("answers with the catalog's status and snake_case code", async () => {
    const app = Fastify();
    app.get("/gone", (_request, reply) => sendError(reply, "WEBHOOK_IN_USE", "notified by r1"));
    try {
      const res = await app.inject({ method: "GET", url: "/gone" });
      expect(res.statusCode).toBe(409);
      expect(res.json()).toEqual({ error: "webhook_in_use", message: "notified by r1" });
      expect(errorBody("NOT_FOUND", "m")).toEqual({ error: "not_found", message: "m" });
    } finally {
      await app.close();
    }
  });

  it("is how every JSON route answers an error: no error body written by hand", () => {
    for (const dir of ["src/api", "src/console"]) {
      for (const file of readdirSync(dir).filter((f) => f.endsWith(".ts"))) {
        const source = readFileSync(`${dir}/${file}`, "utf8");
        expect({ file, hand: source.match(/error:\s*"[a-z_]+"/g) }).toEqual({ file, hand: null });
      }
    }
  });
});
