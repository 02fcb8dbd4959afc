import { describe, expect, it } from "vitest";
import {
  parseWebhooks,
  validateWebhookUrl,
  WebhookConfigSchema,
  webhookUrlProblem,
} from "../../src/webhooks/webhook-config.ts";

describe("webhook config", () => {
  it("takes the issue's example with defaults", () => {
    const hook = WebhookConfigSchema.parse({
      name: "oncall",
      url: "http://127.0.0.1:9000/hooks/tracejudge",
      secret: "change-me",
    });
    expect(hook).toEqual({
      name: "oncall",
      url: "http://127.0.0.1:9000/hooks/tracejudge",
      secret: "change-me",
      format: "tracejudge",
      timeout_ms: 10_000,
      max_attempts: 10,
    });
  });

  it("names each bad field", () => {
    expect(() =>
      parseWebhooks(
        [
          { name: "On Call", url: "ftp://x", secret: "short" },
          { name: "pd", url: "https://events.pagerduty.com/v2/enqueue", format: "pagerduty" },
          {
            name: "h",
            url: "https://x.test",
            secret: "long-enough",
            headers: { "X-Tracejudge-Delivery": "x" },
          },
        ],
        {},
      ),
    ).toThrow(
      expect.objectContaining({
        code: "CONFIG_INVALID",
        message: expect.stringMatching(
          /webhooks\.0\.name[\s\S]*webhooks\.0\.url: must be http or https, not ftp[\s\S]*webhooks\.0\.secret[\s\S]*webhooks\.1\.routing_key: is required by pagerduty[\s\S]*webhooks\.2\.headers\.X-Tracejudge-Delivery: is set by tracejudge itself/,
        ),
      }),
    );
  });

  it("refuses duplicate names, credentials in URLs, and a missing secret for the own format", () => {
    const hook = { name: "a", url: "https://h.test/x", secret: "12345678" };
    expect(() => parseWebhooks([hook, hook], {})).toThrow(/webhooks\.1\.name: duplicate/);
    expect(webhookUrlProblem("https://user:pw@h.test/")).toMatch(/credentials/);
    expect(webhookUrlProblem("not a url")).toBe("is not a valid URL");
    expect(() => parseWebhooks([{ name: "b", url: "https://h.test" }], {})).toThrow(
      /webhooks\.0\.secret: is required/,
    );
    expect(
      WebhookConfigSchema.parse({
        name: "s",
        url: "https://hooks.slack.com/services/T/B/x",
        format: "slack",
      }).secret,
    ).toBeUndefined();
  });

  it("restricts hosts to the allow-list, naming the webhook", () => {
    const allow = ["*.example.com", "hooks.slack.com", "127.0.0.1:9000"];
    expect(webhookUrlProblem("https://alerts.example.com/x", allow)).toBeUndefined();
    expect(webhookUrlProblem("https://HOOKS.slack.com/services/x", allow)).toBeUndefined();
    expect(webhookUrlProblem("http://127.0.0.1:9000/hooks", allow)).toBeUndefined();
    expect(webhookUrlProblem("http://127.0.0.1:9001/hooks", allow)).toMatch(/not in allow_hosts/);
    expect(webhookUrlProblem("http://169.254.169.254/latest", allow)).toMatch(/169\.254\.169\.254/);
    expect(() => validateWebhookUrl("http://internal.svc/x", allow, "oncall")).toThrow(
      expect.objectContaining({
        code: "CONFIG_INVALID",
        message: expect.stringContaining('webhook "oncall" url host internal.svc'),
      }),
    );
    expect(() =>
      parseWebhooks([{ name: "oncall", url: "http://internal.svc/x", secret: "12345678" }], {
        allow_hosts: allow,
      }),
    ).toThrow(/webhooks\.0\.url: webhook "oncall": host internal\.svc is not in allow_hosts/);
    expect(validateWebhookUrl("https://a.example.com/x", allow).host).toBe("a.example.com");
  });
});
