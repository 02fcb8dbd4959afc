import { promisify } from "node:util";
import { gunzip, inflate } from "node:zlib";
import { errorMessage, TracejudgeError } from "../errors.ts";

const gunzipAsync = promisify(gunzip);
const inflateAsync = promisify(inflate);

/** The content codings OTLP/HTTP exporters use. */
export type ContentCoding = "identity" | "gzip" | "deflate";

/** A request's Content-Encoding, or `OTLP_UNSUPPORTED_MEDIA_TYPE` naming the one it is not. */
export function contentCoding(header: string | undefined): ContentCoding {
  const coding = (header ?? "identity").trim().toLowerCase();
  if (coding === "identity" || coding === "") return "identity";
  if (coding === "gzip" || coding === "x-gzip") return "gzip";
  if (coding === "deflate") return "deflate";
  throw new TracejudgeError(
    "OTLP_UNSUPPORTED_MEDIA_TYPE",
    `Content-Encoding "${coding}" is not supported (use gzip)`,
  );
}

/** Decompresses with the size limit applied to the output: a small gzip bomb stays small. */
export async function decompress(
  body: Buffer,
  coding: ContentCoding,
  limit: number,
): Promise<Buffer> {
  if (coding === "identity") return body;
  const inflater = coding === "gzip" ? gunzipAsync : inflateAsync;
  try {
    return await inflater(body, { maxOutputLength: limit });
  } catch (err) {
    if ((err as { code?: string }).code === "ERR_BUFFER_TOO_LARGE" || err instanceof RangeError) {
      throw new TracejudgeError(
        "OTLP_TOO_LARGE",
        `the decompressed body is larger than ${limit} bytes`,
      );
    }
    throw new TracejudgeError(
      "OTLP_DECODE_FAILED",
      `the body is not valid ${coding} data: ${errorMessage(err)}`,
    );
  }
}
