import type { FastifyInstance } from "fastify";
import { packageVersion } from "../cli/package-version.ts";
import { OPEN_ROUTES, PROJECT_ROUTES } from "./auth.ts";
import { ApiErrorSchema } from "./error-shape.ts";
import { API_OPERATIONS, type ApiOperation } from "./openapi-operations.ts";
import { type JsonSchema, openApiPath, parametersOf, responseSchemaOf } from "./openapi-schemas.ts";

/** The path the document is served at. */
export const OPENAPI_PATH = "/openapi.json";

const errorResponse = (description: string) => ({
  description,
  content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
});

// OTLP answers come in the request's encoding; failures are a google.rpc.Status, not the API's
// error shape.
const otlpAnswer = (description: string, json: JsonSchema) => ({
  description,
  content: {
    "application/x-protobuf": {
      schema: { type: "string", contentMediaType: "application/x-protobuf" },
    },
    "application/json": { schema: json },
  },
});
const otlpStatus = (description: string) =>
  otlpAnswer(description, { $ref: "#/components/schemas/OtlpStatus" });

function otlpBody(signal: "traces" | "logs") {
  const message = signal === "traces" ? "ExportTraceServiceRequest" : "ExportLogsServiceRequest";
  return {
    required: true,
    description: `An OTLP ${message}, protobuf or JSON as the OTLP/HTTP spec defines it; \`Content-Encoding: gzip\` accepted.`,
    content: {
      "application/x-protobuf": {
        schema: { type: "string", contentMediaType: "application/x-protobuf" },
      },
      "application/json": { schema: { type: "object", description: `OTLP JSON ${message}` } },
    },
  };
}

function operationObject(op: ApiOperation, params: string[]) {
  const route = `${op.method.toUpperCase()} ${op.path}`;
  const open = OPEN_ROUTES.has(route);
  const access = open
    ? "Open: no API key needed."
    : PROJECT_ROUTES.has(route)
      ? "A project's key (acting on its own project's data) or an admin key."
      : "An admin key.";
  const parameters = parametersOf(op.query, params);
  const success = Object.fromEntries(
    Object.entries(op.responses).map(([status, answer]) => {
      if (typeof answer !== "string") {
        const schema = responseSchemaOf(answer.schema);
        return [
          status,
          { description: answer.description, content: { "application/json": { schema } } },
        ];
      }
      return [status, op.otlp ? otlpAnswer(answer, { type: "object" }) : { description: answer }];
    }),
  );
  const failures = op.otlp
    ? {
        "4XX": otlpStatus("An OTLP Status; 429 carries Retry-After"),
        "5XX": otlpStatus("An OTLP Status; 503 carries Retry-After"),
      }
    : {
        "4XX": errorResponse("The request is at fault: the error names what"),
        "5XX": errorResponse("The service failed (details in its log)"),
      };
  return {
    tags: [op.tag],
    summary: op.summary,
    description: `Access: ${access}`,
    operationId: `${op.method}${op.path.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ?? "").toUpperCase())}`,
    ...(open ? { security: [] } : {}),
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(op.otlp ? { requestBody: otlpBody(op.otlp) } : {}),
    ...(op.body
      ? { requestBody: { required: true, content: { "application/json": { schema: op.body } } } }
      : {}),
    responses: { ...success, ...failures },
  };
}

/**
 * The OpenAPI 3.1 document of the HTTP API. Parameters and bodies are the JSON Schemas of the zod
 * schemas the routes validate with, and JSON answers those of the response schemas the handlers
 * are typed from (`response-schemas.ts`), so the document follows them; the tests over HTTP check
 * that every `/v1` route the service registers is in it, and real answers against it.
 */
export function buildOpenApiDocument(version: string = packageVersion()): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of API_OPERATIONS) {
    const { path, params } = openApiPath(op.path);
    paths[path] = { ...paths[path], [op.method]: operationObject(op, params) };
  }
  const otlpStatusSchema: JsonSchema = {
    type: "object",
    description: "google.rpc.Status in OTLP JSON",
    properties: { code: { type: "integer" }, message: { type: "string" } },
  };
  return {
    openapi: "3.1.0",
    info: {
      title: "tracejudge",
      version,
      description:
        "OTLP/HTTP ingest of LLM traces, and the JSON API over eval events, evaluators, alert rules, alerts, webhooks and deliveries. With API keys configured, every route but /healthz and /openapi.json needs `Authorization: Bearer <key>`; with none configured the API is open.",
    },
    tags: ["otlp", "evaluations", "evaluators", "alerts", "webhooks", "console", "health"].map(
      (name) => ({ name }),
    ),
    security: [{ bearerAuth: [] }],
    paths,
    components: {
      securitySchemes: { bearerAuth: { type: "http", scheme: "bearer" } },
      schemas: { Error: responseSchemaOf(ApiErrorSchema), OtlpStatus: otlpStatusSchema },
    },
  };
}

/** `GET /openapi.json`: the document, built once. Open like /healthz (see `OPEN_ROUTES`). */
export async function openApiRoutes(app: FastifyInstance): Promise<void> {
  const document = buildOpenApiDocument();
  app.get(OPENAPI_PATH, async (_request, reply) => reply.send(document));
}
