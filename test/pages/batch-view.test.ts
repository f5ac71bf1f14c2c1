import { describe, expect, it } from 'vitest';
import { BatchPage, PageBatchSchema } from '../../src/http/pages/batch-view.js';
import { hostileQuiz } from '../export/hostile.js';

/** A succeeded batch holding every question type, hostile text, evidence and a quality flag. */
function mixedBatch() {
  const quiz = hostileQuiz();
  const questions = quiz.questions.map((q, i) =>
    i === 0
      ? { ...q, flags: ['<i>ambiguous</i> stem'] }
      : i === 1
        ? { ...q, quality: { verified: false, flags: [{ code: 'longest_key', severity: 'warning', message: 'the key is <b>longest</b>' }] } }
        : { ...q, quality: { verified: i === 2 ? 'human' : i === 3 ? null : true, flags: [] } },
  );
  return PageBatchSchema.parse({
    id: 'b_mixed',
    status: 'succeeded',
    request: { topic: quiz.topic, count: questions.length, difficulty: 'hard', language: 'en' },
    questions,
    jobs: [{ id: 1, kind: 'chunk', state: 'succeeded', attempts: 1 }],
    quality: { verified: questions.length - 2, total: questions.length, flags: { longest_key: 1 } },
    createdAt: '2026-12-02T12:00:00.000Z',
  });
}

describe('batch page rendering', () => {
  const html = String(BatchPage({ batch: mixedBatch(), canLogOut: false }));

  it('marks every right option of every type, and nothing else', () => {
    const keys = [...html.matchAll(/data-question="(\d+)"|data-key="true"/g)].map((m) => m[1] ?? 'key');
    // Question n is followed by as many keys as it has right answers: 1, 2, 1, 1, 1, 3.
    expect(keys.join(' ')).toBe('1 key 2 key key 3 key 4 key 5 key 6 key key key');
    expect(html).toContain('Multiple answers');
    expect(html).toContain('True or false');
  });

  it('escapes hostile text, shows evidence and quality flags', () => {
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<i>ambiguous</i>');
    expect(html).toContain('&lt;i&gt;ambiguous&lt;/i&gt; stem');
    expect(html).toContain('section s-1, page 3');
    expect(html).toContain('aria-label="Quality flags"');
  });

  it('shows who verified each key, its quality flags escaped, and the batch summary', () => {
    expect([...html.matchAll(/data-verified="(\w+)"/g)].map((m) => m[1])).toEqual(['unverified', 'human', 'off', 'model', 'model']);
    expect(html).toContain('Key not verified');
    expect(html).toContain('Key checked by a reviewer');
    expect(html).toContain('Verification off');
    expect(html).toContain('longest_key: the key is &lt;b&gt;longest&lt;/b&gt;');
    expect(html).toMatch(/4 of 6 keys verified · flags: longest_key ×1/);
  });

  it('offers every export but Aiken for a batch with other types, and no live script once settled', () => {
    expect(html.match(/data-format="/g)).toHaveLength(6);
    expect(html).not.toContain('data-format="aiken"');
    expect(html).not.toContain('batch.js');
  });
});
