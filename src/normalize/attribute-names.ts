/**
 * Every span, resource and event attribute name the normaliser reads, grouped by the convention
 * that defines it (see shared/semconv.md, table a). Kept in one place so a renamed attribute is a
 * one-line change and a reviewer can see at a glance which keys are understood.
 */

/** OpenTelemetry GenAI semantic conventions, current (≥ v1.37) and the legacy names still seen. */
export const GEN_AI = {
  PREFIX: "gen_ai.",
  OPERATION_NAME: "gen_ai.operation.name",
  PROVIDER_NAME: "gen_ai.provider.name",
  /** Deprecated in favour of `gen_ai.provider.name`; still the only provider key before v1.37. */
  SYSTEM: "gen_ai.system",
  REQUEST_MODEL: "gen_ai.request.model",
  RESPONSE_MODEL: "gen_ai.response.model",
  /** The provider's id of the answer (`chatcmpl-…`): carried to the evaluation event. */
  RESPONSE_ID: "gen_ai.response.id",
  INPUT_MESSAGES: "gen_ai.input.messages",
  OUTPUT_MESSAGES: "gen_ai.output.messages",
  SYSTEM_INSTRUCTIONS: "gen_ai.system_instructions",
  /** v1.26–27 content attributes, carried on the `gen_ai.content.*` span events. */
  PROMPT: "gen_ai.prompt",
  COMPLETION: "gen_ai.completion",
  USAGE_INPUT_TOKENS: "gen_ai.usage.input_tokens",
  USAGE_OUTPUT_TOKENS: "gen_ai.usage.output_tokens",
  USAGE_TOTAL_TOKENS: "gen_ai.usage.total_tokens",
  USAGE_PROMPT_TOKENS: "gen_ai.usage.prompt_tokens",
  USAGE_COMPLETION_TOKENS: "gen_ai.usage.completion_tokens",
  TIME_TO_FIRST_CHUNK: "gen_ai.response.time_to_first_chunk",
  SERVER_TIME_TO_FIRST_TOKEN: "gen_ai.server.time_to_first_token",
  CONVERSATION_ID: "gen_ai.conversation.id",
  TOOL_NAME: "gen_ai.tool.name",
  TOOL_CALL_ID: "gen_ai.tool.call.id",
  TOOL_CALL_ARGUMENTS: "gen_ai.tool.call.arguments",
  TOOL_CALL_RESULT: "gen_ai.tool.call.result",
  RETRIEVAL_DOCUMENTS: "gen_ai.retrieval.documents",
  RETRIEVAL_QUERY_TEXT: "gen_ai.retrieval.query.text",
  /** traceAI's spelling of the retrieval query. */
  RETRIEVAL_QUERY: "gen_ai.retrieval.query",
  WORKFLOW_NAME: "gen_ai.workflow.name",
  AGENT_NAME: "gen_ai.agent.name",
  PROMPT_NAME: "gen_ai.prompt.name",
  USER: "gen_ai.user",
} as const;

/** Span event names of the OTel GenAI conventions. */
export const GEN_AI_EVENT = {
  CONTENT_PROMPT: "gen_ai.content.prompt",
  CONTENT_COMPLETION: "gen_ai.content.completion",
  SYSTEM_MESSAGE: "gen_ai.system.message",
  USER_MESSAGE: "gen_ai.user.message",
  ASSISTANT_MESSAGE: "gen_ai.assistant.message",
  TOOL_MESSAGE: "gen_ai.tool.message",
  CHOICE: "gen_ai.choice",
  /** v1.37+: the same content attributes as the span, as an event (or log record). */
  OPERATION_DETAILS: "gen_ai.client.inference.operation.details",
} as const;

/** General OTel attributes. */
export const OTEL = {
  ERROR_TYPE: "error.type",
  EXCEPTION_EVENT: "exception",
  HTTP_ROUTE: "http.route",
  SESSION_ID: "session.id",
  USER_ID: "user.id",
  SERVICE_NAME: "service.name",
  SERVICE_VERSION: "service.version",
  DEPLOYMENT_ENVIRONMENT_NAME: "deployment.environment.name",
  DEPLOYMENT_ENVIRONMENT: "deployment.environment",
} as const;

