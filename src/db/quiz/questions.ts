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
  /** 'human' when a reviewer accepted it from the DLQ; absent/null otherwise. */
  verified?: string | null;
}

function toOptions(value: unknown): string[] {
  const json = toJson(value);
  if (!Array.isArray(json) || !json.every((o): o is string => typeof o === 'string')) {
    throw new Error('database boundary: questions.options is not a string array');
  }
  return json;
}

function toQuestion(row: Record<string, unknown>): QuestionRecord {
  return {
    position: toInt(row.position, 'questions.position'),
    question: toStr(row.question, 'questions.question'),
    options: toOptions(row.options),
    correctAnswer: toInt(row.correct_answer, 'questions.correct_answer'),
    explanation: toStr(row.explanation, 'questions.explanation'),
    verified: row.verified === null || row.verified === undefined ? null : toStr(row.verified, 'questions.verified'),
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
      sql`insert into questions (batch_id, position, question, options, correct_answer, explanation, verified)
          values (${batchId}, ${q.position}, ${storableText(q.question)}, ${JSON.stringify(storableJson(q.options))}::jsonb,
            ${q.correctAnswer}, ${storableText(q.explanation)}, ${q.verified ?? null})
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
    sql`select position, question, options, correct_answer, explanation, verified
        from questions where batch_id = ${batchId} order by position`,
  );
  return rows.map(toQuestion);
}
