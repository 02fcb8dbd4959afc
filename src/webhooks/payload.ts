import { createHash } from "node:crypto";
import { z } from "zod";
import type { WebhookFormat } from "./webhook-config.ts";

export const NOTIFICATION_TYPES = [
  "alert.firing",
  "alert.warning",
  "alert.resolved",
  "alert.test",
] as const;
export type NotificationType = (typeof NOTIFICATION_TYPES)[number];

/** One of the window's worst eval events, enough for the receiver to open the trace. */
export const NotificationExampleSchema = z
  .object({
    trace_id: z.string(),
    span_id: z.string(),
    score: z.number().nullable(),
    explanation: z.string(),
  })
  .strict();
export type NotificationExample = z.infer<typeof NotificationExampleSchema>;

const Timestamp = z.iso.datetime({ offset: true });

/**
 * An alert notification: the engine's own webhook body (`format: tracejudge`), and what the Slack
 * and PagerDuty bodies are made from. Strict, so a field the alert engine adds must be added here
 * (and documented for receivers) rather than vanish.
 */
export const AlertNotificationSchema = z
  .object({
    type: z.enum(NOTIFICATION_TYPES),
    /** The alert rule's name. */
    rule: z.string().min(1),
    evaluator: z.string().min(1),
    /** The rule's scope values for this state, e.g. `{ "service.name": "checkout-support" }`. */
    scope: z.record(z.string(), z.string()),
    /** The measured value (mean, percentile, failing share, ...); null when there was no data. */
    observed: z.number().nullable(),
    /** The bound that was crossed (or recovered above); null when the rule has none (no data). */
    threshold: z.number().nullable(),
    /** Eval events the observation is made of. */
    samples: z.number().int().nonnegative(),
    window_start: Timestamp.nullable(),
    window_end: Timestamp.nullable(),
    /** `service.version` of the scope, when the rule is about one release. */
    release: z.string().nullable(),
    /** The worst eval events of the window, worst first. */
    examples: z.array(NotificationExampleSchema),
    /** The alert episode this transition belongs to: firing and resolved share it. */
    episode_id: z.string().min(1),
    occurred_at: Timestamp,
  })
  .strict();
export type AlertNotification = z.infer<typeof AlertNotificationSchema>;

/** The engine's own body: the notification itself. */
export function toTracejudgeBody(n: AlertNotification): AlertNotification {
  return n;
}

const TITLES: Record<NotificationType, { word: string; emoji: string }> = {
  "alert.firing": { word: "Firing", emoji: ":rotating_light:" },
  "alert.warning": { word: "Warning", emoji: ":warning:" },
  "alert.resolved": { word: "Resolved", emoji: ":white_check_mark:" },
  "alert.test": { word: "Test", emoji: ":information_source:" },
};

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function num(value: number | null): string {
  return value === null ? "n/a" : String(Number(value.toFixed(3)));
}

