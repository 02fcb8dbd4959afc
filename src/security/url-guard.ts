import { lookup } from "node:dns/promises";
import { BlockList, isIP } from "node:net";
import { z } from "zod";
import { TracejudgeError } from "../errors.ts";
import { globMatch } from "../util/glob-match.ts";

/** An allow-list entry that is an address or a CIDR (`10.20.0.0/16`, `fd00::/8`, `10.0.0.7`). */
function parseCidr(entry: string): { address: string; prefix: number; family: 4 | 6 } | null {
  const [address = "", prefixText, ...rest] = entry.split("/");
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return null;
  const max = family === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > max || prefixText === "") return null;
  return { address, prefix, family: family === 4 ? 4 : 6 };
}

/** Looks like an address or CIDR (digits, dots, colons, a slash) rather than a host name. */
const ADDRESS_LIKE = /^[0-9a-fA-F:.]+(\/\d*)?$/;

/**
 * Which URLs set through the HTTP API (webhooks, remote evaluators) may reach addresses inside the
 * network. URLs in the YAML config are trusted as written and never checked.
 */
export const SecurityConfigSchema = z
  .object({
    /**
     * Let URLs set through the API reach loopback, link-local and private addresses. Default
     * false: an API key could otherwise point the engine at internal services (SSRF).
     */
    allow_private_urls: z.boolean().default(false),
    /**
     * Exceptions while `allow_private_urls` is false: CIDRs or addresses (`10.20.0.0/16`,
     * `fd00:1::/64`, `10.0.0.7`) and host globs (`hooks.internal`, `*.corp.example`) that URLs set
     * through the API may reach. Default none.
     */
    private_url_allow_list: z
      .array(
        z
          .string()
          .min(1)
          .refine(
            (entry) => !ADDRESS_LIKE.test(entry) || parseCidr(entry) !== null,
            "is neither a valid address, CIDR nor host name",
          ),
      )
      .default([]),
  })
  .strict();
export type SecurityConfig = z.infer<typeof SecurityConfigSchema>;

/** Why an address is off limits. */
export type AddressKind =
  | "loopback"
  | "link-local"
  | "private"
  | "unspecified"
  | "multicast"
  | "reserved";

/** IPv4 ranges that are not the public internet: [first address, prefix length, kind]. */
const IPV4_RANGES: [string, number, AddressKind][] = [
  ["0.0.0.0", 8, "unspecified"],
  ["127.0.0.0", 8, "loopback"],
  ["10.0.0.0", 8, "private"],
  ["172.16.0.0", 12, "private"],
  ["192.168.0.0", 16, "private"],
  // Carrier-grade NAT; some clouds serve instance metadata from it (100.100.100.200).
  ["100.64.0.0", 10, "private"],
  ["169.254.0.0", 16, "link-local"],
  ["192.0.0.0", 24, "reserved"],
  ["198.18.0.0", 15, "reserved"],
  ["224.0.0.0", 4, "multicast"],
  ["240.0.0.0", 4, "reserved"],
];

function ipv4Number(address: string): number {
  return address.split(".").reduce((n, octet) => n * 256 + Number(octet), 0);
}

function ipv4Kind(address: string): AddressKind | null {
  const n = ipv4Number(address);
  for (const [first, prefix, kind] of IPV4_RANGES) {
    const size = 2 ** (32 - prefix);
    const start = ipv4Number(first);
    if (n >= start && n < start + size) return kind;
  }
  return null;
}

/**
 * The eight 16-bit groups of an IPv6 address. The WHATWG URL parser canonicalises it first, so
 * dotted tails (`::ffff:127.0.0.1`) and odd spellings arrive as plain hex groups.
 */
function ipv6Groups(address: string): number[] | null {
  let canonical: string;
  try {
    canonical = new URL(`http://[${address}]/`).hostname.slice(1, -1);
  } catch {
    return null;
  }
  const [head = "", tail] = canonical.split("::");
  const part = (s: string) => (s === "" ? [] : s.split(":").map((g) => Number.parseInt(g, 16)));
  const left = part(head);
  const right = tail === undefined ? [] : part(tail);
  const groups = [...left, ...Array(8 - left.length - right.length).fill(0), ...right];
  return groups.length === 8 && groups.every((g) => Number.isInteger(g)) ? groups : null;
}

/** The IPv4 address an IPv6 one carries (mapped, compatible, NAT64, 6to4), if any. */
function embeddedIpv4(g: number[]): string | null {
  const v4 = (hi: number, lo: number) => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  const zeros = (from: number, to: number) => g.slice(from, to).every((x) => x === 0);
  if (zeros(0, 5) && g[5] === 0xffff) return v4(g[6] as number, g[7] as number);
  // IPv4-compatible (::a.b.c.d, deprecated); :: and ::1 are classified as IPv6 below.
  if (zeros(0, 6) && (g[6] as number) !== 0) return v4(g[6] as number, g[7] as number);
  if (g[0] === 0x64 && g[1] === 0xff9b && zeros(2, 6)) return v4(g[6] as number, g[7] as number);
  if (g[0] === 0x2002) return v4(g[1] as number, g[2] as number);
  return null;
}

