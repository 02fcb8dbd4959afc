import type { Attributes } from "../otlp/otlp-span.ts";
import type { Convention, SpanKind } from "../span/llm-span.ts";
import { GEN_AI, GENERIC_MODEL, LANGFUSE, OPENINFERENCE, VERCEL } from "./attribute-names.ts";
import { firstText } from "./attribute-values.ts";

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

/**
 * The model (response model first, then request model) and the request model, each read with
 * the span's own convention first and any other convention's keys after.
 */
export function readModels(
  attrs: Attributes,
  convention: Convention,
  kind: SpanKind,
): { model: string | null; requestModel: string | null } {
  const own = conventionKeys(convention, kind);
  const ownRequest = firstText(attrs, own.request);
  const model =
    firstText(attrs, own.response) ??
    ownRequest ??
    firstText(attrs, ANY_KEYS.response) ??
    firstText(attrs, ANY_KEYS.request);
  return { model, requestModel: ownRequest ?? firstText(attrs, ANY_KEYS.request) };
}