/** Arize OpenInference. `N`-indexed keys are read through their prefixes. */
export const OPENINFERENCE = {
  /** Every OpenInference LLM attribute lives under `llm.`. */
  LLM_PREFIX: "llm.",
  SPAN_KIND: "openinference.span.kind",
  INPUT_VALUE: "input.value",
  INPUT_MIME_TYPE: "input.mime_type",
  OUTPUT_VALUE: "output.value",
  MODEL_NAME: "llm.model_name",
  REQUEST_MODEL_NAME: "llm.request.model_name",
  RESPONSE_MODEL_NAME: "llm.response.model_name",
  EMBEDDING_MODEL_NAME: "embedding.model_name",
  RERANKER_MODEL_NAME: "reranker.model_name",
  RERANKER_QUERY: "reranker.query",
  PROVIDER: "llm.provider",
  SYSTEM: "llm.system",
  INPUT_MESSAGES_PREFIX: "llm.input_messages",
  OUTPUT_MESSAGES_PREFIX: "llm.output_messages",
  PROMPTS_PREFIX: "llm.prompts",
  CHOICES_PREFIX: "llm.choices",
  TOKEN_COUNT_PROMPT: "llm.token_count.prompt",
  TOKEN_COUNT_COMPLETION: "llm.token_count.completion",
  TOKEN_COUNT_TOTAL: "llm.token_count.total",
  RETRIEVAL_DOCUMENTS_PREFIX: "retrieval.documents",
  RERANKER_INPUT_DOCUMENTS_PREFIX: "reranker.input_documents",
  RERANKER_OUTPUT_DOCUMENTS_PREFIX: "reranker.output_documents",
  TOOL_NAME: "tool.name",
  PROMPT_TEMPLATE_VERSION: "llm.prompt_template.version",
  PROMPT_ID: "prompt.id",
  METADATA: "metadata",
  AGENT_NAME: "agent.name",
} as const;

/** future-agi traceAI. Its messages reuse `gen_ai.input.messages` in two other shapes. */
export const TRACEAI = {
  /** Python ≥ Feb 2026. */
  SPAN_KIND: "gen_ai.span.kind",
  /** TS/Java/C# and older Python. */
  FI_SPAN_KIND: "fi.span.kind",
  /**
   * The call's invocation parameters as JSON text (`{"model":"gpt-4o-mini","temperature":0}`);
   * streaming spans name their model only here.
   */
  REQUEST_PARAMETERS: "gen_ai.request.parameters",
  PROMPT_TEMPLATE_NAME: "gen_ai.prompt.template.name",
  PROMPT_TEMPLATE_VERSION: "gen_ai.prompt.template.version",
  /** Resource attributes set by the traceAI SDK's `register()`. */
  PROJECT_NAME: "project_name",
  PROJECT_VERSION_NAME: "project_version_name",
} as const;

/** Traceloop OpenLLMetry. */
export const OPENLLMETRY = {
  PREFIX: "traceloop.",
  SPAN_KIND: "traceloop.span.kind",
  REQUEST_TYPE: "llm.request.type",
  ENTITY_NAME: "traceloop.entity.name",
  ENTITY_INPUT: "traceloop.entity.input",
  ENTITY_OUTPUT: "traceloop.entity.output",
  WORKFLOW_NAME: "traceloop.workflow.name",
  SESSION_ID: "traceloop.association.properties.session_id",
  USER_ID: "traceloop.association.properties.user_id",
  PROMPT_KEY: "traceloop.prompt.key",
  PROMPT_VERSION: "traceloop.prompt.version",
  USAGE_TOTAL_TOKENS: "llm.usage.total_tokens",
  /** The request's `user` parameter. */
  LLM_USER: "llm.user",
  /** Indexed message prefixes share their roots with the OTel v1.26 content attributes. */
  PROMPT_PREFIX: "gen_ai.prompt",
  COMPLETION_PREFIX: "gen_ai.completion",
  DB_QUERY_RESULT_EVENT: "db.query.result",
  DB_QUERY_RESULT_PREFIX: "db.query.result",
  DB_SEARCH_RESULT_PREFIX: "db.search.result",
} as const;

