import { sql } from 'drizzle-orm';
import type { Executor } from '../client.js';
import { queryRows, toInt, toJson, toStr } from '../rows.js';
import { storableJson, storableText } from './text.js';

/** One accepted question at its final position in a batch. */
export interface QuestionRecord {
  position: number;
  question: string;
  options: string[];
  correctAnswer: number;
  explanation: string;
}

function toOptions(value: unknown): string[] {
  const json = toJson(value);
  if (!Array.isArray(json) || !json.every((o): o is string => typeof o === 'string')) {
    throw new Error('database boundary: questions.options is not a string array');
  }
  return json;
}

export function toQuestion(row: Record<string, unknown>): QuestionRecord {
  return {
    position: toInt(row.position, 'questions.position'),
    question: toStr(row.question, 'questions.question'),
    options: toOptions(row.options),
    correctAnswer: toInt(row.correct_answer, 'questions.correct_answer'),
    explanation: toStr(row.explanation, 'questions.explanation'),
  };
}

/**
 * Persists a batch's questions; a position that already exists is left alone, so a re-run or
 * replayed assemble can never duplicate a quiz. Returns how many rows were actually new.
 */
export async function insertQuestions(ex: Executor, batchId: string, questions: readonly QuestionRecord[]): Promise<number> {
  let inserted = 0;
  for (const q of questions) {
    const rows = await queryRows(
      ex,
      sql`insert into questions (batch_id, position, question, options, correct_answer, explanation)
          values (${batchId}, ${q.position}, ${storableText(q.question)}, ${JSON.stringify(storableJson(q.options))}::jsonb,
            ${q.correctAnswer}, ${storableText(q.explanation)})
          on conflict (batch_id, position) do nothing
          returning id`,
    );
    inserted += rows.length;
  }
  return inserted;
}

/** A batch's questions in quiz order. */
export async function listQuestions(ex: Executor, batchId: string): Promise<QuestionRecord[]> {
  const rows = await queryRows(
    ex,
    sql`select position, question, options, correct_answer, explanation
        from questions where batch_id = ${batchId} order by position`,
  );
  return rows.map(toQuestion);
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
