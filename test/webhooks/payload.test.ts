import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  AlertNotificationSchema,
  formatBody,
  pagerDutyDedupKey,
  toPagerDutyBody,
  toSlackBody,
} from "../../src/webhooks/payload.ts";
import { notification } from "./fixtures.ts";

// What Slack's incoming webhooks accept (Block Kit reference: header, section, context blocks).
const SlackText = (max: number, type: "mrkdwn" | "plain_text" = "mrkdwn") =>
  z
    .object({
      type: z.literal(type),
      text: z.string().min(1).max(max),
      emoji: z.boolean().optional(),
    })
    .strict();
const SlackBlock = z.discriminatedUnion("type", [
  z.object({ type: z.literal("header"), text: SlackText(150, "plain_text") }).strict(),
  z
    .object({
      type: z.literal("section"),
      text: SlackText(3000),
      fields: z.array(SlackText(2000)).max(10).optional(),
    })
    .strict(),
  z
    .object({ type: z.literal("context"), elements: z.array(SlackText(3000)).min(1).max(10) })
    .strict(),
]);
const SlackMessage = z
  .object({ text: z.string().min(1), blocks: z.array(SlackBlock).max(50) })
  .strict();

// PagerDuty Events API v2 (developer.pagerduty.com/docs/events-api-v2/trigger-events).
const PagerDutyEvent = z
  .object({
    routing_key: z.string().min(1),
    event_action: z.enum(["trigger", "acknowledge", "resolve"]),
    dedup_key: z.string().min(1).max(255),
    client: z.string().optional(),
    payload: z
      .object({
        summary: z.string().min(1).max(1024),
        source: z.string().min(1),
        severity: z.enum(["critical", "error", "warning", "info"]),
        timestamp: z.iso.datetime({ offset: true }),
        component: z.string().optional(),
        group: z.string().optional(),
        class: z.string().optional(),
        custom_details: z.record(z.string(), z.unknown()),
      })
      .strict(),
  })
  .strict();

const KEY = "R0UT1NGKEY0000000000000000000000";

describe("notification bodies", () => {
  it("validates the engine's own body strictly", () => {
    expect(AlertNotificationSchema.parse(notification())).toEqual(notification());
    expect(() => AlertNotificationSchema.parse({ ...notification(), extra: 1 })).toThrow();
    expect(() =>
      AlertNotificationSchema.parse(notification({ type: "alert.nope" as never })),
    ).toThrow();
    const noData = notification({ observed: null, threshold: null, samples: 0, examples: [] });
    expect(JSON.parse(formatBody({ format: "tracejudge" }, noData))).toEqual(noData);
  });

  it("makes a Slack message Slack accepts, with the summary and escaped examples", () => {
    const body = SlackMessage.parse(toSlackBody(notification()));
    expect(body.text).toBe(
      ":rotating_light: Firing: groundedness-release-gate for release v42: groundedness 0.612 (threshold 0.85, 24 samples)",
    );
    const text = JSON.stringify(body.blocks);
    expect(text).toContain("4bf92f3577b34da6a3ce929d0e0e4736");
    expect(text).toContain("&lt;30 days&gt; is not in the context &amp; was invented");
    expect(text).not.toContain("<30 days>");
  });

  it("stays inside Slack's limits with long names and many examples", () => {
    const long = "x".repeat(5000);
    const examples = Array.from({ length: 40 }, (_, i) => ({
      trace_id: `t${i}`,
      span_id: `s${i}`,
      score: 0,
      explanation: long,
    }));
    const body = toSlackBody(
      notification({ rule: long, scope: { "service.name": long }, examples }),
    );
    expect(SlackMessage.safeParse(body).success).toBe(true);
    expect(JSON.stringify(body)).not.toContain("t5`");
  });

  it("makes PagerDuty events: firing triggers critical, resolved resolves the same incident", () => {
    const firing = PagerDutyEvent.parse(toPagerDutyBody(notification(), KEY));
    expect(firing).toMatchObject({
      routing_key: KEY,
      event_action: "trigger",
      payload: {
        severity: "critical",
        source: "checkout-support",
        component: "groundedness",
        group: "v42",
      },
    });
    expect(firing.payload.custom_details).toMatchObject({
      rule: "groundedness-release-gate",
      samples: 24,
    });
    const resolved = PagerDutyEvent.parse(
      toPagerDutyBody(notification({ type: "alert.resolved" }), KEY),
    );
    expect(resolved.event_action).toBe("resolve");
    expect(resolved.dedup_key).toBe(firing.dedup_key);
    const warning = PagerDutyEvent.parse(
      toPagerDutyBody(notification({ type: "alert.warning" }), KEY),
    );
    expect(warning.payload.severity).toBe("warning");
    const test = PagerDutyEvent.parse(toPagerDutyBody(notification({ type: "alert.test" }), KEY));
    expect(test.payload.severity).toBe("info");
    expect(test.dedup_key).not.toBe(firing.dedup_key);
  });

  it("keys PagerDuty incidents by rule and scope, whatever the key order, within 255 characters", () => {
    const a = notification({ scope: { a: "1", b: "2" } });
    const b = notification({ scope: { b: "2", a: "1" }, episode_id: "43" });
    expect(pagerDutyDedupKey(a)).toBe(pagerDutyDedupKey(b));
    expect(pagerDutyDedupKey(a)).not.toBe(pagerDutyDedupKey(notification({ scope: { a: "2" } })));
    const long = pagerDutyDedupKey(notification({ scope: { route: "r".repeat(400) } }));
    expect(long.length).toBeLessThanOrEqual(255);
    const body = JSON.parse(formatBody({ format: "pagerduty", routing_key: KEY }, notification()));
    expect(PagerDutyEvent.safeParse(body).success).toBe(true);
  });
});
