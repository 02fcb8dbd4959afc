import { createHash } from "node:crypto";
import type pg from "pg";
import { z } from "zod";

/**
 * A delivery id: shown to receivers in `X-Tracejudge-Delivery`, used in URLs and as the queue job
 * id, so only letters, digits, `.`, `_` and `-`, starting with a letter (BullMQ refuses `:` and
 * all-digit ids).
 */
export const DeliveryIdSchema = z
  .string()
  .regex(
    /^[A-Za-z][A-Za-z0-9._-]{0,127}$/,
    "must be letters, digits, . _ -, starting with a letter",
  );

/**
 * A deterministic delivery id from what identifies one notification to one webhook, e.g.
 * `deliveryIdFor(episodeId, "firing", webhookName)`: the same parts always give the same id.
 */
export function deliveryIdFor(...parts: (string | number)[]): string {
  const hash = createHash("sha256").update(parts.map(String).join("\u0000")).digest("hex");
  return `dlv_${hash.slice(0, 32)}`;
}

export type DeliveryStatus = "pending" | "delivered" | "dead";
export type AttemptOutcome = "delivered" | "retry" | "dead";

/** A delivery as it is created: the body is already formatted for the webhook. */
export interface NewDelivery {
  id: string;
  /** The project of the rule it notifies for; null for a global rule. */
  project: string | null;
  webhook: string;
  url: string;
  format: string;
  /** The notification type, e.g. `alert.firing`. */
  eventType: string;
  /** The exact bytes to sign and send. */
  body: string;
}

/** A delivery as the API answers it. */
export interface Delivery {
  id: string;
  project: string | null;
  webhook: string;
  url: string;
  format: string;
  event_type: string;
  body: string;
  status: DeliveryStatus;
  attempts: number;
  redeliveries: number;
  last_status_code: number | null;
  last_error: string | null;
  created_at: string;
  delivered_at: string | null;
  dead_at: string | null;
}

export interface DeliveryAttempt {
  attempt: number;
  started_at: string;
  url: string;
  status_code: number | null;
  error: string | null;
  latency_ms: number;
  outcome: AttemptOutcome;
}

export interface NewAttempt {
  startedAt: Date;
  url: string;
  statusCode: number | null;
  error: string | null;
  latencyMs: number;
  outcome: AttemptOutcome;
}

/** Anything that runs a query: the pool, or a client inside the caller's transaction. */
export type Queryable = Pick<pg.Pool, "query"> | Pick<pg.PoolClient, "query">;

const DELIVERY_COLUMNS = `id, project, webhook, url, format, event_type, body, status, attempts, redeliveries,
  last_status_code, last_error, created_at, delivered_at, dead_at`;

type DeliveryRow = Omit<Delivery, "created_at" | "delivered_at" | "dead_at"> & {
  created_at: Date;
  delivered_at: Date | null;
  dead_at: Date | null;
};

function toDelivery(row: DeliveryRow): Delivery {
  return {
    ...row,
    created_at: row.created_at.toISOString(),
    delivered_at: row.delivered_at?.toISOString() ?? null,
    dead_at: row.dead_at?.toISOString() ?? null,
  };
}

/** Webhook deliveries and their attempts in PostgreSQL: the source of truth the queue follows. */
export class DeliveryStore {
  constructor(private readonly pool: pg.Pool) {}

  /**
   * Records a delivery unless one with its id exists. Returns whether it is new, so the caller
   * can run this inside the transaction that records the alert transition (pass its client).
   */
  async createDelivery(d: NewDelivery, db: Queryable = this.pool): Promise<boolean> {
    DeliveryIdSchema.parse(d.id);
    const result = await db.query(
      `INSERT INTO webhook_deliveries (id, project, webhook, url, format, event_type, body)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING`,
      [d.id, d.project, d.webhook, d.url, d.format, d.eventType, d.body],
    );
    return (result.rowCount ?? 0) > 0;
  }

  /** The delivery without its attempts, or null. */
  async find(id: string): Promise<Delivery | null> {
    const { rows } = await this.pool.query<DeliveryRow>(
      `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries WHERE id = $1`,
      [id],
    );
    return rows[0] ? toDelivery(rows[0]) : null;
  }

