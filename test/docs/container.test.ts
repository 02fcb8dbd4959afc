import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { OPEN_ROUTES } from "../../src/api/auth.ts";
import { ConfigSchema } from "../../src/config/config-schema.ts";
import { freePorts } from "../support/free-ports.ts";

/**
 * Docker does not run on the test machine, so the Dockerfile and the compose file are held to
 * what they promise by reading them: Node 24, a multi-stage build whose image has production
 * dependencies and the build only, an init, a non-root user; a stop grace above the service's own,
 * a healthcheck that needs no API key, and ports published on loopback only.
 */
const ROOT = path.resolve(import.meta.dirname, "../..");
const read = (file: string) => readFileSync(path.join(ROOT, file), "utf8");

interface ComposeService {
  ports?: string[];
  init?: boolean;
  stop_grace_period?: string;
  healthcheck?: { test: string[] };
}
const compose = parseYaml(read("docker-compose.yml")) as {
  services: Record<string, ComposeService>;
};
const service = compose.services.tracejudge as ComposeService;

/** The Dockerfile's instructions, continuation lines joined, comments left out, by stage. */
const stages: { from: string; lines: string[] }[] = [];
for (const line of read("Dockerfile")
  .replace(/\\\n/g, " ")
  .split("\n")
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith("#"))) {
  if (line.startsWith("FROM ")) stages.push({ from: line, lines: [] });
  else stages.at(-1)?.lines.push(line);
}
const runtime = stages.at(-1) ?? { from: "", lines: [] };

/** Compose's durations as the compose file writes them: "45s", "1m", "1m30s". */
function durationMs(value: string): number {
  const match = /^(?:(\d+)m)?(?:(\d+)s)?$/.exec(value);
  if (!match || value === "") throw new Error(`not a duration: ${value}`);
  return (Number(match[1] ?? 0) * 60 + Number(match[2] ?? 0)) * 1000;
}

/** Whether .dockerignore leaves a path out of the build context (last matching line wins). */
function dockerIgnored(file: string): boolean {
  let ignored = false;
  for (const raw of read(".dockerignore").split("\n")) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const pattern = line.replace(/^!/, "").replace(/\/$/, "");
    if (file === pattern || file.startsWith(`${pattern}/`)) ignored = !line.startsWith("!");
  }
  return ignored;
}

describe("the Dockerfile", () => {
  it("builds on Node 24 in stages, the image holding production dependencies and the build", () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of stages) expect(stage.from).toMatch(/^FROM node:24-bookworm-slim\b/);
    expect(runtime.lines).toContain(
      "RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force",
    );
    expect(runtime.lines.filter((l) => l.startsWith("COPY"))).toEqual([
      "COPY package.json package-lock.json ./",
      "COPY --from=build /app/dist ./dist",
      "COPY bin ./bin",
    ]);
  });

  it("runs as a user other than root, under an init", () => {
    const user = runtime.lines.filter((l) => l.startsWith("USER ")).at(-1);
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^USER (root|0)\b/);
    const entrypoint = runtime.lines.find((l) => l.startsWith("ENTRYPOINT "));
    expect(
      service.init === true || /^ENTRYPOINT \["\/usr\/bin\/tini", "--"/.test(entrypoint ?? ""),
    ).toBe(true);
    expect(runtime.lines.join("\n")).toMatch(/apt-get install -y --no-install-recommends tini/);
  });

  it("copies only files that exist and that .dockerignore lets into the context", () => {
    const sources = stages
      .flatMap((s) => s.lines)
      .filter((l) => l.startsWith("COPY ") && !l.includes("--from="))
      .flatMap((l) => l.split(/\s+/).slice(1, -1));
    expect(sources).toContain("scripts/build.mjs");
    for (const source of sources) {
      expect({ source, exists: existsSync(path.join(ROOT, source)) }).toEqual({
        source,
        exists: true,
      });
      expect({ source, ignored: dockerIgnored(source) }).toEqual({ source, ignored: false });
    }
    expect(dockerIgnored("test/e2e")).toBe(true);
    expect(dockerIgnored("node_modules")).toBe(true);
  });
});

describe("the compose file", () => {
  it("gives the service longer than its shutdown grace to stop", () => {
    const grace = ConfigSchema.parse({}).shutdown_grace_ms;
    expect(durationMs(service.stop_grace_period ?? "0s")).toBeGreaterThan(grace);
  });

  it("publishes ports on loopback only", () => {
    const published = Object.values(compose.services).flatMap((s) => s.ports ?? []);
    expect(published.length).toBeGreaterThan(0);
    for (const port of published) expect(port).toMatch(/^127\.0\.0\.1:\d+:\d+$/);
  });

  it("checks health on an endpoint open without an API key, and the check runs", async () => {
    const [command, program, flag, script] = service.healthcheck?.test ?? [];
    expect([command, program, flag]).toEqual(["CMD", "node", "-e"]);
    expect(script).not.toContain("$"); // compose would read it as a variable
    const url = /fetch\('http:\/\/127\.0\.0\.1:'\+process\.env\.PORT\+'(\/[a-z]+)'\)/.exec(
      script ?? "",
    );
    expect(url?.[1]).toBe("/healthz");
    expect(OPEN_ROUTES.has(`GET ${url?.[1]}`)).toBe(true);

    // The script itself, against a server that answers /healthz only, then against nothing.
    const server = createServer((req, res) => {
      res.writeHead(req.url === "/healthz" ? 200 : 401).end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const check = (port: number) =>
      new Promise<number | null>((resolve) => {
        const child = spawn(process.execPath, ["-e", script as string], {
          env: { PORT: String(port) },
        });
        child.on("close", resolve);
      });
    try {
      expect(await check((server.address() as AddressInfo).port)).toBe(0);
    } finally {
      server.close();
    }
    const [closed] = await freePorts(1);
    expect(await check(closed as number)).toBe(1);
  });
});
