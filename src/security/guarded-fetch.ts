import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import http from "node:http";
import https from "node:https";
import { isIP, type LookupFunction } from "node:net";
import { Readable } from "node:stream";
import { type UrlGuard, UrlRefusedError } from "./url-guard.ts";

/** The part of `fetch` the webhook deliverer and remote evaluators use. */
export type FetchLike = (
  url: string,
  init: {
    method: string;
    headers: Record<string, string>;
    body?: string;
    signal?: AbortSignal;
  },
) => Promise<Response>;

/** Statuses whose response has no body (a `Response` refuses one). */
const NULL_BODY = new Set([101, 204, 205, 304]);

/**
 * A DNS lookup for `net.connect` that refuses the connection when the name resolves to an
 * address the guard forbids. The address checked is the address connected to, so a name that
 * changes between the check and the connection (DNS rebinding) cannot slip through.
 */
function guardedLookup(guard: UrlGuard): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, found) => {
      if (err) return callback(err, "", 0);
      const addresses = found as unknown as LookupAddress[];
      if (!guard.hostAllowed(hostname)) {
        for (const { address } of addresses) {
          const problem = guard.addressProblem(address, hostname);
          if (problem) return callback(new UrlRefusedError(problem), "", 0);
        }
      }
      if (options.all) return (callback as (e: null, a: LookupAddress[]) => void)(null, addresses);
      const [first] = addresses;
      if (!first)
        return callback(Object.assign(new Error("no address"), { code: "ENOTFOUND" }), "", 0);
      callback(null, first.address, first.family);
    });
  };
}

/**
 * `fetch` for URLs set through the API: node's http client with a lookup that applies the guard
 * at connection time, literal addresses checked before connecting, and redirects never followed
 * (a 3xx is answered as it is). Errors look like fetch's (`TypeError: fetch failed` with the
 * socket error as cause), except a refused address, which is a `UrlRefusedError`.
 */
export function createGuardedFetch(guard: UrlGuard): FetchLike {
  const lookup = guardedLookup(guard);
  return (url, init) =>
    new Promise<Response>((resolve, reject) => {
      const target = new URL(url);
      const host = target.hostname.replace(/^\[|\]$/g, "");
      // Node connects to a literal address without a lookup: it is checked here instead.
      const problem =
        isIP(host) && !guard.hostAllowed(host) ? guard.addressProblem(host) : undefined;
      if (problem) return reject(new UrlRefusedError(problem));
      const client = target.protocol === "https:" ? https : http;
      const req = client.request(
        target,
        {
          method: init.method,
          headers:
            init.body === undefined
              ? init.headers
              : { ...init.headers, "content-length": String(Buffer.byteLength(init.body)) },
          lookup,
          // A fresh connection every time: no socket outlives the request or skips the lookup.
          agent: false,
          ...(init.signal ? { signal: init.signal } : {}),
        },
        (res) => {
          const status = res.statusCode ?? 0;
          try {
            const headers = new Headers();
            for (let i = 0; i + 1 < res.rawHeaders.length; i += 2)
              headers.append(res.rawHeaders[i] as string, res.rawHeaders[i + 1] as string);
            const noBody = NULL_BODY.has(status) || init.method === "HEAD";
            if (noBody) res.resume();
            const body = noBody ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>);
            resolve(new Response(body, { status, statusText: res.statusMessage ?? "", headers }));
          } catch (err) {
            res.destroy();
            reject(
              new TypeError(`fetch failed: invalid response (HTTP ${status})`, { cause: err }),
            );
          }
        },
      );
      req.on("error", (err) => {
        if (err instanceof UrlRefusedError || err.name === "AbortError") reject(err);
        else reject(new TypeError("fetch failed", { cause: err }));
      });
      req.end(init.body);
    });
}
