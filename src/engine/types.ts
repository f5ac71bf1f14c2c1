import type { Executor } from '../db/client.js';
import type { ClaimedJob, Job, ParentResult } from '../db/jobs/types.js';

export type {
  AttemptRecord,
  ClaimedJob,
  ClaimResult,
  DeadReason,
  EngineEvent,
  Job,
  JobError,
  JobState,
  ParentResult,
} from '../db/jobs/types.js';

/**
 * The engine's public contract. Everything above the engine (quiz pipeline, HTTP, CLI) codes
 * against these types only; nothing here exposes a driver or ORM result.
 */

/** Every fenced write reports whether it applied; a lost lease is `applied: false`, never an exception. */
export type FencedResult = { applied: true } | { applied: false; reason: 'lease_lost' };

export interface EnqueueSpec<P = unknown> {
  queue: string;
  payload: P;
  /** Lower runs first. Default 0. */
  priority?: number;
  runAt?: Date;
  maxAttempts?: number;
  /** Unique per queue: the same key returns the existing job instead of a duplicate. */
  idempotencyKey?: string;
  /** Groups jobs for events and listing (the quiz layer uses its batch id). */
  groupId?: string;
}

export type EnqueueResult<P = unknown> = { created: true; job: Job<P> } | { created: false; job: Job<P> };

/** A node of a graph enqueued atomically; `dependsOn` names other nodes' `ref`s or existing job ids. */
export interface GraphNode<P = unknown> extends EnqueueSpec<P> {
  ref: string;
  dependsOn?: Array<string | { jobId: number }>;
}

export interface GraphResult {
  jobs: Record<string, Job>;
}

export interface HandlerContext {
  /** Aborted when the lease is lost or the worker is shutting down past its grace period. */
  signal: AbortSignal;
  parents: ParentResult[];
  workerId: string;
  /** Scoped structured logger. */
  log: EngineLogger;
}

/**
 * What a handler returns on success. `effects` runs inside the transaction that marks the job
 * succeeded, fenced by the lease token: the effects commit at most once per job.
 */
export interface HandlerSuccess {
  result?: unknown;
  effects?: (tx: Executor, job: ClaimedJob) => Promise<void>;
  /**
   * Writes the handler started and left in flight (a model call's outcome record). The job's
   * place frees at once; the job completes only once they have landed, and fails its attempt if
   * one rejects. Awaited before the completion takes a connection, never inside its transaction.
   */
  pending?: Promise<unknown>;
}

export type Handler<P = unknown> = (job: ClaimedJob<P>, ctx: HandlerContext) => Promise<HandlerSuccess | void>;

/**
 * A task (one queue's handler and policies). Members are declared as methods so that a
 * `TaskDefinition<MyPayload>` can sit in a `Record<string, TaskDefinition>` without `any`.
 */
export interface TaskDefinition<P = unknown> {
  handler(job: ClaimedJob<P>, ctx: HandlerContext): Promise<HandlerSuccess | void>;
  /** Backoff base/cap for this task; defaults from QUIZFORGE_RETRY_BASE_MS / QUIZFORGE_RETRY_MAX_MS. */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** Runs inside the transaction that dead-letters a job of this task (e.g. to emit a domain event). */
  onDead?(tx: Executor, job: Job<P>): Promise<void>;
  /** Runs inside the transaction that marks a job of this task succeeded, after `effects`. */
  onSucceeded?(tx: Executor, job: Job<P>): Promise<void>;
}

/** A fenced write that, when it applied, also returns the job as it now is. */
export type FencedJobResult = { applied: true; job: Job } | { applied: false; reason: 'lease_lost' };

export interface EngineLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  child(bindings: object): EngineLogger;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}
