import type { Attributes } from "../otlp/otlp-span.ts";
import type { Convention, SpanKind } from "../span/llm-span.ts";
import {
  GEN_AI,
  GENERIC_MODEL,
  LANGFUSE,
  OPENINFERENCE,
  TRACEAI,
  VERCEL,
} from "./attribute-names.ts";
import { firstText, isRecord, structured } from "./attribute-values.ts";

interface ModelKeys {
  response: readonly string[];
  request: readonly string[];
}

const OTEL_KEYS: ModelKeys = {
  response: [GEN_AI.RESPONSE_MODEL],
  request: [GEN_AI.REQUEST_MODEL],
};

/** Every key of every convention, for spans whose own convention names no model. */
const ANY_KEYS: ModelKeys = {
  response: [GEN_AI.RESPONSE_MODEL, OPENINFERENCE.RESPONSE_MODEL_NAME, VERCEL.RESPONSE_MODEL],
  request: [
    GEN_AI.REQUEST_MODEL,
    OPENINFERENCE.REQUEST_MODEL_NAME,
    OPENINFERENCE.MODEL_NAME,
    OPENINFERENCE.EMBEDDING_MODEL_NAME,
    OPENINFERENCE.RERANKER_MODEL_NAME,
    VERCEL.MODEL_ID,
    LANGFUSE.OBSERVATION_MODEL,
    GENERIC_MODEL,
  ],
};

function conventionKeys(convention: Convention, kind: SpanKind): ModelKeys {
  switch (convention) {
    case "openinference": {
      // Embedding and reranker spans name their model under their own keys.
      const own =
        kind === "EMBEDDING"
          ? [OPENINFERENCE.EMBEDDING_MODEL_NAME]
          : kind === "RERANKER"
            ? [OPENINFERENCE.RERANKER_MODEL_NAME]
            : [];
      return {
        // `llm.model_name` is the response model once the response is known.
        response: [...own, OPENINFERENCE.RESPONSE_MODEL_NAME, OPENINFERENCE.MODEL_NAME],
        request: [...own, OPENINFERENCE.REQUEST_MODEL_NAME, OPENINFERENCE.MODEL_NAME],
      };
    }
    case "langfuse":
      // Langfuse's `extractModelName` order.
      return {
        response: [LANGFUSE.OBSERVATION_MODEL, GEN_AI.RESPONSE_MODEL],
        request: [VERCEL.MODEL_ID, GEN_AI.REQUEST_MODEL, OPENINFERENCE.MODEL_NAME, GENERIC_MODEL],
      };
    case "vercel-ai":
      return {
        response: [VERCEL.RESPONSE_MODEL, GEN_AI.RESPONSE_MODEL],
        request: [VERCEL.MODEL_ID, GEN_AI.REQUEST_MODEL],
      };
    default:
      return OTEL_KEYS;
  }
}

/** Keys of a model inside invocation parameters (LangChain's chat models write `model_name`). */
const PARAMETER_MODEL_KEYS = ["model", "model_name"] as const;

/** The model named in traceAI's `gen_ai.request.parameters` JSON, if any. */
function parametersModel(attrs: Attributes): string | null {
  const parameters = structured(attrs[TRACEAI.REQUEST_PARAMETERS]);
  if (!isRecord(parameters)) return null;
  for (const key of PARAMETER_MODEL_KEYS) {
    const value = parameters[key];
    if (typeof value === "string" && value.trim() !== "") return value;
  }
  return null;
}

/**
 * The model (response model first, then request model) and the request model, each read with
 * the span's own convention first and any other convention's keys after, and last from the
 * invocation parameters (traceAI streaming spans name their model nowhere else).
 */
export function readModels(
  attrs: Attributes,
  convention: Convention,
  kind: SpanKind,
): { model: string | null; requestModel: string | null } {
  const own = conventionKeys(convention, kind);
  const ownRequest = firstText(attrs, own.request);
  const requestModel = ownRequest ?? firstText(attrs, ANY_KEYS.request) ?? parametersModel(attrs);
  const model =
    firstText(attrs, own.response) ??
    ownRequest ??
    firstText(attrs, ANY_KEYS.response) ??
    requestModel;
  return { model, requestModel };
}
