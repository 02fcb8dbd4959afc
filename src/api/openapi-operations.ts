import { z } from "zod";
import { AlertRuleSchema } from "../alerts/rule-schema.ts";
import {
  AlertsQuerySchema,
  DeliveriesQuerySchema,
  EvaluatorsQuerySchema,
  ReleasesQuerySchema,
  ScoresQuerySchema,
  WorstQuerySchema,
} from "../console/console-params.ts";
import { ConfigJudgeSchema } from "../evaluators/config-judge.ts";
import { RemoteEvaluatorConfigSchema } from "../evaluators/remote-evaluator.ts";
import { LOGS_PATH, TRACEAI_TRACES_PATH, TRACES_PATH } from "../ingest/ingest-routes.ts";
import { WebhookConfigSchema } from "../webhooks/webhook-config.ts";
import { ProjectNameSchema } from "./auth-config.ts";
import { EvaluationsQuerySchema, TraceEvaluationsQuerySchema } from "./evaluations-routes.ts";
import { type JsonSchema, jsonSchemaOf, withProperties } from "./openapi-schemas.ts";
import {
  AlertListSchema,
  AlertRuleDetailSchema,
  AlertRuleListSchema,
  AlertRuleViewSchema,
  DeliveryDetailSchema,
  DeliveryListSchema,
  EvaluationsPageSchema,
  EvaluatorListSchema,
  EvaluatorViewSchema,
  HealthSchema,
  ReadinessSchema,
  RedeliverySchema,
  TestDeliveriesSchema,
  WebhookListSchema,
  WebhookViewSchema,
} from "./response-schemas.ts";

/** One documented route, in Fastify's path form (`/v1/alert-rules/:name`). */
export interface ApiOperation {
  method: "get" | "post" | "put" | "delete";
  path: string;
  tag: string;
  summary: string;
  /** Query (and path) parameters: the object schema the route validates them with. */
  query?: z.ZodType;
  /** The JSON body, as JSON Schema (built from the route's zod schema). */
  body?: JsonSchema;
  /**
   * Success statuses: what they mean, and the zod schema of the JSON answered when there is one;
   * failures are the error shape (OTLP: a Status).
   */
  responses: Record<string, string | ApiResponse>;
  /** OTLP/HTTP export routes: protobuf or JSON bodies, OTLP Status failures. */
  otlp?: "traces" | "logs";
}

/** A JSON answer: what it means, and the schema the document publishes for it. */
export interface ApiResponse {
  description: string;
  schema: z.ZodType;
}
const json = (description: string, schema: z.ZodType): ApiResponse => ({ description, schema });

// `?project=`: how an admin key (or an open API) picks a project; a project's key may omit it.
const ProjectQuery = z.object({ project: ProjectNameSchema.optional() });
const projectField = { project: jsonSchemaOf(ProjectNameSchema) };

// `POST /v1/evaluators`: a judge (the default kind) or a remote evaluator, as parseApiEvaluator reads it.
const EvaluatorBody: JsonSchema = {
  oneOf: [
    withProperties(jsonSchemaOf(ConfigJudgeSchema), {
      ...projectField,
      kind: { type: "string", const: "judge", default: "judge" },
    }),
    withProperties(jsonSchemaOf(RemoteEvaluatorConfigSchema), {
      ...projectField,
      kind: { type: "string", const: "remote" },
    }),
  ],
};
const ruleBody = withProperties(jsonSchemaOf(AlertRuleSchema), projectField);
const webhookBody = withProperties(jsonSchemaOf(WebhookConfigSchema), projectField);
// A PUT names the resource in its path: a body's `name` is not needed (the path's wins).
const byName = (body: JsonSchema) => withProperties(body, {}, ["name"]);

const otlp = (signal: "traces" | "logs", path: string, summary: string): ApiOperation => ({
  method: "post",
  path,
  tag: "otlp",
  summary,
  otlp: signal,
  responses: {
    "200": `Export${signal === "traces" ? "Trace" : "Logs"}ServiceResponse in the request's encoding, with partialSuccess for items rejected`,
  },
});

