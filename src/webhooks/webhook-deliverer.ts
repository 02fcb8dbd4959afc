import { type ConnectionOptions, type Job, type Queue, UnrecoverableError, Worker } from "bullmq";
import type pg from "pg";
import type { Logger } from "pino";
import type { Counter } from "prom-client";
import { errorMessage, TracejudgeError } from "../errors.ts";
import { backoffMs } from "../judge/retry-policy.ts";
import { webhookJobOptions } from "../queues/job-options.ts";
import type { WebhookJob } from "../queues/payloads.ts";
import { QUEUES } from "../queues/queue-definitions.ts";
import { logWorkerEvents, readJob } from "../queues/read-job.ts";
import type { FetchLike } from "../security/guarded-fetch.ts";
import {
  type Delivery,
  DeliveryIdSchema,
  type DeliveryStatus,
  DeliveryStore,
  type NewDelivery,
  type Queryable,
} from "./delivery-store.ts";
import { type AlertNotification, AlertNotificationSchema, formatBody } from "./payload.ts";
import { sendAttempt } from "./send-attempt.ts";
import {
  DEFAULT_WEBHOOKS_CONFIG,
  type WebhookConfig,
  type WebhooksConfig,
  webhookUrlProblem,
} from "./webhook-config.ts";
import type { WebhookStore } from "./webhook-store.ts";

/** A failed attempt that will be tried again; carries the receiver's `Retry-After`. */
export class WebhookRetryError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs: number | undefined,
  ) {
    super(message);
    this.name = "WebhookRetryError";
  }
}

export interface WebhookDelivererDeps {
  pool: pg.Pool;
  /** The webhooks queue (`createWebhooksQueue`); its owner closes it, after the deliverer. */
  queue: Queue<WebhookJob>;
  /** Redis for the webhooks worker: options (its connections are then owned and closed here) or an ioredis client. */
  connection: ConnectionOptions;
  /** The Redis key prefix, a hash tag such as `{tracejudge}`. */
  prefix: string;
  logger: Logger;
  /** The configured webhooks; deliveries name one, or one of their rule's project. */
  webhooks: readonly WebhookConfig[];
  /** Webhooks created through the API, looked up in the delivery's project. None: config only. */
  apiWebhooks?: WebhookStore;
  /**
   * How API webhooks are sent: a fetch that refuses private addresses at connection time
   * (`createGuardedFetch`). Absent: plain fetch, as for the config's own webhooks, which are
   * trusted as written.
   */
  apiFetch?: FetchLike;
  /** Back-off, allow-list and concurrency (defaults: `WebhooksConfigSchema`'s). */
  settings?: Partial<WebhooksConfig>;
  /** Whether this process delivers (default true); API-only replicas just enqueue. */
  worker?: boolean;
  /** Incremented once per dead-lettered delivery, labelled by webhook. */
  deadLettered?: Counter<"webhook">;
  /** Called once per dead-lettered delivery; its failure is logged, never thrown. */
  onDead?: (delivery: Delivery) => void;
}

/** One notification to one webhook. */
export interface DeliveryRequest {
  /** Deterministic, e.g. `deliveryIdFor(episodeId, transition, webhook)`. */
  id: string;
  /** A configured webhook's name, or one of `project`'s. */
  webhook: string;
  /** The project of the rule notifying; null or absent for a global rule (config webhooks only). */
  project?: string | null;
  notification: AlertNotification;
}

/** A webhook found for a delivery, and whether it came from the config (trusted as written). */
interface ResolvedWebhook {
  webhook: WebhookConfig;
  trusted: boolean;
}

/**
 * Sends alert notifications to webhooks through a BullMQ queue, with every attempt logged in
 * Postgres. At least once: a worker that dies after the receiver answered but before recording it
 * sends again, with the same `X-Tracejudge-Delivery` for the receiver to drop the duplicate.
 * `close()` is idempotent and leaves the pool and the queue to their owner.
 */
export class WebhookDeliverer {
  readonly store: DeliveryStore;
  private readonly queue: Queue<WebhookJob>;
  private readonly worker: Worker | null;
  private readonly webhooks: Map<string, WebhookConfig>;
  private readonly settings: WebhooksConfig;
  private closing: Promise<void> | undefined;

