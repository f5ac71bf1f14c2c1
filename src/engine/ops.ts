import type { Database, Executor } from '../db/client.js';
import {
  blockDescendants,
  completeJobs,
  confirmCompleted,
  failJob as failJobRow,
  reapExpired,
  snoozeJob,
  type FailTransition,
  type ReapResult,
} from '../db/jobs/index.js';
import { describeDbError, isTransientDbError, retryTransient } from './db-errors.js';
import type { ClaimedJob, EngineLogger, FencedJobResult, HandlerSuccess, Job, TaskDefinition } from './types.js';

/**
 * The multi-statement job transitions, shared by the Engine facade and its workers. Each runs in
 * one transaction; hooks (effects, onSucceeded, onDead) run inside it, after the fenced update.
 */

/** Thrown inside a completion transaction to roll it back when the fence refused the update. */
class FenceRefused extends Error {}

const LEASE_LOST = { applied: false, reason: 'lease_lost' } as const;

/**
 * Completes one job in a transaction: the fenced update first; only if it applied do `effects`
 * and `onSucceeded` run, in the same transaction, so they commit at most once per job. If either
 * throws, everything rolls back and the error propagates (the caller fails the attempt).
 * Transient database errors retry the whole transaction after checking whether it committed.
 */
export async function completeInTransaction(
  database: Database,
  job: ClaimedJob,
  success: HandlerSuccess,
  task: Pick<TaskDefinition, 'onSucceeded'> | undefined,
  log: EngineLogger,
): Promise<FencedJobResult> {
  const item = { id: job.id, leaseToken: job.leaseToken, result: success.result };
  let attempt = 0;
  return retryTransient(
    async () => {
      attempt++;
      if (attempt > 1 && (await confirmCompleted(database.db, [item])).has(job.id)) {
        return { applied: true, job: { ...job, state: 'succeeded', result: success.result ?? null } } as FencedJobResult;
      }
      try {
        const done = await database.transaction(async (tx) => {
          const rows = await completeJobs(tx, [item]);
          const row = rows[0];
          if (!row) throw new FenceRefused();
          if (success.effects) await success.effects(tx, job);
          if (task?.onSucceeded) await task.onSucceeded(tx, row);
          return row;
        });
        return { applied: true, job: done } as FencedJobResult;
      } catch (err) {
        if (err instanceof FenceRefused) return LEASE_LOST;
        throw err;
      }
    },
    { onRetry: (err) => log.warn({ err: describeDbError(err), jobId: job.id }, 'completion transaction failed transiently; retrying') },
  );
}

/**
 * Applies a failed attempt in a transaction: fenced retry or dead-letter; for a dead job its
 * descendants are blocked and the task's onDead hook runs, all in the same transaction.
 */
export async function failInTransaction(
  database: Database,
  job: ClaimedJob,
  transition: FailTransition,
  workerId: string,
  task: Pick<TaskDefinition, 'onDead'> | undefined,
  log: EngineLogger,
): Promise<FencedJobResult> {
  return retryTransient(
    async () => {
      const run = async (ex: Executor): Promise<Job | null> => {
        if (transition.kind === 'snooze') return snoozeJob(ex, { id: job.id, leaseToken: job.leaseToken, delayMs: transition.delayMs });
        const row = await failJobRow(ex, { id: job.id, leaseToken: job.leaseToken, workerId, transition });
        if (row && row.state === 'dead') {
          await blockDescendants(ex, [row.id]);
          if (task?.onDead) await runDeadHook(ex, task, row, log);
        }
        return row;
      };
      // A retry or a snooze needs no transaction: one statement. A death spans several.
      const row = transition.kind === 'dead' ? await database.transaction(run) : await run(database.db);
      return row ? ({ applied: true, job: row } as FencedJobResult) : LEASE_LOST;
    },
    { onRetry: (err) => log.warn({ err: describeDbError(err), jobId: job.id }, 'fail transaction failed transiently; retrying') },
  );
}

/**
 * One reaper pass: expired leases back to ready or dead; for the dead, descendants blocked and
 * onDead hooks run, in the same transaction. Only `queues` (when given) are reaped, so a worker
 * reaps the queues whose hooks it knows.
 */
export async function reapOnce(
  database: Database,
  opts: {
    queues?: readonly string[] | undefined;
    limit: number;
    tasks?: Record<string, TaskDefinition> | undefined;
    log: EngineLogger;
  },
): Promise<ReapResult> {
  return database.transaction(async (tx) => {
    const res = await reapExpired(tx, { queues: opts.queues, limit: opts.limit });
    if (res.dead.length > 0) {
      await blockDescendants(
        tx,
        res.dead.map((j) => j.id),
      );
      for (const job of res.dead) {
        const task = opts.tasks?.[job.queue];
        if (task?.onDead) await runDeadHook(tx, task, job, opts.log);
      }
    }
    return res;
  });
}

/**
 * Runs a task's onDead hook inside a savepoint. A hook that throws must not keep a job from
 * dying (it would stay running, and be reaped and re-hooked forever): its writes are rolled back
 * to the savepoint, the error is logged, and the job is dead-lettered without them. Transient
 * database errors still abort the whole transaction, which is then retried.
 */
async function runDeadHook(ex: Executor, task: Pick<TaskDefinition, 'onDead'>, job: Job, log: EngineLogger): Promise<void> {
  try {
    await ex.transaction(async (sp) => {
      await task.onDead?.(sp, job);
    });
  } catch (err) {
    if (isTransientDbError(err)) throw err;
    log.error({ err: describeDbError(err), jobId: job.id, queue: job.queue }, 'onDead hook failed; job dead-lettered without it');
  }
}
