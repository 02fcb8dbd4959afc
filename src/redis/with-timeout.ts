/**
 * Rejects if `promise` has not settled in `ms`. For calls on a connection that queues commands
 * while Redis is away (BullMQ's, with no retry limit): the caller gives up, the command may still
 * run once Redis is back.
 */
export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
