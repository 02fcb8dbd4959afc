/** Sends OTLP bodies to a service: as fast as allowed, or paced at a rate. */
import { bodiesOf, CONTENT_TYPE, type Encoding, makeTraces } from "./otlp-bodies.ts";
import { sleep } from "./report.ts";

export interface Sent {
  /** Requests refused with 429/503 and sent again. */
  retried: number;
}

/** POSTs one body; retries on 429/503 (honouring Retry-After, at most 1 s) for up to a minute. */
export async function postBody(
  url: string,
  body: Buffer,
  encoding: Encoding,
  sent: Sent = { retried: 0 },
): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const res = await fetch(`${url}/v1/traces`, {
      method: "POST",
      headers: { "content-type": CONTENT_TYPE[encoding] },
      body,
    });
    const bytes = Buffer.from(await res.arrayBuffer());
    const text = bytes.toString("utf8");
    if (res.ok) {
      // A full success is an empty ExportTraceServiceResponse: `{}` or zero protobuf bytes.
      const partial = encoding === "json" ? text.includes("partialSuccess") : bytes.length > 0;
      if (partial) throw new Error(`spans rejected: ${text.slice(0, 300)}`);
      return;
    }
    if ((res.status === 429 || res.status === 503) && Date.now() < deadline) {
      sent.retried += 1;
      const after = Number(res.headers.get("retry-after") ?? 1);
      await sleep(Math.min(1000, Math.max(50, after * 1000)));
      continue;
    }
    throw new Error(`POST /v1/traces answered ${res.status}: ${text.slice(0, 300)}`);
  }
}

/** POSTs every body with `concurrency` requests in flight. */
export async function postAll(
  url: string,
  bodies: Buffer[],
  encoding: Encoding,
  concurrency = 8,
): Promise<Sent> {
  const sent: Sent = { retried: 0 };
  let next = 0;
  const lane = async () => {
    while (next < bodies.length) {
      const body = bodies[next++] as Buffer;
      await postBody(url, body, encoding, sent);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, bodies.length) }, lane));
  return sent;
}

/**
 * Sends fresh traces at `tracesPerSecond` for `seconds`: every `tickMs` one request with the traces
 * due by then. Resolves each trace id's send time (Date.now(), ms) and the traces sent.
 */
export async function sendPaced(
  url: string,
  options: {
    tracesPerSecond: number;
    seconds: number;
    encoding?: Encoding;
    tickMs?: number;
    firstIndex?: number;
    /** Called after each tick with the traces sent so far. */
    onTick?: (sentTraces: number) => void;
  },
): Promise<{ sentAt: Map<string, number>; traces: number; retried: number }> {
  const encoding = options.encoding ?? "protobuf";
  const tickMs = options.tickMs ?? 100;
  const total = Math.round(options.tracesPerSecond * options.seconds);
  const sentAt = new Map<string, number>();
  const sent: Sent = { retried: 0 };
  const inFlight = new Set<Promise<void>>();
  const start = performance.now();
  let done = 0;
  let failure: unknown;
  let index = options.firstIndex ?? 0;
  while (done < total && failure === undefined) {
    const elapsed = performance.now() - start;
    const due = Math.min(total, Math.floor((elapsed / 1000) * options.tracesPerSecond) + 1);
    if (due > done) {
      const traces = makeTraces(due - done, index);
      index += traces.length;
      done = due;
      // A tick's traces may need more than one request of 100 spans.
      for (const { body, traceIds } of bodiesOf(traces, encoding)) {
        const at = Date.now();
        for (const id of traceIds) sentAt.set(id, at);
        const p = postBody(url, body, encoding, sent)
          .catch((err) => {
            failure ??= err;
          })
          .finally(() => inFlight.delete(p));
        inFlight.add(p);
      }
      options.onTick?.(done);
    }
    const nextTick = start + Math.ceil((performance.now() - start + 1) / tickMs) * tickMs;
    await sleep(Math.max(0, nextTick - performance.now()));
  }
  await Promise.all(inFlight);
  if (failure !== undefined) throw failure;
  return { sentAt, traces: total, retried: sent.retried };
}
