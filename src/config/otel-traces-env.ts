import { TracejudgeError } from "../errors.ts";

type Env = Record<string, string | undefined>;

/** Where OTLP/HTTP exporters send traces when no variable names an endpoint (OTLP exporter spec). */
const SPEC_DEFAULT_TRACES_ENDPOINT = "http://localhost:4318/v1/traces";

/**
 * The OTLP/HTTP endpoint for tracejudge's own spans, when `OTEL_TRACES_EXPORTER` asks for them
 * (`otlp`; `none` or unset: none). The spec's default of `otlp` for an unset variable is not
 * followed: a tracejudge that shares `OTEL_EXPORTER_OTLP_ENDPOINT` with the evaluation export
 * should not start sending spans nobody asked for. The endpoint is
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, else `OTEL_EXPORTER_OTLP_ENDPOINT` + `/v1/traces`, else
 * the spec's `http://localhost:4318/v1/traces`. Other exporters (`console`, `zipkin`) throw
 * `CONFIG_INVALID` naming the variable.
 */
export function otelTracesEndpointFromEnv(env: Env): string | undefined {
  const exporters = (env.OTEL_TRACES_EXPORTER ?? "")
    .split(",")
    .map((e) => e.trim())
    .filter(Boolean);
  const unsupported = exporters.filter((e) => e !== "otlp" && e !== "none");
  if (unsupported.length > 0) {
    throw new TracejudgeError(
      "CONFIG_INVALID",
      `invalid configuration (environment):\n  OTEL_TRACES_EXPORTER: "${unsupported.join(",")}" is not supported (otlp or none)`,
    );
  }
  if (!exporters.includes("otlp")) return undefined;
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT;
  return (
    env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ||
    (base ? `${base.replace(/\/+$/, "")}/v1/traces` : SPEC_DEFAULT_TRACES_ENDPOINT)
  );
}
