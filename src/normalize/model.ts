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

/** A model name under one of `PARAMETER_MODEL_KEYS` of a JSON object, if any. */
function namedModel(value: unknown): string | null {
  if (!isRecord(value)) return null;
  for (const key of PARAMETER_MODEL_KEYS) {
    const name = value[key];
    if (typeof name === "string" && name.trim() !== "") return name;
  }
  return null;
}

/** The model named in traceAI's `gen_ai.request.parameters` JSON, if any. */
function parametersModel(attrs: Attributes): string | null {
  return namedModel(structured(attrs[TRACEAI.REQUEST_PARAMETERS]));
}

/**
 * The answering model in a LangChain `LLMResult` (`{generations, llmOutput}`), which OpenInference's
 * LangChain instrumentations record as an LLM span's `output.value`: the chat message's
 * `response_metadata` (serialized as `{lc, type, id, kwargs}` or as is), then the generation's
 * info (streamed answers), then `llm_output` (Python LangChain). The JS instrumentation sets
 * `llm.model_name` to the requested model, so this is the only place the answering one appears.
 */
function langChainResponseModel(attrs: Attributes): string | null {
  const raw = attrs[OPENINFERENCE.OUTPUT_VALUE];
  // Only LangChain's result is worth parsing here; other outputs can be long.
  if (typeof raw === "string" && !raw.includes('"generations"')) return null;
  const result = structured(raw);
  if (!isRecord(result) || !Array.isArray(result.generations)) return null;
  for (const generation of result.generations.flat()) {
    if (!isRecord(generation)) continue;
    const message = isRecord(generation.message) ? generation.message : {};
    const fields = isRecord(message.kwargs) ? message.kwargs : message;
    const model =
      namedModel(fields.response_metadata) ??
      namedModel(generation.generationInfo) ??
      namedModel(generation.generation_info);
    if (model) return model;
  }
  return namedModel(result.llm_output) ?? namedModel(result.llmOutput);
}

/**
 * The model (response model first, then request model) and the request model, each read with
 * the span's own convention first and any other convention's keys after, and last from the
 * invocation parameters (traceAI streaming spans name their model nowhere else). An OpenInference
 * LLM span without a response-model attribute answers with the model of its LangChain output.
 */
export function readModels(
  attrs: Attributes,
  convention: Convention,
  kind: SpanKind,
): { model: string | null; requestModel: string | null } {
  const own = conventionKeys(convention, kind);
  const ownRequest = firstText(attrs, own.request);
  const requestModel = ownRequest ?? firstText(attrs, ANY_KEYS.request) ?? parametersModel(attrs);
  const answering =
    convention === "openinference" && kind === "LLM" && firstText(attrs, ANY_KEYS.response) === null
      ? langChainResponseModel(attrs)
      : null;
  const model =
    answering ??
    firstText(attrs, own.response) ??
    ownRequest ??
    firstText(attrs, ANY_KEYS.response) ??
    requestModel;
  return { model, requestModel };
}
