import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigSchema } from "../../src/config/config-schema.ts";
import { createGuardedFetch } from "../../src/security/guarded-fetch.ts";
import {
  addressKind,
  type ResolveHost,
  SecurityConfigSchema,
  UrlGuard,
  UrlRefusedError,
} from "../../src/security/url-guard.ts";
import { TestReceiver } from "../webhooks/receiver.ts";

const strict = SecurityConfigSchema.parse({});
/** A resolver for names the tests make up; anything else does not resolve. */
const fakeDns =
  (table: Record<string, string[]>): ResolveHost =>
  async (host) => {
    const found = table[host];
    if (!found)
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: "ENOTFOUND" });
    return found;
  };

describe("addressKind", () => {
  it.each([
    ["127.0.0.1", "loopback"],
    ["127.255.0.9", "loopback"],
    ["10.0.0.1", "private"],
    ["172.16.0.1", "private"],
    ["172.31.255.255", "private"],
    ["192.168.1.1", "private"],
    ["169.254.169.254", "link-local"],
    ["0.0.0.0", "unspecified"],
    ["::1", "loopback"],
    ["::", "unspecified"],
    ["fe80::1", "link-local"],
    ["febf::1", "link-local"],
    ["fc00::1", "private"],
    ["fd12:3456::1", "private"],
    ["::ffff:127.0.0.1", "loopback"],
    ["::ffff:7f00:1", "loopback"],
    ["::ffff:10.1.2.3", "private"],
    ["::ffff:169.254.169.254", "link-local"],
    ["::ffff:0.0.0.0", "unspecified"],
    ["64:ff9b::a9fe:a9fe", "link-local"],
    ["2002:c0a8:101::1", "private"],
  ])("%s is %s", (address, kind) => {
    expect(addressKind(address)).toBe(kind);
  });

  it.each(["8.8.8.8", "172.32.0.1", "93.184.216.34", "2606:4700::1111", "::ffff:8.8.8.8"])(
    "%s is public",
    (address) => {
      expect(addressKind(address)).toBeNull();
    },
  );
});

describe("UrlGuard.check", () => {
  const guard = new UrlGuard(
    strict,
    fakeDns({
      "inside.test": ["10.9.8.7"],
      "mixed.test": ["93.184.216.34", "192.168.0.10"],
      "public.test": ["93.184.216.34"],
    }),
  );

  it.each([
    ["http://127.0.0.1:9000/hook", /127\.0\.0\.1 is a loopback address/],
    ["http://10.0.0.1/hook", /10\.0\.0\.1 is a private address/],
    ["http://[::1]:8080/", /::1 is a loopback address/],
    ["http://169.254.169.254/latest/meta-data", /link-local/],
    ["http://[fe80::1]/", /link-local/],
    ["http://[fd00::1]/", /private/],
    ["http://0.0.0.0:80/", /unspecified/],
    ["http://[::ffff:127.0.0.1]/", /loopback/],
    // Decimal and hex spellings are normalised by the URL parser before the check.
    ["http://2130706433/", /127\.0\.0\.1 is a loopback/],
    ["http://0x7f.1/", /127\.0\.0\.1 is a loopback/],
    ["http://inside.test/", /host inside\.test resolves to 10\.9\.8\.7, a private address/],
    ["http://mixed.test/", /resolves to 192\.168\.0\.10/],
    ["http://nowhere.test/", /does not resolve \(ENOTFOUND\)/],
    ["ftp://public.test/", /must be http or https/],
  ])("refuses %s", async (url, message) => {
    expect(await guard.check(url)).toMatch(message);
  });

  it("refuses localhost through the system's DNS", async () => {
    expect(await new UrlGuard(strict).check("http://localhost:9000/")).toMatch(
      /host localhost resolves to .*, a loopback address/,
    );
  });

  it("accepts public addresses and names", async () => {
    expect(await guard.check("https://93.184.216.34/hook")).toBeUndefined();
    expect(await guard.check("https://public.test/hook")).toBeUndefined();
  });

  it("accepts what the config allows: everything, or listed networks and hosts", async () => {
    const open = new UrlGuard(SecurityConfigSchema.parse({ allow_private_urls: true }));
    expect(await open.check("http://127.0.0.1/")).toBeUndefined();
    const listed = new UrlGuard(
      SecurityConfigSchema.parse({
        private_url_allow_list: ["10.20.0.0/16", "fd00:1::/64", "*.corp.test"],
      }),
      fakeDns({ "hooks.corp.test": ["10.1.1.1"] }),
    );
    expect(await listed.check("http://10.20.3.4/")).toBeUndefined();
    expect(await listed.check("http://[::ffff:10.20.3.4]/")).toBeUndefined();
    expect(await listed.check("http://[fd00:1::5]/")).toBeUndefined();
    expect(await listed.check("http://hooks.corp.test/")).toBeUndefined();
    expect(await listed.check("http://10.21.0.1/")).toMatch(/private/);
    expect(await listed.check("http://127.0.0.1/")).toMatch(/loopback/);
  });

  it("validates the allow-list in the config, naming the field", () => {
    const parsed = ConfigSchema.safeParse({
      security: { private_url_allow_list: ["10.0.0.0/33"] },
    });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toEqual(["security", "private_url_allow_list", 0]);
  });
});

