import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestService, type TestService } from "../support/test-service.ts";

let svc: TestService;

beforeAll(async () => {
  svc = await startTestService({
    console: { trace_url_template: "http://jaeger:16686/trace/{trace_id}" },
  } as never);
});
afterAll(async () => {
  await svc?.stop();
});

describe("the console in the running service", () => {
  it("serves the page, its data, and the queue board", async () => {
    const page = await fetch(`${svc.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/text\/html/);
    expect(await page.text()).toMatch(/tracejudge/i);
    const health = await fetch(`${svc.url}/v1/console/health`);
    expect(health.status).toBe(200);
    const settings = (await (await fetch(`${svc.url}/v1/console/settings`)).json()) as Record<
      string,
      unknown
    >;
    expect(JSON.stringify(settings)).toContain("http://jaeger:16686/trace/{trace_id}");
    expect((await fetch(`${svc.url}/admin/queues`)).status).toBe(200);
  });
});
