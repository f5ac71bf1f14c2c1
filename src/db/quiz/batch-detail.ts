import { sql } from 'drizzle-orm';
import type { Executor } from '../client.js';
import { toState } from '../jobs/rows.js';
import type { JobState } from '../jobs/types.js';
import { queryOne, toInt, toJson, toStr } from '../rows.js';
import { BATCH_COLUMNS, ownedBy, toBatch, type BatchRecord, type Owner } from './batches.js';
import { toUsage, type UsageTotals } from './model-calls.js';
import { toQuestion, type QuestionRecord } from './questions.js';

/** What a batch read needs of each of its jobs. */
export interface BatchJobRecord {
  id: number;
  queue: string;
  state: JobState;
  attempt: number;
}

/** A batch with everything its view is derived from, read in one statement. */
export interface BatchDetail {
  batch: BatchRecord;
  jobs: BatchJobRecord[];
  questions: QuestionRecord[];
  usage: UsageTotals;
  /** Repair turns and verification calls among the batch's model calls, with the verification tokens. */
  calls: { repairs: number; verifications: number; verifyPromptTokens: number; verifyCompletionTokens: number };
}

function array(value: unknown, what: string): Record<string, unknown>[] {
  const json = toJson(value);
  if (!Array.isArray(json)) throw new Error(`database boundary: ${what} is not an array`);
  return json as Record<string, unknown>[];
}

function toBatchJob(row: Record<string, unknown>): BatchJobRecord {
  return { id: toInt(row.id, 'jobs.id'), queue: toStr(row.queue, 'jobs.queue'), state: toState(row.state), attempt: toInt(row.attempt, 'jobs.attempt') };
}

/**
 * A batch, its jobs, its questions and its usage in one round trip, and so in one snapshot: the
 * questions commit with the assemble job's success, so a single statement can never report a
 * succeeded batch without its questions (separate reads could, seen in CI). Null also when
 * `owner` does not own the batch, exactly as for an unknown id.
 */
export async function getBatchDetail(ex: Executor, id: string, owner: Owner = null): Promise<BatchDetail | null> {
  const row = await queryOne(
    ex,
    sql`select ${BATCH_COLUMNS},
          (select coalesce(json_agg(json_build_object('id', j.id, 'queue', j.queue, 'state', j.state, 'attempt', j.attempt) order by j.id), '[]'::json)
             from jobs j where j.group_id = b.id) as detail_jobs,
          (select coalesce(json_agg(json_build_object('position', q.position, 'question', q.question, 'options', q.options,
                    'correct_answer', q.correct_answer, 'explanation', q.explanation, 'type', q.type,
                    'correct_answers', q.correct_answers, 'evidence', q.evidence, 'verified', q.verified,
                    'quality', q.quality) order by q.position), '[]'::json)
             from questions q where q.batch_id = b.id) as detail_questions,
          u.prompt_tokens, u.completion_tokens, u.model_calls, u.repairs, u.verifications, u.verify_prompt_tokens, u.verify_completion_tokens
        from batches b
        cross join lateral (
          select coalesce(sum(m.prompt_tokens), 0)::bigint as prompt_tokens,
                 coalesce(sum(m.completion_tokens), 0)::bigint as completion_tokens, count(*)::int as model_calls,
                 (count(*) filter (where m.kind = 'repair'))::int as repairs,
                 (count(*) filter (where m.kind = 'verify'))::int as verifications,
                 coalesce(sum(m.prompt_tokens) filter (where m.kind = 'verify'), 0)::bigint as verify_prompt_tokens,
                 coalesce(sum(m.completion_tokens) filter (where m.kind = 'verify'), 0)::bigint as verify_completion_tokens
            from model_calls m where m.batch_id = b.id) u
        where b.id = ${id} ${ownedBy(sql`b.tenant_id`, owner)}`,
  );
  if (!row) return null;
  return {
    batch: toBatch(row),
    jobs: array(row.detail_jobs, 'batch jobs').map(toBatchJob),
    questions: array(row.detail_questions, 'batch questions').map(toQuestion),
    usage: toUsage(row),
    calls: {
      repairs: toInt(row.repairs ?? 0, 'repairs'),
      verifications: toInt(row.verifications ?? 0, 'verifications'),
      verifyPromptTokens: toInt(row.verify_prompt_tokens ?? 0, 'verify_prompt_tokens'),
      verifyCompletionTokens: toInt(row.verify_completion_tokens ?? 0, 'verify_completion_tokens'),
    },
  };
}
