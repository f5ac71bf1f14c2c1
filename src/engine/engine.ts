import type { Database, Executor } from '../db/client.js';
import * as q from '../db/jobs/index.js';
import { decideFailure } from './backoff.js';
import { resolveConfig, type EngineConfig } from './config.js';
import { decodeKeysetCursor, encodeKeysetCursor } from './cursor.js';
import { NotDeadError } from './errors.js';
import { enqueueGraphIn } from './graph-enqueue.js';
import type { EngineMetrics } from './metrics.js';
import { completeInTransaction, failInTransaction, reapOnce } from './ops.js';
import type {
  ClaimResult,
  ClaimedJob,
  EngineEvent,
  EngineLogger,
  EnqueueResult,
  EnqueueSpec,
  FencedJobResult,
  FencedResult,
  GraphNode,
  GraphResult,
  HandlerSuccess,
  Job,
  JobState,
  Page,
  TaskDefinition,
} from './types.js';
import type { Worker, WorkerOptions } from './worker-api.js';
import { EngineWorker } from './worker.js';
import { EventNotifier } from './notifier.js';

export interface EngineOptions {
  database: Database;
  logger?: EngineLogger;
  metrics?: EngineMetrics;
  config?: Partial<EngineConfig>;
}

export interface ClaimOptions {
  workerId?: string;
  leaseMs?: number;
  limit?: number;
}

export interface FailOptions {
  workerId?: string;
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** Injected randomness for the backoff (tests). */
  random?: () => number;
  onDead?: TaskDefinition['onDead'];
}

export type HeartbeatResult = { applied: true; leaseExpiresAt: Date } | { applied: false; reason: 'lease_lost' };

export interface Engine {
  readonly config: EngineConfig;
  /** Enqueue one job; an existing idempotency key in the queue returns `{ created: false, job }`. */
  enqueue<P>(spec: EnqueueSpec<P>, opts?: { tx?: Executor }): Promise<EnqueueResult<P>>;
  /** Bulk enqueue in one statement; results in input order. */
  enqueueMany<P>(specs: readonly EnqueueSpec<P>[], opts?: { tx?: Executor }): Promise<EnqueueResult<P>[]>;
  /** A whole DAG in one transaction; throws CycleError / UnknownDependencyError before writing. */
  enqueueGraph(nodes: readonly GraphNode[], opts?: { tx?: Executor }): Promise<GraphResult>;
  transaction<T>(fn: (tx: Executor) => Promise<T>): Promise<T>;
  /**
   * Cancels every unfinished job of a group (waiting, ready, running, blocked, dead → cancelled):
   * running ones are fenced out and their workers abort the handler's signal with
   * `JobCancelledError`. Returns the jobs cancelled now (empty on a repeat).
   */
  cancelGroup(groupId: string, opts?: { tx?: Executor }): Promise<Job[]>;
  getJob(id: number, opts?: { tx?: Executor }): Promise<Job | null>;
  listJobs(filter: { groupId?: string; groupIds?: string[]; states?: JobState[]; limit?: number }): Promise<Job[]>;
  countByState(): Promise<Record<JobState, number>>;
  dlq: {
    list(opts?: { cursor?: string | null; limit?: number; groupId?: string }): Promise<Page<Job>>;
    get(id: number): Promise<Job | null>;
    replay(id: number, opts?: { payload?: unknown; maxAttempts?: number }): Promise<Job>;
    discard(id: number): Promise<Job>;
    /**
     * Dead → succeeded with `result` (a reviewer's accepted output), fenced on state 'dead'; in one
     * transaction its descendants are unblocked and released, then `effects` run. Throws
     * NotDeadError when the job is not dead (and nothing changes, effects included).
     */
    complete(id: number, opts: { result: unknown; effects?: (tx: Executor, job: Job) => Promise<void> }): Promise<Job>;
  };
  events: {
    readAfter(afterId: number, opts?: { groupId?: string; limit?: number }): Promise<EngineEvent[]>;
    append(
      tx: Executor,
      ev: { jobId?: number | null; groupId?: string | null; type: string; data?: Record<string, unknown> },
    ): Promise<void>;
    subscribe(onWake: () => void): Promise<() => Promise<void>>;
    prune(olderThanMs: number): Promise<number>;
    latestId(): Promise<number>;
  };
  createWorker(opts: WorkerOptions): Worker;
  // Low-level path (tests, tools): the same statements the workers use.
  claim(queues: readonly string[], opts?: ClaimOptions): Promise<ClaimedJob[]>;
  claimOne(queues: readonly string[], opts?: Omit<ClaimOptions, 'limit'>): Promise<ClaimResult>;
  completeJob(job: ClaimedJob, success?: HandlerSuccess, opts?: { onSucceeded?: TaskDefinition['onSucceeded'] }): Promise<FencedJobResult>;
  failJob(job: ClaimedJob, err: unknown, opts?: FailOptions): Promise<FencedJobResult>;
  heartbeat(job: ClaimedJob, opts?: { leaseMs?: number }): Promise<HeartbeatResult>;
  release(job: ClaimedJob, opts?: { workerId?: string }): Promise<FencedResult>;
  reap(opts?: { queues?: string[]; limit?: number }): Promise<q.ReapResult>;
  /** Stops workers this engine created (no grace) and its subscriptions; the Database stays open. */
  close(): Promise<void>;
}

