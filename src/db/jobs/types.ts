/**
 * The job domain types the database boundary returns. They live here, below the engine, so that
 * src/db never imports upward; src/engine/types.ts re-exports them as part of the engine's
 * public contract.
 */

export type JobState = 'waiting' | 'ready' | 'running' | 'succeeded' | 'dead' | 'blocked' | 'discarded' | 'cancelled';

/** Why a job is in the DLQ. */
export type DeadReason = 'exhausted' | 'permanent' | 'lease_expired' | (string & {});

export interface JobError {
  message: string;
  name?: string;
  /** Handler-supplied machine-readable detail (e.g. a provider status). */
  details?: unknown;
}

/** One entry of a job's attempt history (kept on the row; shown in the DLQ). */
export interface AttemptRecord {
  attempt: number;
  at: string;
  outcome: 'retry' | 'dead' | 'lease_expired' | 'released';
  error: JobError | null;
  worker: string | null;
}

export interface Job<P = unknown> {
  id: number;
  queue: string;
  payload: P;
  priority: number;
  runAt: Date;
  state: JobState;
  attempt: number;
  maxAttempts: number;
  groupId: string | null;
  idempotencyKey: string | null;
  lastError: JobError | null;
  errors: AttemptRecord[];
  deadReason: string | null;
  result: unknown;
  createdAt: Date;
  updatedAt: Date;
  finishedAt: Date | null;
}

/** A job as a worker holds it: the lease token fences every later write. */
export interface ClaimedJob<P = unknown> extends Job<P> {
  leaseToken: string;
  leaseExpiresAt: Date;
}

export type ClaimResult<P = unknown> = { claimed: true; job: ClaimedJob<P> } | { claimed: false };

/** The results of a job's parents, available to its handler (DAG). */
export interface ParentResult {
  id: number;
  queue: string;
  result: unknown;
}

/** A claimed job together with its parents' results (read in the claim statement, for ctx.parents). */
export interface ClaimedRow {
  job: ClaimedJob;
  parents: ParentResult[];
}

export interface EngineEvent {
  id: number;
  jobId: number | null;
  groupId: string | null;
  type: string;
  data: Record<string, unknown>;
  createdAt: Date;
}
