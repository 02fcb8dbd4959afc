import { bufferKeys } from "../buffer/trace-buffer.ts";
import { errorMessage } from "../errors.ts";
import {
  addCounters,
  emptyCounters,
  type PipelineCounters,
  type ProcessSnapshot,
  ProcessSnapshotSchema,
  processKeys,
} from "../metrics/process-snapshot.ts";
import type { RedisConnection } from "../redis/connect-redis.ts";
import { withTimeout } from "../redis/with-timeout.ts";

/** Redis that does not answer in this long (down) leaves the deployment's figures out. */
const DEPLOYMENT_TIMEOUT_MS = 2000;

export interface DeploymentSource {
  redis: RedisConnection;
  prefix: string;
  /** The process serving the console (its `CountersPublisher`): its own figures are read live. */
  self?: { readonly id: string; snapshot(): Promise<ProcessSnapshot> };
  /** Default 2 s. */
  timeoutMs?: number;
}

export interface ProcessView {
  id: string;
  role: string;
  host: string;
  pid: number;
  started_at: string;
  last_seen: string;
  /** The process answering this request. */
  self: boolean;
}

export type DeploymentView =
  | (PipelineCounters & {
      /** Traces buffered in Redis, not yet assembled: one figure for the whole deployment. */
      pending_traces: number;
      /** The live processes whose counters are summed above. */
      processes: ProcessView[];
      error: null;
    })
  | { error: string; processes: [] };

function parseSnapshot(json: string | null): ProcessSnapshot | null {
  if (json === null) return null;
  try {
    const parsed = ProcessSnapshotSchema.safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

async function readSnapshots(source: DeploymentSource) {
  const keys = processKeys(source.prefix);
  const [ids, pending] = await Promise.all([
    source.redis.zrange(keys.index, "0", "-1"),
    source.redis.zcard(bufferKeys(source.prefix).pending),
  ]);
  const values = ids.length > 0 ? await source.redis.mget(...ids.map(keys.snapshot)) : [];
  // A snapshot that expired is a process that stopped publishing: forget it.
  const gone = ids.filter((_, i) => values[i] === null);
  if (gone.length > 0) source.redis.zrem(keys.index, ...gone).catch(() => {});
  const snapshots = values.map(parseSnapshot).filter((s): s is ProcessSnapshot => s !== null);
  return { snapshots, pending };
}

/**
 * The pipeline counters of every live process of the deployment, summed, and the processes
 * themselves, from the snapshots each publishes to Redis. A process's counters start at zero when
 * it starts; a stopped process drops out once its snapshot expires. Never throws: when Redis does
 * not answer in time, the view carries the error instead.
 */
export async function deploymentCounters(source: DeploymentSource): Promise<DeploymentView> {
  try {
    const [{ snapshots, pending }, self] = await withTimeout(
      Promise.all([readSnapshots(source), source.self?.snapshot()]),
      source.timeoutMs ?? DEPLOYMENT_TIMEOUT_MS,
    );
    // This process's own figures are read live rather than as last published.
    const live = self ? [...snapshots.filter((s) => s.id !== self.id), self] : snapshots;
    live.sort((a, b) => a.role.localeCompare(b.role) || a.started_at.localeCompare(b.started_at));
    return {
      ...live.reduce((sum, s) => addCounters(sum, s.counters), emptyCounters()),
      pending_traces: pending,
      processes: live.map((s) => ({
        id: s.id,
        role: s.role,
        host: s.host,
        pid: s.pid,
        started_at: s.started_at,
        last_seen: s.published_at,
        self: s.id === self?.id,
      })),
      error: null,
    };
  } catch (err) {
    return { error: errorMessage(err), processes: [] };
  }
}
