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
  /** 'batch' when the answer came through the provider's Batch API (batch-priced); absent or null: live. */
  via?: 'batch' | null;
}

/** A recorded call: the DLQ transcript and the usage totals are read from these. */
export interface ModelCallRecord extends ModelCallInput {
  id: number;
  /** 1-based sequence of the call within its job, across retries and replays. */
  n: number;
  createdAt: Date;
  /** Null while the call is with the provider, and for good when its worker died meanwhile. */
  finishedAt: Date | null;
}

export interface UsageTotals {
  promptTokens: number;
  completionTokens: number;
  modelCalls: number;
}

const COLUMNS = sql`id, job_id, batch_id, job_attempt, epoch, n, kind, counted, model, prompt_version, messages,
  raw_output, finish_reason, issues, normalisations, prompt_tokens, completion_tokens, latency_ms, error, state, via, created_at, finished_at`;

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
    via: row.via === 'batch' ? 'batch' : null,
    createdAt: toDate(row.created_at, 'model_calls.created_at'),
    finishedAt: row.finished_at === null || row.finished_at === undefined ? null : toDate(row.finished_at, 'model_calls.finished_at'),
  };
}

function jsonParam(value: unknown): string | null {
  return value === null || value === undefined ? null : JSON.stringify(storableJson(value));
}

function jsonArrayParam(value: unknown): string {
  return JSON.stringify(storableJson(value ?? []));
}

/** The call number `n` is unique per job; a concurrent writer of the same number retries with the next. */
const NUMBER_TAKEN = 'model_calls_job_n_uq';

function isNumberTaken(err: unknown): boolean {
  for (let e: unknown = err, i = 0; e !== null && typeof e === 'object' && i < 5; e = (e as { cause?: unknown }).cause, i++) {
    const x = e as { code?: unknown; constraint?: unknown };
    if (x.code === '23505' && x.constraint === NUMBER_TAKEN) return true;
  }
  return false;
}

/**
 * Inserts one model_calls row numbered `max(n) + 1` for its job. Two writers of one job (a holder
 * whose lease was lost and the one that took over) compute the same number; the unique index
 * makes the later one wait for the first to commit, fail, and retry with the next number. `guard`
 * may refuse the insert (no row: returns null). Outside a transaction only (a retry needs one).
 */
async function insertNumbered(ex: Executor, c: ModelCallInput, finished: boolean, guard: SQL): Promise<ModelCallRecord | null> {
  for (let attempt = 1; ; attempt++) {
    try {
      const row = await queryOne(
        ex,
        sql`insert into model_calls (job_id, batch_id, job_attempt, epoch, n, kind, counted, model, prompt_version, messages,
              raw_output, finish_reason, issues, normalisations, prompt_tokens, completion_tokens, latency_ms, error, state,
              via, finished_at)
            select ${c.jobId}, ${c.batchId}, ${c.jobAttempt}, ${c.epoch},
              coalesce((select max(n) from model_calls where job_id = ${c.jobId}), 0) + 1,
              ${c.kind}, ${c.counted}, ${c.model}, ${c.promptVersion}, ${jsonArrayParam(c.messages)}::jsonb,
              ${c.rawOutput === null ? null : storableText(c.rawOutput)}, ${c.finishReason}, ${jsonArrayParam(c.issues)}::jsonb,
              ${jsonArrayParam(c.normalisations)}::jsonb, ${c.promptTokens}, ${c.completionTokens}, ${c.latencyMs},
              ${jsonParam(c.error)}::jsonb, ${jsonParam(c.state)}::jsonb, ${c.via ?? null}, ${finished ? sql`now()` : sql`null`}
            where ${guard}
            returning ${COLUMNS}`,
      );
      return row ? toModelCall(row) : null;
    } catch (err) {
      if (attempt >= 20 || !isNumberTaken(err)) throw err;
    }
  }
}

/** Records one finished call in its own statement, outside the job's completion transaction. */
export async function insertModelCall(ex: Executor, c: ModelCallInput): Promise<ModelCallRecord> {
  const record = await insertNumbered(ex, c, true, sql`true`);
  if (!record) throw new Error('database boundary: insert into model_calls returned no row');
  return record;
}

/** The recorded error of a call that was sent and whose outcome was never recorded. */
export const NO_OUTCOME = {
  kind: 'no_outcome',
  message: 'the request was sent but no outcome was recorded (the worker stopped or lost the job during the call)',
} as const;

/**
 * Records a call as started, before it is sent: counted (it may produce a completion the
 * provider bills) and with the NO_OUTCOME error until `finishModelCall` records what happened.
 * Refused (null) when the job's epoch has already counted `budget` calls, checked in the same
 * statement that takes the call's number, so two holders of one job cannot both pass the cap.
 * With `budget: 'uncounted'` the call is recorded uncounted and never refused (kind `verify`).
 */
export function startModelCall(
  ex: Executor,
  c: Omit<ModelCallInput, 'counted' | 'error' | 'state' | 'rawOutput' | 'finishReason' | 'issues' | 'normalisations' | 'promptTokens' | 'completionTokens' | 'latencyMs'>,
  budget: number | 'uncounted',
): Promise<ModelCallRecord | null> {
  // `uncounted` (verification calls): outside the validation budget, never refused by it.
  const counted = budget !== 'uncounted';
  const input: ModelCallInput = { ...c, ...NOT_ANSWERED, counted, error: NO_OUTCOME };
  const withinBudget = counted
    ? sql`(select count(*) from model_calls where job_id = ${c.jobId} and epoch = ${c.epoch} and counted) < ${budget}`
    : sql`true`;
  return insertNumbered(ex, input, false, withinBudget);
}

/** What a started call came to. */
export type ModelCallOutcome = Pick<
  ModelCallInput,
  'counted' | 'rawOutput' | 'finishReason' | 'issues' | 'normalisations' | 'promptTokens' | 'completionTokens' | 'latencyMs' | 'error' | 'state'
>;

/** A call's outcome fields before anything came back: not counted, nothing recorded. */
export const NOT_ANSWERED: ModelCallOutcome = {
  counted: false,
  rawOutput: null,
  finishReason: null,
  issues: [],
  normalisations: [],
  promptTokens: 0,
  completionTokens: 0,
  latencyMs: 0,
  error: null,
  state: null,
};

/** Records the outcome of a call `startModelCall` recorded. */
export async function finishModelCall(ex: Executor, id: number, o: ModelCallOutcome): Promise<void> {
  await ex.execute(
    sql`update model_calls set counted = ${o.counted},
          raw_output = ${o.rawOutput === null ? null : storableText(o.rawOutput)}, finish_reason = ${o.finishReason},
          issues = ${jsonArrayParam(o.issues)}::jsonb, normalisations = ${jsonArrayParam(o.normalisations)}::jsonb,
          prompt_tokens = ${o.promptTokens}, completion_tokens = ${o.completionTokens}, latency_ms = ${o.latencyMs},
          error = ${jsonParam(o.error)}::jsonb, state = ${jsonParam(o.state)}::jsonb, finished_at = now()
        where id = ${id}`,
  );
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
