import type { WorkerEventMap, WorkerEventName } from './worker-events.js';
import type { TaskDefinition } from './types.js';

export interface WorkerOptions {
  /** Queue name → task. The worker claims only these queues. */
  tasks: Record<string, TaskDefinition>;
  /** Handlers running at once (a job whose handler returned or threw no longer counts while its outcome is written). Default 1. */
  concurrency?: number;
  workerId?: string;
  leaseMs?: number;
  heartbeatMs?: number;
  pollMs?: number;
  reaperIntervalMs?: number;
  /** Run the expired-lease reaper in this worker (default true). */
  runReaper?: boolean;
  /**
   * Periodic upkeep run from the reaper loop at most once a minute (after event pruning), e.g. the
   * retention purge; its errors are logged, never thrown. Needs `runReaper`.
   */
  housekeeping?: () => Promise<unknown>;
  /** Claimed-but-not-started jobs held beyond `concurrency` (see EngineConfig.prefetch). */
  prefetch?: number;
  claimBatch?: number;
  /** Most job ids the worker's ready cache keeps (ready plus delayed); default 10 000. */
  readyCacheMax?: number;
}

export interface Worker {
  readonly id: string;
  /** Resolves once the worker listens and has made its first claim attempt. */
  start(): Promise<void>;
  /** Stop claiming, let running handlers finish within `graceMs`, release the rest, resolve. */
  stop(opts?: { graceMs?: number }): Promise<void>;
  on<K extends WorkerEventName>(event: K, fn: (payload: WorkerEventMap[K]) => void): () => void;
  /** Jobs claimed and not yet finished (running or waiting for a slot). */
  readonly held: number;
  /** Job ids in the worker's ready cache (ready plus delayed): a hint, bounded by `readyCacheMax`. */
  readonly cachedJobs: number;
}

/** Shutdown reason given to handlers' abort signals. */
export class WorkerStoppingError extends Error {
  override readonly name = 'WorkerStoppingError';
}

/** Abort reason when a heartbeat finds the lease gone (another worker owns the job now). */
export class LeaseLostError extends Error {
  override readonly name = 'LeaseLostError';
}

/** Abort reason when the job was cancelled (its group was, e.g. a batch): no further work on it. */
export class JobCancelledError extends Error {
  override readonly name = 'JobCancelledError';
}
