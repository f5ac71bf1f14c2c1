import { Registry } from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';
import { PermanentError, createEngine } from '../../src/engine/index.js';
import { createApp } from '../../src/http/app.js';
import { createLogger } from '../../src/log.js';
import { createQuizService } from '../../src/quiz/service.js';
import { useTestDatabase } from '../helpers/db.js';

const getDb = useTestDatabase();
const engines: Array<{ close(): Promise<void> }> = [];
afterAll(async () => {
  for (const e of engines) await e.close();
});

describe('DLQ replay with a budget override of a job that is not a quiz job', () => {
  it('is refused with 422 in the envelope, not a 500', async () => {
    const database = getDb().database;
    const engine = createEngine({ database });
    engines.push(engine);
    const quiz = createQuizService({ engine, database });
    const app = createApp({ quiz, engine, database, registry: new Registry(), logger: createLogger({ level: 'silent' }), auth: { apiKeys: [], adminKeys: [] } });
    await engine.enqueue({ queue: 'not-a-quiz', payload: { anything: true }, maxAttempts: 1 });
    const [job] = await engine.claim(['not-a-quiz']);
    if (!job) throw new Error('no job claimed');
    await engine.failJob(job, new PermanentError('test', 'dead on purpose'));
    const res = await app.request(`/v1/dlq/${job.id}/replay`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ maxAttempts: 2 }),
    });
    expect(res.status).toBe(422);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('validation_failed');
    expect(body.error.message).toMatch(/only be overridden for quiz jobs/);
    // Without the override it replays.
    const plain = await app.request(`/v1/dlq/${job.id}/replay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(plain.status).toBe(202);
  });
});