/**
 * Whether an IP address is loopback, link-local, private, unspecified, multicast or reserved
 * (IPv4-mapped and other IPv4-carrying IPv6 forms judged by their IPv4 address); null for a
 * public address. Anything unparseable counts as reserved.
 */
export function addressKind(address: string): AddressKind | null {
  const family = isIP(address);
  if (family === 4) return ipv4Kind(address);
  if (family !== 6) return "reserved";
  const g = ipv6Groups(address);
  if (!g) return "reserved";
  const v4 = embeddedIpv4(g);
  if (v4) return ipv4Kind(v4);
  const first = g[0] as number;
  if (g.every((x) => x === 0)) return "unspecified";
  if (g.slice(0, 7).every((x) => x === 0) && g[7] === 1) return "loopback";
  if ((first & 0xffc0) === 0xfe80) return "link-local";
  if ((first & 0xfe00) === 0xfc00 || (first & 0xffc0) === 0xfec0) return "private";
  if ((first & 0xff00) === 0xff00) return "multicast";
  return null;
}

/** The address in the form a BlockList compares: IPv4-mapped IPv6 as IPv4. */
function comparable(address: string): { address: string; family: "ipv4" | "ipv6" } {
  if (isIP(address) === 6) {
    const g = ipv6Groups(address);
    const v4 = g ? embeddedIpv4(g) : null;
    if (v4) return { address: v4, family: "ipv4" };
    return { address, family: "ipv6" };
  }
  return { address, family: "ipv4" };
}

/** Resolves a host name to every address it has. */
export type ResolveHost = (host: string) => Promise<string[]>;

const resolveWithDns: ResolveHost = async (host) =>
  (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);

/** A URL set through the API that may not be reached; final, trying again gets the same. */
export class UrlRefusedError extends TracejudgeError {
  constructor(message: string) {
    super("URL_REFUSED", message);
    this.name = "UrlRefusedError";
  }
}

const HOW_TO_ALLOW = "see security.allow_private_urls and security.private_url_allow_list";

/** The URL parsed, or why it cannot be one a service is sent to: it must be http or https. */
export function parseHttpUrl(url: string): URL | string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "is not a valid URL";
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:")
    return `must be http or https, not ${parsed.protocol.replace(/:$/, "")}`;
  return parsed;
}

/**
 * The server-side request forgery rule for URLs set through the HTTP API: they may not reach
 * loopback, link-local, private, unspecified, multicast or reserved addresses, as literals or
 * through DNS, unless the config allows it. Checked when the URL is stored (`check`) and again
 * on every connection (`addressProblem` from the connection's own lookup), so a name that
 * resolves elsewhere later (DNS rebinding) is still refused.
 */
export class UrlGuard {
  private readonly allowedNetworks = new BlockList();
  private readonly allowedHosts: string[] = [];

  constructor(
    private readonly config: SecurityConfig,
    private readonly resolve: ResolveHost = resolveWithDns,
  ) {
    for (const entry of config.private_url_allow_list) {
      const cidr = ADDRESS_LIKE.test(entry) ? parseCidr(entry) : null;
      if (cidr)
        this.allowedNetworks.addSubnet(
          cidr.address,
          cidr.prefix,
          cidr.family === 4 ? "ipv4" : "ipv6",
        );
      else this.allowedHosts.push(entry.toLowerCase());
    }
  }

  /** Whether every URL may be reached (`allow_private_urls: true`): no check at all. */
  get open(): boolean {
    return this.config.allow_private_urls;
  }

  /** Whether a host name is on the allow-list, so none of its addresses are checked. */
  hostAllowed(hostname: string): boolean {
    const host = hostname.toLowerCase().replace(/\.$/, "");
    return this.allowedHosts.some((glob) => globMatch(glob, host));
  }

  /**
   * Why an address may not be reached, or undefined when it may; `host` names the host name it
   * was resolved from, for the message.
   */
  addressProblem(address: string, host?: string): string | undefined {
    if (this.open) return undefined;
    const kind = addressKind(address);
    if (!kind) return undefined;
    const { address: plain, family } = comparable(address);
    if (isIP(plain) && this.allowedNetworks.check(plain, family)) return undefined;
    const what = host ? `host ${host} resolves to ${address}, a` : `${address} is a`;
    return `${what} ${kind} address, which URLs set through the API may not reach (${HOW_TO_ALLOW})`;
  }

  /**
   * Why a URL set through the API may not be stored, or undefined when it may: its host is an
   * address that may not be reached, resolves to one, or does not resolve at all.
   */
  async check(url: string): Promise<string | undefined> {
    if (this.open) return undefined;
    const parsed = parseHttpUrl(url);
    if (typeof parsed === "string") return parsed;
    const host = parsed.hostname.replace(/^\[|\]$/g, "");
    if (this.hostAllowed(host)) return undefined;
    if (isIP(host)) return this.addressProblem(host);
    let addresses: string[];
    try {
      addresses = await this.resolve(host);
    } catch (err) {
      const code = (err as { code?: string }).code;
      return `host ${host} does not resolve${code ? ` (${code})` : ""}`;
    }
    if (addresses.length === 0) return `host ${host} does not resolve`;
    for (const address of addresses) {
      const problem = this.addressProblem(address, host);
      if (problem) return problem;
    }
    return undefined;
  }
}