  /** The delivery with every attempt, oldest first, or null. */
  async get(id: string): Promise<(Delivery & { attempt_log: DeliveryAttempt[] }) | null> {
    const delivery = await this.find(id);
    if (!delivery) return null;
    const { rows } = await this.pool.query<
      Omit<DeliveryAttempt, "started_at"> & { started_at: Date }
    >(
      `SELECT attempt, started_at, url, status_code, error, latency_ms, outcome
       FROM webhook_attempts WHERE delivery_id = $1 ORDER BY attempt`,
      [id],
    );
    const attempt_log = rows.map((r) => ({ ...r, started_at: r.started_at.toISOString() }));
    return { ...delivery, attempt_log };
  }

  /**
   * Logs one attempt and updates the delivery's counters in one statement; returns the attempt's
   * number (1 for the first ever, counting on across redeliveries).
   */
  async recordAttempt(id: string, a: NewAttempt): Promise<number> {
    const { rows } = await this.pool.query<{ attempt: number }>(
      `WITH d AS (
         UPDATE webhook_deliveries
         SET attempts = attempts + 1, last_status_code = $2, last_error = $3
         WHERE id = $1 RETURNING attempts)
       INSERT INTO webhook_attempts
         (delivery_id, attempt, started_at, url, status_code, error, latency_ms, outcome)
       SELECT $1, d.attempts, $4, $7, $2, $3, $5, $6 FROM d
       RETURNING attempt`,
      [id, a.statusCode, a.error, a.startedAt, a.latencyMs, a.outcome, a.url],
    );
    if (!rows[0]) throw new Error(`webhook delivery ${id} does not exist`);
    return rows[0].attempt;
  }

  /** Pending → delivered; false when it was not pending. */
  async markDelivered(id: string): Promise<boolean> {
    const result = await this.pool.query(
      `UPDATE webhook_deliveries SET status = 'delivered', delivered_at = now()
       WHERE id = $1 AND status = 'pending'`,
      [id],
    );
    return (result.rowCount ?? 0) > 0;
  }

  /** Pending → dead; false when it was not pending, so a delivery is counted dead once. */
  async markDead(id: string): Promise<boolean> {
    const result = await this.pool.query(
      `UPDATE webhook_deliveries SET status = 'dead', dead_at = now()
       WHERE id = $1 AND status = 'pending'`,
      [id],
    );
    return (result.rowCount ?? 0) > 0;
  }

  /**
   * Dead-lettered deliveries, most recent first (default 100, at most 1000); with `project`, only
   * those of that project's rules.
   */
  async listDead(limit = 100, project?: string): Promise<Delivery[]> {
    const { rows } = await this.pool.query<DeliveryRow>(
      `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries
       WHERE status = 'dead' ${project ? "AND project = $2" : ""}
       ORDER BY dead_at DESC, id LIMIT $1`,
      [Math.min(Math.max(limit, 1), 1000), ...(project ? [project] : [])],
    );
    return rows.map(toDelivery);
  }

  /** Pending deliveries created before `before`, oldest first: the ones a crash may have orphaned. */
  async listPending(before: Date, limit = 1000): Promise<Delivery[]> {
    const { rows } = await this.pool.query<DeliveryRow>(
      `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries
       WHERE status = 'pending' AND created_at < $1 ORDER BY created_at, id LIMIT $2`,
      [before, limit],
    );
    return rows.map(toDelivery);
  }

  /**
   * A delivered or dead delivery back to pending, for sending again. Returns the new redelivery
   * count, or null when there is no such delivery or it is still pending (in flight).
   */
  async resetForRedelivery(id: string): Promise<number | null> {
    const { rows } = await this.pool.query<{ redeliveries: number }>(
      `UPDATE webhook_deliveries
       SET status = 'pending', delivered_at = NULL, dead_at = NULL, redeliveries = redeliveries + 1
       WHERE id = $1 AND status <> 'pending' RETURNING redeliveries`,
      [id],
    );
    return rows[0]?.redeliveries ?? null;
  }
}
