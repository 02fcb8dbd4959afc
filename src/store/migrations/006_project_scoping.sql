-- Projects own what their API keys create: evaluators, alert rules and webhooks. A NULL project is
-- global: what an admin key (or an open API) created without naming a project, as every row
-- before this migration was. Names are unique per project (global ones form a namespace of their
-- own), so the identities below include the project.
ALTER TABLE evaluator_configs ADD COLUMN project text;
-- `judge` (a prompt template) or `remote` (a URL that scores spans).
ALTER TABLE evaluator_configs ADD COLUMN kind text NOT NULL DEFAULT 'judge'
  CHECK (kind IN ('judge', 'remote'));
ALTER TABLE evaluator_configs DROP CONSTRAINT evaluator_configs_pkey;
CREATE UNIQUE INDEX evaluator_configs_identity
  ON evaluator_configs ((COALESCE(project, '')), name, version);

ALTER TABLE alert_rules ADD COLUMN project text;
ALTER TABLE alert_rules DROP CONSTRAINT alert_rules_pkey;
CREATE UNIQUE INDEX alert_rules_identity ON alert_rules ((COALESCE(project, '')), name);

-- The project of the rule a delivery notifies for (NULL: a global rule), so that a project's key
-- sees and redelivers its own deliveries only, and the webhook is looked up in that project.
ALTER TABLE webhook_deliveries ADD COLUMN project text;
CREATE INDEX webhook_deliveries_project_dead ON webhook_deliveries (project, dead_at DESC)
  WHERE status = 'dead';

-- Webhooks created through the API, always a project's (the config's webhooks are global). The
-- definition holds the secret, for signing; the API never answers it.
CREATE TABLE api_webhooks (
  project     text        NOT NULL,
  name        text        NOT NULL,
  definition  jsonb       NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (project, name)
);
