import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestDatabase } from '../../helpers/db.js';
import { answerPositionShares } from '../../../src/quiz/balance.js';
import { answerText, demoQuestion, readAsk } from '../../../src/quiz/demo-model.js';
import { batchEventTypes, callsOf, singles, startPipeline, type Pipeline } from './harness.js';

const getDb = useTestDatabase();
let p: Pipeline;

beforeAll(async () => {
  p = await startPipeline(getDb().database);
});
afterAll(async () => {
  if (p !== undefined) await p.stop();
});

describe('a batch whose chunks succeed on the first try', () => {
  it('runs chunks then assemble, stores the quiz, sums usage and records every call', async () => {
    let n = 0;
    p.script(({ body }) => {
      const ask = readAsk(body);
      const qs = Array.from({ length: ask.count }, () => demoQuestion(ask.topic, ++n, ask.options, 1));
      return { content: answerText(qs), usage: { promptTokens: 100, completionTokens: 40 * ask.count } };
    });
    const submitted = await p.submit({ topic: 'Tides', count: 12 });
    expect(submitted.status).toBe('queued');
    expect(submitted.jobs.map((j) => j.kind)).toEqual(['chunk', 'chunk', 'chunk', 'assemble']);
    const done = await p.waitFor(submitted.id, ['succeeded', 'failed']);
    expect(done.status).toBe('succeeded');
    expect(done.questions).toHaveLength(12);
    expect(done.usage).toMatchObject({ promptTokens: 300, completionTokens: 480, modelCalls: 3, cachedTokens: 0, reasoningTokens: 0 });
    // `scripted-model` is in no price table: its cost is unknown (null), never 0.
    expect(done.usage).toMatchObject({ costUsd: null, unpricedCalls: 3 });
    // Chunk order is kept: question texts 1..12 in position order, whichever chunk ran first.
    const numbers = singles(done.questions).map((q) => Number(/Question (\d+)/.exec(q.question)?.[1]));
    expect(new Set(numbers).size).toBe(12);
    // Every shuffle kept its correct option.
    for (const q of singles(done.questions)) expect(q.options[q.correctAnswer]).toMatch(/^Statement B /);
    // The model always answered "B"; assemble spread the answers evenly (3 of 12 per position).
    expect(answerPositionShares(singles(done.questions), 4)).toEqual([0.25, 0.25, 0.25, 0.25]);

    const requests = p.server?.requests ?? [];
    expect(requests).toHaveLength(3);
    for (const r of requests) {
      const body = r.body as Record<string, unknown>;
      expect(body.model).toBe('scripted-model');
      expect(body.response_format).toMatchObject({ type: 'json_schema', json_schema: { name: 'quiz', strict: true } });
      expect(typeof body.max_completion_tokens).toBe('number');
      expect(r.headers['x-quizforge-fixture-meta']).toBeUndefined();
    }
    const sizes = requests.map((r) => readAsk(r.body as never).count).sort();
    expect(sizes).toEqual([2, 5, 5]);

    const chunk = done.jobs.find((j) => j.kind === 'chunk');
    const calls = await callsOf(getDb().database, chunk?.id ?? -1);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ kind: 'generate', counted: true, finish_reason: 'stop', epoch: 0, n: 1, model: 'scripted-model' });
    expect(calls[0]?.prompt_version).toMatch(/^[0-9a-f]{12}$/);
    expect(calls[0]?.issues).toEqual([]);
    expect(JSON.stringify(calls[0]?.messages)).toContain('<topic>\\nTides\\n</topic>');

    const events = await batchEventTypes(getDb().database, done.id);
    expect(events.filter((t) => t === 'batch.succeeded')).toHaveLength(1);
  });

  it('returns the same batch for the same idempotency key, and refuses a different body', async () => {
    const a = await p.service.submit({ topic: 'Key', count: 1, difficulty: 'medium', options: 4, language: 'en', maxAttempts: 3 }, {
      idempotencyKey: 'k-1',
    });
    const b = await p.service.submit({ topic: 'Key', count: 1, difficulty: 'medium', options: 4, language: 'en', maxAttempts: 3 }, {
      idempotencyKey: 'k-1',
    });
    expect(a.created).toBe(true);
    expect(b.created).toBe(false);
    expect(b.batch.id).toBe(a.batch.id);
    await expect(
      p.service.submit({ topic: 'Key', count: 2, difficulty: 'medium', options: 4, language: 'en', maxAttempts: 3 }, {
        idempotencyKey: 'k-1',
      }),
    ).rejects.toThrow(/already used/);
    const page = await p.service.list({ limit: 1 });
    expect(page.items).toHaveLength(1);
    expect(page.items[0]?.id).toBe(a.batch.id);
    expect(page.nextCursor).not.toBeNull();
    const next = await p.service.list({ limit: 10, cursor: page.nextCursor });
    expect(next.items.map((i) => i.topic)).toContain('Tides');
    expect(next.nextCursor).toBeNull();
  });
});
