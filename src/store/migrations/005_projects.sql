-- Projects: API keys belong to one, and what their spans produced is visible to it alone.
ALTER TABLE spans ADD COLUMN project text NOT NULL DEFAULT 'default';
ALTER TABLE eval_events ADD COLUMN project text NOT NULL DEFAULT 'default';
CREATE INDEX eval_events_project ON eval_events (project, id);
