/**
 * The ingest ceiling: a bare fastify server that only reads OTLP bodies and parses them, with the
 * same generated protobuf decoder as the service (and JSON.parse), then answers an empty
 * ExportTraceServiceResponse. Run as a child process by `ingest.ts`; prints `{"url": …}`.
 */
import Fastify from "fastify";
import { ExportTraceServiceRequest } from "../../src/otlp/proto.ts";

const app = Fastify({ logger: false, bodyLimit: 64 * 1024 * 1024 });
app.removeAllContentTypeParsers();
app.addContentTypeParser("*", { parseAs: "buffer" }, (_req, body, done) => done(null, body));

let spans = 0;
app.post("/v1/traces", async (request, reply) => {
  const body = request.body as Buffer;
  const json = (request.headers["content-type"] ?? "").startsWith("application/json");
  const message = json
    ? (JSON.parse(body.toString("utf8")) as { resourceSpans?: unknown[] })
    : (ExportTraceServiceRequest.decode(body) as { resourceSpans?: unknown[] });
  // Touch the result so the parse cannot be skipped.
  spans += message.resourceSpans?.length ?? 0;
  return json
    ? reply.type("application/json").send("{}")
    : reply.type("application/x-protobuf").send(Buffer.alloc(0));
});
app.get("/count", async () => ({ resourceSpans: spans }));

const url = await app.listen({ host: "127.0.0.1", port: 0 });
process.stdout.write(`${JSON.stringify({ url })}\n`);
process.once("SIGTERM", () => {
  app.close().then(() => process.exit(0));
});
