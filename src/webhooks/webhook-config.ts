import { z } from "zod";
import { TracejudgeError } from "../errors.ts";
import { parseHttpUrl } from "../security/url-guard.ts";
import { globMatch } from "../util/glob-match.ts";

/** Payload shapes a webhook can be sent. */
export const WEBHOOK_FORMATS = ["tracejudge", "slack", "pagerduty"] as const;
export type WebhookFormat = (typeof WEBHOOK_FORMATS)[number];

/** Headers the deliverer sets itself; a webhook's extra headers may not replace them. */
const RESERVED_HEADERS = new Set([
  "content-type",
  "content-length",
  "host",
  "user-agent",
  "x-tracejudge-delivery",
  "x-tracejudge-signature",
]);
// RFC 9110 token characters: anything else in a header name is refused by fetch at send time.
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * Why a URL cannot be a webhook's, or undefined when it can: http or https only, no credentials
 * (fetch refuses them), and, when `allowHosts` is given, a host matching one of its globs. A glob
 * with a `:` is matched against `host:port`, others against the host name alone (case-insensitive).
 */
export function webhookUrlProblem(url: string, allowHosts?: readonly string[]): string | undefined {
  const parsed = parseHttpUrl(url);
  if (typeof parsed === "string") return parsed;
  if (parsed.username || parsed.password)
    return "must not carry credentials; send them with `headers` instead";
  if (allowHosts) {
    const hostname = parsed.hostname.toLowerCase();
    const host = parsed.host.toLowerCase();
    const allowed = allowHosts.some((glob) => {
      const pattern = glob.toLowerCase();
      return globMatch(pattern, pattern.includes(":") ? host : hostname);
    });
    if (!allowed) return `host ${parsed.host} is not in allow_hosts`;
  }
  return undefined;
}

/**
 * Validates a webhook URL (see `webhookUrlProblem`) and returns it parsed; throws
 * `CONFIG_INVALID` naming the webhook when given `name`.
 */
export function validateWebhookUrl(
  url: string,
  allowHosts?: readonly string[],
  name?: string,
): URL {
  const problem = webhookUrlProblem(url, allowHosts);
  if (problem) {
    const who = name ? `webhook "${name}" url` : "webhook url";
    throw new TracejudgeError("CONFIG_INVALID", `${who} ${problem}`);
  }
  return new URL(url);
}

/** One named receiver of alert notifications. */
export const WebhookConfigSchema = z
  .object({
    /** Referenced by alert rules' `notify`; a slug (lowercase letters, digits, `-`, `_`). */
    name: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, "must be a slug: lowercase letters, digits, - and _"),
    /** http or https; checked against `allow_hosts` when the config sets it. */
    url: z.string().superRefine((url, ctx) => {
      const problem = webhookUrlProblem(url);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    }),
    /**
     * Signs every delivery (`X-Tracejudge-Signature`). Required for the `tracejudge` format; Slack
     * and PagerDuty do not check signatures (their URL or routing key is the secret), so there it
     * is optional and, when absent, no signature header is sent.
     */
    secret: z.string().min(8, "must be at least 8 characters").optional(),
    /** Extra request headers (e.g. an Authorization for a gateway); not our own headers. */
    headers: z
      .record(
        z.string().regex(HEADER_NAME, "is not a valid header name"),
        z.string().regex(/^[^\r\n]*$/, "must not contain line breaks"),
      )
      .optional()
      .superRefine((headers, ctx) => {
        for (const name of Object.keys(headers ?? {})) {
          if (RESERVED_HEADERS.has(name.toLowerCase()))
            ctx.addIssue({ code: "custom", path: [name], message: "is set by tracejudge itself" });
        }
      }),
    /** Body shape: the engine's JSON (default), a Slack incoming webhook's, or PagerDuty Events v2. */
    format: z.enum(WEBHOOK_FORMATS).default("tracejudge"),
    /** PagerDuty Events v2 integration key; required with `format: pagerduty`. */
    routing_key: z.string().min(1).optional(),
    /** Per attempt, connection to end of response, in ms (default 10000). */
    timeout_ms: z.number().int().positive().max(120_000).default(10_000),
    /**
     * Attempts per delivery before it is dead-lettered (default 10: with the default back-off
     * that rides out about 45 minutes of receiver outage).
     */
    max_attempts: z.number().int().min(1).max(50).default(10),
  })
  .strict()
  .superRefine((webhook, ctx) => {
    if (webhook.format === "pagerduty" && !webhook.routing_key)
      ctx.addIssue({ code: "custom", path: ["routing_key"], message: "is required by pagerduty" });
    if (webhook.format === "tracejudge" && !webhook.secret)
      ctx.addIssue({ code: "custom", path: ["secret"], message: "is required" });
  });
