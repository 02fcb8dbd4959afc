import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type pg from "pg";
import type { MetricsSource } from "../../src/console/pipeline-health.ts";
import { EvalEventStore, type NewEvalEvent } from "../../src/store/eval-event-store.ts";

/** What a small support bot knows, with a grounded and a hallucinated answer to each question. */
export const CASES = [
  {
    question: "I'm jane.doe@example.com: how long do I have to request a refund?",
    document: "Refunds are accepted within 30 days of purchase with a receipt.",
    good: "You can request a refund within 30 days of purchase, with a receipt.",
    bad: "You can request a refund within 90 days of purchase, and no receipt is needed.",
  },
  {
    question: "How long does shipping take?",
    document:
      "Standard shipping takes 3 to 5 business days. Express shipping arrives the next business day and costs $15.",
    good: "Standard shipping takes 3 to 5 business days; express arrives the next business day for $15.",
    bad: "Standard shipping takes 2 weeks, and express shipping is free.",
  },
  {
    question: "What does the laptop warranty cover?",
    document:
      "All laptops come with a two-year limited warranty covering manufacturing defects. Accidental damage is not covered.",
    good: "Laptops have a two-year limited warranty for manufacturing defects; accidental damage is not covered.",
    bad: "Laptops come with a five-year warranty that also covers accidental damage.",
  },
  {
    question: "How do I reset my password?",
    document:
      "To reset your password, open Settings, choose Security and click Reset password. The reset link is emailed to you and expires after 1 hour.",
    good: "Open Settings, choose Security and click Reset password; the emailed link expires after 1 hour.",
    bad: "Open Settings and click Reset password; the link is sent by SMS and never expires.",
  },
];

/** A webhook receiver on loopback that answers 503 to the first notification of one rule. */
export class Receiver {
  /** The rules of the notifications answered 200, in order. */
  readonly delivered: string[] = [];
  url = "";
  private server: Server | undefined;
  private failed = false;
  constructor(private readonly failFirstOf: string) {}

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const rule = String(JSON.parse(Buffer.concat(chunks).toString()).rule);
        if (rule === this.failFirstOf && !this.failed) {
          this.failed = true;
          res.writeHead(503).end();
          return;
        }
        this.delivered.push(rule);
        res.writeHead(200).end();
      });
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

/** The service's own counters, read from its `/metrics` as the console reads a registry. */
export function scrapedMetrics(baseUrl: string): MetricsSource {
  return {
    async getMetricsAsJSON() {
      const text = await (await fetch(`${baseUrl}/metrics`)).text();
      const byName = new Map<
        string,
        Awaited<ReturnType<MetricsSource["getMetricsAsJSON"]>>[number]
      >();
      for (const line of text.split("\n")) {
        const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)$/.exec(line);
        if (!m?.[1] || !m[3]) continue;
        const labels: Record<string, string> = {};
        for (const [, key, value] of (m[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g))
          if (key) labels[key] = value ?? "";
        const metric = byName.get(m[1]) ?? { name: m[1], values: [] };
        metric.values.push({ value: Number(m[3]), labels });
        byName.set(m[1], metric);
      }
      return [...byName.values()];
    },
  };
}

const hex = (bytes: number) => randomBytes(bytes).toString("hex");

/** A deterministic wobble in [-1, 1], so the history looks alive and the test stays repeatable. */
const wobble = (i: number) => Math.sin(i * 1.7) * 0.6 + Math.sin(i * 0.45) * 0.4;

/**
 * An hour of history written through the store, the way workers write it: v42 all along, v43
 * (worse) from 25 minutes ago, on two models. Returns how many events it wrote.
 */
export async function writeHistory(pool: pg.Pool): Promise<number> {
  const store = new EvalEventStore(pool);
  const events: (NewEvalEvent & { minutesAgo: number })[] = [];
  for (let minute = 58; minute >= 2; minute -= 2) {
    for (const [k, model] of ["gpt-4o-mini", "gpt-4o"].entries()) {
      const v43 = minute <= 25;
      const release = v43 && k === 0 ? "v43" : "v42";
      const base = release === "v43" ? 0.66 : 0.91;
      const score = Math.min(1, Math.max(0.45, base + wobble(minute + k * 7) * 0.07));
      for (const evaluator of ["groundedness", "hallucination"]) {
        events.push({
          minutesAgo: minute,
          project: "default",
          traceId: hex(16),
          spanId: hex(8),
          evaluator,
          evaluatorVersion: "1.0.0",
          status: "ok",
          reason: null,
          score: evaluator === "hallucination" ? Math.min(1, score + 0.04) : score,
          label: score >= 0.5 ? "grounded" : "ungrounded",
          passed: score >= 0.5,
          explanation: "history",
          details: { claims: [], backend: "offline" },
          serviceName: "support-bot",
          serviceVersion: release,
          model,
          spanName: "ChatCompletion",
          spanKind: "LLM",
          judgeModel: null,
          judgeInputTokens: null,
          judgeOutputTokens: null,
          judgeCostUsd: null,
          latencyMs: 0.5,
          attempts: 1,
        });
      }
    }
  }
  await store.insertMany(events);
  for (const e of events) {
    await pool.query(
      `UPDATE eval_events SET created_at = now() - make_interval(mins => $3)
       WHERE trace_id = $1 AND span_id = $2`,
      [e.traceId, e.spanId, e.minutesAgo],
    );
  }
  return events.length;
}

/** Two verdicts of an LLM judge, now, with their cost: what "judge spend today" sums. */
export async function writeJudgeVerdicts(pool: pg.Pool): Promise<number[]> {
  const costs = [0.0123, 0.0077];
  await new EvalEventStore(pool).insertMany(
    costs.map((cost) => ({
      project: "default",
      traceId: hex(16),
      spanId: hex(8),
      evaluator: "groundedness",
      evaluatorVersion: "1.0.0",
      status: "ok",
      reason: null,
      score: 1,
      label: "grounded",
      passed: true,
      explanation: "1 of 1 claims supported by the context.",
      details: {
        claims: [{ text: "Refunds take 30 days.", verdict: "supported", supported: true }],
        backend: "judge",
      },
      serviceName: "support-bot",
      serviceVersion: "v43",
      model: "gpt-4o",
      spanName: "ChatCompletion",
      spanKind: "LLM",
      judgeModel: "gpt-4o-mini",
      judgeInputTokens: 800,
      judgeOutputTokens: 40,
      judgeCostUsd: cost,
      latencyMs: 900,
      attempts: 1,
    })),
  );
  return costs;
}
