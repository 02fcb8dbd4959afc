import { createBullBoard } from "@bull-board/api";
import { BullMQAdapter } from "@bull-board/api/bullMQAdapter";
import { FastifyAdapter } from "@bull-board/fastify";
import type { Queue } from "bullmq";
import type { FastifyInstance } from "fastify";

type BoardOptions = Parameters<typeof createBullBoard>[0];

/** Where bull-board is mounted by default. */
export const QUEUE_BOARD_PATH = "/admin/queues";

export interface QueueBoardOptions {
  /** Default `/admin/queues`. */
  basePath?: string;
  /** Read-only: jobs can be inspected but not retried, promoted, removed or cleaned. Default false. */
  readOnly?: boolean;
}

/**
 * Mounts bull-board over the given BullMQ queues (the service's `traces`, `evaluations`, `alerts`
 * and `webhooks`), under `/admin/queues` by default. It registers in a plugin of its own, so its
 * static files and views do not clash with the console's.
 */
export async function registerQueueBoard(
  app: FastifyInstance,
  queues: readonly Queue[],
  options: QueueBoardOptions = {},
): Promise<void> {
  const basePath = options.basePath ?? QUEUE_BOARD_PATH;
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(basePath);
  createBullBoard({
    queues: queues.map((q) => new BullMQAdapter(q, { readOnlyMode: options.readOnly ?? false })),
    // @bull-board/fastify 9.10.1 declares its adapter against its own copy of @bull-board/api
    // (9.10.1), whose private fields make the types differ; the interface is the same.
    serverAdapter: serverAdapter as unknown as BoardOptions["serverAdapter"],
    options: { uiConfig: { boardTitle: "tracejudge queues" } },
  });
  await app.register(serverAdapter.registerPlugin(), { prefix: basePath });
}
