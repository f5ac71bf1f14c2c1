import { z } from 'zod';
import type { AnyQuestion } from '../../schemas/question.js';

/**
 * The questions an export reads: the API's question contract (`schemas/question.ts`), read
 * leniently, so keys outside it (a reviewer's `verified`, quality flags) are dropped rather than
 * refused. Single-answer questions carry no `type` key, so every batch written before question
 * types existed exports unchanged. `fitsContract` below keeps the two in step at compile time.
 */
export const EvidenceSchema = z.object({
  quote: z.string(),
  sectionId: z.string(),
  page: z.int().min(1).optional(),
});
export type Evidence = z.output<typeof EvidenceSchema>;

const base = {
  question: z.string(),
  options: z.array(z.string()),
  explanation: z.string(),
  evidence: EvidenceSchema.optional(),
};

export const SingleQuestionSchema = z.object({ ...base, correctAnswer: z.int().min(0) });
export const MultipleQuestionSchema = z.object({ ...base, type: z.literal('multiple'), correctAnswers: z.array(z.int().min(0)).min(1) });
export const TrueFalseQuestionSchema = z.object({
  ...base,
  type: z.literal('true_false'),
  options: z.tuple([z.string(), z.string()]),
  correctAnswer: z.union([z.literal(0), z.literal(1)]),
});

export const ExportQuestionSchema = z.union([MultipleQuestionSchema, TrueFalseQuestionSchema, SingleQuestionSchema]);
export type SingleQuestion = z.output<typeof SingleQuestionSchema>;
export type MultipleQuestion = z.output<typeof MultipleQuestionSchema>;
export type TrueFalseQuestion = z.output<typeof TrueFalseQuestionSchema>;
export type ExportQuestion = SingleQuestion | MultipleQuestion | TrueFalseQuestion;
export type QuestionKind = 'single' | 'multiple' | 'true_false';

/** Compile-time guard: every question the API can hold is one an export can read. */
export const fitsContract = (q: AnyQuestion): ExportQuestion => q;

/** What every format receives: the quiz's questions and the request fields that name it. */
export interface ExportQuiz {
  id: string;
  topic: string;
  language: string;
  questions: readonly ExportQuestion[];
}

/** The kind of a question, read from its `type` key (absent means single). */
export function kindOf(q: ExportQuestion): QuestionKind {
  return 'type' in q ? q.type : 'single';
}

/** The indexes of the right options, whatever the kind. */
export function correctIndexes(q: ExportQuestion): number[] {
  return 'correctAnswers' in q ? [...q.correctAnswers].sort((a, b) => a - b) : [q.correctAnswer];
}

/** Option letters as teachers and Aiken write them: A, B, C … */
export function letter(index: number): string {
  return String.fromCharCode(65 + index);
}
