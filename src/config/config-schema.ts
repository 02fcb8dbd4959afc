import { z } from "zod";
import { AlertRuleSchema } from "../alerts/rule-schema.ts";
import { AuthConfigSchema } from "../api/auth-config.ts";
import { TraceUrlTemplateSchema } from "../console/trace-link.ts";
import { ConfigJudgeSchema } from "../evaluators/config-judge.ts";
import { RemoteEvaluatorConfigSchema } from "../evaluators/remote-evaluator.ts";
import { SpanFilterSchema } from "../evaluators/span-filter.ts";
import { JudgeConfigSchema } from "../judge/judge-config.ts";
import { RedactionConfigSchema } from "../redact/redaction-config.ts";
import { SecurityConfigSchema } from "../security/url-guard.ts";
import {
  WebhookListSchema,
  WebhooksConfigSchema,
  webhookAllowListIssues,
} from "../webhooks/webhook-config.ts";

/** How one evaluator is configured: enable it, narrow its spans, hand it settings. */
export const EvaluatorConfigSchema = z
  .object({
    /** The registered evaluator name (built-in or from a module). */
    name: z.string().min(1),
    /** Which version to run; the newest registered when absent. */
    version: z.string().optional(),
    enabled: z.boolean().default(true),
    /** Narrows the evaluator's own `appliesTo`; both must match. */
    where: SpanFilterSchema.optional(),
    /** Passed to the evaluator's settings schema. */
    settings: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();
export type EvaluatorConfig = z.infer<typeof EvaluatorConfigSchema>;

const PriceSchema = z
  .object({
    /** USD per million input tokens. */
    input: z.number().nonnegative(),
    /** USD per million output tokens. */
    output: z.number().nonnegative(),
  })
  .strict();

export const ConfigSchema = z
  .object({
    server: z
      .object({
        host: z.string().default("127.0.0.1"),
        port: z.number().int().min(0).max(65535).default(4318),
        /** Largest OTLP body accepted, compressed or not (OTLP recommends 64 MiB). */
        max_body_bytes: z
          .number()
          .int()
          .positive()
          .default(64 * 1024 * 1024),
      })
      .strict()
      .default({ host: "127.0.0.1", port: 4318, max_body_bytes: 64 * 1024 * 1024 }),
    database_url: z.string().min(1).default("postgres://postgres@127.0.0.1:5432/tracejudge"),
    redis_url: z.string().min(1).default("redis://127.0.0.1:6379"),
    /** Nodes of a Redis Cluster (`host:port`); when set, used instead of `redis_url`. */
    redis_cluster_nodes: z.array(z.string().min(1)).default([]),
    /** Prefix of every Redis key; the braces make it a Redis Cluster hash tag. */
    redis_prefix: z
      .string()
      .regex(/^\{[A-Za-z0-9_.-]+\}$/, "must be a hash tag such as {tracejudge}")
      .default("{tracejudge}"),
    /** Quiet time after a trace's last span before it is assembled (like tail sampling's decision_wait). */
    trace_wait_ms: z.number().int().min(0).default(5000),
    /** How long a trace's spans stay buffered in Redis, so late spans still find their trace. */
    trace_buffer_ttl_s: z.number().int().positive().default(3600),
    sampling: z
      .object({
        /** Share of ordinary traces evaluated, decided by trace id so every replica agrees. */
        rate: z.number().min(0).max(1).default(1),
        /** Always evaluate traces with an error span. */
        errors: z.boolean().default(true),
        /** Always evaluate traces whose LLM spans used at least this many tokens. */
        min_tokens: z.number().int().positive().optional(),
        /** Always evaluate traces whose LLM spans cost at least this much (needs `prices`). */
        min_cost_usd: z.number().positive().optional(),
        /** Always evaluate traces holding a span that matches one of these filters. */
        always: z.array(SpanFilterSchema).default([]),
      })
      .strict()
      .default({ rate: 1, errors: true, always: [] }),
    /** Model prices (model name or glob → USD per million tokens), for cost outliers. */
    prices: z.record(z.string(), PriceSchema).default({}),
    workers: z
      .object({
        /** Spooled export requests read into the trace buffer at once, per worker process. */
        ingest_concurrency: z.number().int().positive().default(4),
        /** Traces assembled at once per worker process; inline evaluators run in these. */
        trace_concurrency: z.number().int().positive().default(50),
        evaluation_concurrency: z.number().int().positive().default(50),
        /** Attempts per evaluation job; after the last one an `error` eval event is stored. */
        attempts: z.number().int().positive().default(3),
        backoff_ms: z.number().int().nonnegative().default(1000),
        evaluation_timeout_ms: z.number().int().positive().default(30_000),
        /** How often due traces are looked for. */
        scan_interval_ms: z.number().int().positive().default(25),
        /**
         * How long a job stays claimed by a worker that stopped answering (killed, hung) before
         * another worker takes it over. Default 30 s.
         */
        lock_ms: z.number().int().min(1000).default(30_000),
      })
      .strict()
      .default({
        ingest_concurrency: 4,
        trace_concurrency: 50,
        evaluation_concurrency: 50,
        attempts: 3,
        backoff_ms: 1000,
        evaluation_timeout_ms: 30_000,
        scan_interval_ms: 25,
        lock_ms: 30_000,
      }),
    backpressure: z
      .object({
        /** Ingest answers 429 while this many evaluation jobs wait. */
        max_waiting_evaluations: z.number().int().positive().default(200_000),
        /** Ingest answers 429 while this many traces wait for assembly. */
        max_pending_traces: z.number().int().positive().default(200_000),
        /**
         * Ingest answers 429 while this many acknowledged export requests wait for a worker to
         * read them (each holds its body in Redis until then).
         */
        max_spooled_requests: z.number().int().positive().default(5_000),
        retry_after_s: z.number().int().positive().default(5),
      })
      .strict()
      .default({
        max_waiting_evaluations: 200_000,
        max_pending_traces: 200_000,
        max_spooled_requests: 5_000,
        retry_after_s: 5,
      }),
    /** Redaction of secrets and personal data in what is stored: on by default. */
    redaction: RedactionConfigSchema.prefault({}),
    /** Built-in evaluators run unless listed here with `enabled: false`. */
    evaluators: z.array(EvaluatorConfigSchema).default([]),
    /** Paths of modules exporting evaluators made with `defineEvaluator`. */
    evaluator_modules: z.array(z.string()).default([]),
    /** The LLM judge (any OpenAI-compatible endpoint); absent = offline evaluators only. */
    judge: JudgeConfigSchema.optional(),
    /** API keys; without any, the API is open (bind it to a private address). */
    auth: AuthConfigSchema.prefault({}),
    /** Which addresses URLs set through the API may reach (the config's own are trusted). */
    security: SecurityConfigSchema.prefault({}),
    /** Judges defined by configuration alone: a prompt template and an output shape. */
    judges: z.array(ConfigJudgeSchema).default([]),
    /** Evaluators served over HTTP by another service (see README). */
    remote_evaluators: z.array(RemoteEvaluatorConfigSchema).default([]),
    /** Folders whose .ts/.js/.mjs files are loaded as evaluator modules. */
    evaluator_dirs: z.array(z.string()).default([]),
    /** Each verdict also goes to your tracing backend as a `gen_ai.evaluation.result` log event. */
    evaluation_export: z
      .object({
        /** Full URL of an OTLP/HTTP logs endpoint (`…/v1/logs`); none = no export. */
        otlp_logs_endpoint: z.url().optional(),
        /**
         * OTLP/HTTP encoding. `grpc`, a standard value of OTEL_EXPORTER_OTLP_PROTOCOL, is taken
         * but not supported: the export warns at start and falls back to `http/protobuf`.
         */
        protocol: z.enum(["http/protobuf", "http/json", "grpc"]).default("http/protobuf"),
        headers: z.record(z.string(), z.string()).default({}),
      })
      .strict()
      .default({ protocol: "http/protobuf", headers: {} }),
    /**
     * Resource attributes of the telemetry tracejudge sends of its own (the evaluation events):
     * `service.name` is `tracejudge` unless set. `OTEL_RESOURCE_ATTRIBUTES` and `OTEL_SERVICE_NAME`
     * are merged over these, as the OpenTelemetry SDKs read them.
     */
    resource_attributes: z.record(z.string().min(1), z.string()).default({}),
    /**
     * tracejudge's own spans (each evaluation and its judge calls), for the platform's tracing:
     * set by `OTEL_TRACES_EXPORTER=otlp`. Sent as OTLP/HTTP protobuf, batched.
     */
    self_tracing: z
      .object({
        /** Full URL of an OTLP/HTTP traces endpoint (`…/v1/traces`); none = no spans. */
        otlp_traces_endpoint: z.url().optional(),
        headers: z.record(z.string(), z.string()).default({}),
      })
      .strict()
      .default({ headers: {} }),
    /** Named webhook receivers of alert notifications. */
    webhooks: WebhookListSchema.default([]),
    /** Retries, allow-list and concurrency of webhook deliveries. */
    webhook_delivery: WebhooksConfigSchema.prefault({}),
    /** Alert rules over eval events (more can be defined through the API). */
    alert_rules: z.array(AlertRuleSchema).default([]),
    alerts: z
      .object({
        /** How often every rule is re-evaluated for windows and no-data (default 10 s). */
        tick_ms: z.number().int().positive().default(10_000),
        /** New eval events of a scope within this long are judged together (default 250 ms). */
        debounce_ms: z.number().int().nonnegative().default(250),
      })
      .strict()
      .default({ tick_ms: 10_000, debounce_ms: 250 }),
    console: z
      .object({
        /**
         * Link from an eval event to the trace in your tracing backend, with `{trace_id}` and
         * optionally `{span_id}`, e.g. `http://jaeger:16686/trace/{trace_id}?uiFind={span_id}`.
         */
        trace_url_template: TraceUrlTemplateSchema.nullable().default(null),
        /** bull-board at /admin/queues: `read_only` (default), `full` (retry, remove) or `off`. */
        queue_board: z.enum(["read_only", "full", "off"]).default("read_only"),
        /**
         * How often every process (each role) publishes its counters to Redis for the pipeline
         * health; a process silent for three of these drops out of it. Default 5 s.
         */
        counters_interval_ms: z.number().int().min(50).default(5000),
      })
      .strict()
      .default({ trace_url_template: null, queue_board: "read_only", counters_interval_ms: 5000 }),
    /**
     * On SIGTERM: stop accepting, let running jobs finish, then exit; past this long the process
     * exits anyway and its unfinished jobs go to other workers once their lock lapses. Default 30 s.
     */
    shutdown_grace_ms: z.number().int().positive().default(30_000),
    /**
     * How long a start waits for PostgreSQL and for Redis before it gives up and exits with 1,
     * naming DATABASE_URL or REDIS_URL and the cause. Default 10 s.
     */
    startup_wait_ms: z.number().int().positive().default(10_000),
    log_level: z
      .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"])
      .default("info"),
  })
  .strict()
  .superRefine((config, ctx) => {
    const webhooks = new Set(config.webhooks.map((w) => w.name));
    const rules = new Set<string>();
    config.alert_rules.forEach((rule, i) => {
      if (rules.has(rule.name)) {
        ctx.addIssue({
          code: "custom",
          path: ["alert_rules", i, "name"],
          message: `a rule named "${rule.name}" is defined twice`,
        });
      }
      rules.add(rule.name);
      rule.notify.forEach((name, j) => {
        if (!webhooks.has(name)) {
          ctx.addIssue({
            code: "custom",
            path: ["alert_rules", i, "notify", j],
            message: `no webhook named "${name}" (configured: ${[...webhooks].join(", ") || "none"})`,
          });
        }
      });
    });
    for (const issue of webhookAllowListIssues(
      config.webhooks,
      config.webhook_delivery.allow_hosts,
    )) {
      ctx.addIssue({ code: "custom", path: ["webhooks", ...issue.path], message: issue.message });
    }
  });

export type Config = z.infer<typeof ConfigSchema>;
export type ConfigInput = z.input<typeof ConfigSchema>;
