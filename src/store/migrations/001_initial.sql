-- Sampled spans (redacted), kept so that a verdict can always be traced back to what was judged.
CREATE TABLE spans (
  trace_id        text        NOT NULL,
  span_id         text        NOT NULL,
  parent_span_id  text,
  name            text        NOT NULL,
  kind            text        NOT NULL,
  convention      text        NOT NULL,
  service_name    text,
  service_version text,
  model           text,
  provider        text,
  is_error        boolean     NOT NULL DEFAULT false,
  input_tokens    integer,
  output_tokens   integer,
  start_time      timestamptz,
  end_time        timestamptz,
  question        text,
  answer          text,
  context         jsonb       NOT NULL DEFAULT '[]',
  span            jsonb       NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (trace_id, span_id)
);
CREATE INDEX spans_created_at ON spans (created_at);

-- One verdict per (span, evaluator, evaluator version): retries and redeliveries never write twice.
CREATE TABLE eval_events (
  id                bigserial   PRIMARY KEY,
  trace_id          text        NOT NULL,
  span_id           text        NOT NULL,
  evaluator         text        NOT NULL,
  evaluator_version text        NOT NULL,
  status            text        NOT NULL CHECK (status IN ('ok', 'error', 'skipped')),
  reason            text,
  score             double precision CHECK (score IS NULL OR (score >= 0 AND score <= 1)),
  label             text,
  passed            boolean,
  explanation       text        NOT NULL DEFAULT '',
  details           jsonb,
  service_name      text,
  service_version   text,
  model             text,
  span_name         text,
  span_kind         text,
  judge_model       text,
  judge_input_tokens  integer,
  judge_output_tokens integer,
  judge_cost_usd    double precision,
  latency_ms        double precision,
  attempts          integer     NOT NULL DEFAULT 1,
  created_at        timestamptz NOT NULL DEFAULT now(),
  UNIQUE (trace_id, span_id, evaluator, evaluator_version)
);
CREATE INDEX eval_events_trace ON eval_events (trace_id);
CREATE INDEX eval_events_evaluator_created ON eval_events (evaluator, created_at);
CREATE INDEX eval_events_created ON eval_events (created_at);
