import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

/** One scripted answer. Without `status` it is a 200 chat completion. */
export interface FakeReply {
  status?: number;
  headers?: Record<string, string>;
  /** The whole response body (an object is sent as JSON, a string as is); wins over `content`. */
  body?: unknown;
  /** The assistant message's content; an object is sent as its JSON text. */
  content?: string | object;
  /** Overrides the response's `model` (default: the requested model). */
  model?: string;
  /** Overrides the counted usage (default: characters / 4 of the request and of the content). */
  usage?: { prompt_tokens: number; completion_tokens: number } | null;
  finishReason?: string;
  /** Waits this long before answering (beyond the client's timeout to simulate a slow answer). */
  delayMs?: number;
  /** Destroys the connection instead of answering. */
  reset?: boolean;
}

/** A chat completions request as the fake server received it. */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  // biome-ignore lint/suspicious/noExplicitAny: the request body is whatever the client sent
  body: any;
  messages: { role: string; content: unknown }[];
  responseFormat: unknown;
  model: string;
  /** When the request arrived (performance.now()). */
  at: number;
}

/** Scripts the answer to a request; `index` counts requests from 0. */
export type FakeHandler = (
  request: RecordedRequest,
  index: number,
) => FakeReply | Promise<FakeReply>;

/**
 * A real HTTP server on 127.0.0.1 that speaks `POST /v1/chat/completions` well enough for the
 * openai package. Answers come from the queue (`enqueue`) first, then from the handler; with
 * neither it answers 500. Every chat request is recorded. `POST /v1/embeddings` answers too, with
 * `fakeEmbedding` of each input (not recorded, not scripted): enough for an app's vector index.
 */
export class FakeOpenAIServer {
  readonly requests: RecordedRequest[] = [];
  private readonly queue: FakeReply[] = [];
  private handler: FakeHandler | undefined;
  private readonly timers = new Set<NodeJS.Timeout>();
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly server: Server,
    /** The base URL to hand the client, e.g. `http://127.0.0.1:40123/v1`. */
    readonly baseUrl: string,
  ) {}

  static async start(handler?: FakeHandler): Promise<FakeOpenAIServer> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    const fake = new FakeOpenAIServer(server, `http://127.0.0.1:${port}/v1`);
    fake.handler = handler;
    server.on("request", (req, res) => {
      fake.handle(req, res).catch((err) => {
        if (!res.headersSent && !res.destroyed) {
          res.writeHead(500, { "content-type": "application/json" });
          res.end(JSON.stringify({ error: { message: String(err), type: "fake_server_error" } }));
        }
      });
    });
    return fake;
  }

  /** Requests received so far. */
  get callCount(): number {
    return this.requests.length;
  }

  setHandler(handler: FakeHandler | undefined): void {
    this.handler = handler;
  }

  /** Answers the next requests with these replies, in order, before the handler is asked. */
  enqueue(...replies: FakeReply[]): void {
    this.queue.push(...replies);
  }

  /** Forgets recorded requests, queued replies and the handler. */
  reset(): void {
    this.requests.length = 0;
    this.queue.length = 0;
    this.handler = undefined;
  }

  /** Stops the server and drops open connections. Idempotent. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      for (const timer of this.timers) clearTimeout(timer);
      this.timers.clear();
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    return this.closing;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    if (req.method === "POST" && path === "/v1/embeddings") {
      sendJson(res, 200, embeddings(text));
      return;
    }
    if (req.method !== "POST" || path !== "/v1/chat/completions") {
      sendJson(res, 404, { error: { message: `no route ${req.method} ${path}` } });
      return;
    }
    // biome-ignore lint/suspicious/noExplicitAny: see RecordedRequest.body
    let body: any;
    try {
      body = JSON.parse(text);
    } catch {
      sendJson(res, 400, { error: { message: "body is not JSON" } });
      return;
    }
    const recorded: RecordedRequest = {
      method: req.method,
      path,
      headers: { ...req.headers },
      body,
      messages: Array.isArray(body.messages) ? body.messages : [],
      responseFormat: body.response_format,
      model: String(body.model ?? ""),
      at: performance.now(),
    };
    const index = this.requests.length;
    this.requests.push(recorded);
    const reply = this.queue.shift() ??
      (await this.handler?.(recorded, index)) ?? {
        status: 500,
        body: { error: { message: "fake server: no reply scripted", type: "server_error" } },
      };
    if (reply.delayMs) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          resolve();
        }, reply.delayMs);
        this.timers.add(timer);
      });
    }
    if (res.destroyed || this.closing) return; // the client gave up (timeout or abort)
    if (reply.reset) {
      req.socket.destroy();
      return;
    }
    if (body.stream === true && reply.body === undefined && (reply.status ?? 200) === 200) {
      sendStream(res, completion(recorded, reply), body.stream_options?.include_usage === true);
      return;
    }
    sendJson(res, reply.status ?? 200, reply.body ?? completion(recorded, reply), reply.headers);
  }
}

/** A chat completion body; named are the parts a streamed answer is cut from. */
interface CompletionBody {
  id: string;
  created: number;
  model: string;
  choices: {
    message: { content: string; [field: string]: unknown };
    finish_reason: string;
    [field: string]: unknown;
  }[];
  usage?: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
  [field: string]: unknown;
}

