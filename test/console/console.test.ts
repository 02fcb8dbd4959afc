import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ConsoleUnderTest, startConsole, TEMPLATE } from "./console-setup.ts";

const CHROMIUM = "/usr/bin/chromium";
const SCREENSHOT = path.resolve(import.meta.dirname, "../../test-artifacts/console.png");

let ui: ConsoleUnderTest;
let url: string;
const get: ConsoleUnderTest["get"] = (p, status) => ui.get(p, status);

beforeAll(async () => {
  ui = await startConsole();
  url = ui.url;
}, 90_000);

afterAll(async () => {
  await ui?.stop();
});

describe("the console's page", () => {
  it("serves the page, its modules and uPlot, and bull-board under /admin/queues", async () => {
    const page = await fetch(`${url}/`);
    expect(page.headers.get("content-type")).toMatch(/text\/html/);
    expect(page.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(await page.text()).toContain('src="console/app.js"');
    for (const asset of ["/console/app.js", "/console/style.css", "/console/vendor/uPlot.esm.js"]) {
      expect((await fetch(`${url}${asset}`)).status, asset).toBe(200);
    }
    expect((await fetch(`${url}/console/vendor/package.json`)).status).toBe(404);
    const board = await fetch(`${url}/admin/queues`);
    expect(board.status).toBe(200);
    expect(await board.text()).toContain("tracejudge queues");
    const { queues: listed } = await get<{ queues: { name: string }[] }>(
      "/admin/queues/api/queues",
    );
    expect(listed.map((q) => q.name).sort()).toEqual([
      "alerts",
      "evaluations",
      "traces",
      "webhooks",
    ]);
  });
});

const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) {
  console.warn(
    `console browser test skipped: ${CHROMIUM} is missing (install it with scripts/install-chromium.sh)`,
  );
}

describe.skipIf(!hasChromium)(`console in headless Chromium (${CHROMIUM})`, () => {
  it("shows charts, the worst event with its trace link, alert rules and deliveries", async () => {
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
      const problems: string[] = [];
      page.on("console", (m) => {
        if (m.type() === "error") problems.push(m.text());
      });
      page.on("pageerror", (err) => problems.push(err.message));
      await page.goto(`${url}/?range=1h`);
      await page.waitForSelector("body[data-ready=true]", { timeout: 15_000 });

      expect(await page.locator(".chart canvas").count()).toBeGreaterThanOrEqual(2);
      const chart = page.locator('.chart[data-evaluator="groundedness"]');
      await expect
        .poll(() => chart.locator(".u-legend").textContent())
        .toContain("alert: groundedness-release-gate < 0.8 (service.version=v43)");
      const releases = page.locator(
        'article[data-evaluator="groundedness"] tr[data-service="support-bot"]',
      );
      expect(await releases.textContent()).toMatch(/v43[\s\S]*v42/);

      const { evaluations } = await get<{ evaluations: Record<string, string>[] }>(
        "/v1/evaluations/worst?limit=8",
      );
      const first = evaluations[0] as Record<string, string>;
      const opened = page.locator("details.worst[open]").first();
      expect(await opened.locator(".explanation").textContent()).toBe(first.explanation);
      expect(await opened.locator("a.trace-link").getAttribute("href")).toBe(
        TEMPLATE.replace("{trace_id}", first.trace_id ?? "").replace(
          "{span_id}",
          first.span_id ?? "",
        ),
      );
      expect(await opened.locator("table.claims tbody tr").count()).toBeGreaterThan(0);

      const gate = page.locator('tr[data-rule="groundedness-release-gate"]');
      expect(await gate.textContent()).toContain("firing");
      const delivery = page.locator("tr[data-delivery]", { hasText: "groundedness-release-gate" });
      expect(await delivery.textContent()).toMatch(/503 retry[\s\S]*200 delivered/);
      expect(await page.locator("#health").textContent()).toContain("$0.0200");
      expect(await page.locator("#health tr[data-process]").textContent()).toContain("api+worker");
      expect(problems).toEqual([]);

      mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });

      // Split the chart another way: one line per model instead.
      await page.selectOption('select[aria-label="split groundedness"]', "model");
      await expect
        .poll(() => chart.locator(".u-legend").textContent())
        .toContain("gpt-4o-mini (n=");
      expect(await chart.locator(".u-legend").textContent()).not.toContain("v43 (n=");
    } finally {
      await browser.close();
    }
  });
});
