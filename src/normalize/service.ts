import type { Attributes } from "../otlp/otlp-span.ts";
import { LANGFUSE, OTEL, TRACEAI } from "./attribute-names.ts";
import { firstText } from "./attribute-values.ts";

/** OTel SDKs fill `service.name` with `unknown_service[:process]` when the app set none. */
const SDK_DEFAULT_SERVICE = "unknown_service";

/**
 * The service: resource `service.name`, else traceAI's resource `project_name`. An SDK default
 * `unknown_service…` yields to `project_name` when there is one, since traceAI users name their
 * project rather than their service.
 */
export function readServiceName(resource: Attributes): string | null {
  const declared = firstText(resource, [OTEL.SERVICE_NAME]);
  const project = firstText(resource, [TRACEAI.PROJECT_NAME]);
  if (declared !== null && !(declared.startsWith(SDK_DEFAULT_SERVICE) && project !== null)) {
    return declared;
  }
  return project ?? declared;
}

/**
 * The release: resource `service.version` (what span filters document as `release`), else
 * Langfuse's `langfuse.release` (a span attribute, sometimes a resource one), else traceAI's
 * resource `project_version_name`.
 */
export function readServiceVersion(attrs: Attributes, resource: Attributes): string | null {
  return (
    firstText(resource, [OTEL.SERVICE_VERSION]) ??
    firstText(attrs, [LANGFUSE.RELEASE]) ??
    firstText(resource, [LANGFUSE.RELEASE, TRACEAI.PROJECT_VERSION_NAME])
  );
}

const ENVIRONMENT_KEYS = [
  LANGFUSE.ENVIRONMENT,
  OTEL.DEPLOYMENT_ENVIRONMENT_NAME,
  OTEL.DEPLOYMENT_ENVIRONMENT,
] as const;

/**
 * The deployment environment: `langfuse.environment`, then `deployment.environment.name` and its
 * deprecated form `deployment.environment`; resource attributes first, where OTel puts them.
 */
export function readEnvironment(attrs: Attributes, resource: Attributes): string | null {
  return firstText(resource, ENVIRONMENT_KEYS) ?? firstText(attrs, ENVIRONMENT_KEYS);
}
