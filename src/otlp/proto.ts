import { createRequire } from "node:module";
import protobuf from "protobufjs";

/**
 * The protobufjs code generated from the official opentelemetry-proto schema, as shipped by
 * @opentelemetry/otlp-transformer 0.215.0 (the last release that carried it; pinned for that
 * reason). We only decode requests and encode responses with it.
 */
interface GeneratedMessage {
  decode(reader: Uint8Array): object;
  encode(message: object): { finish(): Uint8Array };
  toObject(message: object, options: protobuf.IConversionOptions): Record<string, unknown>;
  fromObject(object: Record<string, unknown>): object;
}

interface GeneratedRoot {
  opentelemetry: {
    proto: {
      collector: {
        trace: {
          v1: Record<"ExportTraceServiceRequest" | "ExportTraceServiceResponse", GeneratedMessage>;
        };
      };
    };
  };
}

const require = createRequire(import.meta.url);
const root =
  require("@opentelemetry/otlp-transformer/build/src/generated/root.js") as GeneratedRoot;

export const ExportTraceServiceRequest =
  root.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
export const ExportTraceServiceResponse =
  root.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;

/** google.rpc.Status, the body of an OTLP failure response (details are not used). */
export const RpcStatus = new protobuf.Type("Status")
  .add(new protobuf.Field("code", 1, "int32"))
  .add(new protobuf.Field("message", 2, "string"));
