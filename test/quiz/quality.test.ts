import { describe, expect, it } from 'vitest';
import { applyOutput, emptyDraft } from '../../src/quiz/draft.js';
import { answerText, demoQuestion } from '../../src/quiz/demo-model.js';
import { clashWith, existingBlock, MAX_SHOWN, type ExistingQuestion } from '../../src/quiz/existing.js';
import { fingerprint } from '../../src/quiz/validate/index.js';

const q = (n: number) => demoQuestion('Quality', n);
const overlapping = { ...q(2), options: ['Paris', 'Paris, Texas', 'Lyon', 'Nice'], correctAnswer: 0 };

describe('quality levels in the repair draft', () => {
  it('standard: a warning flaw is accepted and kept on the finished draft', () => {
    const { draft } = applyOutput(emptyDraft(2, 4), [0, 1], answerText([q(1), overlapping]));
    expect(draft.done).toHaveLength(2);
    expect(draft.warnings?.map((w) => [w.path, w.code, w.severity])).toEqual([['questions[1].options[1]', 'option_contained', 'warning']]);
  });

  it('strict: the same flaw makes the position fail and go to repair', () => {
    const { draft, issues } = applyOutput(emptyDraft(2, 4, { quality: 'strict' }), [0, 1], answerText([q(1), overlapping]));
    expect(draft.done).toBeNull();
    expect(draft.failing).toEqual([1]);
    expect(issues.map((i) => [i.path, i.code])).toEqual([['questions[1].options[1]', 'option_contained']]);
    const repaired = applyOutput(draft, [1], answerText([q(3)]));
    expect(repaired.draft.done).toHaveLength(2);
  });

  it('an error flaw fails the position in standard quality too', () => {
    const { draft } = applyOutput(emptyDraft(2, 4), [0, 1], answerText([q(1), { ...q(2), question: 'Which of these is not a statement about item 2?' }]));
    expect(draft.failing).toEqual([1]);
    expect(draft.issues.map((i) => i.code)).toEqual(['negative_stem_unemphasised']);
  });
});

describe('earlier batches (distinctFrom) in the draft', () => {
  const existing = (stem: string, answer: string, position = 0): ExistingQuestion => ({ batchId: 'b-1', position, question: stem, answer, print: fingerprint(stem, answer) });

  it('a paraphrase of an earlier question is rejected with duplicate_of_existing; others are accepted', () => {
    const earlier = [existing('Which planet is closest to the Sun?', 'Mercury', 4)];
    const paraphrase = { question: 'What planet orbits nearest to the Sun?', options: ['Mercury', 'Venus', 'Mars', 'Earth'], correctAnswer: 0, explanation: 'Yes.' };
    const { draft, issues } = applyOutput(emptyDraft(2, 4), [0, 1], answerText([q(1), paraphrase]), undefined, earlier);
    expect(draft.failing).toEqual([1]);
    expect(draft.accepted[0]).toEqual(q(1));
    expect(issues).toEqual([{ path: 'questions[1].question', code: 'duplicate_of_existing', message: expect.stringContaining('question 4 of earlier batch b-1') }]);
    expect(clashWith(q(1), earlier)).toBeNull();
  });

  it('the block shown to the model is bounded and empty without earlier questions', () => {
    expect(existingBlock([])).toBe('');
    const many = Array.from({ length: MAX_SHOWN + 5 }, (_, i) => existing(`Question ${i} ${'x'.repeat(500)}`, 'a', i));
    const block = existingBlock(many);
    expect(block.split('\n').filter((l) => l.startsWith('- Question'))).toHaveLength(MAX_SHOWN);
    expect(block).toContain('… and 5 more');
    expect(block.length).toBeLessThan(MAX_SHOWN * 220 + 500);
  });
});
