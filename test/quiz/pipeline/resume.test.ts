import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestDatabase } from '../../helpers/db.js';
import { queryRows } from '../../../src/db/rows.js';
import { createEngine, silentLogger, type Engine } from '../../../src/engine/index.js';
import { createModelClient } from '../../../src/model/client.js';
import { startScriptedServer, type ScriptFn, type ScriptedServer } from '../../../src/model/scripted-server.js';
import { DEFAULT_QUIZ_CONFIG } from '../../../src/quiz/config.js';
import { answerText, demoQuestion, readAsk } from '../../../src/quiz/demo-model.js';
import { QUEUES } from '../../../src/quiz/payloads.js';
import { createQuizService, type QuizService } from '../../../src/quiz/service.js';
import { BatchRequestSchema } from '../../../schemas/batch-request.js';
import { callsOf, sleep } from './harness.js';

const getDb = useTestDatabase();
let server: ScriptedServer;
let engine: Engine;
let service: QuizService;
let script: ScriptFn = () => ({ status: 500, error: { message: 'unset' } });

beforeAll(async () => {
  server = await startScriptedServer((r) => script(r));
  const database = getDb().database;
  engine = createEngine({ database, config: { retryBaseMs: 50, retryMaxMs: 100, leaseMs: 2_000, heartbeatMs: 500, pollMs: 50 } });
  const modelClient = createModelClient({
    mode: 'live',
    baseURL: server.url,
    apiKey: 'k',
    model: 'scripted-model',
    timeoutMs: 10_000,
    fixturesDir: '/nonexistent',
  });
  service = createQuizService({ engine, database, modelClient, config: { ...DEFAULT_QUIZ_CONFIG, retryBaseMs: 50, retryMaxMs: 100 } });
});
afterAll(async () => {
  // Guarded: when beforeAll failed (e.g. no database), there is nothing to close.
  if (engine !== undefined) await engine.close();
  if (server !== undefined) await server.close();
});

const wrong = (count: number) =>
  answerText(Array.from({ length: count }, (_, i) => ({ ...demoQuestion('Crash', i + 1), correctAnswer: 9 })));

describe('a worker that dies mid-loop', () => {
  it('resumes from the recorded draft and still makes at most maxAttempts counted calls', async () => {
    // First life: one bad answer, then the process "dies" while the second call is in flight.
    script = ({ n, body }) => (n === 1 ? { content: wrong(readAsk(body).count) } : { delayMs: 5_000, content: '{}' });
    const { batch } = await service.submit(BatchRequestSchema.parse({ topic: 'Crash', count: 2, maxAttempts: 2 }));
    const [job] = await engine.claim([QUEUES.chunk], { workerId: 'doomed', leaseMs: 2_000 });
    if (!job) throw new Error('no chunk claimed');
    const task = service.tasks()[QUEUES.chunk];
    const crash = new AbortController();
    const running = task?.handler(job, { signal: crash.signal, parents: [], workerId: 'doomed', log: silentLogger });
    while (server.requests.length < 2) await sleep(20);
    crash.abort(new Error('SIGKILL'));
    await expect(running).rejects.toThrow();
    // Nothing reported to the engine: its lease runs out and the reaper gives the job back.
    await queryRows(getDb().database.db, sql`update jobs set lease_expires_at = now() - interval '1 second' where id = ${job.id}`);
    await engine.reap();

    // Second life: a worker that keeps getting bad answers.
    script = ({ body }) => ({ content: wrong(readAsk(body).count) });
    const worker = engine.createWorker({ tasks: service.tasks(), concurrency: 1, pollMs: 50 });
    await worker.start();
    try {
      const until = Date.now() + 10_000;
      while ((await service.get(batch.id))?.status !== 'failed' && Date.now() < until) await sleep(50);
    } finally {
      await worker.stop({ graceMs: 500 });
    }
    const rows = await callsOf(getDb().database, job.id);
    // One counted call in the first life; the in-flight one is recorded as started and, since the
    // handler's abort cancelled it before any answer, as aborted and not counted; exactly one more
    // in the second: the resumed repair, not a fresh start.
    expect(rows.map((r) => [r.job_attempt, r.kind, r.counted])).toEqual([
      [1, 'generate', true],
      [1, 'repair', false],
      [2, 'repair', true],
    ]);
    expect(rows[1]?.error).toMatchObject({ kind: 'aborted' });
    expect(rows.map((r) => r.n)).toEqual([1, 2, 3]);
    const entry = await service.dlqGet(job.id);
    expect(entry?.reason).toBe('validation');
    expect(server.requests).toHaveLength(3);
  });

  it('a chunk that already reached a valid draft completes without calling the model again', async () => {
    script = ({ body }) => ({ content: answerText(Array.from({ length: readAsk(body).count }, (_, i) => demoQuestion('Done', i + 1))) });
    const { batch } = await service.submit(BatchRequestSchema.parse({ topic: 'Done', count: 2 }));
    const [job] = await engine.claim([QUEUES.chunk], { workerId: 'first', leaseMs: 2_000 });
    if (!job) throw new Error('no chunk claimed');
    const task = service.tasks()[QUEUES.chunk];
    const ctx = { signal: new AbortController().signal, parents: [], workerId: 'first', log: silentLogger };
    const first = await task?.handler(job, ctx);
    // The run's last outcome write lands after the handler returns (the engine waits for it
    // before completing): the draft is recorded once it has.
    await first?.pending;
    const before = server.requests.length;
    // The completion never happened (crash); the job runs again, as its next attempt (a first
    // run with no history skips the resume reads, so the re-run must look like a real one).
    const again = await task?.handler({ ...job, attempt: job.attempt + 1 }, ctx);
    expect(server.requests.length).toBe(before);
    expect((again?.result as { questions: unknown[] }).questions).toHaveLength(2);
    // Nothing was completed: the chunk is still held and the batch (read now, not the submit-time
    // snapshot) has not succeeded.
    expect((await engine.getJob(job.id))?.state).toBe('running');
    const now = await service.get(batch.id);
    expect(now?.status).not.toBe('succeeded');
    expect(now?.questions ?? []).toHaveLength(0);
  });
});
