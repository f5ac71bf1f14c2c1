import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

/** Every state a job row can be in; the engine's state machine is documented in src/engine/README.md. */
export const JOB_STATES = ['waiting', 'ready', 'running', 'succeeded', 'dead', 'blocked', 'discarded', 'cancelled'] as const;

const tz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/** The durable truth about every job; the in-memory heap is only a cache over `state = 'ready'` rows. */
export const jobs = pgTable(
  'jobs',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    queue: text('queue').notNull(),
    payload: jsonb('payload').notNull().default(sql`'{}'::jsonb`),
    priority: integer('priority').notNull().default(0),
    runAt: tz('run_at').notNull().defaultNow(),
    state: text('state', { enum: JOB_STATES }).notNull(),
    attempt: integer('attempt').notNull().default(0),
    maxAttempts: integer('max_attempts').notNull().default(5),
    leaseToken: uuid('lease_token'),
    leaseExpiresAt: tz('lease_expires_at'),
    lockedBy: text('locked_by'),
    pendingParents: integer('pending_parents').notNull().default(0),
    /** All parents (pending or not): lets the claim skip the parents lookup for plain jobs. */
    parentCount: integer('parent_count').notNull().default(0),
    groupId: text('group_id'),
    idempotencyKey: text('idempotency_key'),
    lastError: jsonb('last_error'),
    errors: jsonb('errors').notNull().default(sql`'[]'::jsonb`),
    deadReason: text('dead_reason'),
    result: jsonb('result'),
    createdAt: tz('created_at').notNull().defaultNow(),
    updatedAt: tz('updated_at').notNull().defaultNow(),
    finishedAt: tz('finished_at'),
  },
  (t) => [
    // Partial: most jobs have no key, and a full index on `queue` lures the planner away from the
    // claim index. ON CONFLICT names the same predicate to infer it.
    uniqueIndex('jobs_queue_idempotency_key_uq').on(t.queue, t.idempotencyKey).where(sql`idempotency_key IS NOT NULL`),
    // The claim index: equality on queue, then the dispatch order, so `LIMIT n` reads n entries
    // whatever the table statistics say (right after a bulk enqueue they say nothing).
    index('jobs_ready_idx').on(t.queue, t.priority, t.runAt, t.id).where(sql`state = 'ready'`),
    index('jobs_running_lease_idx').on(t.leaseExpiresAt).where(sql`state = 'running'`),
    index('jobs_dead_idx').on(t.finishedAt, t.id).where(sql`state = 'dead'`),
    index('jobs_group_idx').on(t.groupId).where(sql`group_id IS NOT NULL`),
    check('jobs_state_ck', sql`state in ('waiting','ready','running','succeeded','dead','blocked','discarded','cancelled')`),
    check('jobs_attempts_ck', sql`max_attempts >= 1 and attempt >= 0`),
  ],
);

/** DAG edges: `jobId` runs only after `parentId` succeeded. */
export const jobDependencies = pgTable(
  'job_dependencies',
  {
    jobId: bigint('job_id', { mode: 'number' })
      .notNull()
      .references(() => jobs.id, { onDelete: 'cascade' }),
    parentId: bigint('parent_id', { mode: 'number' })
      .notNull()
      .references(() => jobs.id, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.jobId, t.parentId] }), index('job_dependencies_parent_idx').on(t.parentId)],
);

/** The event journal: one row per state change, written in the transaction that made the change. */
export const jobEvents = pgTable(
  'job_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    jobId: bigint('job_id', { mode: 'number' }),
    groupId: text('group_id'),
    type: text('type').notNull(),
    // A job event's snapshot of the job as plain columns (null for events about no job, such as
    // batch.succeeded): writing three columns per state change costs a fraction of building the
    // same fields into a jsonb document. `data` holds only what is particular to the event type.
    queue: text('queue'),
    state: text('state'),
    attempt: integer('attempt'),
    data: jsonb('data').notNull().default(sql`'{}'::jsonb`),
    // Wall-clock insert time (not transaction start): readers use it to tell a sequence gap left by
    // a still-open transaction from one left by a rollback (see readEventsAfter).
    createdAt: tz('created_at').notNull().default(sql`clock_timestamp()`),
  },
  (t) => [
    // No index on created_at: pruning by age walks the primary key from the oldest id (see
    // pruneEvents). Even a BRIN index cost every event insert ~2,500 instructions (2.7 % of a
    // drain's database work with two events per job).
    // Per-group readers (a batch's live stream); jobs without a group are never read this way.
    index('job_events_group_idx').on(t.groupId, t.id).where(sql`group_id IS NOT NULL`),
  ],
);
