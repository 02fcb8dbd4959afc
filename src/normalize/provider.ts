import type { Attributes } from "../otlp/otlp-span.ts";
import type { Convention } from "../span/llm-span.ts";
import { GEN_AI, OPENINFERENCE, VERCEL } from "./attribute-names.ts";
import { firstText, toText } from "./attribute-values.ts";

/**
 * Provider spellings of the various conventions mapped to the OTel `gen_ai.provider.name`
 * well-known values (semconv pitfall 10), so that filters and reports compare like with like.
 * Keys are lowercase. Values not listed pass through lowercased.
 */
const PROVIDER_ALIASES: Readonly<Record<string, string>> = {
  "az.ai.openai": "azure.ai.openai",
  "azure.openai": "azure.ai.openai",
  azure_openai: "azure.ai.openai",
  "azure-openai": "azure.ai.openai",
  azure: "azure.ai.openai",
  "az.ai.inference": "azure.ai.inference",
  mistralai: "mistral_ai",
  mistral: "mistral_ai",
  vertexai: "gcp.vertex_ai",
  vertex_ai: "gcp.vertex_ai",
  "google.vertex": "gcp.vertex_ai",
  "google-vertex": "gcp.vertex_ai",
  gemini: "gcp.gemini",
  "google.generative-ai": "gcp.gemini",
  google_genai: "gcp.gen_ai",
  google: "gcp.gen_ai",
  bedrock: "aws.bedrock",
  "amazon-bedrock": "aws.bedrock",
  aws_bedrock: "aws.bedrock",
  xai: "x_ai",
  "x-ai": "x_ai",
  huggingface: "hugging_face",
  watsonx: "ibm.watsonx.ai",
  "together.ai": "together_ai",
};

/** Well-known values that contain dots and must not be cut at the first one. */
const CANONICAL_DOTTED = new Set([
  "aws.bedrock",
  "azure.ai.openai",
  "azure.ai.inference",
  "gcp.gen_ai",
  "gcp.vertex_ai",
  "gcp.gemini",
  "ibm.watsonx.ai",
]);

/**
 * One provider value in canonical form. Vercel writes `<provider>.<api>` (`openai.chat`,
 * `google.vertex.chat`), so dotted values are shortened from the right until a known name is
 * found, and otherwise cut at the first dot.
 */
export function canonicalProvider(raw: string): string {
  const value = raw.trim().toLowerCase();
  if (CANONICAL_DOTTED.has(value)) return value;
  const segments = value.split(".");
  for (let n = segments.length; n >= 1; n--) {
    const candidate = segments.slice(0, n).join(".");
    const alias = Object.hasOwn(PROVIDER_ALIASES, candidate) ? PROVIDER_ALIASES[candidate] : null;
    if (alias) return alias;
    if (CANONICAL_DOTTED.has(candidate)) return candidate;
  }
  return segments[0] || value;
}

/**
 * OpenInference splits the provider into where the model is hosted (`llm.provider`: `azure`,
 * `aws`, `google`, or the vendor itself) and whose model it is (`llm.system`); together they name
 * one OTel provider.
 */
function openInferenceProvider(attrs: Attributes): string | null {
  const host = toText(attrs[OPENINFERENCE.PROVIDER])?.toLowerCase() ?? null;
  const system = toText(attrs[OPENINFERENCE.SYSTEM])?.toLowerCase() ?? null;
  switch (host) {
    case null:
      return system === null ? null : canonicalProvider(system);
    case "azure":
      return system === null || system === "openai" ? "azure.ai.openai" : "azure.ai.inference";
    case "aws":
      return "aws.bedrock";
    case "google":
      return system === null ? "gcp.gen_ai" : canonicalProvider(system);
    default:
      return canonicalProvider(host);
  }
}

const CURRENT_FIRST = [GEN_AI.PROVIDER_NAME, GEN_AI.SYSTEM] as const;
const LEGACY_FIRST = [GEN_AI.SYSTEM, GEN_AI.PROVIDER_NAME, VERCEL.MODEL_PROVIDER] as const;
const VERCEL_FIRST = [VERCEL.MODEL_PROVIDER, GEN_AI.SYSTEM, GEN_AI.PROVIDER_NAME] as const;

/** The provider in canonical form, read the way the span's convention writes it. */
export function readProvider(attrs: Attributes, convention: Convention): string | null {
  let raw: string | null;
  switch (convention) {
    case "openinference":
      return openInferenceProvider(attrs) ?? fromKeys(attrs, CURRENT_FIRST);
    case "vercel-ai":
      raw = firstText(attrs, VERCEL_FIRST);
      break;
    case "otel-genai-legacy":
    case "openllmetry":
    case "langfuse":
      raw = firstText(attrs, LEGACY_FIRST);
      break;
    default:
      raw = firstText(attrs, CURRENT_FIRST) ?? firstText(attrs, [VERCEL.MODEL_PROVIDER]);
  }
  return raw === null ? openInferenceProvider(attrs) : canonicalProvider(raw);
}

function fromKeys(attrs: Attributes, keys: readonly string[]): string | null {
  const raw = firstText(attrs, keys);
  return raw === null ? null : canonicalProvider(raw);
}