  constructor(private readonly deps: WebhookDelivererDeps) {
    this.store = new DeliveryStore(deps.pool);
    this.webhooks = new Map(deps.webhooks.map((w) => [w.name, w]));
    this.settings = { ...DEFAULT_WEBHOOKS_CONFIG, ...deps.settings };
    this.queue = deps.queue;
    this.worker =
      deps.worker === false
        ? null
        : new Worker(
            QUEUES.webhooks.name,
            (job: Job) => this.process(job),
            QUEUES.webhooks.workerOptions(
              { connection: deps.connection, prefix: deps.prefix },
              this.settings,
              (made, err) => this.retryDelay(made, err),
            ),
          );
    // Its own attempts are logged by `process`; only invalid jobs and connection errors here.
    if (this.worker) logWorkerEvents(this.worker, deps.logger, { failures: false });
  }

  async waitUntilReady(): Promise<void> {
    await Promise.all([this.queue.waitUntilReady(), this.worker?.waitUntilReady()]);
  }

  /**
   * A webhook by name: the config's (global, and reserved in every project), else the project's
   * own. Null when neither has it.
   */
  async resolve(name: string, project: string | null): Promise<ResolvedWebhook | null> {
    const configured = this.webhooks.get(name);
    if (configured) return { webhook: configured, trusted: true };
    if (!project || !this.deps.apiWebhooks) return null;
    const own = await this.deps.apiWebhooks.get(project, name);
    return own ? { webhook: own, trusted: false } : null;
  }

  /**
   * The delivery row for a notification, its body formatted for the webhook. Throws
   * `CONFIG_INVALID` for a webhook that is not configured, and a ZodError for a bad notification.
   */
  async prepare(req: DeliveryRequest): Promise<NewDelivery> {
    const project = req.project ?? null;
    const webhook = (await this.resolve(req.webhook, project))?.webhook;
    if (!webhook)
      throw new TracejudgeError("CONFIG_INVALID", `webhook "${req.webhook}" is not configured`);
    const notification = AlertNotificationSchema.parse(req.notification);
    return {
      id: DeliveryIdSchema.parse(req.id),
      project,
      webhook: webhook.name,
      url: webhook.url,
      format: webhook.format,
      eventType: notification.type,
      body: formatBody(webhook, notification),
    };
  }

  /**
   * Records the delivery inside the caller's transaction (pass its client) without queueing it:
   * call `dispatch(id)` after the commit. `recoverPending()` covers a crash in between.
   */
  async record(req: DeliveryRequest, db?: Queryable): Promise<boolean> {
    return this.store.createDelivery(await this.prepare(req), db);
  }

  /**
   * Records and queues a delivery. Idempotent: the same id again sends nothing new (the row is
   * kept, the job id is the delivery id); a pending one is queued again only if its job is gone.
   */
  async enqueue(req: DeliveryRequest): Promise<{ created: boolean; status: DeliveryStatus }> {
    const created = await this.store.createDelivery(await this.prepare(req));
    const status = await this.dispatch(req.id);
    return { created, status: status ?? "pending" };
  }

  /** Queues a recorded delivery if it is pending; returns its status (null: no such delivery). */
  async dispatch(id: string): Promise<DeliveryStatus | null> {
    const delivery = await this.store.find(id);
    if (delivery?.status !== "pending") return delivery?.status ?? null;
    await this.queue.add(
      QUEUES.webhooks.name,
      { delivery_id: id },
      await this.jobOptions(delivery),
    );
    return "pending";
  }

  /**
   * Sends a delivered or dead delivery again, same body and delivery id, with a fresh round of
   * attempts. `pending`: it is still being tried; nothing was done.
   */
  async redeliver(id: string): Promise<"enqueued" | "pending" | "not_found"> {
    const n = await this.store.resetForRedelivery(id);
    if (n === null) return (await this.store.find(id)) ? "pending" : "not_found";
    await this.dispatch(id);
    return "enqueued";
  }

