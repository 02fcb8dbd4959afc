import OpenAI from "openai";
import type {
  ChatCompletion,
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionMessageParam,
} from "openai/resources/chat/completions";
import { TracejudgeError } from "../errors.ts";
import type { Logger } from "../util/logger.ts";
import type { Judge, JudgeRequest, JudgeResponse } from "./judge.ts";
import { JudgeMalformedError } from "./judge.ts";
import type { CallUsage } from "./judge-answer.ts";
import { callUsage, formatName, jsonSchemaFor, readAnswer, sumUsage } from "./judge-answer.ts";
import type { JudgeConfig } from "./judge-config.ts";
import { costUsd } from "./judge-config.ts";
import type { RateLimiter } from "./rate-limiter.ts";
import type { RetryTiming } from "./retry-policy.ts";
import { backoffMs, classifyAttemptError, DEFAULT_RETRY_TIMING, sleep } from "./retry-policy.ts";

/** The endpoint used when the config names none. */
export const DEFAULT_OPENAI_BASE_URL = "https://api.openai.com/v1";

/** The endpoint a judge config talks to. */
export function judgeBaseUrl(config: Pick<JudgeConfig, "base_url">): string {
  return config.base_url ?? DEFAULT_OPENAI_BASE_URL;
}

/** What an `OpenAIJudge` is handed besides its config. */
export interface OpenAIJudgeDeps {
  /** The endpoint's rate limiter; every attempt (retries too) waits its turn. None: unlimited. */
  limiter?: RateLimiter;
  logger?: Pick<Logger, "debug" | "warn">;
  /** Back-off between retries (tests shorten it). */
  retry?: RetryTiming;
}

/**
 * A `Judge` on any OpenAI-compatible chat completions endpoint, with structured outputs. Retries
 * 408/409/429/5xx, timeouts and connection errors itself (the client's own retries are off) with
 * exponential back-off and jitter, honouring `Retry-After`; then throws `JUDGE_UNAVAILABLE`
 * (retryable). Other 4xx throw `JUDGE_UNAVAILABLE` (final). An answer that is not JSON or misses
 * the schema is sent back once with what was wrong; a second miss throws `JudgeMalformedError`.
 * An aborted `signal` stops waiting and rethrows its reason.
 */
export class OpenAIJudge implements Judge {
  readonly model: string;
  readonly baseUrl: string;
  private readonly client: OpenAI;
  private readonly config: JudgeConfig;
  private readonly deps: OpenAIJudgeDeps;
  private readonly retry: Required<RetryTiming>;

  constructor(config: JudgeConfig, deps: OpenAIJudgeDeps = {}) {
    if (!config.base_url && !config.api_key) {
      throw new TracejudgeError(
        "JUDGE_NOT_CONFIGURED",
        "the judge needs api_key (or OPENAI_API_KEY) for the OpenAI endpoint, or a base_url",
      );
    }
    this.config = config;
    this.deps = deps;
    this.model = config.model;
    this.baseUrl = judgeBaseUrl(config);
    this.retry = { ...DEFAULT_RETRY_TIMING, ...deps.retry };
    this.client = new OpenAI({
      baseURL: this.baseUrl,
      // Local servers (Ollama, vLLM without --api-key) ignore the key, but the client wants one.
      apiKey: config.api_key ?? "no-key",
      // Explicit nulls so the client does not read the environment behind the config's back.
      organization: null,
      project: null,
      webhookSecret: null,
      timeout: config.timeout_ms,
      maxRetries: 0,
    });
  }

