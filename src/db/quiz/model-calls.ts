import { sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../client.js';
import { queryOne, queryRows, toDate, toInt, toIntOrNull, toJson, toNumOrNull, toStr, toStrOrNull } from '../rows.js';
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
  /** Prompt tokens served from the provider's prompt cache (part of `promptTokens`). */
  cachedTokens: number;
  /** Completion tokens spent reasoning (part of `completionTokens`), where the provider reports them. */
  reasoningTokens: number;
  /** Dollars from the price table; null when the model has no known price. */
  costUsd: number | null;
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
  cachedTokens: number;
  reasoningTokens: number;
  /** Null when any call was of a model without a price (`unpricedCalls`): unknown, not 0. */
  costUsd: number | null;
  unpricedCalls: number;
  modelCalls: number;
}

const COLUMNS = sql`id, job_id, batch_id, job_attempt, epoch, n, kind, counted, model, prompt_version, messages,
  raw_output, finish_reason, issues, normalisations, prompt_tokens, completion_tokens, cached_tokens, reasoning_tokens, cost_usd,
  latency_ms, error, state, via, created_at, finished_at`;

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
    cachedTokens: toInt(row.cached_tokens, 'model_calls.cached_tokens'),
    reasoningTokens: toInt(row.reasoning_tokens, 'model_calls.reasoning_tokens'),
    costUsd: toNumOrNull(row.cost_usd, 'model_calls.cost_usd'),
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
 * Runs an insert numbered `max(n) + 1` for its job. Two writers of one job (a holder whose lease
 * was lost and the one that took over) compute the same number; the unique index makes the later
 * one wait for the first to commit, fail, and retry with the next number. The failed statement
 * changed nothing (a reservation made in it too). Outside a transaction only (a retry needs one).
 */
async function withNextNumber<T>(insert: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await insert();
    } catch (err) {
      if (attempt >= 20 || !isNumberTaken(err)) throw err;
    }
  }
}

const INSERT_COLUMNS = sql`job_id, batch_id, job_attempt, epoch, n, kind, counted, model, prompt_version, messages,
  raw_output, finish_reason, issues, normalisations, prompt_tokens, completion_tokens, cached_tokens, reasoning_tokens, cost_usd,
  latency_ms, error, state, via`;

function insertValues(c: ModelCallInput): SQL {
  return sql`${c.jobId}, ${c.batchId}, ${c.jobAttempt}, ${c.epoch},
    coalesce((select max(n) from model_calls where job_id = ${c.jobId}), 0) + 1,
    ${c.kind}, ${c.counted}, ${c.model}, ${c.promptVersion}, ${jsonArrayParam(c.messages)}::jsonb,
    ${c.rawOutput === null ? null : storableText(c.rawOutput)}, ${c.finishReason}, ${jsonArrayParam(c.issues)}::jsonb,
    ${jsonArrayParam(c.normalisations)}::jsonb, ${c.promptTokens}, ${c.completionTokens}, ${c.cachedTokens}, ${c.reasoningTokens},
    ${c.costUsd}::numeric, ${c.latencyMs}, ${jsonParam(c.error)}::jsonb, ${jsonParam(c.state)}::jsonb, ${c.via ?? null}`;
}

/** Records one finished call in its own statement, outside the job's completion transaction. */
export async function insertModelCall(ex: Executor, c: ModelCallInput): Promise<ModelCallRecord> {
  const row = await withNextNumber(() =>
    queryOne(ex, sql`insert into model_calls (${INSERT_COLUMNS}, finished_at) select ${insertValues(c)}, now() returning ${COLUMNS}`),
  );
  if (!row) throw new Error('database boundary: insert into model_calls returned no row');
  return toModelCall(row);
}

/** The recorded error of a call that was sent and whose outcome was never recorded. */
export const NO_OUTCOME = {
  kind: 'no_outcome',
  message: 'the request was sent but no outcome was recorded (the worker stopped or lost the job during the call)',
} as const;

/** The worst case a call holds against its tenant's and batch's budgets while it is out. */
export interface CallReservation {
  tenant: string;
  tokens: number;
  /** Null when the model has no price: then only budgets without a dollar limit let it through. */
  usd: number | null;
}

/** A started call, or what refused it: the validation budget (`attempts`), the tenant's or the batch's budget. */
export type StartedCall = { kind: 'started'; record: ModelCallRecord } | { kind: 'refused'; by: 'attempts' | 'tenant' | 'batch' };

/**
 * Records a call as started, before it is sent: counted (it may produce a completion the
 * provider bills) and with the NO_OUTCOME error until `finishModelCall` records what happened.
 * In the same statement (one round trip, one atomic step across every worker): refused when the
 * job's epoch has already counted `budget` calls, so two holders of one job cannot both pass the
 * cap; then the call's worst case is reserved against its tenant's period and its batch
 * (`qf_reserve_spend`, drizzle/0021), refused when either would go over. With `budget:
 * 'uncounted'` the call is recorded uncounted and never refused by the validation budget (kind `verify`).
 */
