import { readFileSync } from "node:fs";
import path from "node:path";
import { parse as parseYaml } from "yaml";
import type { z } from "zod";
import { TracejudgeError } from "../errors.ts";
import { type Config, ConfigSchema } from "./config-schema.ts";
import { otelResourceFromEnv } from "./otel-resource-env.ts";
import { otelTracesEndpointFromEnv } from "./otel-traces-env.ts";

type Env = Record<string, string | undefined>;

/** Environment variables that override the config file, and where each lands. */
const ENV_OVERRIDES: {
  name: string;
  path: string[];
  type: "string" | "number" | "list" | "boolean";
}[] = [
  { name: "TRACEJUDGE_REDIS_CLUSTER_NODES", path: ["redis_cluster_nodes"], type: "list" },
  { name: "DATABASE_URL", path: ["database_url"], type: "string" },
  { name: "REDIS_URL", path: ["redis_url"], type: "string" },
  { name: "PORT", path: ["server", "port"], type: "number" },
  { name: "HOST", path: ["server", "host"], type: "string" },
  { name: "TRACEJUDGE_REDIS_PREFIX", path: ["redis_prefix"], type: "string" },
  { name: "TRACEJUDGE_TRACE_WAIT_MS", path: ["trace_wait_ms"], type: "number" },
  { name: "TRACEJUDGE_SAMPLE_RATE", path: ["sampling", "rate"], type: "number" },
  { name: "TRACEJUDGE_LOG_LEVEL", path: ["log_level"], type: "string" },
  {
    name: "TRACEJUDGE_TRACE_URL_TEMPLATE",
    path: ["console", "trace_url_template"],
    type: "string",
  },
  {
    name: "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT",
    path: ["evaluation_export", "otlp_logs_endpoint"],
    type: "string",
  },
  { name: "OTEL_EXPORTER_OTLP_PROTOCOL", path: ["evaluation_export", "protocol"], type: "string" },
  // The signal's own variable wins over the general one (OTLP exporter spec); it comes later.
  {
    name: "OTEL_EXPORTER_OTLP_LOGS_PROTOCOL",
    path: ["evaluation_export", "protocol"],
    type: "string",
  },
  { name: "TRACEJUDGE_STARTUP_WAIT_MS", path: ["startup_wait_ms"], type: "number" },
  {
    name: "TRACEJUDGE_EVALUATION_CONCURRENCY",
    path: ["workers", "evaluation_concurrency"],
    type: "number",
  },
  { name: "TRACEJUDGE_REDACT_BEFORE_QUEUE", path: ["redaction", "before_queue"], type: "boolean" },
];

/** How a boolean variable may be written. */
const BOOLEANS: Record<string, boolean> = { "1": true, true: true, "0": false, false: false };

function setPath(target: Record<string, unknown>, keys: string[], value: unknown): void {
  let node = target;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== "object" || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1] as string] = value;
}

/** "server.port: expected number, received string" for each problem, one per line. */
export function describeZodError(error: z.ZodError, source: string): string {
  const lines = error.issues.map((issue) => {
    const field = issue.path.length > 0 ? issue.path.join(".") : "(root)";
    return `  ${field}: ${issue.message}`;
  });
  return `invalid configuration (${source}):\n${lines.join("\n")}`;
}

/**
 * Reads the YAML config file (if any), applies environment overrides and validates the result.
 * Relative module and folder paths are resolved against the config file's folder. Throws
 * `CONFIG_INVALID` naming each bad field.
 */
export function loadConfig(env: Env, cwd: string = process.cwd()): Config {
  const file = env.TRACEJUDGE_CONFIG;
  let raw: Record<string, unknown> = {};
  let baseDir = cwd;
  if (file) {
    const filePath = path.resolve(cwd, file);
    baseDir = path.dirname(filePath);
    let text: string;
    try {
      text = readFileSync(filePath, "utf8");
    } catch (err) {
      throw new TracejudgeError("CONFIG_INVALID", `cannot read config file ${filePath}`, {
        cause: err,
      });
    }
    let parsed: unknown;
    try {
      parsed = parseYaml(text);
    } catch (err) {
      throw new TracejudgeError(
        "CONFIG_INVALID",
        `config file ${filePath} is not valid YAML: ${(err as Error).message}`,
      );
    }
    if (parsed !== null && parsed !== undefined) {
      if (typeof parsed !== "object" || Array.isArray(parsed)) {
        throw new TracejudgeError("CONFIG_INVALID", `config file ${filePath} must hold a mapping`);
      }
      raw = parsed as Record<string, unknown>;
    }
  }

  // The openai package's own variables configure the judge, unless the file says otherwise.
  for (const [name, field] of [
    ["OPENAI_BASE_URL", "base_url"],
    ["OPENAI_API_KEY", "api_key"],
  ] as const) {
    const value = env[name];
    const judge = raw.judge as Record<string, unknown> | undefined;
    if (value && judge?.[field] === undefined) setPath(raw, ["judge", field], value);
  }
  // The standard base endpoint names the collector; logs go to its /v1/logs (OTLP spec).
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (base && !env.OTEL_EXPORTER_OTLP_LOGS_ENDPOINT) {
    setPath(
      raw,
      ["evaluation_export", "otlp_logs_endpoint"],
      `${base.replace(/\/+$/, "")}/v1/logs`,
    );
  }
  // The OTel resource variables add to the file's attributes, key by key, and win over them.
  const resource = otelResourceFromEnv(env);
  if (Object.keys(resource).length > 0) {
    const given = raw.resource_attributes;
    const base = typeof given === "object" && given !== null && !Array.isArray(given) ? given : {};
    raw.resource_attributes = { ...base, ...resource };
  }
  const tracesEndpoint = otelTracesEndpointFromEnv(env);
  if (tracesEndpoint) setPath(raw, ["self_tracing", "otlp_traces_endpoint"], tracesEndpoint);
  for (const override of ENV_OVERRIDES) {
    const value = env[override.name];
    if (value === undefined || value === "") continue;
    if (override.type === "number") {
      const n = Number(value);
      if (!Number.isFinite(n)) {
        throw new TracejudgeError(
          "CONFIG_INVALID",
          `invalid configuration (environment):\n  ${override.name}: expected a number, got "${value}"`,
        );
      }
      setPath(raw, override.path, n);
    } else if (override.type === "boolean") {
      const flag = BOOLEANS[value.trim().toLowerCase()];
      if (flag === undefined) {
        throw new TracejudgeError(
          "CONFIG_INVALID",
          `invalid configuration (environment):\n  ${override.name}: expected 1, 0, true or false, got "${value}"`,
        );
      }
      setPath(raw, override.path, flag);
    } else if (override.type === "list") {
      setPath(
        raw,
        override.path,
        value
          .split(",")
          .map((v) => v.trim())
          .filter(Boolean),
      );
    } else {
      setPath(raw, override.path, value);
    }
  }

  const result = ConfigSchema.safeParse(raw);
  if (!result.success) {
    throw new TracejudgeError(
      "CONFIG_INVALID",
      describeZodError(result.error, file ? `${file} and environment` : "environment"),
    );
  }
  const config = result.data;
  return {
    ...config,
    evaluator_modules: config.evaluator_modules.map((p) => path.resolve(baseDir, p)),
    evaluator_dirs: config.evaluator_dirs.map((p) => path.resolve(baseDir, p)),
  };
}
