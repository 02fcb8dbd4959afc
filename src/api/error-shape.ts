import type { FastifyError, FastifyInstance, FastifyReply } from "fastify";
import { z } from "zod";
import type { EvaluatorLogger } from "../evaluators/contract.ts";

/** The JSON API's error body, whatever failed: `{"error": "<snake_case code>", "message": "…"}`. */
export const ApiErrorSchema = z
  .object({
    /** A stable snake_case code, such as `invalid_request` or `not_found`. */
    error: z.string(),
    /** What is wrong, naming the parameter or field at fault. */
    message: z.string(),
  })
  .strict();
export type ApiError = z.infer<typeof ApiErrorSchema>;

// Fastify's own failures, by status, in the API's vocabulary.
const CODE_BY_STATUS: Record<number, string> = {
  400: "invalid_request",
  404: "not_found",
  405: "method_not_allowed",
  413: "payload_too_large",
  415: "unsupported_media_type",
};

/**
 * Answers what no route answers, and what Fastify itself rejects (a body that is not JSON, one
 * too large, an unknown content type), in the API's error shape instead of Fastify's default
 * (`{"statusCode", "error", "message"}`). A 5xx is logged and answered without its details. The
 * OTLP routes keep their own handler (OTLP Status bodies): they are registered in a plugin of
 * their own, which Fastify's error handlers do not leave.
 */
export function installErrorShape(app: FastifyInstance, logger: EvaluatorLogger): void {
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split("?")[0];
    const body: ApiError = { error: "not_found", message: `no route ${request.method} ${path}` };
    return reply.code(404).send(body);
  });
  app.setErrorHandler((err: FastifyError, request, reply) => {
    const status = err.statusCode && err.statusCode >= 400 ? err.statusCode : 500;
    if (status >= 500) {
      logger.error({ err: err.message, route: request.url.split("?")[0] }, "request failed");
      const body: ApiError = { error: "internal", message: "internal error; see the service log" };
      return reply.code(status).send(body);
    }
    const body: ApiError = {
      error: CODE_BY_STATUS[status] ?? "invalid_request",
      message: err.message,
    };
    return reply.code(status).send(body);
  });
}

/** A 400 in the API's error shape naming each field a request body or query failed on. */
export function invalid(reply: FastifyReply, error: z.ZodError): FastifyReply {
  const message = error.issues
    .map((i) => `${i.path.join(".") || "(body)"}: ${i.message}`)
    .join("; ");
  return reply.code(400).send({ error: "invalid_request", message });
}
