/**
 * The engine's queues, in the order a span goes through them. Each name lives under the
 * deployment's Redis prefix; a job's payload is in `payloads.ts`, its options in
 * `queue-definitions.ts`.
 */
/** Queue of "this acknowledged export request waits to be read" jobs. */
export const INGEST_QUEUE = "ingest";
/** Queue of "this trace is quiet, assemble it" jobs. */
export const TRACES_QUEUE = "traces";
/** Queue of one job per span, naming every evaluator version due for it. */
export const EVALUATIONS_QUEUE = "evaluations";
/** Queue of "judge this alert rule now" jobs, and of the clock's ticks. */
export const ALERTS_QUEUE = "alerts";
/** Queue of one job per webhook delivery (and per redelivery). */
export const WEBHOOKS_QUEUE = "webhooks";
