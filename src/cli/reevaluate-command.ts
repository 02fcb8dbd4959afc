import { createInterface } from "node:readline/promises";
import cliProgress from "cli-progress";
import pg from "pg";
import type { Logger } from "pino";
import type { Config } from "../config/config-schema.ts";
import { TracejudgeError } from "../errors.ts";
import { type ActiveEvaluator, appliesTo } from "../evaluators/registry.ts";
import { evaluationJob } from "../queues/payloads.ts";
import { startService } from "../service/service.ts";
import type { EvaluationTarget } from "../span/evaluation-target.ts";
import type { LlmSpan } from "../span/llm-span.ts";
import { SpanStore } from "../store/span-store.ts";
import { parseCommandArgs } from "./usage.ts";

const PAGE = 500;

export interface ReevaluateDeps {
  config: Config;
  evaluators: ActiveEvaluator[];
  /** Judge price of the evaluator's model, USD per million tokens, when known. */
  judgePrice: { input: number; output: number } | null;
  redact: (span: LlmSpan) => LlmSpan;
  logger: Logger;
  out: NodeJS.WritableStream;
  interactive: boolean;
}

/** Rough judge tokens for one span: its text at ~4 characters a token, plus instructions and answer. */
function estimateTokens(item: EvaluationTarget): { input: number; output: number } {
  const chars =
    (item.question?.length ?? 0) +
    (item.answer?.length ?? 0) +
    item.context.reduce((n, d) => n + d.content.length, 0);
  return { input: Math.ceil(chars / 4) + 400, output: 300 };
}

/** Every stored span without a verdict of this evaluator version, page by page. */
async function* candidates(
  store: SpanStore,
  active: ActiveEvaluator,
  since: Date | null,
): AsyncGenerator<EvaluationTarget[]> {
  let after: [string, string] | null = null;
  for (;;) {
    const page = await store.pendingFor({
      evaluator: active.evaluator.name,
      version: active.evaluator.version,
      since,
      after,
      limit: PAGE,
    });
    if (page.length === 0) return;
    const last = page[page.length - 1] as EvaluationTarget;
    after = [last.span.traceId, last.span.spanId];
    yield page.filter((item) => appliesTo(active, item.span));
  }
}

/**
 * `tracejudge reevaluate --evaluator NAME [--since ISO] [--dry-run] [--yes]`: re-runs the current
 * version of an evaluator over stored spans that have no verdict of that version yet (after a
 * version change, say). Shows the count and the estimated judge cost first, then a progress bar.
 * The evaluations go through the queue: this process works on them, and so do running workers.
 */
export async function runReevaluateCommand(args: string[], deps: ReevaluateDeps): Promise<number> {
  const { values } = parseCommandArgs("reevaluate", args, {
    evaluator: { type: "string" },
    since: { type: "string" },
    "dry-run": { type: "boolean", default: false },
    yes: { type: "boolean", default: false },
  });
  const say = (line: string) => deps.out.write(`${line}\n`);
  if (!values.evaluator)
    throw new TracejudgeError("USAGE_INVALID", "reevaluate: --evaluator NAME is required");
  const active = deps.evaluators.find((a) => a.evaluator.name === values.evaluator);
  if (!active) {
    throw new TracejudgeError(
      "USAGE_INVALID",
      `reevaluate: no evaluator named "${values.evaluator}" (known: ${deps.evaluators.map((a) => a.evaluator.name).join(", ")})`,
    );
  }
  const since = values.since ? new Date(values.since) : null;
  if (since && Number.isNaN(since.getTime())) {
    throw new TracejudgeError(
      "USAGE_INVALID",
      `reevaluate: --since "${values.since}" is not an ISO 8601 date`,
    );
  }

  const pool = new pg.Pool({ connectionString: deps.config.database_url, max: 4 });
  try {
    const store = new SpanStore(pool);
    let count = 0;
    let inputTokens = 0;
    let outputTokens = 0;
    for await (const page of candidates(store, active, since)) {
      count += page.length;
      for (const item of page) {
        const t = estimateTokens(item);
        inputTokens += t.input;
        outputTokens += t.output;
      }
    }
    const usesJudge = active.evaluator.usesJudge?.(active.settings) ?? false;
    say(
      `${count} stored span(s)${since ? ` since ${since.toISOString()}` : ""} have no verdict of ${active.key}.`,
    );
    if (!usesJudge) say("estimated judge cost: none (the evaluator runs offline)");
    else if (deps.judgePrice) {
      const usd =
        (inputTokens * deps.judgePrice.input + outputTokens * deps.judgePrice.output) / 1_000_000;
      say(`estimated judge cost: about $${usd.toFixed(4)} (~${inputTokens + outputTokens} tokens)`);
    } else
      say(
        `estimated judge cost: unknown, no price for the judge model (~${inputTokens + outputTokens} tokens)`,
      );
    if (values["dry-run"] || count === 0) return 0;
    if (!values.yes) {
      if (!deps.interactive) {
        say("not started: pass --yes to confirm when not at a terminal");
        return 2;
      }
      const rl = createInterface({ input: process.stdin, output: deps.out });
      const answer = await rl.question("Start? [y/N] ");
      rl.close();
      if (!/^y(es)?$/i.test(answer.trim())) return 0;
    }
    return await enqueueAndFollow(store, pool, active, since, count, deps);
  } finally {
    await pool.end();
  }
}

async function enqueueAndFollow(
  store: SpanStore,
  pool: pg.Pool,
  active: ActiveEvaluator,
  since: Date | null,
  total: number,
  deps: ReevaluateDeps,
): Promise<number> {
  const { config } = deps;
  const started = new Date();
  const service = await startService(
    {
      // Health and metrics on a free port: a service may already hold the configured one.
      config: { ...config, server: { ...config.server, port: 0 } },
      logger: deps.logger,
      evaluators: deps.evaluators,
      redact: deps.redact,
    },
    { api: false, workers: true },
  );
  // Queued as the service queues its own jobs, on its evaluations queue.
  const queue = service.queues.evaluations;
  const bar = new cliProgress.SingleBar(
    {
      stream: deps.out,
      format: "{bar} {value}/{total} verdicts | {percentage}% | eta {eta_formatted}",
    },
    cliProgress.Presets.shades_classic,
  );
  try {
    let queued = 0;
    for await (const page of candidates(store, active, since)) {
      if (page.length > 0)
        await queue.addBulk(
          page.map((item) => evaluationJob([active.evaluator], item.span, Date.now())),
        );
      queued += page.length;
    }
    bar.start(queued, 0);
    for (;;) {
      const { rows } = await pool.query<{ n: string }>(
        "SELECT count(*)::text AS n FROM eval_events WHERE evaluator = $1 AND evaluator_version = $2 AND created_at >= $3",
        [active.evaluator.name, active.evaluator.version, started],
      );
      const done = Math.min(Number(rows[0]?.n ?? 0), queued);
      bar.update(done);
      if (done >= queued) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    bar.stop();
    deps.out.write(`re-evaluated ${queued} of ${total} span(s) with ${active.key}\n`);
    return 0;
  } finally {
    bar.stop();
    await service.close();
  }
}