  /**
   * Queues again the deliveries pending for longer than `olderThanMs` (default 60000) whose job is
   * missing or failed (a crash between the commit and `dispatch`, or Postgres down at the end).
   * Safe on every replica at start: jobs present are left alone. Returns how many were queued.
   */
  async recoverPending(olderThanMs = 60_000): Promise<number> {
    const pending = await this.store.listPending(new Date(Date.now() - olderThanMs));
    let queued = 0;
    for (const delivery of pending) {
      const opts = await this.jobOptions(delivery);
      const job = await this.queue.getJob(opts.jobId);
      if (job && (await job.getState()) === "failed") {
        await job.retry("failed");
        queued += 1;
      } else if (!job) {
        await this.queue.add(QUEUES.webhooks.name, { delivery_id: delivery.id }, opts);
        queued += 1;
      }
    }
    return queued;
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      // It finishes its in-flight attempts (bounded by their timeouts); the queue is its owner's.
      await this.worker?.close();
    })();
    return this.closing;
  }

  private async jobOptions(
    delivery: Pick<Delivery, "id" | "project" | "webhook" | "redeliveries">,
  ) {
    const resolved = await this.resolve(delivery.webhook, delivery.project);
    return webhookJobOptions(
      // One job per delivery, and a new one per redelivery (the old one may linger as failed).
      delivery.redeliveries === 0 ? delivery.id : `${delivery.id}.r${delivery.redeliveries}`,
      resolved?.webhook.max_attempts ?? 1,
    );
  }

  /** BullMQ's custom back-off: exponential with jitter, but never sooner than `Retry-After`. */
  private retryDelay(attemptsMade: number, err: Error | undefined): number {
    const { backoff_ms, max_backoff_ms, max_retry_after_ms } = this.settings;
    const backoff = backoffMs(attemptsMade - 1, { baseMs: backoff_ms, maxMs: max_backoff_ms });
    const asked = err instanceof WebhookRetryError ? err.retryAfterMs : undefined;
    return Math.round(
      asked === undefined ? backoff : Math.max(backoff, Math.min(asked, max_retry_after_ms)),
    );
  }

  /** One attempt of one delivery: send (see `sendAttempt`), log it, then decide what is next. */
  private async process(job: Job): Promise<string> {
    const { delivery_id } = readJob(QUEUES.webhooks, job);
    const delivery = await this.store.find(delivery_id);
    if (!delivery) throw new UnrecoverableError(`no webhook delivery ${delivery_id}`);
    // Delivered or dead already: a duplicate job (an enqueue racing a completion) sends nothing.
    if (delivery.status !== "pending") return "skipped";
    const last = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    const resolved = await this.resolve(delivery.webhook, delivery.project);
    const webhook = resolved?.webhook;
    const url = webhook?.url ?? delivery.url;
    // The allow-list is checked again at send time: it may have been narrowed since.
    const refusal = webhook
      ? webhookUrlProblem(url, this.settings.allow_hosts)
      : `webhook "${delivery.webhook}" is no longer configured`;
    const result = refusal
      ? {
          startedAt: new Date(),
          latencyMs: 0,
          statusCode: null,
          error: refusal,
          verdict: { kind: "final" } as const,
        }
      : await sendAttempt({
          deliveryId: delivery.id,
          url,
          body: delivery.body,
          secret: webhook?.secret,
          headers: webhook?.headers,
          timeoutMs: webhook?.timeout_ms ?? 10_000,
          // A webhook set through the API is checked again at every connection (SSRF).
          ...(resolved?.trusted === false && this.deps.apiFetch
            ? { fetch: this.deps.apiFetch }
            : {}),
        });
    const { verdict } = result;
    const outcome =
      verdict.kind === "delivered"
        ? "delivered"
        : verdict.kind === "retry" && !last
          ? "retry"
          : "dead";
    const attempt = await this.store.recordAttempt(delivery.id, { ...result, url, outcome });
    const log = {
      delivery: delivery.id,
      webhook: delivery.webhook,
      attempt,
      status: result.statusCode,
      latency_ms: Math.round(result.latencyMs),
      outcome,
      ...(result.error ? { err: result.error } : {}),
    };
    if (outcome === "delivered") {
      this.deps.logger.info(log, "webhook delivered");
      await this.store.markDelivered(delivery.id);
      return "delivered";
    }
    if (outcome === "retry") {
      this.deps.logger.info(log, "webhook attempt failed, will retry");
      throw new WebhookRetryError(
        result.error ?? "failed",
        verdict.kind === "retry" ? verdict.retryAfterMs : undefined,
      );
    }
    this.deps.logger.warn(log, "webhook delivery dead-lettered");
    if (await this.store.markDead(delivery.id))
      this.countDead((await this.store.find(delivery.id)) ?? delivery);
    throw new UnrecoverableError(result.error ?? "failed");
  }

  private countDead(delivery: Delivery): void {
    this.deps.deadLettered?.inc({ webhook: delivery.webhook });
    try {
      this.deps.onDead?.(delivery);
    } catch (err) {
      this.deps.logger.warn({ err: errorMessage(err), delivery: delivery.id }, "onDead failed");
    }
  }
}
