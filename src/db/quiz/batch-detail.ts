import { sql } from 'drizzle-orm';
import type { Executor } from '../client.js';
import { toState } from '../jobs/rows.js';
import type { JobState } from '../jobs/types.js';
import { HotStatement, toInt, toJson, toStr } from '../rows.js';
import { toBatchSpend, type BatchSpendRecord } from '../accounts/spend.js';
import { BATCH_COLUMNS, toBatch, type BatchRecord, type Owner } from './batches.js';
import { USAGE_SUMS, toUsage, type UsageTotals } from './model-calls.js';
import { toQuestion, type QuestionRecord } from './questions.js';

/** What a batch read needs of each of its jobs. */
export interface BatchJobRecord {
  id: number;
  queue: string;
  state: JobState;
  attempt: number;
  /** Tokens and cost of the job's calls (batch reads only). */
  usage?: { promptTokens: number; completionTokens: number; costUsd: number | null };
}

/** A batch with everything its view is derived from, read in one statement. */
export interface BatchDetail {
  batch: BatchRecord;
  jobs: BatchJobRecord[];
  questions: QuestionRecord[];
  usage: UsageTotals;
  /** The batch's limits and spend; null for a batch stored before budgets. */
  spend: BatchSpendRecord | null;
  /** Repair turns and verification calls among the batch's model calls, with the verification tokens. */
  calls: { repairs: number; verifications: number; verifyPromptTokens: number; verifyCompletionTokens: number };
}

function array(value: unknown, what: string): Record<string, unknown>[] {
  const json = toJson(value);
  if (!Array.isArray(json)) throw new Error(`database boundary: ${what} is not an array`);
  return json as Record<string, unknown>[];
}

function toBatchJob(row: Record<string, unknown>): BatchJobRecord {
  const usage = toUsage(row);
  return {
    id: toInt(row.id, 'jobs.id'),
    queue: toStr(row.queue, 'jobs.queue'),
    state: toState(row.state),
    attempt: toInt(row.attempt, 'jobs.attempt'),
    usage: { promptTokens: usage.promptTokens, completionTokens: usage.completionTokens, costUsd: usage.costUsd },
  };
}

/**
 * Prepared once per connection with a generic plan (see HotStatement): the batch read is the API's
 * hottest statement, and planning its three subqueries on every call cost the server more than
 * running them: under a load of reads of one batch, PostgreSQL's CPU per read fell from about
 * 0.6 ms to 0.14 ms once the plan was kept.
 */
const BATCH_DETAIL = new HotStatement(
  sql`select ${BATCH_COLUMNS},
      (select coalesce(json_agg(json_build_object('id', j.id, 'queue', j.queue, 'state', j.state, 'attempt', j.attempt,
                'prompt_tokens', ju.prompt_tokens, 'completion_tokens', ju.completion_tokens, 'cost_usd', ju.cost_usd,
                'unpriced_calls', ju.unpriced_calls) order by j.id), '[]'::json)
         from jobs j cross join lateral (select ${USAGE_SUMS} from model_calls m where m.job_id = j.id) ju
         where j.group_id = b.id) as detail_jobs,
      (select coalesce(json_agg(json_build_object('position', q.position, 'question', q.question, 'options', q.options,
                'correct_answer', q.correct_answer, 'explanation', q.explanation, 'type', q.type,
                'correct_answers', q.correct_answers, 'evidence', q.evidence, 'verified', q.verified,
                'quality', q.quality) order by q.position), '[]'::json)
         from questions q where q.batch_id = b.id) as detail_questions,
      (select row_to_json(s) from batch_spend s where s.batch_id = b.id) as detail_spend,
      u.prompt_tokens, u.completion_tokens, u.cached_tokens, u.reasoning_tokens, u.cost_usd, u.unpriced_calls, u.model_calls, u.repairs, u.verifications, u.verify_prompt_tokens, u.verify_completion_tokens
    from batches b
    cross join lateral (
      select ${USAGE_SUMS},
             (count(*) filter (where m.kind = 'repair'))::int as repairs,
             (count(*) filter (where m.kind = 'verify'))::int as verifications,
             coalesce(sum(m.prompt_tokens) filter (where m.kind = 'verify'), 0)::bigint as verify_prompt_tokens,
             coalesce(sum(m.completion_tokens) filter (where m.kind = 'verify'), 0)::bigint as verify_completion_tokens
        from model_calls m where m.batch_id = b.id) u
    where b.id = ${sql.placeholder('id')}::text
      and (${sql.placeholder('owner')}::text is null or b.tenant_id = ${sql.placeholder('owner')}::text)`,
  { prepare: 'qf_batch_detail' },
);

/**
 * A batch, its jobs, its questions and its usage in one round trip, and so in one snapshot: the
 * questions commit with the assemble job's success, so a single statement can never report a
 * succeeded batch without its questions (separate reads could, seen in CI). Null also when
 * `owner` does not own the batch, exactly as for an unknown id.
 */
export async function getBatchDetail(ex: Executor, id: string, owner: Owner = null): Promise<BatchDetail | null> {
  const row = await BATCH_DETAIL.one(ex, { id, owner });
  if (!row) return null;
  return {
    batch: toBatch(row),
    jobs: array(row.detail_jobs, 'batch jobs').map(toBatchJob),
    questions: array(row.detail_questions, 'batch questions').map(toQuestion),
    usage: toUsage(row),
    spend: row.detail_spend === null || row.detail_spend === undefined ? null : toBatchSpend(toJson(row.detail_spend) as Record<string, unknown>),
    calls: {
      repairs: toInt(row.repairs ?? 0, 'repairs'),
      verifications: toInt(row.verifications ?? 0, 'verifications'),
      verifyPromptTokens: toInt(row.verify_prompt_tokens ?? 0, 'verify_prompt_tokens'),
      verifyCompletionTokens: toInt(row.verify_completion_tokens ?? 0, 'verify_completion_tokens'),
    },
  };
}
