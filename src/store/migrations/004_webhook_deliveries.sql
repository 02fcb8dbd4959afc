-- One row per (transition, webhook): the id is chosen by the caller from the alert episode and the
-- transition, so a transition recorded twice (two workers, a retried job) is delivered once.
-- `body` is the exact text that is signed and sent: retries and redeliveries send identical bytes.
-- `url` is the webhook's URL when the delivery was created; each attempt goes to the webhook's URL
-- in the config of the time (so fixing a URL and redelivering works) and records it. Secrets are
-- not stored here; they too are read from the config at each attempt.
CREATE TABLE webhook_deliveries (
  id               text        PRIMARY KEY,
  webhook          text        NOT NULL,
  url              text        NOT NULL,
  format           text        NOT NULL,
  event_type       text        NOT NULL,
  body             text        NOT NULL,
  status           text        NOT NULL DEFAULT 'pending'
                               CHECK (status IN ('pending', 'delivered', 'dead')),
  -- Every attempt ever made, across redeliveries (numbers the rows of webhook_attempts).
  attempts         integer     NOT NULL DEFAULT 0,
  -- How often it was sent again by hand; makes each redelivery's queue job id new.
  redeliveries     integer     NOT NULL DEFAULT 0,
  last_status_code integer,
  last_error       text,
  created_at       timestamptz NOT NULL DEFAULT now(),
  delivered_at     timestamptz,
  dead_at          timestamptz
);
CREATE INDEX webhook_deliveries_dead ON webhook_deliveries (dead_at DESC) WHERE status = 'dead';
CREATE INDEX webhook_deliveries_pending ON webhook_deliveries (created_at) WHERE status = 'pending';

-- Every HTTP attempt, for the receiver's owner to see what happened and when.
CREATE TABLE webhook_attempts (
  delivery_id text        NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
  attempt     integer     NOT NULL,
  started_at  timestamptz NOT NULL,
  url         text        NOT NULL,
  status_code integer,
  error       text,
  latency_ms  double precision NOT NULL,
  -- What the deliverer decided: delivered, retry (later), or dead (no more attempts).
  outcome     text        NOT NULL CHECK (outcome IN ('delivered', 'retry', 'dead')),
  PRIMARY KEY (delivery_id, attempt)
);