const noop = () => undefined;
/** Logger used when none is injected: silent. */
export const silentLogger: EngineLogger = { debug: noop, info: noop, warn: noop, error: noop, child: () => silentLogger };

const LEASE_LOST = { applied: false, reason: 'lease_lost' } as const;

/** Runs a unit of work on the database or in a transaction of its own. */
type Runner = <U>(fn: (ex: Executor) => Promise<U>) => Promise<U>;

/** Builds the engine over an open Database; it owns no connection of its own. */
export function createEngine(opts: EngineOptions): Engine {
  const { database } = opts;
  const db = database.db;
  const config = resolveConfig(opts.config);
  const log = (opts.logger ?? silentLogger).child({ component: 'engine' });
  const workers = new Set<EngineWorker>();
  const subscriptions = new Set<() => Promise<void>>();
  const notifier = new EventNotifier(database, log);
  const poke = () => notifier.poke();
  /**
   * Runs `fn` in the caller's transaction (then the events NOTIFY rides in it, delivered at its
   * commit) or in a transaction of our own (then the NOTIFY follows our commit).
   */
  const withEvents = async <T>(tx: Executor | undefined, own: Runner, fn: (ex: Executor) => Promise<T>): Promise<T> => {
    if (tx) {
      const out = await fn(tx);
      await q.notifyEvents(tx, { ownTransaction: false });
      return out;
    }
    const out = await own(fn);
    poke();
    return out;
  };
  const direct: Runner = (fn) => fn(db);
  const inTransaction: Runner = (fn) => database.transaction(fn);

  const countByState = () => q.countByState(db);
  opts.metrics?.bindDepth(countByState);

  const enqueueMany = async <P>(specs: readonly EnqueueSpec<P>[], o?: { tx?: Executor }) => {
    // The insert NOTIFYs event readers itself (see insertJobs): no separate wake-up to send.
    const out = await q.insertJobs(o?.tx ?? db, specs);
    return out as EnqueueResult<P>[];
  };

  return {
    config,
    async enqueue<P>(spec: EnqueueSpec<P>, o?: { tx?: Executor }) {
      const [one] = await enqueueMany([spec], o);
      if (!one) throw new Error('enqueue: no result');
      return one;
    },
    enqueueMany,
    // Its only events are the jobs' own `job.enqueued`, which the insert NOTIFYs itself (as in enqueueMany).
    enqueueGraph: (nodes, o) => (o?.tx ? enqueueGraphIn(o.tx, nodes) : inTransaction((tx) => enqueueGraphIn(tx, nodes))),
    transaction: (fn) => database.transaction(fn),
    cancelGroup: (groupId, o) => withEvents(o?.tx, direct, (ex) => q.cancelGroup(ex, groupId)),
    getJob: (id, o) => q.getJob(o?.tx ?? db, id),
    listJobs: (f) =>
      q.listJobs(db, {
        groupIds: f.groupIds ?? (f.groupId !== undefined ? [f.groupId] : undefined),
        states: f.states,
        limit: f.limit,
      }),
    countByState,
    dlq: {
      async list(o = {}) {
        const limit = Math.min(Math.max(o.limit ?? 50, 1), 500);
        const rows = await q.listDead(db, { cursor: decodeCursor(o.cursor ?? null), limit: limit + 1, groupId: o.groupId });
        const page = rows.slice(0, limit);
        const last = page[page.length - 1];
        return { items: page.map((r) => r.job), nextCursor: rows.length > limit && last ? encodeCursor(last.position) : null };
      },
      get: (id) => q.getDead(db, id),
      replay: (id, o = {}) =>
        withEvents(undefined, inTransaction, async (tx) => {
          if (o.maxAttempts !== undefined && (!Number.isInteger(o.maxAttempts) || o.maxAttempts < 1)) {
            throw new RangeError('maxAttempts must be an integer >= 1');
          }
          const job = await q.replayDead(tx, { id, payload: o.payload, maxAttempts: o.maxAttempts });
          if (!job) throw new NotDeadError(id, await q.jobState(tx, id));
          await q.unblockDescendants(tx, id);
          return job;
        }),
      complete: (id, o) =>
        withEvents(undefined, inTransaction, async (tx) => {
          const job = await q.completeDead(tx, { id, result: o.result });
          if (!job) throw new NotDeadError(id, await q.jobState(tx, id));
          await q.unblockDescendants(tx, id);
          await q.releaseChildrenOf(tx, id);
          if (o.effects) await o.effects(tx, job);
          return job;
        }),
      async discard(id) {
        const job = await q.discardDead(db, id);
        if (!job) throw new NotDeadError(id, await q.jobState(db, id));
        poke();
        return job;
      },
    },
    events: {
      readAfter: (afterId, o = {}) =>
        q.readEventsAfter(db, {
          afterId,
          groupId: o.groupId,
          limit: Math.min(Math.max(o.limit ?? 500, 1), 5_000),
          gapGraceMs: config.eventGapGraceMs,
        }),
      async append(tx, ev) {
        await q.appendEvent(tx, ev);
      },
      async subscribe(onWake) {
        const off = await database.listen(q.EVENTS_CHANNEL, () => onWake());
        subscriptions.add(off);
        return async () => {
          subscriptions.delete(off);
          await off();
        };
      },
      prune: (ms) => q.pruneEvents(db, ms),
      latestId: () => q.latestEventId(db),
    },
    createWorker(wopts) {
      const { tasks, ...rest } = wopts;
      const worker = new EngineWorker({ database, config, log, metrics: opts.metrics, notifier }, tasks, rest);
      workers.add(worker);
      worker.on('worker:stopped', () => workers.delete(worker));
      return worker;
    },
    async claim(queues, o = {}) {
      const rows = await q.claimJobs(db, {
        queues,
        workerId: o.workerId ?? 'manual',
        leaseMs: o.leaseMs ?? config.leaseMs,
        limit: o.limit ?? 1,
      });
      if (rows.length > 0) poke();
      return rows.map((r) => r.job);
    },
    async claimOne(queues, o = {}) {
      const [job] = await this.claim(queues, { ...o, limit: 1 });
      return job ? { claimed: true, job } : { claimed: false };
    },
    async completeJob(job, success = {}, o = {}) {
      let res: FencedJobResult;
      if (success.effects || o.onSucceeded) {
        const task = o.onSucceeded ? { onSucceeded: o.onSucceeded } : undefined;
        res = await completeInTransaction(database, job, success, task, log);
      } else {
        const [row] = await q.completeJobs(db, [{ id: job.id, leaseToken: job.leaseToken, result: success.result }]);
        res = row ? { applied: true, job: row } : LEASE_LOST;
      }
      if (res.applied) poke();
      return res;
    },
    async failJob(job, err, o = {}) {
      const transition = decideFailure(job, err, {
        baseMs: o.retryBaseMs ?? config.retryBaseMs,
        capMs: o.retryMaxMs ?? config.retryMaxMs,
        ...(o.random ? { random: o.random } : {}),
      });
      const task = o.onDead ? { onDead: o.onDead } : undefined;
      const res = await failInTransaction(database, job, transition, o.workerId ?? 'manual', task, log);
      if (res.applied) poke();
      return res;
    },
    async heartbeat(job, o = {}) {
      const res = await q.extendLeases(db, [job], o.leaseMs ?? config.leaseMs);
      const until = res.get(job.id);
      return until ? { applied: true, leaseExpiresAt: until } : LEASE_LOST;
    },
    async release(job, o = {}) {
      const rows = await q.releaseJobs(db, [job], o.workerId ?? 'manual');
      if (rows.length === 0) return LEASE_LOST;
      poke();
      return { applied: true };
    },
    async reap(o = {}) {
      const res = await reapOnce(database, { queues: o.queues, limit: o.limit ?? config.reaperBatch, log });
      if (res.requeued.length + res.dead.length > 0) poke();
      return res;
    },
    async close() {
      await Promise.all([...workers].map((w) => w.stop({ graceMs: 0 })));
      await Promise.all([...subscriptions].map((off) => off().catch(noop)));
      subscriptions.clear();
      notifier.close();
    },
  };
}

function encodeCursor(p: q.DeadCursor): string {
  return encodeKeysetCursor(p.finishedAt, p.id);
}

function decodeCursor(cursor: string | null): q.DeadCursor | null {
  const c = decodeKeysetCursor(cursor, 'number');
  return c === null ? null : { finishedAt: c.at, id: c.id };
}