describe("the guarded fetch", () => {
  let receiver: TestReceiver;

  beforeAll(async () => {
    receiver = await TestReceiver.start();
    receiver.on("/redirect", () => ({
      status: 302,
      headers: { location: "http://169.254.169.254/latest/meta-data" },
    }));
  });
  afterAll(async () => {
    await receiver?.close();
  });

  const post = { method: "POST", headers: { "content-type": "application/json" }, body: "{}" };

  it("refuses a literal private address before connecting", async () => {
    const guarded = createGuardedFetch(new UrlGuard(strict));
    await expect(guarded(receiver.url("/hook"), post)).rejects.toBeInstanceOf(UrlRefusedError);
    expect(receiver.received("/hook")).toHaveLength(0);
  });

  it("checks the address it connects to, whatever the name resolved to when stored (rebinding)", async () => {
    const port = new URL(receiver.baseUrl).port;
    const url = `http://localhost:${port}/rebound`;
    // When the webhook was stored, the name looked public...
    const guard = new UrlGuard(strict, fakeDns({ localhost: ["93.184.216.34"] }));
    expect(await guard.check(url)).toBeUndefined();
    // ...at connection time it resolves to loopback: refused, nothing sent.
    const refusal = await createGuardedFetch(guard)(url, post).catch((err: unknown) => err);
    expect(refusal).toBeInstanceOf(UrlRefusedError);
    expect(String((refusal as Error).message)).toMatch(/host localhost resolves to .* loopback/);
    expect(receiver.received("/rebound")).toHaveLength(0);
  });

  it("sends when the config allows it, and never follows a redirect", async () => {
    const guarded = createGuardedFetch(
      new UrlGuard(SecurityConfigSchema.parse({ private_url_allow_list: ["127.0.0.1"] })),
    );
    const ok = await guarded(receiver.url("/hook"), post);
    expect(ok.status).toBe(200);
    expect(receiver.received("/hook")).toHaveLength(1);
    const redirected = await guarded(receiver.url("/redirect"), post);
    expect(redirected.status).toBe(302);
    expect(redirected.headers.get("location")).toBe("http://169.254.169.254/latest/meta-data");
  });

  it("reports a closed port like fetch does", async () => {
    const guarded = createGuardedFetch(
      new UrlGuard(SecurityConfigSchema.parse({ allow_private_urls: true })),
    );
    const err = (await guarded("http://127.0.0.1:1/", post).catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(TypeError);
    expect((err.cause as { code?: string }).code).toBe("ECONNREFUSED");
  });
});
