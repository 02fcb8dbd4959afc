import type { Logger } from "pino";
import { errorMessage } from "../errors.ts";

/** Stops one started component: closes, drains or quits it. */
export type Closer = () => Promise<unknown> | unknown;

/** Where each started component registers its `close`. */
export interface Closers {
  push(...closers: Closer[]): void;
}

/**
 * The service's shutdown sequence. Each factory registers what it started as it starts it, so
 * `close()` runs in reverse start order: stop accepting, drain the workers, close the queues,
 * then Redis and Postgres. A closer that fails is logged and the rest still run.
 */
export class ShutdownSequence implements Closers {
  private readonly closers: Closer[] = [];
  private closing: Promise<void> | undefined;

  constructor(private readonly logger: Logger) {}

  push(...closers: Closer[]): void {
    this.closers.push(...closers);
  }

  /** Idempotent: a second call waits for the first. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      for (const closer of this.closers.reverse()) {
        try {
          await closer();
        } catch (err) {
          this.logger.warn({ err: errorMessage(err) }, "error while closing");
        }
      }
    })();
    return this.closing;
  }
}
