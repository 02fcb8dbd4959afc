/** What a process runs: `tracejudge start` both roles, `tracejudge api` or `tracejudge worker` one. */
export interface ServiceRoles {
  /** The OTLP receiver and the HTTP API. */
  api: boolean;
  /** The trace scanner and the BullMQ workers. */
  workers: boolean;
}
