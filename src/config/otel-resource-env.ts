import { TracejudgeError } from "../errors.ts";

type Env = Record<string, string | undefined>;

/**
 * The resource attributes the OpenTelemetry environment variables give, as the SDKs read them:
 * `OTEL_RESOURCE_ATTRIBUTES` (`key=value,key=value`, percent-encoded), then `OTEL_SERVICE_NAME`,
 * which wins for `service.name`. Where an SDK drops a malformed `OTEL_RESOURCE_ATTRIBUTES` quietly,
 * this throws `CONFIG_INVALID` naming it: telemetry that silently loses its resource is found late.
 */
export function otelResourceFromEnv(env: Env): Record<string, string> {
  const attributes: Record<string, string> = {};
  const raw = env.OTEL_RESOURCE_ATTRIBUTES;
  for (const entry of (raw ?? "").split(",")) {
    if (entry.trim() === "") continue;
    const parts = entry.split("=");
    const key = decode(parts[0]?.trim() ?? "", entry);
    if (parts.length !== 2 || key === "") {
      throw invalid(`"${entry}" is not key=value (percent-encode "," and "=" in keys and values)`);
    }
    attributes[key] = decode(parts[1]?.trim() ?? "", entry);
  }
  const serviceName = env.OTEL_SERVICE_NAME?.trim();
  if (serviceName) attributes["service.name"] = serviceName;
  return attributes;
}

function decode(text: string, entry: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw invalid(`"${entry}" is not validly percent-encoded`);
  }
}

function invalid(why: string): TracejudgeError {
  return new TracejudgeError(
    "CONFIG_INVALID",
    `invalid configuration (environment):\n  OTEL_RESOURCE_ATTRIBUTES: ${why}`,
  );
}