/** Every route of the HTTP API, as the OpenAPI document describes it. */
export const API_OPERATIONS: readonly ApiOperation[] = [
  otlp("traces", TRACES_PATH, "OTLP/HTTP traces in"),
  otlp("traces", TRACEAI_TRACES_PATH, "OTLP/HTTP traces in (the path traceAI's register() uses)"),
  otlp("logs", LOGS_PATH, "OTLP/HTTP logs in (GenAI content events joined to their spans)"),
  {
    method: "get",
    path: "/v1/evaluations",
    tag: "evaluations",
    summary: "Eval events, filtered and paged by cursor",
    query: EvaluationsQuerySchema,
    responses: {
      "200": json("A page of eval events, oldest first unless order=desc", EvaluationsPageSchema),
    },
  },
  {
    method: "get",
    path: "/v1/traces/:trace_id/evaluations",
    tag: "evaluations",
    summary: "One trace's eval events, with the same filters",
    query: TraceEvaluationsQuerySchema,
    responses: {
      "200": json("A page of eval events, oldest first unless order=desc", EvaluationsPageSchema),
    },
  },
  {
    method: "get",
    path: "/v1/evaluators",
    tag: "evaluators",
    summary: "The evaluators running, with versions, filters, project and source",
    query: ProjectQuery,
    responses: { "200": json("The evaluators", EvaluatorListSchema) },
  },
  {
    method: "post",
    path: "/v1/evaluators",
    tag: "evaluators",
    summary: "Defines a judge (the default kind) or a remote evaluator",
    query: ProjectQuery,
    body: EvaluatorBody,
    responses: {
      "200": json("The same definition exists", EvaluatorViewSchema),
      "201": json("Defined", EvaluatorViewSchema),
    },
  },
  {
    method: "delete",
    path: "/v1/evaluators/:name",
    tag: "evaluators",
    summary: "Stops an evaluator defined through the API",
    query: ProjectQuery,
    responses: { "204": "Stopped" },
  },
  {
    method: "get",
    path: "/v1/alert-rules",
    tag: "alerts",
    summary: "Alert rules",
    query: ProjectQuery,
    responses: { "200": json("The alert rules", AlertRuleListSchema) },
  },
  {
    method: "post",
    path: "/v1/alert-rules",
    tag: "alerts",
    summary: "Creates an alert rule",
    query: ProjectQuery,
    body: ruleBody,
    responses: { "201": json("The rule as stored", AlertRuleViewSchema) },
  },
  {
    method: "get",
    path: "/v1/alert-rules/:name",
    tag: "alerts",
    summary: "An alert rule with its states and episodes",
    query: ProjectQuery,
    responses: { "200": json("The rule, `states` and `episodes`", AlertRuleDetailSchema) },
  },
  {
    method: "put",
    path: "/v1/alert-rules/:name",
    tag: "alerts",
    summary: "Replaces an alert rule",
    query: ProjectQuery,
    body: byName(ruleBody),
    responses: { "200": json("The rule as stored", AlertRuleViewSchema) },
  },
  {
    method: "delete",
    path: "/v1/alert-rules/:name",
    tag: "alerts",
    summary: "Removes an alert rule and its states",
    query: ProjectQuery,
    responses: { "204": "Removed" },
  },
  {
    method: "post",
    path: "/v1/alert-rules/:name/test",
    tag: "alerts",
    summary: "Sends a test notification to each of the rule's webhooks",
    query: ProjectQuery,
    responses: { "202": json("The deliveries enqueued", TestDeliveriesSchema) },
  },
  {
    method: "get",
    path: "/v1/alerts",
    tag: "alerts",
    summary: "Alert states per rule and scope",
    query: ProjectQuery,
    responses: { "200": json("Alert states per rule and scope", AlertListSchema) },
  },
  {
    method: "get",
    path: "/v1/webhooks",
    tag: "webhooks",
    summary: "Webhooks (secrets never shown)",
    query: ProjectQuery,
    responses: { "200": json("The webhooks", WebhookListSchema) },
  },
  {
    method: "post",
    path: "/v1/webhooks",
    tag: "webhooks",
    summary: "Creates a project's webhook",
    query: ProjectQuery,
    body: webhookBody,
    responses: { "201": json("The webhook, secrets redacted", WebhookViewSchema) },
  },
  {
    method: "get",
    path: "/v1/webhooks/:name",
    tag: "webhooks",
    summary: "A webhook (secrets never shown)",
    query: ProjectQuery,
    responses: { "200": json("The webhook, secrets redacted", WebhookViewSchema) },
  },
  {
    method: "put",
    path: "/v1/webhooks/:name",
    tag: "webhooks",
    summary: "Replaces a webhook",
    query: ProjectQuery,
    body: byName(webhookBody),
    responses: { "200": json("The webhook, secrets redacted", WebhookViewSchema) },
  },
  {
    method: "delete",
    path: "/v1/webhooks/:name",
    tag: "webhooks",
    summary: "Removes a webhook no rule notifies",
    query: ProjectQuery,
    responses: { "204": "Removed" },
  },
  {
    method: "get",
    path: "/v1/deliveries",
    tag: "webhooks",
    summary: "Dead-lettered webhook deliveries (status=dead)",
    query: ProjectQuery.extend({ status: z.literal("dead") }),
    responses: { "200": json("Dead-lettered deliveries, newest first", DeliveryListSchema) },
  },
  {
    method: "get",
    path: "/v1/deliveries/:id",
    tag: "webhooks",
    summary: "A webhook delivery with its attempts",
    responses: { "200": json("The delivery and its attempts", DeliveryDetailSchema) },
  },
  {
    method: "post",
    path: "/v1/deliveries/:id/redeliver",
    tag: "webhooks",
    summary: "Delivers a delivery again",
    responses: { "202": json("Enqueued", RedeliverySchema) },
  },
  {
    method: "get",
    path: "/v1/stats/evaluators",
    tag: "console",
    summary: "Evaluators with eval events since `since`",
    query: EvaluatorsQuerySchema,
    responses: { "200": json("The evaluators", EvaluatorListSchema) },
  },
  {
    method: "get",
    path: "/v1/stats/scores",
    tag: "console",
    summary: "Mean score and count per time bucket, split by release, service or model",
    query: ScoresQuerySchema,
    responses: { "200": "The score series and the rules' thresholds" },
  },
  {
    method: "get",
    path: "/v1/stats/releases",
    tag: "console",
    summary: "Each service's newest release against the one before",
    query: ReleasesQuerySchema,
    responses: { "200": "`{evaluator, since, services: [...]}`" },
  },
  {
    method: "get",
    path: "/v1/evaluations/worst",
    tag: "console",
    summary: "The lowest-scoring eval events",
    query: WorstQuerySchema,
    responses: { "200": "`{since, evaluations: [...]}`" },
  },
  {
    method: "get",
    path: "/v1/console/alerts",
    tag: "console",
    summary: "Alert rules with their states and latest episodes",
    query: AlertsQuerySchema,
    responses: { "200": "`{rules: [...]}`" },
  },
  {
    method: "get",
    path: "/v1/console/deliveries",
    tag: "console",
    summary: "The latest webhook deliveries with their attempts",
    query: DeliveriesQuerySchema,
    responses: { "200": json("Dead-lettered deliveries, newest first", DeliveryListSchema) },
  },
  {
    method: "get",
    path: "/v1/console/health",
    tag: "console",
    summary: "Pipeline health: counters, queue depths, recent failures",
    responses: { "200": "The pipeline's health" },
  },
  {
    method: "get",
    path: "/v1/console/settings",
    tag: "console",
    summary: "The console's settings (trace link template, queue board path)",
    responses: { "200": "`{trace_url_template, queue_board}`" },
  },
  {
    method: "get",
    path: "/healthz",
    tag: "health",
    summary: "200 while the process lives",
    responses: { "200": json("Alive", HealthSchema) },
  },
  {
    method: "get",
    path: "/readyz",
    tag: "health",
    summary: "200 when Redis and PostgreSQL answer and migrations are applied, else 503",
    responses: {
      "200": json("Ready", ReadinessSchema),
      "503": json("Not ready: `checks` names what failed", ReadinessSchema),
    },
  },
  {
    method: "get",
    path: "/metrics",
    tag: "health",
    summary: "Prometheus metrics (text exposition format)",
    responses: { "200": "Prometheus text" },
  },
  {
    method: "get",
    path: "/openapi.json",
    tag: "health",
    summary: "This document",
    responses: { "200": "The OpenAPI 3.1 document" },
  },
];
