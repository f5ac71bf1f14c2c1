import { z } from 'zod';
import { AnyQuestionSchema, QUESTION_LIMITS, SingleQuestionSchema, questionsJsonSchema } from './question.js';

export { QUESTION_LIMITS };

/**
 * A stored, validated single-answer question as the API returns it (today's shape; `evidence` only
 * with a source). No transforms, so the same schema documents both input and output in OpenAPI.
 * The other types live in `question.ts`; `AnyQuestionSchema` covers all three.
 */
export const QuestionSchema = SingleQuestionSchema;
export type Question = z.output<typeof QuestionSchema>;

/** The model output contract in its general form (any count, any type, any option count within limits). */
export const QuizOutputSchema = z.strictObject({ questions: z.array(AnyQuestionSchema) });
export type QuizOutput = z.output<typeof QuizOutputSchema>;

/** The single-answer output schema for one call, as before: `questionsJsonSchema` for the other types. */
export function quizOutputJsonSchema(count: number, options: number): Record<string, unknown> {
  return questionsJsonSchema({ type: 'single', count, options, language: 'en' });
}
