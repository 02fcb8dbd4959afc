import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestService, type TestService } from "../support/test-service.ts";

let svc: TestService;

beforeAll(async () => {
  svc = await startTestService();
});

afterAll(async () => {
  await svc?.stop();
});

async function call(path: string, init: RequestInit = {}) {
  const res = await fetch(`${svc.url}${path}`, init);
  return { status: res.status, type: res.headers.get("content-type"), body: await res.text() };
}

describe("one error shape for the JSON API", () => {
  it("answers an unknown route with the API's 404, naming it", async () => {
    const res = await call("/v1/evaluationz?limit=3");
    expect(res.status).toBe(404);
    expect(JSON.parse(res.body)).toEqual({
      error: "not_found",
      message: "no route GET /v1/evaluationz",
    });
  });

  it("answers a body that is not JSON, or not JSON at all, in the same shape", async () => {
    const broken = await call("/v1/alert-rules", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"name": ',
    });
    expect(broken.status).toBe(400);
    expect(JSON.parse(broken.body)).toMatchObject({ error: "invalid_request" });
    expect(JSON.parse(broken.body).message).toMatch(/JSON/i);

    const text = await call("/v1/alert-rules", {
      method: "POST",
      headers: { "content-type": "application/xml" },
      body: "<rule/>",
    });
    expect(text.status).toBe(415);
    expect(JSON.parse(text.body)).toMatchObject({ error: "unsupported_media_type" });
  });

  it("leaves the OTLP routes their OTLP Status answers", async () => {
    const res = await call("/v1/traces", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{not json",
    });
    expect(res.status).toBe(400);
    const body = JSON.parse(res.body);
    expect(body.code).toBe(3); // INVALID_ARGUMENT
    expect(typeof body.message).toBe("string");
    expect(body.error).toBeUndefined();
  });
});
