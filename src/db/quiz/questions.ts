import { sql } from 'drizzle-orm';
import type { Executor } from '../client.js';
import { queryRows, toInt, toJson, toStr } from '../rows.js';
import { storableJson, storableText } from './text.js';

import { StoredQualitySchema, type AnyQuestion, type Evidence, type StoredQuality } from '../../../schemas/question.js';

/**
 * One accepted question, of any type, at its final position in a batch. `verified` is 'human'
 * when a reviewer accepted it from the DLQ; absent otherwise. `quality` is always read (rows
 * stored before it existed read as unverified, without flags) and written when given.
 */
export type QuestionRecord = AnyQuestion & { position: number; verified?: 'human'; quality?: StoredQuality };

function toQuality(value: unknown, verified: unknown): { quality: StoredQuality } {
  if (value === null || value === undefined) return { quality: { verified: verified === 'human' ? 'human' : 'unverified', flags: [] } };
  const parsed = StoredQualitySchema.safeParse(toJson(value));
  if (!parsed.success) throw new Error('database boundary: questions.quality is not { verified, flags }');
  return { quality: parsed.data };
}

function toOptions(value: unknown): string[] {
  const json = toJson(value);
  if (!Array.isArray(json) || !json.every((o): o is string => typeof o === 'string')) {
    throw new Error('database boundary: questions.options is not a string array');
  }
  return json;
}

function toIndexes(value: unknown): number[] {
  const json = toJson(value);
  if (!Array.isArray(json) || !json.every((o): o is number => Number.isInteger(o))) {
    throw new Error('database boundary: questions.correct_answers is not an integer array');
  }
  return json;
}

function toEvidence(value: unknown): { evidence?: Evidence } {
  if (value === null || value === undefined) return {};
  const json = toJson(value) as Record<string, unknown>;
  const page = json.page === undefined || json.page === null ? {} : { page: toInt(json.page, 'questions.evidence.page') };
  return { evidence: { quote: toStr(json.quote, 'questions.evidence.quote'), sectionId: toStr(json.sectionId, 'questions.evidence.sectionId'), ...page } };
}

function toVerified(value: unknown): { verified?: 'human' } {
  if (value === null || value === undefined) return {};
  const v = toStr(value, 'questions.verified');
  if (v !== 'human') throw new Error(`database boundary: questions.verified is ${JSON.stringify(v)}, not 'human'`);
  return { verified: v };
}

export function toQuestion(row: Record<string, unknown>): QuestionRecord {
  const base = {
    position: toInt(row.position, 'questions.position'),
    question: toStr(row.question, 'questions.question'),
    options: toOptions(row.options),
    explanation: toStr(row.explanation, 'questions.explanation'),
  };
  // Only a reviewer's acceptance is recorded; every other question reads exactly as before.
  const evidence = { ...toEvidence(row.evidence), ...toVerified(row.verified), ...toQuality(row.quality, row.verified) };
  if (row.type === 'multiple') return { type: 'multiple', ...base, correctAnswers: toIndexes(row.correct_answers), ...evidence };
  const correctAnswer = toInt(row.correct_answer, 'questions.correct_answer');
  if (row.type === 'true_false') {
    if (correctAnswer !== 0 && correctAnswer !== 1) throw new Error('database boundary: a true_false correct_answer is not 0 or 1');
    return { type: 'true_false', ...base, correctAnswer, ...evidence };
  }
  // Single keeps its original key order: question, options, correctAnswer, explanation.
  return { position: base.position, question: base.question, options: base.options, correctAnswer, explanation: base.explanation, ...evidence };
}

/**
 * Persists a batch's questions; a position that already exists is left alone, so a re-run or
 * replayed assemble can never duplicate a quiz. Returns how many rows were actually new.
 */
export async function insertQuestions(ex: Executor, batchId: string, questions: readonly QuestionRecord[]): Promise<number> {
  let inserted = 0;
  for (const q of questions) {
    const type = 'type' in q ? q.type : null;
    const correctAnswer = 'correctAnswer' in q ? q.correctAnswer : null;
    const correctAnswers = 'correctAnswers' in q ? JSON.stringify(q.correctAnswers) : null;
    const evidence = q.evidence === undefined ? null : JSON.stringify(storableJson(q.evidence));
    const quality = q.quality === undefined ? null : JSON.stringify(storableJson(q.quality));
    const rows = await queryRows(
      ex,
      sql`insert into questions (batch_id, position, question, options, type, correct_answer, correct_answers, explanation, evidence, verified, quality)
          values (${batchId}, ${q.position}, ${storableText(q.question)}, ${JSON.stringify(storableJson(q.options))}::jsonb,
            ${type}, ${correctAnswer}, ${correctAnswers}::jsonb, ${storableText(q.explanation)}, ${evidence}::jsonb, ${q.verified ?? null}, ${quality}::jsonb)
          on conflict (batch_id, position) do nothing
          returning id`,
    );
    inserted += rows.length;
  }
  return inserted;
}

/** A stem and its correct option from an earlier batch, for `distinctFrom`. */
export interface ExistingStem {
  batchId: string;
  position: number;
  question: string;
  answer: string;
}

/**
 * The stems and correct options of the named batches, in the order named then quiz order, at most
 * `limit` rows. Unknown batches and batches without stored questions contribute nothing.
 */
export async function listStemsOfBatches(ex: Executor, batchIds: readonly string[], limit: number): Promise<ExistingStem[]> {
  if (batchIds.length === 0 || limit < 1) return [];
  const rows = await queryRows(
    ex,
    sql`select q.batch_id, q.position, q.question, q.options ->> q.correct_answer as answer
        from jsonb_array_elements_text(${JSON.stringify(batchIds)}::jsonb) with ordinality as named(batch_id, ord)
        join questions q on q.batch_id = named.batch_id
        order by named.ord, q.position
        limit ${limit}`,
  );
  return rows.map((row) => ({
    batchId: toStr(row.batch_id, 'questions.batch_id'),
    position: toInt(row.position, 'questions.position'),
    question: toStr(row.question, 'questions.question'),
    answer: toStr(row.answer ?? '', 'questions.options[correct_answer]'),
  }));
}
