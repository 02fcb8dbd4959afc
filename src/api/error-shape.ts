import type { FastifyError, FastifyInstance, FastifyReply } from "fastify";
import { z } from "zod";
import {
  API_ERROR_CODES,
  type ApiErrorCode,
  apiCodeOf,
  ERROR_CATALOG,
  httpStatusOf,
} from "../error-catalog.ts";
import type { Logger } from "../util/logger.ts";

/** The JSON API's error body, whatever failed: `{"error": "<snake_case code>", "message": "…"}`. */
export const ApiErrorSchema = z
  .object({
    /** A stable snake_case code from the error catalog, such as `invalid_request` or `not_found`. */
    error: z.enum(API_ERROR_CODES.map(apiCodeOf)).meta({
      description: API_ERROR_CODES.map(
        (code) =>
          `\`${apiCodeOf(code)}\` (${httpStatusOf(code)}): ${ERROR_CATALOG[code].description}`,
      ).join("; "),
    }),
    /** What is wrong, naming the parameter or field at fault. */
    message: z.string(),
  })
  .strict();
export type ApiError = z.infer<typeof ApiErrorSchema>;

/** The body of a code's answer. */
export function errorBody(code: ApiErrorCode, message: string): ApiError {
  return { error: apiCodeOf(code), message };
}

/** Answers a code with its status and `{"error", "message"}`, both as the error catalog says. */
export function sendError(reply: FastifyReply, code: ApiErrorCode, message: string): FastifyReply {
  return reply.code(httpStatusOf(code)).send(errorBody(code, message));
}

// Fastify's own failures, by status, in the API's vocabulary.
const CODE_BY_STATUS: Partial<Record<number, ApiErrorCode>> = {
  400: "INVALID_REQUEST",
  404: "NOT_FOUND",
  405: "METHOD_NOT_ALLOWED",
  413: "PAYLOAD_TOO_LARGE",
  415: "UNSUPPORTED_MEDIA_TYPE",
};

/**
 * Answers what no route answers, and what Fastify itself rejects (a body that is not JSON, one
 * too large, an unknown content type), in the API's error shape instead of Fastify's default
 * (`{"statusCode", "error", "message"}`). A 5xx is logged and answered without its details. The
 * OTLP routes keep their own handler (OTLP Status bodies): they are registered in a plugin of
 * their own, which Fastify's error handlers do not leave.
 */
export function installErrorShape(app: FastifyInstance, logger: Logger): void {
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split("?")[0];
    return sendError(reply, "NOT_FOUND", `no route ${request.method} ${path}`);
  });
  app.setErrorHandler((err: FastifyError, request, reply) => {
    const status = err.statusCode && err.statusCode >= 400 ? err.statusCode : 500;
    if (status >= 500) {
      logger.error({ err: err.message, route: request.url.split("?")[0] }, "request failed");
      // Fastify's status is kept (a 503 stays one), with the catalog's code for it.
      return reply.code(status).send(errorBody("INTERNAL", "internal error; see the service log"));
    }
    const code = CODE_BY_STATUS[status];
    if (code) return sendError(reply, code, err.message);
    // A client error the catalog has no code for (406, 408, …): its status, a generic code.
    return reply.code(status).send(errorBody("INVALID_REQUEST", err.message));
  });
}

/** A 400 in the API's error shape naming each field a request body or query failed on. */
export function invalid(reply: FastifyReply, error: z.ZodError): FastifyReply {
  const message = error.issues
    .map((i) => `${i.path.join(".") || "(body)"}: ${i.message}`)
    .join("; ");
  return sendError(reply, "INVALID_REQUEST", message);
}
