import { describe, expect, it } from 'vitest';
import { BatchRequestSchema, QuestionSchema, QuizOutputSchema } from '../../../schemas/index.js';
import { validQuestion } from './factory.js';

describe('BatchRequestSchema', () => {
  it('applies defaults and trims', () => {
    expect(BatchRequestSchema.parse({ topic: '  Photosynthesis ', count: 10 })).toEqual({
      topic: 'Photosynthesis',
      count: 10,
      difficulty: 'medium',
      options: 4,
      language: 'en',
      maxAttempts: 3,
    });
  });

  it('keeps optional fields when given', () => {
    const parsed = BatchRequestSchema.parse({ topic: 'Rivers', count: 1, difficulty: 'hard', options: 6, audience: 'Year 9', language: 'pt-BR', model: 'gpt-4o-mini', maxAttempts: 10 });
    expect(parsed).toMatchObject({ audience: 'Year 9', language: 'pt-BR', model: 'gpt-4o-mini', options: 6, maxAttempts: 10 });
  });

  it.each([
    ['unknown key', { topic: 'x', count: 1, cout: 2 }],
    ['blank topic', { topic: '   ', count: 1 }],
    ['topic too long', { topic: 't'.repeat(201), count: 1 }],
    ['count 0', { topic: 'x', count: 0 }],
    ['count 51', { topic: 'x', count: 51 }],
    ['count not integer', { topic: 'x', count: 2.5 }],
    ['count as string', { topic: 'x', count: '5' }],
    ['difficulty', { topic: 'x', count: 1, difficulty: 'extreme' }],
    ['options 1', { topic: 'x', count: 1, options: 1 }],
    ['options 7', { topic: 'x', count: 1, options: 7 }],
    ['audience too long', { topic: 'x', count: 1, audience: 'a'.repeat(201) }],
    ['language not a tag', { topic: 'x', count: 1, language: 'english please' }],
    ['language too long', { topic: 'x', count: 1, language: `en-${'a'.repeat(40)}` }],
    ['model too long', { topic: 'x', count: 1, model: 'm'.repeat(101) }],
    ['maxAttempts 11', { topic: 'x', count: 1, maxAttempts: 11 }],
    ['not an object', ['x']],
  ])('rejects %s', (_label, input) => {
    expect(BatchRequestSchema.safeParse(input).success).toBe(false);
  });
});

describe('QuestionSchema', () => {
  it('accepts a stored question and refuses an answer past the options', () => {
    const q = validQuestion(1);
    expect(QuestionSchema.safeParse(q).success).toBe(true);
    const bad = QuestionSchema.safeParse({ ...q, correctAnswer: 4 });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.path).toEqual(['correctAnswer']);
    expect(QuestionSchema.safeParse({ ...q, hint: 'x' }).success).toBe(false);
    expect(QuizOutputSchema.safeParse({ questions: [q] }).success).toBe(true);
  });
});
