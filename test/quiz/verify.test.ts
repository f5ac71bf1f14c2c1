import { describe, expect, it } from 'vitest';
import { reconcile, verificationAsk, verificationItems, verificationJsonSchema } from '../../src/quiz/verify.js';
import type { Question } from '../../schemas/index.js';

const Q: Question[] = [
  { question: 'Which planet is closest to the Sun?', options: ['Venus', 'Mercury', 'Earth', 'Mars'], correctAnswer: 1, explanation: 'Mercury orbits closest.' },
  { question: 'What is the capital city of Canada?', options: ['Toronto', 'Ottawa', 'Montreal', 'Vancouver'], correctAnswer: 1, explanation: 'Ottawa.' },
];

const out = (answers: unknown[]) => JSON.stringify({ answers });

describe('key verification (pure part)', () => {
  it('the ask has stems and shuffled options, never the key, the explanation or an index', () => {
    const items = verificationItems(Q, 'batch-1:chunk-0');
    expect(items.map((i) => [...i.options].sort())).toEqual(Q.map((q) => [...q.options].sort()));
    expect(verificationItems(Q, 'batch-1:chunk-0')).toEqual(items);
    const ask = verificationAsk(items);
    expect(ask).toContain('Which planet is closest to the Sun?');
    expect(ask).not.toContain('Mercury orbits closest');
    expect(ask).not.toContain('correctAnswer');
    const seeds = new Set(Array.from({ length: 20 }, (_, s) => verificationItems(Q, `seed-${s}`)[0]?.options.join('|')));
    expect(seeds.size).toBeGreaterThan(1);
  });

  it('the schema is the strict quiz_verification shape', () => {
    const schema = verificationJsonSchema();
    expect(schema).toMatchObject({ type: 'object', additionalProperties: false, required: ['answers'] });
    expect(JSON.stringify(schema)).toContain('"reason"');
  });

  it('agreement, a dispute naming the choice and reason, and "no option is correct"', () => {
    const verdicts = reconcile(Q, out([
      { question: 0, option: 'mercury', reason: 'Closest orbit.' },
      { question: 1, option: 'Toronto', reason: 'Largest city.' },
    ]), 5);
    expect(verdicts[0]).toEqual({ kind: 'agree', question: 0 });
    expect(verdicts[1]).toMatchObject({ kind: 'dispute', issue: { path: 'questions[6].correctAnswer', code: 'answer_disputed' } });
    expect(verdicts[1]?.kind === 'dispute' && verdicts[1].issue.message).toContain('"Toronto"');
    const none = reconcile(Q.slice(0, 1), out([{ question: 0, option: null, reason: 'Ambiguous.' }]));
    expect(none[0]?.kind === 'dispute' && none[0].issue.message).toContain('no option is correct');
  });

  it('malformed output, a text that is no option, a missing or doubled answer are unusable, never a throw', () => {
    for (const raw of ['', 'not json', '{"answers": 3}', '{"answers": [{"question": 0}]}', 'null']) {
      expect(reconcile(Q, raw).map((v) => v.kind)).toEqual(['unusable', 'unusable']);
    }
    const verdicts = reconcile(Q, out([
      { question: 0, option: 'Pluto', reason: 'x' },
      { question: 1, option: 'Ottawa', reason: 'x' },
      { question: 1, option: 'Ottawa', reason: 'x' },
    ]));
    expect(verdicts.map((v) => v.kind)).toEqual(['unusable', 'unusable']);
  });

  it('multiple-answer questions are answered with options: the same set in any order agrees, another set disputes', () => {
    const multi = [{ type: 'multiple' as const, question: 'Which of these are primary colours of light?', options: ['Red', 'Yellow', 'Green', 'Blue'], correctAnswers: [0, 2, 3], explanation: 'Red, green and blue light.' }];
    const answer = (options: string[]) => JSON.stringify({ answers: [{ question: 0, options, reason: 'RGB.' }] });
    expect(reconcile(multi, answer(['blue', 'Red', 'Green']), [4])[0]).toEqual({ kind: 'agree', question: 0 });
    const dispute = reconcile(multi, answer(['Red', 'Yellow', 'Blue']), [4])[0];
    expect(dispute).toMatchObject({ kind: 'dispute', issue: { path: 'questions[4].correctAnswers', code: 'answer_disputed' } });
    // The single shape is not the multiple one: unusable, as is a text that is no option.
    expect(reconcile(multi, out([{ question: 0, option: 'Red', reason: 'x' }]))[0]?.kind).toBe('unusable');
    expect(reconcile(multi, answer(['Red', 'Purple']))[0]?.kind).toBe('unusable');
    expect(JSON.stringify(verificationJsonSchema('multiple'))).toContain('"options"');
    expect(verificationAsk(verificationItems(multi, 's'), 'multiple')).toContain('every correct option');
  });
});
