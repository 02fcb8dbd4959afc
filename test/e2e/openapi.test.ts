import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashKey } from "../../src/api/auth.ts";
import { startTestService, type TestService } from "../support/test-service.ts";

const ADMIN_KEY = "openapi-test-admin-key";
let svc: TestService;

beforeAll(async () => {
  // Keys configured, so the test sees that the document itself needs none.
  svc = await startTestService({
    auth: { keys: [{ name: "ops", sha256: hashKey(ADMIN_KEY), admin: true }] },
  });
});

afterAll(async () => {
  await svc?.stop();
});

interface Document {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, { properties: object; required: string[] }> };
}
interface Operation {
  security?: unknown[];
  parameters?: {
    name: string;
    in: string;
    required: boolean;
    description?: string;
    deprecated?: boolean;
    schema: Record<string, unknown>;
  }[];
  requestBody?: { content: Record<string, { schema: { required?: string[] } }> };
  responses: Record<string, unknown>;
}

async function fetchDocument(): Promise<Document> {
  const res = await fetch(`${svc.url}/openapi.json`);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  return JSON.parse(await res.text()) as Document;
}

/**
 * Every `METHOD path` Fastify has registered, read from `printRoutes()`'s tree: each node's text
 * is its path's tail after its parent's, with the methods in brackets. HEAD (added beside every
 * GET) and OPTIONS are left out.
 */
function registeredRoutes(tree: string): string[] {
  const routes: string[] = [];
  const stack: string[] = [];
  for (const line of tree.split("\n")) {
    const at = line.indexOf("── ");
    if (at === -1) continue;
    // "├── " or "└── ", after four columns per level above.
    const depth = (at - 1) / 4;
    const match = /^(.*?)(?: \(([A-Z, ]+)\))?$/.exec(line.slice(at + 3)) as RegExpExecArray;
    stack.length = depth;
    stack.push(match[1] as string);
    for (const method of (match[2] ?? "").split(", ").filter(Boolean)) {
      if (method !== "HEAD" && method !== "OPTIONS") routes.push(`${method} ${stack.join("")}`);
    }
  }
  return routes;
}

const asOpenApi = (path: string) => path.replace(/:([A-Za-z0-9_]+)/g, "{$1}");

describe("GET /openapi.json", () => {
  it("serves an OpenAPI 3.1 document without an API key", async () => {
    const doc = await fetchDocument();
    expect(doc.openapi).toBe("3.1.0");
    // The rest of the API still wants a key.
    expect((await fetch(`${svc.url}/v1/evaluations`)).status).toBe(401);
    expect(doc.paths["/openapi.json"]?.get?.security).toEqual([]);
    expect(doc.paths["/v1/evaluations"]?.get?.security).toBeUndefined();
  });

  it("documents every /v1 route the service registered, with its method", async () => {
    const doc = await fetchDocument();
    const registered = registeredRoutes(svc.service.app.printRoutes());
    const v1 = registered.filter((r) => r.split(" ")[1]?.startsWith("/v1/"));
    // The tree was read right: routes known to exist are among them.
    expect(v1).toContain("GET /v1/traces/:trace_id/evaluations");
    expect(v1).toContain("POST /v1/alert-rules/:name/test");
    expect(v1).toContain("POST /v1/traces");
    expect(v1.length).toBeGreaterThanOrEqual(30);
    const undocumented = v1.filter((route) => {
      const [method, path] = route.split(" ") as [string, string];
      return doc.paths[asOpenApi(path)]?.[method.toLowerCase()] === undefined;
    });
    expect(undocumented).toEqual([]);
  });

  it("documents no route the service does not serve", async () => {
    const doc = await fetchDocument();
    const missing: string[] = [];
    for (const [path, operations] of Object.entries(doc.paths)) {
      for (const method of Object.keys(operations)) {
        const url = path.replace(/\{([A-Za-z0-9_]+)\}/g, ":$1");
        const route = { method: method.toUpperCase() as "GET", url };
        if (!svc.service.app.hasRoute(route)) missing.push(`${method} ${path}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it("takes parameters and bodies from the routes' zod schemas", async () => {
    const doc = await fetchDocument();
    const params = doc.paths["/v1/evaluations"]?.get?.parameters ?? [];
    const order = params.find((p) => p.name === "order");
    expect(order).toMatchObject({ in: "query", required: false });
    expect(order?.schema).toMatchObject({ enum: ["asc", "desc"], default: "asc" });
    expect(params.find((p) => p.name === "limit")?.schema).toMatchObject({ maximum: 1000 });
    // The filters by their names; the older names documented as deprecated aliases.
    for (const name of ["service_name", "service_version", "model", "since", "until"])
      expect(params.find((p) => p.name === name)?.deprecated, name).toBeUndefined();
    expect(params.find((p) => p.name === "until")?.description).toMatch(/\(exclusive\)/);
    expect(params.find((p) => p.name === "since")?.description).toMatch(/\(inclusive\)/);
    expect(params.find((p) => p.name === "service")).toMatchObject({
      deprecated: true,
      description: "Alias of `service_name`",
    });
    expect(params.find((p) => p.name === "release")?.deprecated).toBe(true);
    const byTrace = doc.paths["/v1/traces/{trace_id}/evaluations"]?.get?.parameters ?? [];
    expect(byTrace.find((p) => p.name === "trace_id")).toMatchObject({
      in: "path",
      required: true,
      schema: { pattern: "^[0-9a-fA-F]{32}$" },
    });
    expect(byTrace.map((p) => p.name)).toEqual(expect.arrayContaining(["model", "until"]));
    const body = (op?: Operation) => op?.requestBody?.content["application/json"]?.schema;
    expect(body(doc.paths["/v1/alert-rules"]?.post)?.required).toContain("name");
    expect(body(doc.paths["/v1/alert-rules/{name}"]?.put)?.required ?? []).not.toContain("name");
    expect(doc.components.schemas.Error?.required).toEqual(["error", "message"]);
    expect(doc.paths["/v1/webhooks"]?.post?.responses["4XX"]).toMatchObject({
      content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
    });
  });

  it("describes the OTLP routes by their content types and OTLP Status failures", async () => {
    const doc = await fetchDocument();
    for (const path of ["/v1/traces", "/v1/logs", "/tracer/v1/traces"]) {
      const op = doc.paths[path]?.post;
      expect(Object.keys(op?.requestBody?.content ?? {}).sort()).toEqual([
        "application/json",
        "application/x-protobuf",
      ]);
      expect(op?.responses["4XX"]).toMatchObject({
        content: { "application/json": { schema: { $ref: "#/components/schemas/OtlpStatus" } } },
      });
    }
  });

  it("documents enum values the route accepts, and the route refuses others", async () => {
    const doc = await fetchDocument();
    const params = doc.paths["/v1/evaluations"]?.get?.parameters ?? [];
    const status = params.find((p) => p.name === "status")?.schema.enum as string[];
    expect(status.length).toBeGreaterThan(0);
    const get = (query: string) =>
      fetch(`${svc.url}/v1/evaluations?${query}`, {
        headers: { authorization: `Bearer ${ADMIN_KEY}` },
      });
    for (const value of status) expect((await get(`status=${value}`)).status).toBe(200);
    const bad = await get("status=bogus");
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: "invalid_request" });
  });
});
