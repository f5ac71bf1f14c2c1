import { sql } from 'drizzle-orm';
import type { Executor } from '../client.js';
import { queryOne, queryRows, toDate, toInt, toJson, toStr, toStrOrNull } from '../rows.js';

/** How an economy batch's first calls went: through the provider's Batch API, or live after all. */
export type EconomyMode = 'batch' | 'live-fallback';

/** One economy batch's exchange with the provider's Batch API (table `economy_batches`). */
export interface EconomyRecord {
  batchId: string;
  /** Sent as the provider batch's metadata, to find a batch created by a worker that died before recording it. */
  token: string;
  inputFileId: string | null;
  providerBatchId: string | null;
  providerStatus: string | null;
  /** Null while the provider batch is being created or polled. */
  mode: EconomyMode | null;
  reason: string | null;
  requests: number;
  answered: number;
  polls: number;
  createdAt: Date;
  updatedAt: Date;
}

const COLUMNS = sql`batch_id, token, input_file_id, provider_batch_id, provider_status, mode, reason, requests, answered, polls, created_at, updated_at`;

function toEconomy(row: Record<string, unknown>): EconomyRecord {
  const mode = toStrOrNull(row.mode, 'economy_batches.mode');
  return {
    batchId: toStr(row.batch_id, 'economy_batches.batch_id'),
    token: toStr(row.token, 'economy_batches.token'),
    inputFileId: toStrOrNull(row.input_file_id, 'economy_batches.input_file_id'),
    providerBatchId: toStrOrNull(row.provider_batch_id, 'economy_batches.provider_batch_id'),
    providerStatus: toStrOrNull(row.provider_status, 'economy_batches.provider_status'),
    mode: mode === 'batch' || mode === 'live-fallback' ? mode : null,
    reason: toStrOrNull(row.reason, 'economy_batches.reason'),
    requests: toInt(row.requests, 'economy_batches.requests'),
    answered: toInt(row.answered, 'economy_batches.answered'),
    polls: toInt(row.polls, 'economy_batches.polls'),
    createdAt: toDate(row.created_at, 'economy_batches.created_at'),
    updatedAt: toDate(row.updated_at, 'economy_batches.updated_at'),
  };
}

/** The batch's economy row, created (with a fresh token) the first time it is asked for. */
export async function openEconomyBatch(ex: Executor, batchId: string, token: string): Promise<EconomyRecord> {
  await ex.execute(sql`insert into economy_batches (batch_id, token) values (${batchId}, ${token}::uuid) on conflict (batch_id) do nothing`);
  const record = await getEconomyBatch(ex, batchId);
  if (!record) throw new Error(`database boundary: economy row of batch ${batchId} vanished after its insert`);
  return record;
}

export async function getEconomyBatch(ex: Executor, batchId: string): Promise<EconomyRecord | null> {
  const row = await queryOne(ex, sql`select ${COLUMNS} from economy_batches where batch_id = ${batchId}`);
  return row ? toEconomy(row) : null;
}

/** The uploaded JSONL input, recorded before the provider batch is created. */
export async function recordEconomyInput(ex: Executor, batchId: string, inputFileId: string, requests: number): Promise<void> {
  await ex.execute(
    sql`update economy_batches set input_file_id = ${inputFileId}, requests = ${requests}, updated_at = now() where batch_id = ${batchId}`,
  );
}

/**
 * Records the provider batch id, only if none is recorded yet. False means another holder of the
 * job recorded one first: the caller's provider batch is a duplicate and must be cancelled.
 */
export async function recordProviderBatch(ex: Executor, batchId: string, providerBatchId: string, status: string): Promise<boolean> {
  const row = await queryOne(
    ex,
    sql`update economy_batches set provider_batch_id = ${providerBatchId}, provider_status = ${status}, updated_at = now()
        where batch_id = ${batchId} and (provider_batch_id is null or provider_batch_id = ${providerBatchId})
        returning batch_id`,
  );
  return row !== null;
}

/** The provider's status of an unsettled economy batch, seen outside a poll (after cancelling it). */
export async function noteProviderStatus(ex: Executor, batchId: string, status: string): Promise<void> {
  await ex.execute(sql`update economy_batches set provider_status = ${status}, updated_at = now() where batch_id = ${batchId} and mode is null`);
}

/** One poll's answer from the provider. */
export async function noteEconomyPoll(ex: Executor, batchId: string, status: string): Promise<void> {
  await ex.execute(
    sql`update economy_batches set provider_status = ${status}, polls = polls + 1, updated_at = now() where batch_id = ${batchId}`,
  );
}

/** A chunk's first answer from the Batch API. */
export interface EconomyAnswer {
  jobId: number;
  customId: string;
  completion: unknown;
}

/**
 * Settles an economy batch: its mode and reason, and the answers the chunks will use, in one
 * transaction (the poll job's completion). A repeat keeps the answers already stored.
 */
export async function settleEconomyBatch(
  ex: Executor,
  p: { batchId: string; mode: EconomyMode; reason: string | null; answers: readonly EconomyAnswer[] },
): Promise<void> {
  await ex.execute(
    sql`update economy_batches set mode = ${p.mode}, reason = ${p.reason}, answered = ${p.answers.length}, updated_at = now()
        where batch_id = ${p.batchId}`,
  );
  if (p.answers.length === 0) return;
  await ex.execute(
    sql`insert into economy_answers (job_id, batch_id, custom_id, completion)
        select (a->>'jobId')::bigint, ${p.batchId}, a->>'customId', a->'completion'
        from jsonb_array_elements(${JSON.stringify(p.answers)}::jsonb) a
        on conflict (job_id) do nothing`,
  );
}

/** The Batch API's answer to a chunk's first call, or null (not economy, or it falls back live). */
export async function getEconomyAnswer(ex: Executor, jobId: number): Promise<EconomyAnswer | null> {
  const row = await queryOne(ex, sql`select job_id, custom_id, completion from economy_answers where job_id = ${jobId}`);
  if (!row) return null;
  return { jobId: toInt(row.job_id, 'economy_answers.job_id'), customId: toStr(row.custom_id, 'economy_answers.custom_id'), completion: toJson(row.completion) };
}

/** A batch's jobs on one queue with their payloads, in id order (the economy job finds its chunks). */
export async function listBatchJobsOnQueue(ex: Executor, batchId: string, queue: string): Promise<Array<{ id: number; payload: unknown }>> {
  const rows = await queryRows(ex, sql`select id, payload from jobs where group_id = ${batchId} and queue = ${queue} order by id`);
  return rows.map((r) => ({ id: toInt(r.id, 'jobs.id'), payload: toJson(r.payload) }));
}
