import { describe, expect, it } from 'vitest';
import { fingerprint, isNearDuplicate, questionFingerprint, validateQuizOutput } from '../../../src/quiz/validate/index.js';
import { draftFromQuestions } from '../../../src/quiz/draft.js';
import { PAIRS } from '../../../bench/quality/pairs.js';
import type { Question } from '../../../schemas/index.js';

const question = (stem: string, key: string, others: string[]): Question => ({ question: stem, options: [key, ...others], correctAnswer: 0, explanation: 'Because.' });

describe('near-duplicate questions', () => {
  it('catches every paraphrase pair of the corpus and merges no related pair', () => {
    for (const pair of PAIRS) {
      const a = fingerprint(pair.a.question, pair.a.answer);
      const b = fingerprint(pair.b.question, pair.b.answer);
      expect(isNearDuplicate(a, b), pair.id).toBe(pair.duplicate);
    }
  });

  it('within one output: the later paraphrase fails with duplicate_question, the first is kept', () => {
    const raw = JSON.stringify({
      questions: [
        question('Which planet is closest to the Sun?', 'Mercury', ['Venus', 'Earth', 'Mars']),
        question('Which planet is farthest from the Sun?', 'Neptune', ['Venus', 'Earth', 'Mars']),
        question('What planet orbits nearest to the Sun?', 'Mercury', ['Venus', 'Earth', 'Mars']),
      ],
    });
    const result = validateQuizOutput(raw, { count: 3, options: 4 });
    if (result.ok) throw new Error('accepted');
    expect(result.issues.map((i) => [i.path, i.code])).toEqual([['questions[2].question', 'duplicate_question']]);
    expect(result.issues[0]?.message).toContain('questions[0]');
    expect(result.partial.map((p) => p.index)).toEqual([0, 1]);
  });

  it('across chunks (assemble): a paraphrase in a later chunk is marked for regeneration', () => {
    const draft = draftFromQuestions(
      [
        question('In which year did the Berlin Wall fall?', '1989', ['1987', '1991', '1993']),
        question('Who painted the Mona Lisa?', 'Leonardo da Vinci', ['Raphael', 'Titian', 'Giotto']),
        question('When did the Berlin Wall come down?', '1989', ['1985', '1990', '1979']),
      ],
      4,
    );
    expect(draft.done).toBeNull();
    expect(draft.failing).toEqual([2]);
    expect(draft.issues.map((i) => [i.path, i.code])).toEqual([['questions[2].question', 'duplicate_question']]);
  });

  it('the same words in another order with another key are different questions', () => {
    const a = fingerprint('Question 0 about 2?', 'alpha');
    const b = fingerprint('Question 2 about 0?', 'bravo');
    expect(isNearDuplicate(a, b)).toBe(false);
    expect(isNearDuplicate(a, fingerprint('question 0 about 2', 'bravo'))).toBe(true);
  });

  it('multiple-answer questions: one fingerprint (stem + sorted key texts) in one answer and across a draft', () => {
    const multi = (stem: string, options: string[], correctAnswers: number[]) => ({ type: 'multiple' as const, question: stem, options, correctAnswers, explanation: 'Because they are.' });
    const a = multi('Which of these are primary colours of light?', ['Red', 'Green', 'Yellow', 'Blue'], [0, 1, 3]);
    // The same key set in another order, with a paraphrased stem: the same question.
    const b = multi('Which colours are the primary colours of light?', ['Blue', 'Red', 'Magenta', 'Green'], [0, 1, 3]);
    // Another key set on a related stem: a different question.
    const c = multi('Which of these are secondary colours of light?', ['Cyan', 'Red', 'Magenta', 'Yellow'], [0, 2, 3]);
    expect(isNearDuplicate(questionFingerprint(a), questionFingerprint(b))).toBe(true);
    expect(isNearDuplicate(questionFingerprint(a), questionFingerprint(c))).toBe(false);
    const within = validateQuizOutput(JSON.stringify({ questions: [a, c, b] }), { count: 3, options: 4, type: 'multiple' });
    expect(within.ok ? [] : within.issues.map((i) => [i.path, i.code])).toEqual([['questions[2].question', 'duplicate_question']]);
    const across = draftFromQuestions([a, c, b], 4, { type: 'multiple' });
    expect(across.failing).toEqual([2]);
  });
});
