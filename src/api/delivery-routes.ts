import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Delivery } from "../webhooks/delivery-store.ts";
import { withoutSecrets } from "../webhooks/payload.ts";
import type { WebhookDeliverer } from "../webhooks/webhook-deliverer.ts";
import { sendError } from "./error-shape.ts";
import { isRefusal, namedProject, projectOf, refuse, seesAllProjects } from "./project-scope.ts";
import type { DeliveryDetail, DeliveryList, Redelivery } from "./response-schemas.ts";

export interface DeliveryRoutesDeps {
  deliverer: WebhookDeliverer;
}

/**
 * `GET /v1/deliveries?status=dead`, `GET /v1/deliveries/{id}`, `POST .../redeliver`: a project's
 * key sees and redelivers the deliveries of its project's rules only (another project's answer
 * 404, as if they did not exist); admins see all, or one project's with `?project=`.
 */
export async function deliveryRoutes(
  app: FastifyInstance,
  deps: DeliveryRoutesDeps,
): Promise<void> {
  const notFound = (reply: FastifyReply) => sendError(reply, "NOT_FOUND", "no such delivery");
  const visible = (request: FastifyRequest, delivery: Pick<Delivery, "project"> | null) =>
    delivery !== null && (seesAllProjects(request) || delivery.project === request.caller?.project);

  app.get("/v1/deliveries", async (request, reply) => {
    const { status } = request.query as { status?: string };
    if (status !== "dead") {
      return sendError(
        reply,
        "INVALID_REQUEST",
        "status: only status=dead is listed; GET /v1/deliveries/{id} for one",
      );
    }
    const named = namedProject(request);
    const scope =
      seesAllProjects(request) && named === undefined ? null : projectOf(request, named);
    if (scope && isRefusal(scope)) return refuse(reply, scope);
    const dead = await deps.deliverer.store.listDead(100, scope?.project ?? undefined);
    const body: DeliveryList = { deliveries: dead.map(withoutSecrets) };
    return reply.send(body);
  });

  app.get("/v1/deliveries/:id", async (request, reply) => {
    const delivery = await deps.deliverer.store.get((request.params as { id: string }).id);
    if (!delivery || !visible(request, delivery)) return notFound(reply);
    const body: DeliveryDetail = withoutSecrets(delivery);
    return reply.send(body);
  });

  app.post("/v1/deliveries/:id/redeliver", async (request, reply) => {
    const { id } = request.params as { id: string };
    if (!visible(request, await deps.deliverer.store.find(id))) return notFound(reply);
    const result = await deps.deliverer.redeliver(id);
    if (result === "not_found") return notFound(reply);
    if (result === "pending")
      return sendError(reply, "PENDING", "the delivery is still being attempted");
    const body: Redelivery = { status: "enqueued" };
    return reply.code(202).send(body);
  });
}
