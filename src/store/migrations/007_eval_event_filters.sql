-- The API's service_name/service_version and model filters page by id. Without these indexes a
-- value that is rare or absent reads the table by id to the end (on 1M rows: 43-214 ms for a
-- service, 195 ms for a model); with them, 0.1-11 ms. A filter on a common value still walks the
-- primary key, which is faster there. The id column lets a service's or model's page come
-- straight from the index, in order.
CREATE INDEX eval_events_service ON eval_events (service_name, service_version, id);
CREATE INDEX eval_events_model ON eval_events (model, id);
