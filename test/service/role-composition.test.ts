import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestService, type TestService } from "../support/test-service.ts";

// Each role builds only what it runs: no worker in an API-only process, no API in a worker-only one.
let api: TestService;
let worker: TestService | undefined;

beforeAll(async () => {
  api = await startTestService({}, { roles: { api: true, workers: false } });
});

afterAll(async () => {
  await worker?.stop();
  await api?.stop();
});

describe("the composition root", () => {
  it("builds no BullMQ worker in an API-only process, and the worker role's on a worker", async () => {
    const queues = Object.values(api.service.queues);
    expect(queues).toHaveLength(5);
    for (const queue of queues) expect(await queue.getWorkers(), queue.name).toEqual([]);

    worker = await startTestService({}, { roles: { api: false, workers: true }, shareWith: api });
    // Seen from the API's own queues: the check above could have found them.
    for (const name of ["ingest", "traces", "evaluations", "alerts", "webhooks"] as const)
      expect((await api.service.queues[name].getWorkers()).length, name).toBe(1);
    expect((await fetch(`${worker.url}/v1/traces`, { method: "POST" })).status).toBe(404);
    expect((await fetch(`${worker.url}/v1/evaluations`)).status).toBe(404);
    expect((await fetch(`${worker.url}/metrics`)).status).toBe(200);
    expect((await fetch(`${worker.url}/healthz`)).status).toBe(200);
  });
});