export type WebhookConfig = z.infer<typeof WebhookConfigSchema>;
export type WebhookConfigInput = z.input<typeof WebhookConfigSchema>;

/** The top-level `webhooks:` list: unique names. */
export const WebhookListSchema = z.array(WebhookConfigSchema).superRefine((list, ctx) => {
  const seen = new Set<string>();
  list.forEach((webhook, i) => {
    if (seen.has(webhook.name))
      ctx.addIssue({ code: "custom", path: [i, "name"], message: `duplicate webhook name` });
    seen.add(webhook.name);
  });
});

/** How deliveries are made, for every webhook. */
export const WebhooksConfigSchema = z
  .object({
    /**
     * Host globs webhook URLs must match (`*.example.com`, `hooks.slack.com`, `10.0.0.5:9000`).
     * Absent: any host. Set it when rules or webhooks can be written through the API, so the engine
     * cannot be pointed at internal services.
     */
    allow_hosts: z.array(z.string().min(1)).optional(),
    /** First retry delay in ms, doubled per attempt with jitter (default 5000). */
    backoff_ms: z.number().int().positive().default(5000),
    /** Longest delay between attempts in ms (default 1800000, 30 minutes). */
    max_backoff_ms: z.number().int().positive().default(1_800_000),
    /** Longest `Retry-After` honoured in ms; longer asks wait this long (default 3600000). */
    max_retry_after_ms: z.number().int().nonnegative().default(3_600_000),
    /** Deliveries in flight per worker process (default 8). */
    concurrency: z.number().int().positive().default(8),
  })
  .strict();
export type WebhooksConfig = z.infer<typeof WebhooksConfigSchema>;

/** Defaults of `WebhooksConfigSchema`, for a config that has no section. */
export const DEFAULT_WEBHOOKS_CONFIG: WebhooksConfig = WebhooksConfigSchema.parse({});

/**
 * The allow-list problems of a webhook list, each with the path of the offending `url`, so that
 * the config schema can report them from a `superRefine` (`ctx.addIssue({ code: "custom", ... })`).
 */
export function webhookAllowListIssues(
  webhooks: readonly Pick<WebhookConfig, "name" | "url">[],
  allowHosts: readonly string[] | undefined,
): { path: (string | number)[]; message: string }[] {
  if (!allowHosts) return [];
  const issues: { path: (string | number)[]; message: string }[] = [];
  webhooks.forEach((webhook, i) => {
    const problem = webhookUrlProblem(webhook.url, allowHosts);
    if (problem)
      issues.push({ path: [i, "url"], message: `webhook "${webhook.name}": ${problem}` });
  });
  return issues;
}

/**
 * Parses the webhook list and its delivery settings; throws `CONFIG_INVALID` naming each bad field
 * (prefixed by `where`), including a URL outside `allow_hosts`.
 */
export function parseWebhooks(
  rawList: unknown,
  rawSettings: unknown,
  where = { list: "webhooks", settings: "webhook_delivery" },
): { webhooks: WebhookConfig[]; settings: WebhooksConfig } {
  const lines: string[] = [];
  const settings = WebhooksConfigSchema.safeParse(rawSettings ?? {});
  if (!settings.success)
    for (const issue of settings.error.issues)
      lines.push(`  ${[where.settings, ...issue.path].join(".")}: ${issue.message}`);
  const list = WebhookListSchema.safeParse(rawList ?? []);
  if (!list.success)
    for (const issue of list.error.issues)
      lines.push(`  ${[where.list, ...issue.path].join(".")}: ${issue.message}`);
  if (list.success && settings.success)
    for (const issue of webhookAllowListIssues(list.data, settings.data.allow_hosts))
      lines.push(`  ${[where.list, ...issue.path].join(".")}: ${issue.message}`);
  if (lines.length > 0 || !list.success || !settings.success)
    throw new TracejudgeError("CONFIG_INVALID", `invalid webhooks:\n${lines.join("\n")}`);
  return { webhooks: list.data, settings: settings.data };
}
