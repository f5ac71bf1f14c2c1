import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestDatabase } from '../../helpers/db.js';
import { answerText, demoQuestion, readAsk } from '../../../src/quiz/demo-model.js';
import type { ScriptFn } from '../../../src/model/scripted-server.js';
import { callsOf, startPipeline, type Pipeline } from './harness.js';

const getDb = useTestDatabase();
let p: Pipeline;

beforeAll(async () => {
  // A short client timeout so the timeout case is quick.
  p = await startPipeline(getDb().database, { model: { timeoutMs: 400 } });
});
afterAll(async () => {
  if (p !== undefined) await p.stop();
});

const good: ScriptFn = ({ body }) => {
  const ask = readAsk(body);
  return { content: answerText(Array.from({ length: ask.count }, (_, i) => demoQuestion(ask.topic, i + 1, ask.options))) };
};

/** Fails the first call of each topic with `first`, then answers well; records arrival times. */
function failOnce(first: ReturnType<ScriptFn>, times: number[]): ScriptFn {
  let n = 0;
  return (req) => {
    times.push(Date.now());
    n += 1;
    return n === 1 ? first : good(req);
  };
}

async function runOne(topic: string, maxAttempts = 1) {
  const batch = await p.submit({ topic, count: 2, maxAttempts });
  const done = await p.waitFor(batch.id, ['succeeded', 'failed']);
  const chunk = done.jobs.find((j) => j.kind === 'chunk');
  const calls = await callsOf(getDb().database, chunk?.id ?? -1);
  return { done, chunk, calls };
}

describe('failure policy', () => {
  it('a refusal dead-letters at once with reason refusal', async () => {
    p.script(() => ({ refusal: 'I cannot help with that request.' }));
    const { done, chunk, calls } = await runOne('Refused topic', 3);
    expect(done.status).toBe('failed');
    expect(chunk?.attempts).toBe(1);
    expect(calls).toHaveLength(1);
    const entry = await p.service.dlqGet(chunk?.id ?? -1);
    expect(entry?.reason).toBe('refusal');
    expect(entry?.lastError?.message).toContain('I cannot help with that request.');
    expect(entry?.attempts[0]?.error).toMatchObject({ kind: 'refusal' });
  });

  it('a content filter stop dead-letters at once with reason refusal', async () => {
    p.script(() => ({ content: '', finishReason: 'content_filter' }));
    const { done, calls } = await runOne('Filtered topic', 3);
    expect(done.status).toBe('failed');
    expect(calls).toHaveLength(1);
    const dead = done.jobs.find((j) => j.state === 'dead');
    expect((await p.service.dlqGet(dead?.id ?? -1))?.reason).toBe('refusal');
  });

  it('a truncated answer counts as an attempt and the next call gets a larger token limit', async () => {
    const limits: number[] = [];
    let n = 0;
    p.script((req) => {
      limits.push(readAsk(req.body).maxTokens ?? -1);
      n += 1;
      return n === 1 ? { content: '{"questions": [{"question": "Cut off', finishReason: 'length' } : good(req);
    });
    const { done, calls } = await runOne('Long topic', 2);
    expect(done.status).toBe('succeeded');
    expect(limits).toHaveLength(2);
    expect(limits[1]).toBe((limits[0] ?? 0) * 2);
    expect(calls.map((c) => [c.counted, c.finish_reason])).toEqual([
      [true, 'length'],
      [true, 'stop'],
    ]);
    expect((calls[0]?.error as { kind: string }).kind).toBe('truncated');
  });

  it('truncation uses up the budget like any attempt', async () => {
    p.script(() => ({ content: '{"questions": [', finishReason: 'length' }));
    const { done, calls } = await runOne('Endless topic', 2);
    expect(done.status).toBe('failed');
    expect(calls).toHaveLength(2);
    const dead = done.jobs.find((j) => j.state === 'dead');
    expect((await p.service.dlqGet(dead?.id ?? -1))?.reason).toBe('validation');
  });

  it('429 with Retry-After is retried after that delay and is not counted as a repair attempt', async () => {
    const times: number[] = [];
    p.script(failOnce({ status: 429, error: { message: 'slow down' }, headers: { 'retry-after': '1' } }, times));
    const { done, chunk, calls } = await runOne('Rate limited topic', 1);
    expect(done.status).toBe('succeeded');
    expect(times).toHaveLength(2);
    expect((times[1] ?? 0) - (times[0] ?? 0)).toBeGreaterThanOrEqual(950);
    expect(chunk?.attempts).toBe(2);
    expect(calls.map((c) => c.counted)).toEqual([false, true]);
    expect(calls[0]?.error).toMatchObject({ kind: 'rate_limited', status: 429, retryAfterMs: 1000 });
  });

  it.each([
    ['500', { status: 500, error: { message: 'internal' } }],
    ['503', { status: 503, error: { message: 'overloaded' } }],
    ['a timeout', { delayMs: 1_500, content: '{}' }],
    ['a dropped connection', { destroySocket: true as const }],
  ])('%s is retried by the engine, not counted, and the chunk then succeeds', async (_label, first) => {
    const times: number[] = [];
    p.script(failOnce(first, times));
    const { done, chunk, calls } = await runOne(`Transient ${_label}`, 1);
    expect(done.status).toBe('succeeded');
    expect(chunk?.attempts).toBe(2);
    expect(calls.map((c) => c.counted)).toEqual([false, true]);
  });

  it.each([
    [401, 'unauthorized', 'Incorrect API key provided'],
    [403, 'forbidden', 'Project does not have access'],
    [404, 'not_found', 'The model `nope` does not exist'],
    [400, 'bad_request', "Invalid schema for response_format 'quiz'"],
  ])('%i dead-letters at once with reason provider and the provider message', async (status, kind, message) => {
    p.script(() => ({ status, error: { message } }));
    const { done, chunk, calls } = await runOne(`Provider ${status}`, 3);
    expect(done.status).toBe('failed');
    expect(chunk?.attempts).toBe(1);
    expect(calls).toHaveLength(1);
    const entry = await p.service.dlqGet(chunk?.id ?? -1);
    expect(entry?.reason).toBe('provider');
    expect(entry?.lastError?.message).toContain(message);
    expect(entry?.attempts[0]?.error).toMatchObject({ kind, status });
  });

  it('the worker survives hostile output of every shape', async () => {
    const nul = { ...demoQuestion('Hostile output', 1), question: 'Which byte is \u0000 here, said the model?' };
    const outputs = [
      '',
      'null',
      '{"questions": "x"}',
      'not json at all',
      '\u0000\uFFFF',
      '{"questions": [null, 1, "\\ud800"], "\\udc00": "\\u0000"}',
      answerText([nul, { ...demoQuestion('Hostile output', 2), options: ['<script>alert(1)</script>', 'b', 'b', 'c'] }]),
    ];
    let n = 0;
    p.script(() => ({ content: outputs[n++ % outputs.length] ?? '' }));
    const { done, calls } = await runOne('Hostile output', 7);
    expect(done.status).toBe('failed');
    expect(calls).toHaveLength(7);
    expect(p.server?.requests.filter((r) => readAsk(r.body as never).topic === 'Hostile output')).toHaveLength(7);
    expect(String(calls[4]?.raw_output)).toBe('\uFFFD\uFFFF');
    expect(calls.every((c) => Array.isArray(c.issues) && (c.issues as unknown[]).length > 0)).toBe(true);
  });
});
