-- Alert rules defined through the API (rules in the config file are not stored here).
CREATE TABLE alert_rules (
  name        text        PRIMARY KEY,
  definition  jsonb       NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

-- The state of each rule per scope (one scope per rule, or one per group_by value).
CREATE TABLE alert_states (
  rule             text        NOT NULL,
  scope_key        text        NOT NULL,
  scope            jsonb       NOT NULL,
  state            text        NOT NULL CHECK (state IN ('ok', 'warning', 'firing', 'no_data')),
  since            timestamptz NOT NULL,
  episode_id       text,
  last_notified_type text,
  last_notified_at timestamptz,
  observed         double precision,
  samples          integer,
  updated_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (rule, scope_key)
);

-- An episode: from the first transition out of ok to the return to ok. Fires once, resolves once.
CREATE TABLE alert_episodes (
  id          text        PRIMARY KEY,
  rule        text        NOT NULL,
  scope_key   text        NOT NULL,
  scope       jsonb       NOT NULL,
  severity    text        NOT NULL,
  opened_at   timestamptz NOT NULL,
  closed_at   timestamptz
);
CREATE INDEX alert_episodes_rule ON alert_episodes (rule, opened_at DESC);

-- Every transition, with the notification it caused (if any).
CREATE TABLE alert_transitions (
  id           bigserial   PRIMARY KEY,
  rule         text        NOT NULL,
  scope_key    text        NOT NULL,
  from_state   text        NOT NULL,
  to_state     text        NOT NULL,
  episode_id   text,
  observed     double precision,
  samples      integer,
  notification text,
  at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX alert_transitions_rule ON alert_transitions (rule, at DESC);
