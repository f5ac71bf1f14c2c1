import { decodeHTML } from 'entities';
import { parse, type GIFTQuestion, type MultipleChoice, type TextFormat, type TrueFalse } from 'gift-pegjs';
import { describe, expect, it } from 'vitest';
import { toGift } from '../../src/export/gift.js';
import { correctIndexes, kindOf } from '../../src/export/types.js';
import { expected, hostileQuiz } from './hostile.js';

/** An `[html]` field as a teacher sees it: entities decoded, `<br>` line breaks back to newlines. */
function seen(text: TextFormat | null): string {
  expect(text?.format).toBe('html');
  return decodeHTML((text?.text ?? '').replace(/<br>\n/g, '\n'));
}

describe('GIFT export, read back by gift-pegjs', () => {
  const quiz = hostileQuiz();
  const gift = toGift(quiz);
  const parsed: GIFTQuestion[] = parse(gift);

  it('has one question per input, titled Q1…Qn', () => {
    expect(parsed).toHaveLength(quiz.questions.length);
    parsed.forEach((p, i) => expect('title' in p ? p.title : null).toBe(`Q${i + 1}`));
  });

  it('keeps stems, options, keys and feedback of every type through hostile text', () => {
    quiz.questions.forEach((q, i) => {
      const p = parsed[i];
      if (!p || p.type === 'Category' || p.type === 'Description') throw new Error(`question ${i + 1} did not parse as a question`);
      expect(seen(p.stem)).toBe(expected(q.question));
      expect(seen(p.globalFeedback)).toBe(expected(q.explanation));
      if (kindOf(q) === 'true_false') {
        expect(p.type).toBe('TF');
        expect((p as TrueFalse).isTrue).toBe(correctIndexes(q)[0] === 0);
        return;
      }
      expect(p.type).toBe('MC');
      const choices = (p as MultipleChoice).choices;
      expect(choices.map((c) => seen(c.text))).toEqual(q.options.map(expected));
      const right = correctIndexes(q);
      if (kindOf(q) === 'single') {
        expect(choices.map((c) => c.isCorrect)).toEqual(q.options.map((_, k) => right.includes(k)));
      } else {
        const weights = choices.map((c) => c.weight ?? 0);
        expect(weights.map((w, k) => w > 0 === right.includes(k))).toEqual(q.options.map(() => true));
        const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
        expect(sum(weights.filter((w) => w > 0))).toBeCloseTo(100, 3);
        if (right.length < q.options.length) expect(sum(weights.filter((w) => w < 0))).toBeCloseTo(-100, 3);
      }
    });
  });

  it('escapes every control character outside the syntax it writes', () => {
    const lines = gift.split('\n').filter((l) => l.startsWith('::'));
    for (const l of lines) expect(l.replace(/^::Q\d+::/, '').replace(/\\[\\~=#{}:n]/g, '')).not.toMatch(/[~=#}:\\]/);
  });
});
