import pg from "pg";
import { pino } from "pino";
import { hashKey } from "../api/auth.ts";
import { createCasesJudge } from "../cases/cases-judge.ts";
import type { Config } from "../config/config-schema.ts";
import { loadConfig } from "../config/load-config.ts";
import { runDemo } from "../demo/run-demo.ts";
import { errorMessage, TracejudgeError } from "../errors.ts";
import { prepareEvaluators } from "../evaluators/prepare-evaluators.ts";
import { priceFor } from "../judge/judge-config.ts";
import { judgeBaseUrl } from "../judge/openai-judge.ts";
import { createRedactor } from "../redact/redactor.ts";
import { type RunningService, type ServiceRoles, startService } from "../service/service.ts";
import { ensureDatabase, migrate } from "../store/migrate.ts";
import { chooseEvaluators, EVAL_EXAMPLE, parseEvalArgs } from "./eval-args.ts";
import { runEvalCommand } from "./eval-command.ts";
import { evalProgress } from "./eval-progress.ts";
import { runReevaluateCommand } from "./reevaluate-command.ts";
import { type CommandName, parseCommandArgs } from "./usage.ts";

/**
 * Runs the service until a signal stops it. A start that fails (Redis or PostgreSQL out of reach)
 * is one JSON log line naming the setting and the cause, and exit code 1.
 */
async function serve(config: Config, roles: ServiceRoles): Promise<number | "running"> {
  const logger = pino({ level: config.log_level, base: { service: "tracejudge" } });
  const { active } = await prepareEvaluators(config);
  const redactor = createRedactor(config.redaction);
  let service: RunningService;
  try {
    service = await startService(
      { config, logger, evaluators: active, redact: redactor.redactSpan },
      roles,
    );
  } catch (err) {
    // Ours name the setting and the cause; only a surprise carries its stack (still one line).
    const fields = err instanceof TracejudgeError ? { code: err.code } : { err };
    logger.fatal(fields, `tracejudge cannot start: ${errorMessage(err)}`);
    return 1;
  }
  logger.info({ evaluators: active.map((a) => a.key), url: service.url }, "tracejudge started");
  const stop = (signal: string) => {
    logger.info({ signal }, "shutting down");
    setTimeout(() => {
      logger.error("shutdown took too long; exiting");
      process.exit(1);
    }, config.shutdown_grace_ms).unref();
    service.close().then(
      () => process.exit(0),
      (err) => {
        logger.error({ err: errorMessage(err) }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.once("SIGTERM", () => stop("SIGTERM"));
  process.once("SIGINT", () => stop("SIGINT"));
  return "running";
}

async function evalCommand(config: Config, args: string[]): Promise<number> {
  const flags = parseEvalArgs(args);
  const { active } = await prepareEvaluators(config);
  const chosen = chooseEvaluators(config, active, flags);
  const logger = pino({ level: "warn" }, pino.destination(2));
  const needsJudge = chosen.some((a) => a.evaluator.usesJudge?.(a.settings as never) === true);
  const endpoint = config.judge?.base_url ?? config.judge?.api_key;
  // An evaluator may ask the judge without saying so (usesJudge is optional): hand it the
  // configured one anyway, as the service does; only a run that needs one fails without it.
  const { judge, budget } =
    needsJudge || endpoint
      ? createCasesJudge(config.judge, {
          ...(flags.model ? { model: flags.model } : {}),
          ...(flags.budgetUsd ? { budgetUsd: flags.budgetUsd } : {}),
          logger,
          example: EVAL_EXAMPLE,
        })
      : { judge: null, budget: null };
  const judgeDescription =
    judge && config.judge
      ? `${judge.model} at ${judgeBaseUrl(config.judge)}, at most ${config.judge.requests_per_minute} requests/min${budget ? `, budget $${budget.limitUsd}` : ""}`
      : undefined;
  try {
    return await runEvalCommand({
      casesPath: flags.cases,
      evaluators: chosen,
      timeoutMs: config.workers.evaluation_timeout_ms,
      logger,
      judge,
      // A judge waits on the network: a few calls in flight. Offline evaluators are CPU-bound,
      // and one at a time keeps their latency_ms per case.
      concurrency: flags.concurrency ?? (needsJudge ? 4 : 1),
      ...(flags.limit ? { limit: flags.limit } : {}),
      ...(judgeDescription ? { judgeDescription } : {}),
      // A bar redrawn in place would be torn by verdict lines printed to the same terminal.
      progress: (total) =>
        evalProgress(process.stderr, process.stderr.isTTY && !process.stdout.isTTY, total),
      write: (line) => process.stdout.write(`${line}\n`),
      warn: (line) => process.stderr.write(`${line}\n`),
    });
  } finally {
    judge?.close();
  }
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) return "";
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** The configured judge model's price, for cost estimates. */
function judgePrice(config: Config): { input: number; output: number } | null {
  return config.judge ? (priceFor(config.judge.prices, config.judge.model) ?? null) : null;
}

/** The key to hash: the one argument, or stdin's content. */
async function hashKeyInput(args: string[]): Promise<string> {
  const { positionals } = parseCommandArgs("hash-key", args, {}, true);
  if (positionals.length > 1) {
    throw new TracejudgeError(
      "USAGE_INVALID",
      `hash-key: one key at a time, got ${positionals.length} arguments`,
    );
  }
  // From stdin when not given, so the key stays out of the shell's history.
  const key = positionals[0] ?? (await readStdin()).trim();
  if (!key) {
    throw new TracejudgeError(
      "USAGE_INVALID",
      'hash-key: give the key as an argument or on stdin, e.g. printf %s "$KEY" | tracejudge hash-key',
    );
  }
  return key;
}

/**
 * Runs a command whose command line asked for no help: the service and everything it loads are
 * imported here, not by main.ts, so that `--help` and `--version` load none of it.
 */
export async function runCommand(
  command: CommandName,
  rest: string[],
  env: Record<string, string | undefined>,
): Promise<number | "running"> {
  if (command === "hash-key") {
    process.stdout.write(`${hashKey(await hashKeyInput(rest))}\n`);
    return 0;
  }
  if (["start", "api", "worker", "migrate"].includes(command)) parseCommandArgs(command, rest, {});
  const config = loadConfig(env);
  switch (command) {
    case "start":
      return serve(config, { api: true, workers: true });
    case "api":
      return serve(config, { api: true, workers: false });
    case "worker":
      return serve(config, { api: false, workers: true });
    case "migrate": {
      await ensureDatabase(config.database_url, { timeoutMs: config.startup_wait_ms });
      const pool = new pg.Pool({ connectionString: config.database_url });
      try {
        const applied = await migrate(pool);
        process.stdout.write(
          `migrations applied: ${applied.length ? applied.join(", ") : "none (up to date)"}\n`,
        );
      } finally {
        await pool.end();
      }
      return 0;
    }
    case "eval":
      return evalCommand(config, rest);
    case "demo":
      return runDemo(
        rest,
        config,
        pino({ level: "warn", base: { service: "tracejudge" } }, pino.destination(2)),
      );
    case "reevaluate": {
      const { active } = await prepareEvaluators(config);
      return runReevaluateCommand(rest, {
        config,
        evaluators: active,
        judgePrice: judgePrice(config),
        redact: createRedactor(config.redaction).redactSpan,
        logger: pino({ level: "warn" }, pino.destination(2)),
        out: process.stderr,
        interactive: process.stdin.isTTY === true,
      });
    }
  }
}
