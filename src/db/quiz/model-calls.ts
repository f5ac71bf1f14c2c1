import { sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../client.js';
import { queryOne, queryRows, toDate, toInt, toIntOrNull, toJson, toStr, toStrOrNull } from '../rows.js';
import { storableJson, storableText } from './text.js';

/** What the pipeline writes for one model call, successful or not. JSON fields are stored as given. */
export interface ModelCallInput {
  jobId: number;
  batchId: string | null;
  jobAttempt: number;
  epoch: number;
  kind: string;
  counted: boolean;
  model: string | null;
  promptVersion: string;
  messages: unknown;
  rawOutput: string | null;
  finishReason: string | null;
  issues: unknown;
  normalisations: unknown;
  promptTokens: number;
  completionTokens: number;
  latencyMs: number;
  error: unknown;
  state: unknown;
}

/** A recorded call: the DLQ transcript and the usage totals are read from these. */
export interface ModelCallRecord extends ModelCallInput {
  id: number;
  /** 1-based sequence of the call within its job, across retries and replays. */
  n: number;
  createdAt: Date;
}

export interface UsageTotals {
  promptTokens: number;
  completionTokens: number;
  modelCalls: number;
}

const COLUMNS = sql`id, job_id, batch_id, job_attempt, epoch, n, kind, counted, model, prompt_version, messages,
  raw_output, finish_reason, issues, normalisations, prompt_tokens, completion_tokens, latency_ms, error, state, created_at`;

function toModelCall(row: Record<string, unknown>): ModelCallRecord {
  return {
    id: toInt(row.id, 'model_calls.id'),
    jobId: toInt(row.job_id, 'model_calls.job_id'),
    batchId: toStrOrNull(row.batch_id, 'model_calls.batch_id'),
    jobAttempt: toInt(row.job_attempt, 'model_calls.job_attempt'),
    epoch: toInt(row.epoch, 'model_calls.epoch'),
    n: toInt(row.n, 'model_calls.n'),
    kind: toStr(row.kind, 'model_calls.kind'),
    counted: row.counted === true,
    model: toStrOrNull(row.model, 'model_calls.model'),
    promptVersion: toStr(row.prompt_version, 'model_calls.prompt_version'),
    messages: toJson(row.messages),
    rawOutput: toStrOrNull(row.raw_output, 'model_calls.raw_output'),
    finishReason: toStrOrNull(row.finish_reason, 'model_calls.finish_reason'),
    issues: toJson(row.issues),
    normalisations: toJson(row.normalisations),
    promptTokens: toInt(row.prompt_tokens, 'model_calls.prompt_tokens'),
    completionTokens: toInt(row.completion_tokens, 'model_calls.completion_tokens'),
    latencyMs: toInt(row.latency_ms, 'model_calls.latency_ms'),
    error: toJson(row.error),
    state: toJson(row.state),
    createdAt: toDate(row.created_at, 'model_calls.created_at'),
  };
}

function jsonParam(value: unknown): string | null {
  return value === null || value === undefined ? null : JSON.stringify(storableJson(value));
}

function jsonArrayParam(value: unknown): string {
  return JSON.stringify(storableJson(value ?? []));
}

/**
 * Records one call in its own statement, outside the job's completion transaction, so the
 * transcript survives a crash, a retry and a dead letter alike. `n` is assigned here.
 */
export async function insertModelCall(ex: Executor, c: ModelCallInput): Promise<ModelCallRecord> {
  const row = await queryOne(
    ex,
    sql`insert into model_calls (job_id, batch_id, job_attempt, epoch, n, kind, counted, model, prompt_version, messages,
          raw_output, finish_reason, issues, normalisations, prompt_tokens, completion_tokens, latency_ms, error, state)
        select ${c.jobId}, ${c.batchId}, ${c.jobAttempt}, ${c.epoch},
          coalesce((select max(n) from model_calls where job_id = ${c.jobId}), 0) + 1,
          ${c.kind}, ${c.counted}, ${c.model}, ${c.promptVersion}, ${jsonArrayParam(c.messages)}::jsonb,
          ${c.rawOutput === null ? null : storableText(c.rawOutput)}, ${c.finishReason}, ${jsonArrayParam(c.issues)}::jsonb,
          ${jsonArrayParam(c.normalisations)}::jsonb, ${c.promptTokens}, ${c.completionTokens}, ${c.latencyMs},
          ${jsonParam(c.error)}::jsonb, ${jsonParam(c.state)}::jsonb
        returning ${COLUMNS}`,
  );
  if (!row) throw new Error('database boundary: insert into model_calls returned no row');
  return toModelCall(row);
}

/** How much validation budget a job has spent in one budget period (epoch). */
export async function countBudgetUsed(ex: Executor, jobId: number, epoch: number): Promise<number> {
  const row = await queryOne(
    ex,
    sql`select count(*)::int as used from model_calls where job_id = ${jobId} and epoch = ${epoch} and counted`,
  );
  return toInt(row?.used ?? 0, 'used');
}

/** The latest call of a job that left a resumable draft, with its epoch; null when none did. */
export async function latestDraftState(ex: Executor, jobId: number): Promise<{ epoch: number; state: unknown } | null> {
  const row = await queryOne(
    ex,
    sql`select epoch, state from model_calls where job_id = ${jobId} and state is not null order by id desc limit 1`,
  );
  return row ? { epoch: toInt(row.epoch, 'model_calls.epoch'), state: toJson(row.state) } : null;
}

/** A job's full transcript, oldest first. */
export async function listModelCalls(ex: Executor, jobId: number): Promise<ModelCallRecord[]> {
  const rows = await queryRows(ex, sql`select ${COLUMNS} from model_calls where job_id = ${jobId} order by id`);
  return rows.map(toModelCall);
}

export function toUsage(row: Record<string, unknown> | null): UsageTotals {
  return {
    promptTokens: toIntOrNull(row?.prompt_tokens, 'prompt_tokens') ?? 0,
    completionTokens: toIntOrNull(row?.completion_tokens, 'completion_tokens') ?? 0,
    modelCalls: toIntOrNull(row?.model_calls, 'model_calls') ?? 0,
  };
}

/** Tokens and calls spent on a whole batch, over every job, retry and replay. */
export function usageByBatch(ex: Executor, batchId: string): Promise<UsageTotals> {
  return usageWhere(ex, sql`batch_id = ${batchId}`);
}

/** Tokens and calls spent by one job (a chunk's usage). */
export function usageByJob(ex: Executor, jobId: number): Promise<UsageTotals> {
  return usageWhere(ex, sql`job_id = ${jobId}`);
}

async function usageWhere(ex: Executor, where: SQL): Promise<UsageTotals> {
  const row = await queryOne(
    ex,
    sql`select coalesce(sum(prompt_tokens), 0)::bigint as prompt_tokens,
          coalesce(sum(completion_tokens), 0)::bigint as completion_tokens, count(*)::int as model_calls
        from model_calls where ${where}`,
  );
  return toUsage(row);
}

/** Recorded call counts per job, for DLQ listings. Jobs without calls are absent from the map. */
export async function countCallsByJob(ex: Executor, jobIds: readonly number[]): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  if (jobIds.length === 0) return out;
  const list = sql.join(
    jobIds.map((id) => sql`${id}`),
    sql`, `,
  );
  const rows = await queryRows(
    ex,
    sql`select job_id, count(*)::int as calls from model_calls where job_id in (${list}) group by job_id`,
  );
  for (const row of rows) out.set(toInt(row.job_id, 'model_calls.job_id'), toInt(row.calls, 'calls'));
  return out;
}
