import { describe, expect, it } from 'vitest';
import { applyOutput, applyTruncation, draftFromQuestions, emptyDraft, isDraftState } from '../../src/quiz/draft.js';
import { answerText, demoQuestion } from '../../src/quiz/demo-model.js';

const q = (n: number) => demoQuestion('Draft', n);

describe('the repair draft', () => {
  it('accepts the valid questions of a first answer and marks only the broken ones failing', () => {
    const answer = [q(1), { ...q(2), correctAnswer: 9 }, q(3)];
    const { draft, issues } = applyOutput(emptyDraft(3, 4), [0, 1, 2], answerText(answer));
    expect(draft.done).toBeNull();
    expect(draft.failing).toEqual([1]);
    expect(draft.accepted[0]).toEqual(q(1));
    expect(draft.accepted[1]).toBeNull();
    expect(issues.map((i) => i.path)).toEqual(['questions[1].correctAnswer']);
    // After a full answer, the model is shown its own text.
    expect(draft.previous).toBe(answerText(answer));
  });

  it('maps a repair answer back to draft positions, issue paths included', () => {
    const first = applyOutput(emptyDraft(4, 4), [0, 1, 2, 3], answerText([q(1), { ...q(2), correctAnswer: 9 }, q(3), { ...q(4), correctAnswer: 9 }]));
    expect(first.draft.failing).toEqual([1, 3]);
    const second = applyOutput(first.draft, [1, 3], answerText([q(12), { ...q(14), options: ['a', 'A', 'b', 'c'] }]));
    expect(second.draft.failing).toEqual([3]);
    expect(second.issues.every((i) => i.path.startsWith('questions[3]'))).toBe(true);
    expect(second.draft.accepted[1]).toEqual(q(12));
    const third = applyOutput(second.draft, [3], answerText([q(24)]));
    expect(third.draft.done?.map((x) => x.question)).toEqual([q(1), q(12), q(3), q(24)].map((x) => x.question));
  });

  it('an unparseable repair answer keeps its positions failing; surplus questions are dropped, the issue kept', () => {
    const first = applyOutput(emptyDraft(3, 4), [0, 1, 2], answerText([q(1), { ...q(2), correctAnswer: 9 }, q(3)]));
    const garbage = applyOutput(first.draft, [1], 'sorry, here you go: {');
    expect(garbage.draft.failing).toEqual([1]);
    expect(garbage.issues[0]?.message).toMatch(/^in your last answer: /);
    const tooMany = applyOutput(first.draft, [1], answerText([q(20), q(21)]));
    expect(tooMany.draft.done?.map((x) => x.question)).toEqual([q(1), q(20), q(3)].map((x) => x.question));
    expect(tooMany.issues.map((i) => i.code)).toContain('question_count');
    const tooFew = applyOutput(emptyDraft(3, 4), [0, 1, 2], answerText([q(1)]));
    expect(tooFew.draft.failing).toEqual([1, 2]);
  });

  it('blames the fresh replacement, never a kept question, for a duplicate', () => {
    const first = applyOutput(emptyDraft(3, 4), [0, 1, 2], answerText([q(1), { ...q(2), correctAnswer: 9 }, q(3)]));
    // The replacement at position 1 repeats position 2's question (a kept one, later in order).
    const dup = applyOutput(first.draft, [1], answerText([q(3)]));
    expect(dup.draft.failing).toEqual([1]);
    expect(dup.draft.accepted[2]).toEqual(q(3));
    expect(dup.issues.find((i) => i.code === 'duplicate_question')?.path).toBe('questions[1].question');
  });

  it('a draft built from chunk results keeps the first copy of a duplicate', () => {
    const draft = draftFromQuestions([q(1), q(2), q(1), q(2), q(5)], 4);
    expect(draft.failing).toEqual([2, 3]);
    expect(draft.issues.map((i) => i.code)).toEqual(['duplicate_question', 'duplicate_question']);
    expect(draftFromQuestions([q(1), q(2)], 4).done).toHaveLength(2);
  });

  it('truncations only raise the token budget, and the state survives a JSON round trip', () => {
    const d = applyTruncation(applyTruncation(emptyDraft(2, 4)));
    expect(d.truncations).toBe(2);
    expect(d.failing).toEqual([0, 1]);
    expect(isDraftState(JSON.parse(JSON.stringify(d)))).toBe(true);
    expect(isDraftState({ count: 1 })).toBe(false);
  });
});
