import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { answerPositionShares, balanceAnswerPositions, seededRandom } from '../../src/quiz/balance.js';
import { demoQuestion } from '../../src/quiz/demo-model.js';

describe('answer-position balancing', () => {
  it('spreads 1,000 questions that all had the answer at "B" so no position holds more than 30%', () => {
    const questions = Array.from({ length: 1000 }, (_, i) => demoQuestion('Balance', i, 4, 1));
    expect(answerPositionShares(questions, 4)).toEqual([0, 1, 0, 0]);
    const balanced = balanceAnswerPositions(questions, 'batch-1000');
    const shares = answerPositionShares(balanced, 4);
    for (const share of shares) expect(share).toBeLessThanOrEqual(0.3);
    expect(shares).toEqual([0.25, 0.25, 0.25, 0.25]);
  });

  it('balances per chunk-sized slice of 1,000 generated questions as well (every 50-question batch)', () => {
    let worst = 0;
    for (let b = 0; b < 20; b += 1) {
      const batch = Array.from({ length: 50 }, (_, i) => demoQuestion('Slices', b * 50 + i, 4, i % 3 === 0 ? 0 : 1));
      for (const share of answerPositionShares(balanceAnswerPositions(batch, `batch-${b}`), 4)) worst = Math.max(worst, share);
    }
    expect(worst).toBeLessThanOrEqual(0.3);
  });

  it('is deterministic per seed and differs between seeds', () => {
    const qs = Array.from({ length: 20 }, (_, i) => demoQuestion('Seed', i, 5, 1));
    expect(balanceAnswerPositions(qs, 'a')).toEqual(balanceAnswerPositions(qs, 'a'));
    expect(balanceAnswerPositions(qs, 'a')).not.toEqual(balanceAnswerPositions(qs, 'b'));
    const r = seededRandom('x');
    for (let i = 0; i < 1000; i += 1) {
      const v = r();
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThan(1);
    }
  });

  it('only permutes options: the correct option text and every other field survive', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.integer({ min: 2, max: 6 }).chain((k) =>
            fc.record({
              question: fc.string(),
              explanation: fc.string(),
              options: fc.uniqueArray(fc.string(), { minLength: k, maxLength: k }),
              correctAnswer: fc.integer({ min: 0, max: k - 1 }),
            }),
          ),
          { maxLength: 60 },
        ),
        fc.string(),
        (questions, seed) => {
          const out = balanceAnswerPositions(questions, seed);
          expect(out).toHaveLength(questions.length);
          out.forEach((q, i) => {
            const orig = questions[i];
            if (!orig) throw new Error('length mismatch');
            expect(q.question).toBe(orig.question);
            expect(q.explanation).toBe(orig.explanation);
            expect([...q.options].sort()).toEqual([...orig.options].sort());
            expect(q.options[q.correctAnswer]).toBe(orig.options[orig.correctAnswer]);
          });
          // Per option count, positions are within one of each other.
          for (const k of [2, 3, 4, 5, 6]) {
            const group = out.filter((q) => q.options.length === k);
            const counts = new Array<number>(k).fill(0);
            for (const q of group) counts[q.correctAnswer] = (counts[q.correctAnswer] ?? 0) + 1;
            if (group.length > 0) expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
