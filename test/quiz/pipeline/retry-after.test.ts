import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveQuizConfig } from '../../../src/quiz/config.js';
import { answerText, demoQuestion, readAsk } from '../../../src/quiz/demo-model.js';
import type { ScriptFn } from '../../../src/model/scripted-server.js';
import { useTestDatabase } from '../../helpers/db.js';
import { callsOf, startPipeline, type Pipeline } from './harness.js';

const getDb = useTestDatabase();
let p: Pipeline;
const CAP_MS = 800;

beforeAll(async () => {
  p = await startPipeline(getDb().database, { quiz: { maxRetryAfterMs: CAP_MS } });
});
afterAll(async () => {
  if (p !== undefined) await p.stop();
});

const good: ScriptFn = ({ body }) => {
  const ask = readAsk(body);
  return { content: answerText(Array.from({ length: ask.count }, (_, i) => demoQuestion(ask.topic, i + 1, ask.options))) };
};

describe('a provider Retry-After beyond the cap', () => {
  it('is clamped: the chunk is retried after the cap, not a day later, and the transcript says so', async () => {
    const times: number[] = [];
    let n = 0;
    p.script((req) => {
      times.push(Date.now());
      n += 1;
      return n === 1 ? { status: 429, error: { message: 'come back tomorrow' }, headers: { 'retry-after': '86400' } } : good(req);
    });
    const batch = await p.submit({ topic: 'Clamped Retry-After', count: 2, maxAttempts: 1 });
    const done = await p.waitFor(batch.id, ['succeeded', 'failed'], 15_000);
    expect(done.status).toBe('succeeded');
    expect(times).toHaveLength(2);
    expect((times[1] ?? 0) - (times[0] ?? 0)).toBeGreaterThanOrEqual(CAP_MS - 50);
    const chunk = done.jobs.find((j) => j.kind === 'chunk');
    const calls = await callsOf(getDb().database, chunk?.id ?? -1);
    expect(calls[0]?.error).toMatchObject({
      kind: 'rate_limited',
      status: 429,
      retryAfterMs: CAP_MS,
      requestedRetryAfterMs: 86_400_000,
    });
    expect((calls[0]?.error as { message: string }).message).toContain(`Retry-After of 86400000 ms clamped to ${CAP_MS} ms`);
  }, 30_000);

  it('reads the cap from QUIZFORGE_MAX_RETRY_AFTER_MS, default 5 minutes', () => {
    expect(resolveQuizConfig({}).maxRetryAfterMs).toBe(300_000);
    expect(resolveQuizConfig({ QUIZFORGE_MAX_RETRY_AFTER_MS: '60000' }).maxRetryAfterMs).toBe(60_000);
    expect(() => resolveQuizConfig({ QUIZFORGE_MAX_RETRY_AFTER_MS: 'soon' })).toThrow(/QUIZFORGE_MAX_RETRY_AFTER_MS/);
  });
});