  async complete<T>(request: JudgeRequest<T>): Promise<JudgeResponse<T>> {
    const started = performance.now();
    const model = request.model ?? this.model;
    const messages: ChatCompletionMessageParam[] = [
      { role: "system", content: request.system },
      { role: "user", content: request.user },
    ];
    const params = (): ChatCompletionCreateParamsNonStreaming => ({
      model,
      messages,
      response_format: {
        type: "json_schema",
        json_schema: {
          name: formatName(request.schemaName),
          schema: jsonSchemaFor(request.schema, request.schemaName),
          strict: true,
        },
      },
      ...(this.config.temperature === null ? {} : { temperature: this.config.temperature }),
      ...(request.maxOutputTokens ? { max_completion_tokens: request.maxOutputTokens } : {}),
    });
    const calls: CallUsage[] = [];
    const usage = () =>
      sumUsage(
        calls,
        (c) => costUsd(this.config.prices, c.model, c.inputTokens, c.outputTokens),
        performance.now() - started,
      );

    // One corrective retry: a model that missed the schema once usually fixes it when told how.
    for (let round = 0; ; round++) {
      const completion = await this.send(params(), request.maxOutputTokens, request.signal);
      calls.push(callUsage(completion, model));
      const outcome = readAnswer(completion, request.schema);
      if (outcome.ok) return { value: outcome.value, usage: usage() };
      if (round >= 1) {
        throw new JudgeMalformedError(
          `the judge's answer for ${request.schemaName} was malformed twice: ${outcome.reason}`,
          usage(),
        );
      }
      this.deps.logger?.debug(
        { schema: request.schemaName, reason: outcome.reason },
        "malformed judge answer; asking once more",
      );
      messages.push(
        { role: "assistant", content: outcome.content },
        {
          role: "user",
          content: `Your previous answer was not valid: ${outcome.reason}. Answer again with only a JSON object that matches the ${request.schemaName} schema.`,
        },
      );
    }
  }

  /**
   * One cheap request (one output token, no retries) to learn whether the endpoint is back: the
   * circuit breaker's probe. Resolves when the endpoint answers at all, even with a 4xx; throws
   * `JUDGE_UNAVAILABLE` on 429/5xx, timeouts and connection errors.
   */
  async probe(signal?: AbortSignal): Promise<void> {
    await this.deps.limiter?.acquire(1, signal);
    try {
      await this.client.chat.completions.create(
        {
          model: this.model,
          messages: [{ role: "user", content: "ping" }],
          max_completion_tokens: 1,
        },
        { signal },
      );
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      const failure = classifyAttemptError(err);
      if (failure.kind === "retry" || failure.retryable) {
        throw new TracejudgeError(
          "JUDGE_UNAVAILABLE",
          `judge endpoint ${this.baseUrl} probe failed: ${failure.reason}`,
          { retryable: true, cause: err },
        );
      }
    }
  }

  /** Sends one request, retrying transient failures; throws `JUDGE_UNAVAILABLE` when it gives up. */
  private async send(
    params: ChatCompletionCreateParamsNonStreaming,
    maxOutputTokens: number | undefined,
    signal: AbortSignal | undefined,
  ): Promise<ChatCompletion> {
    // The bucket needs the size before the tokenizer has run: characters / 4 is OpenAI's own rule
    // of thumb, and providers count the output allowance against the limit too.
    const chars = params.messages.reduce(
      (n, m) => n + (typeof m.content === "string" ? m.content.length : 0),
      0,
    );
    const estimate = Math.ceil(chars / 4) + (maxOutputTokens ?? 0);
    for (let attempt = 1; ; attempt++) {
      await this.deps.limiter?.acquire(estimate, signal);
      try {
        return await this.client.chat.completions.create(params, { signal });
      } catch (err) {
        if (signal?.aborted) throw signal.reason;
        const failure = classifyAttemptError(err);
        if (failure.kind === "final") {
          throw new TracejudgeError(
            "JUDGE_UNAVAILABLE",
            `judge endpoint ${this.baseUrl} refused the request: ${failure.reason}`,
            { retryable: failure.retryable, cause: err },
          );
        }
        const retries = attempt - 1;
        const waitMs = failure.retryAfterMs ?? backoffMs(retries, this.retry);
        if (retries >= this.config.max_retries || waitMs > this.retry.maxRetryAfterMs) {
          const why =
            retries >= this.config.max_retries
              ? `after ${attempt} attempts`
              : `(asked to retry after ${Math.round(waitMs / 1000)} s)`;
          throw new TracejudgeError(
            "JUDGE_UNAVAILABLE",
            `judge endpoint ${this.baseUrl} unavailable ${why}: ${failure.reason}`,
            { retryable: true, cause: err },
          );
        }
        this.deps.logger?.debug(
          { attempt, waitMs: Math.round(waitMs), reason: failure.reason },
          "judge call failed; retrying",
        );
        await sleep(waitMs, signal);
      }
    }
  }
}
