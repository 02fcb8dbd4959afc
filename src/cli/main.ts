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
import { type ServiceRoles, startService } from "../service/service.ts";
import { ensureDatabase, migrate } from "../store/migrate.ts";
import { chooseEvaluators, EVAL_EXAMPLE, parseEvalArgs } from "./eval-args.ts";
import { runEvalCommand } from "./eval-command.ts";
import { evalProgress } from "./eval-progress.ts";
import { runReevaluateCommand } from "./reevaluate-command.ts";

const USAGE = `usage: tracejudge <command> [options]

commands:
  start      the OTLP receiver, the HTTP API and the workers in one process
  api        the OTLP receiver and the HTTP API only
  worker     the workers only (run any number, on any machine)
  migrate    create the database if missing and apply migrations, then exit
  eval       evaluate a cases file without the service:
               tracejudge eval --cases FILE.jsonl [--evaluator NAME|all] [--backend offline|judge]
                 [--model M] [--concurrency C] [--limit N] [--budget USD]
  demo       the service, a small instrumented RAG app with two releases, and a webhook
             receiver that prints the alerts: tracejudge demo [--traces N] [--exit-after-alert]
  hash-key   print the SHA-256 to put in auth.keys for an API key: tracejudge hash-key KEY
  reevaluate re-run an evaluator's current version over stored spans:
               tracejudge reevaluate --evaluator NAME [--since ISO-DATE] [--dry-run] [--yes]

configuration: TRACEJUDGE_CONFIG=path/to/config.yaml, DATABASE_URL, REDIS_URL, PORT, HOST,
TRACEJUDGE_TRACE_WAIT_MS, TRACEJUDGE_SAMPLE_RATE (see README.md)`;

async function serve(config: Config, roles: ServiceRoles): Promise<void> {
  const logger = pino({ level: config.log_level, base: { service: "tracejudge" } });
  const { active } = await prepareEvaluators(config);
  const redactor = createRedactor(config.redaction);
  const service = await startService(
    { config, logger, evaluators: active, redact: redactor.redactSpan },
    roles,
  );
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
}

async function evalCommand(config: Config, args: string[]): Promise<number> {
  const flags = parseEvalArgs(args, USAGE);
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

/** Runs one CLI command; resolves to the exit code for commands that end. */
export async function main(
  argv: string[],
  env: Record<string, string | undefined>,
): Promise<number | "running"> {
  const [command, ...rest] = argv;
  if (!command || command === "help" || command === "--help" || command === "-h") {
    process.stdout.write(`${USAGE}\n`);
    return command ? 0 : 2;
  }
  if (command === "hash-key") {
    // From stdin when not given, so the key stays out of the shell's history.
    const key = rest[0] ?? (await readStdin()).trim();
    if (!key) {
      throw new TracejudgeError(
        "CONFIG_INVALID",
        'hash-key: give the key as an argument or on stdin, e.g. printf %s "$KEY" | tracejudge hash-key',
      );
    }
    process.stdout.write(`${hashKey(key)}\n`);
    return 0;
  }
  const config = loadConfig(env);
  switch (command) {
    case "start":
      await serve(config, { api: true, workers: true });
      return "running";
    case "api":
      await serve(config, { api: true, workers: false });
      return "running";
    case "worker":
      await serve(config, { api: false, workers: true });
      return "running";
    case "migrate": {
      await ensureDatabase(config.database_url);
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
    default:
      process.stderr.write(`unknown command "${command}"\n\n${USAGE}\n`);
      return 2;
  }
}
