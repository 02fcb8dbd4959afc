import { z } from "zod";
import { ParsedAlertRuleSchema } from "../alerts/rule-schema.ts";
import { SpanFilterSchema } from "../evaluators/span-filter.ts";
import { EvalEventSchema, JudgedInputSchema } from "../store/eval-event-store.ts";
import { REDACTED } from "../webhooks/payload.ts";
import { WEBHOOK_FORMATS } from "../webhooks/webhook-config.ts";

/**
 * What the JSON API answers, route by route: the OpenAPI document publishes these schemas (their
 * output side) and the handlers that can build their answers typed do so from them, so the two
 * cannot drift apart. Objects are closed (`additionalProperties: false` in the document): a field
 * a handler adds without adding it here fails the test that checks real answers against the
 * document.
 */

/** Instants as `Date.toISOString()` (and JSON.stringify of a Date) write them. */
const Instant = z.iso.datetime();
const Project = z.string().nullable();

/** An eval event, with `input` when `include=input` asked for it. */
export const EvaluationSchema = EvalEventSchema.extend({
  created_at: Instant,
  input: JudgedInputSchema.optional(),
});

/** `GET /v1/evaluations` and `GET /v1/traces/{trace_id}/evaluations`. */
export const EvaluationsPageSchema = z.object({
  evaluations: z.array(EvaluationSchema),
  /** Pass as `cursor` for the next page; null on the last page. */
  next_cursor: z.string().nullable(),
});
export type EvaluationsPage = z.infer<typeof EvaluationsPageSchema>;

/** An evaluator as `/v1/evaluators` answers it. */
export const EvaluatorViewSchema = z.object({
  name: z.string(),
  version: z.string(),
  description: z.string().nullable(),
  /** Null: it runs on every project's spans. */
  project: Project,
  /** `config`: the service's configuration (read-only through the API); `api`: defined through it. */
  source: z.enum(["config", "api"]),
  /** The span filters it applies to (all must match). */
  applies_to: z.array(SpanFilterSchema),
});
export type EvaluatorView = z.infer<typeof EvaluatorViewSchema>;

export const EvaluatorListSchema = z.object({ evaluators: z.array(EvaluatorViewSchema) });
export type EvaluatorList = z.infer<typeof EvaluatorListSchema>;

const Redacted = z.literal(REDACTED);

/** A project's webhook: its secret, routing key and header values never shown. */
export const WebhookViewSchema = z.object({
  name: z.string(),
  project: z.string(),
  /** A Slack URL (its secret) by origin only. */
  url: z.string(),
  format: z.enum(WEBHOOK_FORMATS),
  secret: Redacted.nullable(),
  routing_key: Redacted.nullable(),
  headers: z.record(z.string(), Redacted),
  timeout_ms: z.number().int(),
  max_attempts: z.number().int(),
  source: z.literal("api"),
});
export type WebhookView = z.infer<typeof WebhookViewSchema>;

/** A webhook of the service's configuration, listed to admins by name only. */
export const ConfiguredWebhookSchema = z.object({
  name: z.string(),
  project: z.null(),
  source: z.literal("config"),
});

export const WebhookListSchema = z.object({
  webhooks: z.array(z.union([WebhookViewSchema, ConfiguredWebhookSchema])),
});
export type WebhookList = z.infer<typeof WebhookListSchema>;

/** An alert rule as parsed, with its project (null: global) and where it was defined. */
export const AlertRuleViewSchema = ParsedAlertRuleSchema.extend({
  project: Project,
  source: z.enum(["config", "api"]),
});

export type AlertRuleView = z.infer<typeof AlertRuleViewSchema>;

export const AlertRuleListSchema = z.object({ alert_rules: z.array(AlertRuleViewSchema) });
export type AlertRuleList = z.infer<typeof AlertRuleListSchema>;

/** One scope's alert state (the state store's fields, camelCase as it keeps them). */
export const AlertStateViewSchema = z.object({
  rule: z.string(),
  project: Project,
  scopeKey: z.string(),
  scope: z.record(z.string(), z.string()),
  state: z.enum(["ok", "warning", "firing", "no_data"]),
  since: Instant,
  episodeId: z.string().nullable(),
  lastNotified: z
    .object({
      type: z.enum(["alert.firing", "alert.warning", "alert.resolved"]),
      at: Instant,
    })
    .nullable(),
  observed: z.number().nullable(),
  samples: z.number().nullable(),
});

export const AlertEpisodeSchema = z.object({
  id: z.string(),
  scope_key: z.string(),
  scope: z.record(z.string(), z.string()),
  severity: z.string(),
  opened_at: Instant,
  closed_at: Instant.nullable(),
});

/** `GET /v1/alert-rules/{name}`: the rule with its scopes' states and latest episodes. */
export const AlertRuleDetailSchema = AlertRuleViewSchema.extend({
  states: z.array(AlertStateViewSchema),
  episodes: z.array(AlertEpisodeSchema),
});

export const AlertListSchema = z.object({ alerts: z.array(AlertStateViewSchema) });

/** `POST /v1/alert-rules/{name}/test`: the deliveries enqueued, one per webhook. */
export const TestDeliveriesSchema = z.object({ deliveries: z.array(z.string()) });
export type TestDeliveries = z.infer<typeof TestDeliveriesSchema>;

/** A webhook delivery, its secrets redacted. */
export const DeliveryViewSchema = z.object({
  id: z.string(),
  project: Project,
  webhook: z.string(),
  url: z.string(),
  format: z.string(),
  event_type: z.string(),
  body: z.string(),
  status: z.enum(["pending", "delivered", "dead"]),
  attempts: z.number().int(),
  redeliveries: z.number().int(),
  last_status_code: z.number().int().nullable(),
  last_error: z.string().nullable(),
  created_at: Instant,
  delivered_at: Instant.nullable(),
  dead_at: Instant.nullable(),
});

export const DeliveryListSchema = z.object({ deliveries: z.array(DeliveryViewSchema) });
export type DeliveryList = z.infer<typeof DeliveryListSchema>;

/** `GET /v1/deliveries/{id}`: the delivery with each attempt. */
export const DeliveryDetailSchema = DeliveryViewSchema.extend({
  attempt_log: z.array(
    z.object({
      attempt: z.number().int(),
      started_at: Instant,
      url: z.string(),
      status_code: z.number().int().nullable(),
      error: z.string().nullable(),
      latency_ms: z.number(),
      outcome: z.enum(["delivered", "retry", "dead"]),
    }),
  ),
});
export type DeliveryDetail = z.infer<typeof DeliveryDetailSchema>;

export const RedeliverySchema = z.object({ status: z.literal("enqueued") });
export type Redelivery = z.infer<typeof RedeliverySchema>;

export const HealthSchema = z.object({ status: z.literal("ok") });

/** `/readyz`, 200 or 503: each check `ok`, `not ready` or `down: <why>`. */
export const ReadinessSchema = z.object({
  status: z.enum(["ready", "not ready"]),
  checks: z.record(z.string(), z.string()),
});