/** Slack mrkdwn treats only these three as control characters. */
function mrkdwn(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

function scopeText(scope: Record<string, string>): string {
  const entries = Object.entries(scope).sort(([a], [b]) => a.localeCompare(b));
  return entries.length ? entries.map(([k, v]) => `${k}=${v}`).join(", ") : "(all)";
}

/** One line: what happened, for notification previews and PagerDuty's summary. */
export function summaryLine(n: AlertNotification): string {
  const release = n.release ? ` for release ${n.release}` : "";
  const observed =
    n.observed === null
      ? "no data"
      : `${n.evaluator} ${num(n.observed)} (threshold ${num(n.threshold)}, ${n.samples} samples)`;
  return `${TITLES[n.type].word}: ${n.rule}${release}: ${observed}`;
}

/** Slack's limits: header 150 characters, section text 3000, a field 2000. */
const SLACK = { header: 150, text: 3000, field: 2000, examples: 5, explanation: 300 } as const;

export interface SlackBody {
  text: string;
  blocks: Record<string, unknown>[];
}

/** A Slack incoming-webhook body: `text` for notifications and fallbacks, `blocks` to read. */
export function toSlackBody(n: AlertNotification): SlackBody {
  const { word, emoji } = TITLES[n.type];
  const field = (label: string, value: string) => ({
    type: "mrkdwn",
    text: truncate(`*${label}*\n${mrkdwn(value)}`, SLACK.field),
  });
  const window =
    n.window_start && n.window_end ? `${n.window_start} → ${n.window_end}` : "(not windowed)";
  const blocks: Record<string, unknown>[] = [
    {
      type: "header",
      text: { type: "plain_text", text: truncate(`${word}: ${n.rule}`, SLACK.header), emoji: true },
    },
    {
      type: "section",
      text: { type: "mrkdwn", text: truncate(`${emoji} ${mrkdwn(summaryLine(n))}`, SLACK.text) },
      fields: [
        field("Evaluator", n.evaluator),
        field("Observed / threshold", `${num(n.observed)} / ${num(n.threshold)}`),
        field("Samples", String(n.samples)),
        field("Release", n.release ?? "(any)"),
        field("Scope", scopeText(n.scope)),
        field("Window", window),
      ],
    },
  ];
  if (n.examples.length > 0) {
    const lines = n.examples.slice(0, SLACK.examples).map((e) => {
      const explanation = truncate(e.explanation.replace(/\s+/g, " "), SLACK.explanation);
      return `• trace \`${mrkdwn(e.trace_id)}\` span \`${mrkdwn(e.span_id)}\` score *${num(e.score)}*: ${mrkdwn(explanation)}`;
    });
    blocks.push({
      type: "section",
      text: { type: "mrkdwn", text: truncate(`*Worst examples*\n${lines.join("\n")}`, SLACK.text) },
    });
  }
  blocks.push({
    type: "context",
    elements: [
      { type: "mrkdwn", text: mrkdwn(`episode ${n.episode_id} · ${n.occurred_at} · tracejudge`) },
    ],
  });
  return { text: `${emoji} ${summaryLine(n)}`, blocks };
}

export type PagerDutySeverity = "critical" | "error" | "warning" | "info";

export interface PagerDutyBody {
  routing_key: string;
  event_action: "trigger" | "resolve";
  dedup_key: string;
  client: string;
  payload: {
    summary: string;
    source: string;
    severity: PagerDutySeverity;
    timestamp: string;
    component: string;
    group?: string;
    class: string;
    custom_details: AlertNotification;
  };
}

const SEVERITY: Record<NotificationType, PagerDutySeverity> = {
  "alert.firing": "critical",
  "alert.warning": "warning",
  "alert.resolved": "info",
  "alert.test": "info",
};

/**
 * The PagerDuty dedup key of a rule's scope: the same for its firing, warning and resolve events so
 * they land on one incident. A test notification gets its own, so it never resolves a real incident.
 * At most 255 characters (PagerDuty's limit): longer keys are hashed.
 */
export function pagerDutyDedupKey(n: AlertNotification): string {
  const base = `tracejudge/${n.rule}/${scopeText(n.scope)}`;
  const key = n.type === "alert.test" ? `${base}/test/${n.episode_id}` : base;
  if (key.length <= 255) return key;
  return `tracejudge/${n.rule.slice(0, 100)}/${createHash("sha256").update(key).digest("hex")}`;
}

/** A PagerDuty Events API v2 body: `alert.resolved` resolves, everything else triggers. */
export function toPagerDutyBody(n: AlertNotification, routingKey: string): PagerDutyBody {
  return {
    routing_key: routingKey,
    event_action: n.type === "alert.resolved" ? "resolve" : "trigger",
    dedup_key: pagerDutyDedupKey(n),
    client: "tracejudge",
    payload: {
      summary: truncate(summaryLine(n), 1024),
      // PagerDuty's "affected system": the service when the rule is scoped to one.
      source: n.scope["service.name"] ?? "tracejudge",
      severity: SEVERITY[n.type],
      timestamp: n.occurred_at,
      component: n.evaluator,
      ...(n.release ? { group: n.release } : {}),
      class: n.type,
      custom_details: n,
    },
  };
}

/**
 * The exact body bytes of a notification for a webhook's format: computed once when the delivery
 * is created and stored, so every retry sends (and signs) the same bytes.
 */
export function formatBody(
  webhook: { format: WebhookFormat; routing_key?: string | undefined },
  n: AlertNotification,
): string {
  switch (webhook.format) {
    case "tracejudge":
      return JSON.stringify(toTracejudgeBody(n));
    case "slack":
      return JSON.stringify(toSlackBody(n));
    case "pagerduty":
      return JSON.stringify(toPagerDutyBody(n, webhook.routing_key ?? ""));
  }
}

/** What the API shows of a secret it keeps. */
export const REDACTED = "[redacted]";

/** A Slack incoming webhook's URL is its secret: only its origin is shown. */
export function shownWebhookUrl(format: string, url: string): string {
  if (format !== "slack") return url;
  try {
    return `${new URL(url).origin}/${REDACTED}`;
  } catch {
    return REDACTED;
  }
}

/**
 * A stored delivery as the API shows it, without the webhook's secrets: a PagerDuty body's
 * `routing_key` and a Slack webhook's URL (in the delivery and its attempts) are masked.
 * Everything else in a body is the notification, which holds no secret.
 */
export function withoutSecrets<
  T extends { format: string; body: string; url: string; attempt_log?: { url: string }[] },
>(delivery: T): T {
  const shown = { ...delivery, url: shownWebhookUrl(delivery.format, delivery.url) };
  if (delivery.attempt_log)
    shown.attempt_log = delivery.attempt_log.map((a) => ({
      ...a,
      url: shownWebhookUrl(delivery.format, a.url),
    }));
  if (delivery.format !== "pagerduty") return shown;
  try {
    const body = JSON.parse(delivery.body) as Record<string, unknown>;
    return { ...shown, body: JSON.stringify({ ...body, routing_key: REDACTED }) };
  } catch {
    return { ...shown, body: REDACTED };
  }
}