export async function startModelCall(
  ex: Executor,
  c: Omit<ModelCallInput, 'counted' | 'error' | 'state' | 'rawOutput' | 'finishReason' | 'issues' | 'normalisations' | 'promptTokens' | 'completionTokens' | 'cachedTokens' | 'reasoningTokens' | 'costUsd' | 'latencyMs'>,
  budget: number | 'uncounted',
  reserve: CallReservation,
): Promise<StartedCall> {
  // `uncounted` (verification calls): outside the validation budget, never refused by it.
  const counted = budget !== 'uncounted';
  const input: ModelCallInput = { ...c, ...NOT_ANSWERED, counted, error: NO_OUTCOME };
  const withinBudget = counted
    ? sql`(select count(*) from model_calls where job_id = ${c.jobId} and epoch = ${c.epoch} and counted) < ${budget}`
    : sql`true`;
  const row = await withNextNumber(() =>
    queryOne(
      ex,
      sql`with gate as (
            select refused, ledger from qf_reserve_spend(${withinBudget}, ${c.jobId}, ${c.jobAttempt}, ${c.batchId}, ${reserve.tenant}, ${reserve.tokens}, ${reserve.usd}::numeric)
          ), ins as (
            insert into model_calls (${INSERT_COLUMNS}, reserved_tokens, reserved_usd, spend_ledger)
            select ${insertValues(input)}, ${reserve.tokens}, coalesce(${reserve.usd}::numeric, 0), gate.ledger
              from gate where gate.refused is null
            returning ${COLUMNS}
          )
          select gate.refused as gate_refused, ins.* from gate left join ins on true`,
    ),
  );
  const refused = toStrOrNull(row?.gate_refused, 'refused');
  if (refused === 'attempts' || refused === 'tenant' || refused === 'batch') return { kind: 'refused', by: refused };
  if (!row || row.id === null || row.id === undefined) throw new Error('database boundary: starting a model call returned no row');
  return { kind: 'started', record: toModelCall(row) };
}

/** What a started call came to. */
export type ModelCallOutcome = Pick<
  ModelCallInput,
  | 'counted'
  | 'rawOutput'
  | 'finishReason'
  | 'issues'
  | 'normalisations'
  | 'promptTokens'
  | 'completionTokens'
  | 'cachedTokens'
  | 'reasoningTokens'
  | 'costUsd'
  | 'latencyMs'
  | 'error'
  | 'state'
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
  cachedTokens: 0,
  reasoningTokens: 0,
  costUsd: null,
  latencyMs: 0,
  error: null,
  state: null,
};

/**
 * Records the outcome of a call `startModelCall` recorded and, in the same statement, settles its
 * reservation (`qf_settle_spend`, drizzle/0021): the worst case is released and the real tokens
 * and cost are added to its tenant's period and its batch, once (not again for a call a later
 * attempt of its job already charged as stale). `charge` replaces what is added
 * (an aborted call may still be billed: it is charged its worst case).
 */
export async function finishModelCall(ex: Executor, id: number, o: ModelCallOutcome, charge?: { tokens: number; usd: number | null }): Promise<void> {
  const tokens = charge?.tokens ?? o.promptTokens + o.completionTokens;
  const usd = charge === undefined ? o.costUsd : charge.usd;
  await ex.execute(
    sql`with settled as (select qf_settle_spend(${id}, ${tokens}, ${usd}::numeric) as ok)
        update model_calls set counted = ${o.counted},
          raw_output = ${o.rawOutput === null ? null : storableText(o.rawOutput)}, finish_reason = ${o.finishReason},
          issues = ${jsonArrayParam(o.issues)}::jsonb, normalisations = ${jsonArrayParam(o.normalisations)}::jsonb,
          prompt_tokens = ${o.promptTokens}, completion_tokens = ${o.completionTokens}, cached_tokens = ${o.cachedTokens},
          reasoning_tokens = ${o.reasoningTokens}, cost_usd = ${o.costUsd}::numeric, reserved_tokens = 0, reserved_usd = 0,
          latency_ms = ${o.latencyMs}, error = ${jsonParam(o.error)}::jsonb, state = ${jsonParam(o.state)}::jsonb, finished_at = now()
        where id = ${id} and finished_at is null and (select ok from settled) is not null`,
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

/** The usage columns `USAGE_SUMS` selects, as totals. */
export function toUsage(row: Record<string, unknown> | null): UsageTotals {
  const unpricedCalls = toIntOrNull(row?.unpriced_calls, 'unpriced_calls') ?? 0;
  return {
    promptTokens: toIntOrNull(row?.prompt_tokens, 'prompt_tokens') ?? 0,
    completionTokens: toIntOrNull(row?.completion_tokens, 'completion_tokens') ?? 0,
    cachedTokens: toIntOrNull(row?.cached_tokens, 'cached_tokens') ?? 0,
    reasoningTokens: toIntOrNull(row?.reasoning_tokens, 'reasoning_tokens') ?? 0,
    costUsd: unpricedCalls > 0 ? null : (toNumOrNull(row?.cost_usd, 'cost_usd') ?? 0),
    unpricedCalls,
    modelCalls: toIntOrNull(row?.model_calls, 'model_calls') ?? 0,
  };
}

/**
 * Usage sums over the model_calls rows aliased `m`: tokens, cached and reasoning tokens, cost, and
 * the calls that came back with tokens but no price (their cost is unknown, so the total is too).
 */
export const USAGE_SUMS = sql`coalesce(sum(m.prompt_tokens), 0)::bigint as prompt_tokens,
  coalesce(sum(m.completion_tokens), 0)::bigint as completion_tokens,
  coalesce(sum(m.cached_tokens), 0)::bigint as cached_tokens, coalesce(sum(m.reasoning_tokens), 0)::bigint as reasoning_tokens,
  coalesce(sum(m.cost_usd), 0) as cost_usd,
  (count(*) filter (where m.cost_usd is null and m.prompt_tokens + m.completion_tokens > 0))::int as unpriced_calls,
  count(*)::int as model_calls`;

/** Tokens and calls spent by one job (a chunk's usage). */
export function usageByJob(ex: Executor, jobId: number): Promise<UsageTotals> {
  return usageWhere(ex, sql`m.job_id = ${jobId}`);
}

async function usageWhere(ex: Executor, where: SQL): Promise<UsageTotals> {
  const row = await queryOne(
    ex,
    sql`select ${USAGE_SUMS} from model_calls m where ${where}`,
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
