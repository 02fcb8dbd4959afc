import { createServer } from "node:net";

/** Whether a TCP port can be bound on loopback right now. */
function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/**
 * `count` consecutive ports free on loopback now, for a server a test starts itself (a Redis, a
 * PostgreSQL). They are looked for below Linux's ephemeral range (32768 and up), where the
 * outgoing connections of every other test take their ports, so nothing else is handed them
 * meanwhile. With `alsoFree`, ports that far above each one must be free too (a Redis Cluster
 * node also listens on its port + 10000).
 */
export async function freePorts(count: number, alsoFree: number[] = []): Promise<number[]> {
  const highest = 32_767 - Math.max(0, ...alsoFree) - count;
  for (let attempt = 0; attempt < 200; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * (highest - 20_000));
    const ports = Array.from({ length: count }, (_, i) => base + i);
    const needed = ports.flatMap((p) => [p, ...alsoFree.map((d) => p + d)]);
    const free = await Promise.all(needed.map(bindable));
    if (free.every(Boolean)) return ports;
  }
  throw new Error(`no ${count} free ports found below 32768`);
}
