import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** One request as the receiver saw it: the raw body, for signature checks. */
export interface ReceivedRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** Date.now() when the request arrived. */
  at: number;
}

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  /** Wait this long before answering (for timeouts). */
  delayMs?: number;
}

/** Given the request and how many came to this path before it (0 for the first). */
export type Handler = (req: ReceivedRequest, index: number) => Reply;

/** A real HTTP receiver on loopback: answers per path, records every request. */
export class TestReceiver {
  readonly requests: ReceivedRequest[] = [];
  private readonly handlers = new Map<string, Handler>();

  private constructor(
    private readonly server: Server,
    readonly baseUrl: string,
  ) {}

  static async start(): Promise<TestReceiver> {
    let receiver: TestReceiver | undefined;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const path = req.url ?? "/";
        const received = {
          path,
          headers: req.headers,
          body: Buffer.concat(chunks).toString("utf8"),
          at: Date.now(),
        };
        const index = receiver?.received(path).length ?? 0;
        receiver?.requests.push(received);
        const handler: Handler = receiver?.handlers.get(path) ?? (() => ({ status: 200 }));
        const reply = handler(received, index);
        setTimeout(() => {
          if (res.destroyed) return;
          res.writeHead(reply.status, reply.headers ?? {});
          res.end(reply.body ?? "");
        }, reply.delayMs ?? 0);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    receiver = new TestReceiver(server, `http://127.0.0.1:${port}`);
    return receiver;
  }

  /** Answers requests to `path` with `handler` (default: 200). */
  on(path: string, handler: Handler): string {
    this.handlers.set(path, handler);
    return this.url(path);
  }

  url(path: string): string {
    return `${this.baseUrl}${path}`;
  }

  received(path: string): ReceivedRequest[] {
    return this.requests.filter((r) => r.path === path);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** A loopback URL nothing listens on: a port that was just bound and released. */
export async function closedPortUrl(path = "/down"): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}${path}`;
}
