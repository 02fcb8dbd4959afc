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
      common: { v1: Record<"AnyValue", GeneratedMessage> };
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

/** How deep an attribute value may nest in a protobuf trace export before the body is refused. */
export const MAX_PROTOBUF_ANY_VALUE_NESTING = 100;

/**
 * The generated decoders call AnyValue.decode once per level of a nested value and set no limit
 * of their own, so a deep enough value overflowed the stack, at a depth that moves with how warm
 * the code is: the check at the door and a worker's decode could disagree on the same body.
 * Counting the levels here makes the refusal depend on the body alone. The generated code looks
 * AnyValue.decode up on its namespace at each call, so replacing it there counts every level.
 */
function limitNesting(message: GeneratedMessage, limit: number): void {
  const decode = message.decode.bind(message);
  let depth = 0;
  message.decode = (...args: Parameters<GeneratedMessage["decode"]>) => {
    if (depth >= limit) {
      throw new Error(`an attribute value nests more than ${limit} levels deep`);
    }
    depth++;
    try {
      return decode(...args);
    } finally {
      depth--;
    }
  };
}
limitNesting(root.opentelemetry.proto.common.v1.AnyValue, MAX_PROTOBUF_ANY_VALUE_NESTING);

export const ExportTraceServiceRequest =
  root.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
export const ExportTraceServiceResponse =
  root.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;

/** google.rpc.Status, the body of an OTLP failure response (details are not used). */
export const RpcStatus = new protobuf.Type("Status")
  .add(new protobuf.Field("code", 1, "int32"))
  .add(new protobuf.Field("message", 2, "string"));

/**
 * The logs service's messages, from opentelemetry-proto's `logs/v1/logs.proto`,
 * `collector/logs/v1/logs_service.proto` and the common and resource messages they use. The pinned
 * otlp-transformer's generated code has no logs messages, so they are declared here: only the
 * fields ingest reads (decoding skips the others) and the response it writes.
 */
const LOGS_PROTO = `
syntax = "proto3";
package otlp.logs;
message AnyValue {
  oneof value {
    string string_value = 1; bool bool_value = 2; int64 int_value = 3; double double_value = 4;
    ArrayValue array_value = 5; KeyValueList kvlist_value = 6; bytes bytes_value = 7;
  }
}
message ArrayValue { repeated AnyValue values = 1; }
message KeyValueList { repeated KeyValue values = 1; }
message KeyValue { string key = 1; AnyValue value = 2; }
message InstrumentationScope { string name = 1; string version = 2; repeated KeyValue attributes = 3; }
message Resource { repeated KeyValue attributes = 1; }
message LogRecord {
  fixed64 time_unix_nano = 1; fixed64 observed_time_unix_nano = 11;
  int32 severity_number = 2; string severity_text = 3; AnyValue body = 5;
  repeated KeyValue attributes = 6; fixed32 flags = 8; bytes trace_id = 9; bytes span_id = 10;
  string event_name = 12;
}
message ScopeLogs { InstrumentationScope scope = 1; repeated LogRecord log_records = 2; }
message ResourceLogs { Resource resource = 1; repeated ScopeLogs scope_logs = 2; }
message ExportLogsServiceRequest { repeated ResourceLogs resource_logs = 1; }
message ExportLogsPartialSuccess { int64 rejected_log_records = 1; string error_message = 2; }
message ExportLogsServiceResponse { ExportLogsPartialSuccess partial_success = 1; }
`;

const logsRoot = protobuf.parse(LOGS_PROTO).root;
export const ExportLogsServiceRequest = logsRoot.lookupType("otlp.logs.ExportLogsServiceRequest");
export const ExportLogsServiceResponse = logsRoot.lookupType("otlp.logs.ExportLogsServiceResponse");
