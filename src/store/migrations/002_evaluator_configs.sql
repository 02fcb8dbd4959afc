-- Judges defined through the API (POST /v1/evaluators). Every definition is kept: jobs queued for
-- an older version still find it, and the newest enabled one per name is what runs.
CREATE TABLE evaluator_configs (
  name        text        NOT NULL,
  version     text        NOT NULL,
  definition  jsonb       NOT NULL,
  enabled     boolean     NOT NULL DEFAULT true,
  created_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (name, version)
);
CREATE INDEX evaluator_configs_name_created ON evaluator_configs (name, created_at DESC);
