import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance } from "fastify";

/** The page, its scripts and its styles: plain ES modules, no build step. */
export const PUBLIC_DIR = fileURLToPath(new URL("./public/", import.meta.url));
/** uPlot's ES module and stylesheet, served from the installed package (no CDN). */
const UPLOT_DIR = path.dirname(createRequire(import.meta.url).resolve("uplot/dist/uPlot.esm.js"));
const UPLOT_FILES = new Set(["/uPlot.esm.js", "/uPlot.min.css"]);

/**
 * The console at `/` loads everything from this service; what it shows (answers, context) is
 * untrusted text, rendered as text, and the policy forbids any script but its own.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "frame-ancestors 'self'",
  "form-action 'none'",
].join("; ");

/** `GET /` (the console page), `/console/*` (its modules and styles) and `/console/vendor/*` (uPlot). */
export async function registerConsoleAssets(app: FastifyInstance): Promise<void> {
  await app.register(fastifyStatic, {
    root: PUBLIC_DIR,
    prefix: "/console/",
    index: false,
    wildcard: true,
  });
  await app.register(fastifyStatic, {
    root: UPLOT_DIR,
    prefix: "/console/vendor/",
    decorateReply: false,
    index: false,
    allowedPath: (pathName) => UPLOT_FILES.has(pathName),
  });
  app.get("/", (_request, reply) =>
    reply
      .header("content-security-policy", CONTENT_SECURITY_POLICY)
      .header("x-content-type-options", "nosniff")
      .header("cache-control", "no-cache")
      .sendFile("index.html"),
  );
}
