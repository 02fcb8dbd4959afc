import type { FastifyReply, FastifyRequest } from "fastify";
import { ProjectNameSchema } from "./auth-config.ts";
import { sendError } from "./error-shape.ts";

/** Why a request may not act in the project it names: answered as it is. */
export interface ScopeRefusal {
  code: "INVALID_REQUEST" | "FORBIDDEN";
  message: string;
}

/** Whether a request sees every project: an admin key, or an open API (no keys configured). */
export function seesAllProjects(request: FastifyRequest): boolean {
  return !request.caller || request.caller.admin;
}

/**
 * The project a request acts in. A project's key acts in its own, and naming another is a 403.
 * An admin key (or an open API) acts in the project it names (`?project=`, or a body's
 * `project`), or globally (null) when it names none.
 */
export function projectOf(
  request: FastifyRequest,
  named: unknown,
): { project: string | null } | ScopeRefusal {
  if (named !== undefined) {
    const parsed = ProjectNameSchema.safeParse(named);
    if (!parsed.success) {
      return {
        code: "INVALID_REQUEST",
        message: `project: ${parsed.error.issues[0]?.message ?? "invalid"}`,
      };
    }
  }
  const caller = request.caller;
  if (caller && !caller.admin) {
    if (named !== undefined && named !== caller.project) {
      return {
        code: "FORBIDDEN",
        message: `the key "${caller.key}" belongs to project "${caller.project}"`,
      };
    }
    return { project: caller.project };
  }
  return { project: (named as string | undefined) ?? null };
}

export function isRefusal(value: object): value is ScopeRefusal {
  return "code" in value;
}

export function refuse(reply: FastifyReply, refusal: ScopeRefusal): FastifyReply {
  return sendError(reply, refusal.code, refusal.message);
}

/** The `?project=` of a request, if any (a string; repeated parameters take the first). */
export function namedProject(request: FastifyRequest): string | undefined {
  const value = (request.query as { project?: unknown } | undefined)?.project;
  if (Array.isArray(value)) return typeof value[0] === "string" ? value[0] : undefined;
  return typeof value === "string" ? value : undefined;
}
