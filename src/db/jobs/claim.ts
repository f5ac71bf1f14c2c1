import { randomUUID } from 'node:crypto';
import { sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../client.js';
import type { ClaimedRow } from './types.js';
import { HotStatement, queryOne, toDateOrNull } from '../rows.js';
import { CLAIMED_COLUMNS, claimedColumns, epochMs, insertEvents, textArrayLiteral, textArrayParam, toClaimedBatch } from './rows.js';

export interface ClaimParams {
  queues: readonly string[];
  workerId: string;
  leaseMs: number;
  limit: number;
}

/**
 * THE lock: one statement picks up to `limit` due ready jobs of `queues` in (priority, run_at, id)
 * order with FOR UPDATE SKIP LOCKED, marks them running with a fresh lease token (one per
 * statement: the fence is the pair job id + token, and every claim is a new statement) and expiry,
 * bumps the attempt and journals `job.started`. A row another claimer holds or already took is
 * simply not returned, so a lost race can never look like a claim.
 */
export async function claimJobs(ex: Executor, p: ClaimParams): Promise<ClaimedRow[]> {
  if (p.limit <= 0 || p.queues.length === 0) return [];
  const token = randomUUID();
  const values = {
    limit: p.limit,
    token,
    leaseMs: p.leaseMs,
    workerId: p.workerId,
    doc: JSON.stringify({ workerId: p.workerId }),
  };
  const row =
    p.queues.length === 1
      ? await CLAIM_ONE_QUEUE.one(ex, { ...values, queue: p.queues[0] })
      : await CLAIM.one(ex, { ...values, queues: textArrayLiteral(p.queues) });
  const rows = toClaimedBatch(row?.jobs, { leaseToken: token, updatedAt: row?.at_ms, leaseExpiresAt: row?.lease_until_ms });
  // The statement aggregates in whatever order it updated (sorting there was 1.3 % of a drain's
  // database instructions); callers get dispatch order: priority, run_at, id.
  return rows.sort(
    ({ job: a }, { job: b }) => a.priority - b.priority || a.runAt.getTime() - b.runAt.getTime() || a.id - b.id,
  );
}

/** Due ready jobs of one queue, in dispatch order, locked: one range of jobs_ready_idx. */
function lockedReadyRange(queue: SQL, columns: SQL): SQL {
  return sql`SELECT ${columns} FROM jobs j
    WHERE j.state = 'ready' AND j.queue = ${queue} AND j.run_at <= now()
    ORDER BY j.priority, j.run_at, j.id
    LIMIT ${sql.placeholder('limit')}
    FOR UPDATE SKIP LOCKED`;
}

const ONE_QUEUE = lockedReadyRange(sql`${sql.placeholder('queue')}::text`, sql`j.ctid`);

/**
 * The same for several queues: one ordered index range per queue (equality on queue, then
 * dispatch order), so the LIMIT is honoured inside the index whatever the statistics; then the
 * queues are merged.
 */
const MANY_QUEUES = sql`SELECT c.ctid FROM unnest(${sql.placeholder('queues')}::text[]) AS qn(name)
  CROSS JOIN LATERAL (${lockedReadyRange(sql`qn.name`, sql`j.ctid, j.id, j.priority, j.run_at`)}) c
  ORDER BY c.priority, c.run_at, c.id
  LIMIT ${sql.placeholder('limit')}`;

const leaseExpiry = sql`now() + make_interval(secs => ${sql.placeholder('leaseMs')}::double precision / 1000)`;

/** The claim statement around a candidate query, built once (see HotStatement); values are claimJobs' placeholders. */
function claimStatement(candidates: SQL): HotStatement {
  return new HotStatement(
    sql`WITH cand AS (${candidates}), claimed AS (
          UPDATE jobs j
          SET state = 'running', attempt = j.attempt + 1, lease_token = ${sql.placeholder('token')}::uuid,
              lease_expires_at = ${leaseExpiry}, locked_by = ${sql.placeholder('workerId')}::text, updated_at = now()
          -- By tuple address (ctid), neither a join nor the primary key: cand found and locked
          -- these rows in this same statement, and a locked row keeps its ctid, so a Tid Scan
          -- fetches each directly instead of descending jobs_pkey once per job (2 % of a drain's
          -- database instructions). A join, with a batch large relative to the table, hash-joined
          -- over a sequential scan of all jobs. A row that another transaction changed after this
          -- statement's snapshot (and that still matched when locked) sits at a ctid the snapshot
          -- cannot see: it is not claimed this time, and RETURNING reports only rows updated here.
          WHERE j.ctid = ANY(ARRAY(SELECT ctid FROM cand))
          RETURNING ${sql.raw(CLAIMED_COLUMNS.map((c) => `j.${c}`).join(', '))}, j.parent_count
        ), ev AS (${insertEvents({ cte: 'claimed', type: 'job.started', doc: sql`${sql.placeholder('doc')}::jsonb` })})
        -- The batch comes back as ONE json document of positional arrays (CLAIMED_COLUMNS order,
        -- times as epoch ms): one JSON.parse instead of a row of 20 per-column type parsers per
        -- job took a 500-job claim from ~4.5 to ~1.5 ms of the worker's CPU. What the SET above
        -- gives every row alike (the token, updated_at = now(), the lease expiry) comes once.
        SELECT ${epochMs(sql`now()`)} AS at_ms, ${epochMs(leaseExpiry)} AS lease_until_ms,
          json_agg(json_build_array(
            ${claimedColumns('c')},
            CASE WHEN c.parent_count > 0 THEN
              (SELECT jsonb_agg(jsonb_build_object('id', pj.id, 'queue', pj.queue, 'result', pj.result) ORDER BY pj.id)
                 FROM job_dependencies d JOIN jobs pj ON pj.id = d.parent_id WHERE d.job_id = c.id)
            END)) AS jobs
        FROM claimed c`,
    { prepare: 'qf_claim' },
  );
}

/** A worker of one queue (the common case) skips the merge step and its sort (1 % of a drain's database instructions). */
const CLAIM_ONE_QUEUE = claimStatement(ONE_QUEUE);
const CLAIM = claimStatement(MANY_QUEUES);

/** Earliest run_at among ready jobs of `queues` that are not yet due: the delayed-job timer. */
export async function nextRunAt(ex: Executor, queues: readonly string[]): Promise<Date | null> {
  if (queues.length === 0) return null;
  const row = await queryOne(
    ex,
    sql`SELECT min(j.run_at) AS at FROM jobs j
        WHERE j.state = 'ready' AND j.run_at > now()
          AND j.queue = ANY(${textArrayParam(queues)})`,
  );
  return toDateOrNull(row?.at, 'at');
}