/**
 * A completion as a `stream: true` request gets it: server-sent chunks with the role, the content
 * in three pieces, the finish reason, the usage when `stream_options.include_usage` asks for it,
 * then `[DONE]`.
 */
function sendStream(res: ServerResponse, done: CompletionBody, includeUsage: boolean): void {
  const base = { id: done.id, object: "chat.completion.chunk", created: done.created };
  const chunk = (delta: object, finish: string | null) => ({
    ...base,
    model: done.model,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
  });
  const content = done.choices[0]?.message.content ?? "";
  const size = Math.max(1, Math.ceil(content.length / 3));
  const pieces = content.match(new RegExp(`[\\s\\S]{1,${size}}`, "g")) ?? [];
  const chunks = [
    chunk({ role: "assistant", content: "" }, null),
    ...pieces.map((piece) => chunk({ content: piece }, null)),
    chunk({}, done.choices[0]?.finish_reason ?? "stop"),
    ...(includeUsage && done.usage
      ? [{ ...base, model: done.model, choices: [], usage: done.usage }]
      : []),
  ];
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  for (const c of chunks) res.write(`data: ${JSON.stringify(c)}\n\n`);
  res.end("data: [DONE]\n\n");
}

function completion(request: RecordedRequest, reply: FakeReply): CompletionBody {
  const content =
    typeof reply.content === "string" ? reply.content : JSON.stringify(reply.content ?? {});
  const usage =
    reply.usage === null
      ? undefined
      : (reply.usage ?? {
          prompt_tokens: Math.ceil(JSON.stringify(request.messages).length / 4),
          completion_tokens: Math.ceil(content.length / 4),
        });
  return {
    id: `chatcmpl-fake-${Math.random().toString(16).slice(2)}`,
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model: reply.model ?? request.model,
    choices: [
      {
        index: 0,
        message: { role: "assistant", content, refusal: null },
        logprobs: null,
        finish_reason: reply.finishReason ?? "stop",
      },
    ],
    ...(usage
      ? { usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens } }
      : {}),
  };
}

/** Dimensions of `fakeEmbedding`. */
const EMBEDDING_DIMENSIONS = 256;

/**
 * A deterministic bag-of-words vector (words of four letters or more, hashed into 256 dimensions,
 * unit length): texts that share words are near, so similarity search finds the documents that
 * share a question's words, as a real embedding model would for an obvious match.
 */
export function fakeEmbedding(text: string): number[] {
  const vector = new Array<number>(EMBEDDING_DIMENSIONS).fill(0);
  for (const word of text.toLowerCase().match(/[a-z0-9]{4,}/g) ?? []) {
    let hash = 0;
    for (const char of word) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
    vector[hash % EMBEDDING_DIMENSIONS] = (vector[hash % EMBEDDING_DIMENSIONS] ?? 0) + 1;
  }
  const norm = Math.hypot(...vector) || 1;
  return vector.map((v) => v / norm);
}

/** An embeddings response to a request body (`input`: one string or a list of them). */
function embeddings(text: string): object {
  const body = JSON.parse(text) as { input?: unknown; model?: string; encoding_format?: string };
  const inputs = Array.isArray(body.input) ? body.input : [body.input];
  // The openai package asks for base64 (little-endian float32) unless told otherwise.
  const encode = (vector: number[]) =>
    body.encoding_format === "base64"
      ? Buffer.from(new Float32Array(vector).buffer).toString("base64")
      : vector;
  return {
    object: "list",
    model: body.model ?? "text-embedding-3-small",
    data: inputs.map((input, index) => ({
      object: "embedding",
      index,
      embedding: encode(fakeEmbedding(String(input ?? ""))),
    })),
    usage: { prompt_tokens: 0, total_tokens: 0 },
  };
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(text);
}

/** An error body the way OpenAI sends one. */
export function errorBody(message: string, type = "server_error", code: string | null = null) {
  return { error: { message, type, param: null, code } };
}

/**
 * The user message with every well-formed fence (`<<<L b>>> … <<<END L b>>>`) cut out: what an
 * "obedient" fake judge reads as instructions, so a test can show fencing neutralises injections.
 */
export function unfencedText(text: string): string {
  return text.replace(/<<<([A-Z0-9_]+) ([0-9a-f]+)>>>[\s\S]*?<<<END \1 \2>>>/g, "");
}