/** Langfuse SDK (v3+) span attributes. */
export const LANGFUSE = {
  PREFIX: "langfuse.",
  OBSERVATION_TYPE: "langfuse.observation.type",
  OBSERVATION_INPUT: "langfuse.observation.input",
  OBSERVATION_OUTPUT: "langfuse.observation.output",
  OBSERVATION_LEVEL: "langfuse.observation.level",
  OBSERVATION_MODEL: "langfuse.observation.model.name",
  OBSERVATION_USAGE_DETAILS: "langfuse.observation.usage_details",
  OBSERVATION_COMPLETION_START_TIME: "langfuse.observation.completion_start_time",
  OBSERVATION_PROMPT_NAME: "langfuse.observation.prompt.name",
  OBSERVATION_PROMPT_VERSION: "langfuse.observation.prompt.version",
  SESSION_ID: "langfuse.session.id",
  USER_ID: "langfuse.user.id",
  TRACE_NAME: "langfuse.trace.name",
  RELEASE: "langfuse.release",
  ENVIRONMENT: "langfuse.environment",
} as const;

/** Vercel AI SDK `experimental_telemetry`. */
export const VERCEL = {
  OPERATION_ID: "ai.operationId",
  /** `"<operationId> <functionId>"`; a general key, but only the AI SDK fills it this way. */
  OPERATION_NAME: "operation.name",
  MODEL_ID: "ai.model.id",
  MODEL_PROVIDER: "ai.model.provider",
  RESPONSE_MODEL: "ai.response.model",
  PROMPT: "ai.prompt",
  PROMPT_MESSAGES: "ai.prompt.messages",
  RESPONSE_TEXT: "ai.response.text",
  RESPONSE_TOOL_CALLS: "ai.response.toolCalls",
  RESPONSE_OBJECT: "ai.response.object",
  /** SDK < 4 spellings. */
  RESULT_TEXT: "ai.result.text",
  RESULT_TOOL_CALLS: "ai.result.toolCalls",
  RESULT_OBJECT: "ai.result.object",
  TOOL_CALL_NAME: "ai.toolCall.name",
  TOOL_CALL_ARGS: "ai.toolCall.args",
  TOOL_CALL_RESULT: "ai.toolCall.result",
  USAGE_INPUT_TOKENS: "ai.usage.inputTokens",
  USAGE_OUTPUT_TOKENS: "ai.usage.outputTokens",
  USAGE_TOTAL_TOKENS: "ai.usage.totalTokens",
  USAGE_PROMPT_TOKENS: "ai.usage.promptTokens",
  USAGE_COMPLETION_TOKENS: "ai.usage.completionTokens",
  /** Embedding spans count only input tokens. */
  USAGE_TOKENS: "ai.usage.tokens",
  RESPONSE_MS_TO_FIRST_CHUNK: "ai.response.msToFirstChunk",
  STREAM_MS_TO_FIRST_CHUNK: "ai.stream.msToFirstChunk",
  FIRST_CHUNK_EVENT: "ai.stream.firstChunk",
  FUNCTION_ID: "ai.telemetry.functionId",
  SESSION_ID: "ai.telemetry.metadata.sessionId",
  USER_ID: "ai.telemetry.metadata.userId",
  /** Langfuse's convention for linking a prompt: JSON `{name, version}`. */
  LANGFUSE_PROMPT: "ai.telemetry.metadata.langfusePrompt",
  /** The instrumentation scope name the SDK's tracer uses. */
  SCOPE_NAME: "ai",
} as const;

/** A bare `model` key, written by hand-made spans and read by Langfuse as a last resort. */
export const GENERIC_MODEL = "model";

/** Keys whose presence means "this span names a model", for kind detection step 8. */
export const MODEL_KEYS = [
  GEN_AI.REQUEST_MODEL,
  GEN_AI.RESPONSE_MODEL,
  OPENINFERENCE.MODEL_NAME,
  OPENINFERENCE.REQUEST_MODEL_NAME,
  OPENINFERENCE.RESPONSE_MODEL_NAME,
  LANGFUSE.OBSERVATION_MODEL,
  VERCEL.MODEL_ID,
  GENERIC_MODEL,
] as const;
