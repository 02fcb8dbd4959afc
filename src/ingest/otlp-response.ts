import type { FastifyReply } from "fastify";
import type { OtlpEncoding } from "../otlp/decode-traces.ts";
import { ExportLogsServiceResponse, ExportTraceServiceResponse, RpcStatus } from "../otlp/proto.ts";
import type { IngestSignal } from "../queues/payloads.ts";

export const CONTENT_TYPES: Record<OtlpEncoding, string> = {
  protobuf: "application/x-protobuf",
  json: "application/json",
};

/** The OTLP encoding a Content-Type names, or null for any other type. */
export function encodingOf(contentType: string | undefined): OtlpEncoding | null {
  const type = (contentType ?? "").split(";")[0]?.trim().toLowerCase();
  if (type === "application/x-protobuf" || type === "application/protobuf") return "protobuf";
  if (type === "application/json") return "json";
  return null;
}

/** google.rpc.Status codes used in OTLP failure bodies. */
const RPC_CODE_BY_HTTP: Record<number, number> = {
  400: 3, // INVALID_ARGUMENT
  401: 16, // UNAUTHENTICATED
  403: 7, // PERMISSION_DENIED
  413: 8, // RESOURCE_EXHAUSTED
  415: 3,
  429: 8,
  500: 13, // INTERNAL
  503: 14, // UNAVAILABLE
};

/** Each signal's response message, and its partial success's count field. */
const RESPONSES = {
  traces: { message: ExportTraceServiceResponse, rejectedField: "rejectedSpans" },
  logs: { message: ExportLogsServiceResponse, rejectedField: "rejectedLogRecords" },
} as const;

/**
 * Success, per the OTLP spec: an ExportTraceServiceResponse (ExportLogsServiceResponse) in the
 * request's encoding, with `partial_success` set only when spans (log records) were rejected.
 */
export function sendExportResponse(
  reply: FastifyReply,
  signal: IngestSignal,
  encoding: OtlpEncoding,
  rejected: number,
  errorMessage: string,
): FastifyReply {
  const partial = rejected > 0 || errorMessage !== "";
  const { message: type, rejectedField } = RESPONSES[signal];
  reply.code(200).type(CONTENT_TYPES[encoding]);
  if (encoding === "json") {
    return reply.send(
      partial ? { partialSuccess: { [rejectedField]: String(rejected), errorMessage } } : {},
    );
  }
  const message = type.fromObject(
    partial ? { partialSuccess: { [rejectedField]: rejected, errorMessage } } : {},
  );
  return reply.send(Buffer.from(type.encode(message).finish()));
}

/** Failure, per the OTLP spec: a google.rpc.Status body in the request's encoding. */
export function sendOtlpError(
  reply: FastifyReply,
  encoding: OtlpEncoding,
  status: number,
  message: string,
  retryAfterSeconds?: number,
): FastifyReply {
  if (retryAfterSeconds !== undefined) reply.header("retry-after", String(retryAfterSeconds));
  reply.code(status).type(CONTENT_TYPES[encoding]);
  const code = RPC_CODE_BY_HTTP[status] ?? 2;
  if (encoding === "json") return reply.send({ code, message });
  return reply.send(Buffer.from(RpcStatus.encode(RpcStatus.create({ code, message })).finish()));
}
